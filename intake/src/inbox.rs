//! The staff inbox: server-rendered pages (minijinja templates, escaped),
//! in Spanish or English, behind a login. Passwords are Argon2id hashes;
//! a session is a random token in an `HttpOnly`, `SameSite=Strict` cookie
//! (`Secure` with TLS) whose SHA-256 the index keeps, for eight hours;
//! every form carries a CSRF token that must match the session's (the
//! login form's matches a cookie of its own). Nothing a reporter sent is
//! ever rendered as HTML.

use std::collections::HashMap;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use axum::Form;
use axum::body::Body;
use axum::extract::{Path, Query, State as Extract};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use futures_util::StreamExt as _;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::blobs::report_key;
use crate::index::{Report, STATUSES};
use crate::state::State;

const SESSION_COOKIE: &str = "testigo_session";
const LOGIN_CSRF_COOKIE: &str = "testigo_login_csrf";
const LANG_COOKIE: &str = "testigo_lang";
const SESSION_HOURS: i64 = 8;

/// The inbox's routes.
pub fn routes() -> axum::Router<State> {
    axum::Router::new()
        .route("/inbox", get(list))
        .route("/inbox/login", get(login_page).post(login))
        .route("/inbox/logout", post(logout))
        .route("/inbox/reports/{id}", get(show))
        .route("/inbox/reports/{id}/status", post(set_status))
        .route("/inbox/reports/{id}/file", get(download))
        .route("/inbox/reports/{id}/packet.pdf", get(packet))
}

/// Hashes a staff password (Argon2id, a random salt) for the index.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

fn check_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::fill(&mut b);
    hex::encode(b)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn cookies(h: &HeaderMap) -> HashMap<String, String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn cookie(state: &State, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.config.tls.is_some() {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/inbox; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .unwrap_or(HeaderValue::from_static(""))
}

fn same(a: &str, b: &str) -> bool {
    !a.is_empty() && a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[derive(Deserialize, Default)]
struct LangQuery {
    lang: Option<String>,
}

/// Spanish unless the person chose English (`?lang=en`, remembered in a
/// cookie) or their browser asks for English first.
fn lang(h: &HeaderMap, q: &LangQuery) -> &'static str {
    let pick = |s: &str| if s.starts_with("en") { "en" } else { "es" };
    if let Some(l) = &q.lang {
        return pick(l);
    }
    if let Some(l) = cookies(h).get(LANG_COOKIE) {
        return pick(l);
    }
    h.get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(|v| pick(v.trim()))
        .unwrap_or("es")
}

fn strings(lang: &str) -> Value {
    let es = lang != "en";
    let s = |e: &str, en: &str| if es { e.to_string() } else { en.to_string() };
    json!({
        "title": s("Bandeja de reportes", "Report inbox"),
        "logout": s("Salir", "Log out"),
        "login_title": s("Entrar a la bandeja", "Log in to the inbox"),
        "user": s("Usuario", "User"),
        "password": s("Contraseña", "Password"),
        "login": s("Entrar", "Log in"),
        "reports": s("Reportes recibidos", "Reports received"),
        "received": s("Recibido", "Received"),
        "case": s("Caso", "Case"),
        "items": s("Elementos", "Items"),
        "verification": s("Verificación", "Verification"),
        "status": s("Estado del trámite", "Status"),
        "receipt": s("Acuse de recibo", "Receipt"),
        "unnamed": s("(sin nombre)", "(no name)"),
        "empty": s("Todavía no ha llegado ningún reporte.", "No report has arrived yet."),
        "back": s("Todos los reportes", "All reports"),
        "report_id": s("Id del reporte", "Report id"),
        "size": s("Tamaño", "Size"),
        "signer": s("Firmado por", "Signed by"),
        "sealed": s("Sellado", "Sealed"),
        "encrypted": s("Llegó cifrado", "Arrived encrypted"),
        "yes": s("sí", "yes"),
        "no": s("no", "no"),
        "download": s("Descargar el reporte sellado", "Download the sealed report"),
        "packet": s("Abrir el expediente (PDF)", "Open the packet (PDF)"),
        "save": s("Guardar", "Save"),
        "kind": s("Tipo", "Kind"),
        "posted": s("Publicado", "Posted"),
        "author": s("Autor", "Author"),
        "text": s("Texto", "Text"),
        "refused": s("No se aceptó el formulario", "The form was not accepted"),
    })
}

fn status_label(status: &str, lang: &str) -> String {
    let es = lang != "en";
    match (status, es) {
        ("received", true) => "recibido",
        ("received", false) => "received",
        ("in_review", true) => "en revisión",
        ("in_review", false) => "in review",
        ("closed", true) => "cerrado",
        ("closed", false) => "closed",
        _ => status,
    }
    .to_string()
}

/// An item's kind in the glossary's words (ARCHITECTURE.md).
fn kind_label(kind: &str, lang: &str) -> String {
    let es = lang != "en";
    match (kind, es) {
        ("screenshot", true) => "captura de pantalla",
        ("file", true) => "archivo",
        ("link", true) => "enlace",
        ("note", true) => "nota",
        ("screenshot", false) => "screenshot",
        ("file", false) => "file",
        ("link", false) => "link",
        ("note", false) => "note",
        (other, _) => other,
    }
    .to_string()
}

/// An RFC 3339 time as people read it: `2026-12-02 05:30 UTC`.
fn time_label(t: Option<&Value>) -> Option<String> {
    let t = t?.as_str()?;
    Some(
        chrono::DateTime::parse_from_rfc3339(t)
            .map(|d| {
                d.with_timezone(&chrono::Utc)
                    .format("%Y-%m-%d %H:%M UTC")
                    .to_string()
            })
            .unwrap_or_else(|_| t.to_string()),
    )
}

fn verification_label(v: &str, lang: &str) -> String {
    let es = lang != "en";
    match (v, es) {
        ("verified", true) => "verificado",
        ("verified", false) => "verified",
        (_, true) => "por verificar en una computadora del equipo",
        (_, false) => "to verify on a staff machine",
    }
    .to_string()
}

fn render(state: &State, name: &str, ctx: Value) -> Response {
    match state
        .pages
        .get_template(name)
        .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(&ctx))))
    {
        Ok(html) => {
            let mut r = Html(html).into_response();
            let h = r.headers_mut();
            h.insert("Content-Security-Policy", HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"));
            h.insert(
                "X-Content-Type-Options",
                HeaderValue::from_static("nosniff"),
            );
            h.insert("Referrer-Policy", HeaderValue::from_static("no-referrer"));
            h.insert("Cache-Control", HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => {
            eprintln!("testigo-intake: template {name}: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn base(state: &State, lang: &str) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("lang".into(), lang.into());
    m.insert("t".into(), strings(lang));
    m.insert("org".into(), state.config.name.clone().into());
    m
}

/// Remembers a language chosen with `?lang=`.
fn with_lang(mut r: Response, state: &State, q: &LangQuery, lang: &str) -> Response {
    if q.lang.is_some() {
        r.headers_mut().append(
            header::SET_COOKIE,
            cookie(state, LANG_COOKIE, lang, 31_536_000),
        );
    }
    r
}

/// A logged-in staff member: their name and the session's CSRF token.
struct Staff {
    user: String,
    csrf: String,
}

async fn staff(state: &State, h: &HeaderMap) -> Option<Staff> {
    let token = cookies(h).get(SESSION_COOKIE)?.clone();
    let (user, csrf) = state.index.session(&token_hash(&token)).await.ok()??;
    Some(Staff { user, csrf })
}

fn to_login() -> Response {
    Redirect::to("/inbox/login").into_response()
}

/// A form without its session's token: a page that says so, 403.
fn forbidden(state: &State, lang: &str) -> Response {
    let msg = if lang == "en" {
        "This form expired or did not come from this page; go back, reload it and try again."
    } else {
        "Este formulario caducó o no vino de esta página; regresa, recárgala e inténtalo de nuevo."
    };
    let mut ctx = base(state, lang);
    ctx.insert("message".into(), msg.into());
    let mut r = render(state, "refused.html", Value::Object(ctx));
    *r.status_mut() = StatusCode::FORBIDDEN;
    r
}

async fn login_page(
    Extract(state): Extract<State>,
    h: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = lang(&h, &q);
    login_form(&state, lang, None, "", &q)
}

/// The login form; after a failed attempt, with why and the name typed.
fn login_form(
    state: &State,
    lang: &str,
    error: Option<&str>,
    name: &str,
    q: &LangQuery,
) -> Response {
    let csrf = random_token();
    let mut ctx = base(state, lang);
    ctx.insert("csrf".into(), csrf.clone().into());
    ctx.insert("error".into(), error.into());
    ctx.insert("name".into(), name.into());
    let mut r = render(state, "login.html", Value::Object(ctx));
    if error.is_some() {
        *r.status_mut() = StatusCode::UNAUTHORIZED;
    }
    r.headers_mut().append(
        header::SET_COOKIE,
        cookie(state, LOGIN_CSRF_COOKIE, &csrf, 3600),
    );
    with_lang(r, state, q, lang)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    user: String,
    password: String,
}

async fn login(Extract(state): Extract<State>, h: HeaderMap, Form(f): Form<LoginForm>) -> Response {
    let q = LangQuery::default();
    let lang = lang(&h, &q);
    let expected = cookies(&h)
        .get(LOGIN_CSRF_COOKIE)
        .cloned()
        .unwrap_or_default();
    if !same(&f.csrf, &expected) {
        return forbidden(&state, lang);
    }
    let hash = state
        .index
        .password_hash(f.user.trim())
        .await
        .ok()
        .flatten();
    // A missing user costs the same work as a wrong password.
    let ok = match &hash {
        Some(h) => check_password(&f.password, h),
        None => {
            let _ = hash_password(&f.password);
            false
        }
    };
    if !ok {
        let msg = if lang == "en" {
            "Wrong user or password."
        } else {
            "Usuario o contraseña incorrectos."
        };
        return login_form(&state, lang, Some(msg), f.user.trim(), &q);
    }
    let token = random_token();
    let expires = (chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    if let Err(e) = state
        .index
        .create_session(
            &token_hash(&token),
            f.user.trim(),
            &random_token(),
            &expires,
        )
        .await
    {
        eprintln!("testigo-intake: {e:#}");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let mut r = Redirect::to("/inbox").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        cookie(&state, SESSION_COOKIE, &token, SESSION_HOURS * 3600),
    );
    r.headers_mut()
        .append(header::SET_COOKIE, cookie(&state, LOGIN_CSRF_COOKIE, "", 0));
    r
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(Extract(state): Extract<State>, h: HeaderMap, Form(f): Form<CsrfForm>) -> Response {
    let lang = lang(&h, &LangQuery::default());
    let Some(s) = staff(&state, &h).await else {
        return to_login();
    };
    if !same(&f.csrf, &s.csrf) {
        return forbidden(&state, lang);
    }
    if let Some(token) = cookies(&h).get(SESSION_COOKIE) {
        let _ = state.index.end_session(&token_hash(token)).await;
    }
    let mut r = to_login();
    r.headers_mut()
        .append(header::SET_COOKIE, cookie(&state, SESSION_COOKIE, "", 0));
    r
}

fn summary(r: &Report) -> Value {
    serde_json::from_str(&r.summary).unwrap_or(Value::Null)
}

fn report_view(r: &Report, lang: &str) -> Value {
    let s = summary(r);
    let items: Option<Vec<Value>> = s.get("item_list").and_then(Value::as_array).map(|list| {
        list.iter()
            .map(|it| {
                let mut it = it.clone();
                let kind = it.get("kind").and_then(Value::as_str).unwrap_or("");
                it["kind_label"] = kind_label(kind, lang).into();
                it["posted"] = time_label(it.get("posted_at")).into();
                it
            })
            .collect()
    });
    json!({
        "receipt_id": r.receipt_id,
        "report_id": r.report_id,
        "sha256": r.sha256,
        "size": r.size,
        "filename": r.filename,
        "key_id": r.key_id,
        "received_at": r.received_at,
        "received": time_label(Some(&r.received_at.clone().into())),
        "encrypted": r.encrypted,
        "verification": r.verification,
        "verification_label": verification_label(&r.verification, lang),
        "status": r.status,
        "status_label": status_label(&r.status, lang),
        "case": s.get("case"),
        "items": s.get("items"),
        "sealed_at": s.get("sealed_at"),
        "sealed": time_label(s.get("sealed_at")),
        "signer": s.pointer("/signer/name"),
        "item_list": items,
        "packet": s.get("packet").and_then(Value::as_bool).unwrap_or(false),
    })
}

async fn list(
    Extract(state): Extract<State>,
    h: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = lang(&h, &q);
    let Some(s) = staff(&state, &h).await else {
        return to_login();
    };
    let reports = match state.index.reports().await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("testigo-intake: {e:#}");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut ctx = base(&state, lang);
    ctx.insert("user".into(), s.user.into());
    ctx.insert("csrf".into(), s.csrf.into());
    ctx.insert(
        "reports".into(),
        reports
            .iter()
            .map(|r| report_view(r, lang))
            .collect::<Vec<_>>()
            .into(),
    );
    with_lang(
        render(&state, "list.html", Value::Object(ctx)),
        &state,
        &q,
        lang,
    )
}

async fn find(state: &State, id: &str) -> Option<Report> {
    if id.len() > 40 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    state.index.report(id).await.ok().flatten()
}

async fn show(
    Extract(state): Extract<State>,
    h: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = lang(&h, &q);
    let Some(s) = staff(&state, &h).await else {
        return to_login();
    };
    let Some(r) = find(&state, &id).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut ctx = base(&state, lang);
    ctx.insert("user".into(), s.user.into());
    ctx.insert("csrf".into(), s.csrf.into());
    ctx.insert("r".into(), report_view(&r, lang));
    ctx.insert(
        "statuses".into(),
        STATUSES
            .iter()
            .map(|v| json!({ "value": v, "label": status_label(v, lang) }))
            .collect::<Vec<_>>()
            .into(),
    );
    with_lang(
        render(&state, "show.html", Value::Object(ctx)),
        &state,
        &q,
        lang,
    )
}

#[derive(Deserialize)]
struct StatusForm {
    #[serde(default)]
    csrf: String,
    status: String,
}

async fn set_status(
    Extract(state): Extract<State>,
    h: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<StatusForm>,
) -> Response {
    let lang = lang(&h, &LangQuery::default());
    let Some(s) = staff(&state, &h).await else {
        return to_login();
    };
    if !same(&f.csrf, &s.csrf) {
        return forbidden(&state, lang);
    }
    if !STATUSES.contains(&f.status.as_str()) || find(&state, &id).await.is_none() {
        return StatusCode::BAD_REQUEST.into_response();
    }
    if let Err(e) = state.index.set_status(&id, &f.status, &s.user).await {
        eprintln!("testigo-intake: {e:#}");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    Redirect::to(&format!("/inbox/reports/{id}")).into_response()
}

/// A file name safe for `Content-Disposition`.
fn attachment(name: &str) -> HeaderValue {
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .take(100)
        .collect();
    let clean = if clean.is_empty() {
        "report.zip".into()
    } else {
        clean
    };
    HeaderValue::from_str(&format!("attachment; filename=\"{clean}\""))
        .unwrap_or(HeaderValue::from_static("attachment"))
}

async fn download(
    Extract(state): Extract<State>,
    h: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if staff(&state, &h).await.is_none() {
        return to_login();
    }
    let Some(r) = find(&state, &id).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match state.blobs.read(&report_key(&r.sha256)).await {
        Ok(stream) => {
            let body = Body::from_stream(stream.map(|r| r.map_err(std::io::Error::other)));
            let mut resp = body.into_response();
            let hd = resp.headers_mut();
            hd.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            hd.insert(header::CONTENT_DISPOSITION, attachment(&r.filename));
            hd.insert(header::CONTENT_LENGTH, HeaderValue::from(r.size));
            resp
        }
        Err(e) => {
            eprintln!("testigo-intake: {e:#}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn packet(Extract(state): Extract<State>, h: HeaderMap, Path(id): Path<String>) -> Response {
    if staff(&state, &h).await.is_none() {
        return to_login();
    }
    let Some(r) = find(&state, &id).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match crate::finish::packet_pdf(&state, &r).await {
        Ok(Some(pdf)) => {
            let mut resp = pdf.into_response();
            let hd = resp.headers_mut();
            hd.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            );
            hd.insert(
                "X-Content-Type-Options",
                HeaderValue::from_static("nosniff"),
            );
            hd.insert(
                "Content-Security-Policy",
                HeaderValue::from_static("sandbox"),
            );
            resp
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            eprintln!("testigo-intake: {e:#}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
