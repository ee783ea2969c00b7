//! The tus 1.0 upload protocol (<https://tus.io/protocols/resumable-upload>):
//! the core protocol with the creation, checksum (sha1, sha256) and termination
//! extensions. Any tus client can send a report; Testigo's own outbox is one.
//!
//! Creating an upload needs `Upload-Length` and `Upload-Metadata` with the
//! report's `sha256` (hex), its `filename` and the sealing vault's `key_id`.
//! Each PATCH is stored as one chunk, durably, before the offset moves; a
//! PATCH with `Upload-Checksum` whose bytes do not match is refused with
//! 460 and nothing of it is kept. The PATCH that completes the upload
//! answers only once the report is verified and stored: 204 with the
//! receipt's id in `Testigo-Receipt-Id`, or 422 with the reason in English
//! and Spanish (and nothing kept).

use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State as Extract};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use futures_util::StreamExt as _;
use sha2::{Digest as _, Sha256};
use testigo_core::submission::protocol;

use crate::blobs::chunk_key;
use crate::finish::{Finished, Refusal, finish};
use crate::index::{self, Upload};
use crate::state::{ClientIp, State};

const TUS_VERSION: &str = "1.0.0";
const EXTENSIONS: &str = "creation,checksum,termination";
const CHECKSUM_MISMATCH: u16 = 460;

fn tus_headers(h: &mut HeaderMap) {
    h.insert("Tus-Resumable", HeaderValue::from_static(TUS_VERSION));
    h.insert("Cache-Control", HeaderValue::from_static("no-store"));
}

fn with_tus(status: StatusCode, mut extra: HeaderMap) -> Response {
    tus_headers(&mut extra);
    (status, extra).into_response()
}

/// An error for the client: a status and a reason in both languages.
pub fn refuse(status: StatusCode, en: impl Into<String>, es: impl Into<String>) -> Response {
    let mut h = HeaderMap::new();
    tus_headers(&mut h);
    (
        status,
        h,
        Json(Refusal {
            error: en.into(),
            error_es: es.into(),
        }),
    )
        .into_response()
}

fn internal(e: anyhow::Error) -> Response {
    eprintln!("testigo-intake: {e:#}");
    refuse(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the server could not store this; try again later",
        "el servidor no pudo guardar esto; inténtalo más tarde",
    )
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn check_version(h: &HeaderMap) -> Option<Response> {
    (header(h, "Tus-Resumable") != Some(TUS_VERSION)).then(|| {
        let mut extra = HeaderMap::new();
        extra.insert("Tus-Version", HeaderValue::from_static(TUS_VERSION));
        with_tus(StatusCode::PRECONDITION_FAILED, extra)
    })
}

/// `OPTIONS /uploads`: what this server speaks.
pub async fn options(Extract(state): Extract<State>) -> Response {
    let mut h = HeaderMap::new();
    h.insert("Tus-Version", HeaderValue::from_static(TUS_VERSION));
    h.insert("Tus-Extension", HeaderValue::from_static(EXTENSIONS));
    h.insert(
        "Tus-Checksum-Algorithm",
        HeaderValue::from_static("sha1,sha256"),
    );
    h.insert(
        "Tus-Max-Size",
        HeaderValue::from(state.config.limits.max_report_bytes),
    );
    with_tus(StatusCode::NO_CONTENT, h)
}

/// Reads `Upload-Metadata`: comma-separated `key base64value` pairs.
fn metadata(h: &HeaderMap) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    for pair in header(h, "Upload-Metadata").unwrap_or("").split(',') {
        let mut parts = pair.trim().splitn(2, ' ');
        let Some(key) = parts.next().filter(|k| !k.is_empty()) else {
            continue;
        };
        let value = parts
            .next()
            .and_then(|v| {
                base64::engine::general_purpose::STANDARD
                    .decode(v.trim())
                    .ok()
            })
            .and_then(|v| String::from_utf8(v).ok())
            .unwrap_or_default();
        out.insert(key.to_string(), value);
    }
    out
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `POST /uploads`: creates an upload.
pub async fn create(
    Extract(state): Extract<State>,
    ClientIp(ip): ClientIp,
    h: HeaderMap,
) -> Response {
    if let Some(r) = check_version(&h) {
        return r;
    }
    let Some(length) = header(&h, "Upload-Length").and_then(|v| v.parse::<u64>().ok()) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "Upload-Length is missing: this server needs the report's size up front",
            "falta Upload-Length: este servidor necesita el tamaño del reporte desde el principio",
        );
    };
    let limits = &state.config.limits;
    if length > limits.max_report_bytes {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the report is {length} bytes; this server takes up to {}",
                limits.max_report_bytes
            ),
            format!(
                "el reporte mide {length} bytes; este servidor recibe hasta {}",
                limits.max_report_bytes
            ),
        );
    }
    let meta = metadata(&h);
    let sha256 = meta
        .get(protocol::META_SHA256)
        .map(|s| s.to_ascii_lowercase())
        .unwrap_or_default();
    let key_id = meta
        .get(protocol::META_KEY_ID)
        .map(|s| s.to_ascii_uppercase())
        .unwrap_or_default();
    if !is_hex(&sha256, 64) || !is_hex(&key_id, 16) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "Upload-Metadata must give the report's sha256 (64 hex digits) and the sealing key's key_id (16 hex digits)",
            "Upload-Metadata debe dar el sha256 del reporte (64 dígitos hexadecimales) y el key_id de la clave que lo selló (16)",
        );
    }
    let filename: String = meta
        .get(protocol::META_FILENAME)
        .map(|f| f.chars().filter(|c| !c.is_control()).take(255).collect())
        .unwrap_or_default();
    let since = (chrono::Utc::now() - chrono::Duration::hours(24))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let quotas = async {
        Ok::<_, anyhow::Error>((
            state.index.ip_bytes_in_progress(&ip).await?,
            state.index.reporter_bytes(&key_id, &since).await?,
        ))
    };
    let (by_ip, by_reporter) = match quotas.await {
        Ok(q) => q,
        Err(e) => return internal(e),
    };
    if by_ip.saturating_add(length) > limits.ip_quota_bytes
        || by_reporter.saturating_add(length) > limits.reporter_quota_bytes
    {
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "this sender has too much in progress or sent today; finish or cancel the other uploads, or try again tomorrow",
            "este remitente tiene demasiado en curso o enviado hoy; termina o cancela los otros envíos, o inténtalo mañana",
        );
    }
    let now = index::now();
    let upload = Upload {
        id: ulid::Ulid::new().to_string(),
        length,
        offset: 0,
        sha256,
        filename,
        key_id,
        ip,
        created_at: now.clone(),
        touched_at: now,
        receipt_id: None,
    };
    if let Err(e) = state.index.create_upload(&upload).await {
        return internal(e);
    }
    let mut extra = HeaderMap::new();
    let location = format!("{}/{}", protocol::UPLOADS_PATH, upload.id);
    extra.insert(
        "Location",
        HeaderValue::from_str(&location).unwrap_or(HeaderValue::from_static("/")),
    );
    extra.insert("Upload-Offset", HeaderValue::from(0u64));
    with_tus(StatusCode::CREATED, extra)
}

fn offset_headers(u: &Upload) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("Upload-Offset", HeaderValue::from(u.offset));
    h.insert("Upload-Length", HeaderValue::from(u.length));
    if let Some(r) = u
        .receipt_id
        .as_deref()
        .and_then(|r| HeaderValue::from_str(r).ok())
    {
        h.insert(protocol::RECEIPT_ID_HEADER, r);
    }
    h
}

async fn find(state: &State, id: &str) -> Result<Upload, Response> {
    let not_found = || {
        refuse(
            StatusCode::NOT_FOUND,
            "no such upload here (it may have expired); start the submission again",
            "no hay tal envío aquí (puede haber caducado); empieza el envío de nuevo",
        )
    };
    if !id.bytes().all(|b| b.is_ascii_alphanumeric()) || id.len() > 40 {
        return Err(not_found());
    }
    match state.index.upload(id).await {
        Ok(Some(u)) => Ok(u),
        Ok(None) => Err(not_found()),
        Err(e) => Err(internal(e)),
    }
}

/// `HEAD /uploads/{id}`: how much has arrived.
pub async fn head(
    Extract(state): Extract<State>,
    Path(id): Path<String>,
    h: HeaderMap,
) -> Response {
    if let Some(r) = check_version(&h) {
        return r;
    }
    match find(&state, &id).await {
        Ok(u) => with_tus(StatusCode::OK, offset_headers(&u)),
        Err(r) => r,
    }
}

/// `DELETE /uploads/{id}`: the client gives up; everything of it goes.
pub async fn terminate(
    Extract(state): Extract<State>,
    Path(id): Path<String>,
    h: HeaderMap,
) -> Response {
    if let Some(r) = check_version(&h) {
        return r;
    }
    let u = match find(&state, &id).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    if u.receipt_id.is_some() {
        return refuse(
            StatusCode::CONFLICT,
            "this upload is finished and its report stored; it cannot be withdrawn here",
            "este envío terminó y su reporte está guardado; no se puede retirar desde aquí",
        );
    }
    match remove_upload(&state, &u.id).await {
        Ok(()) => with_tus(StatusCode::NO_CONTENT, HeaderMap::new()),
        Err(e) => internal(e),
    }
}

/// Removes an unfinished upload: its chunks, then its row.
pub async fn remove_upload(state: &State, id: &str) -> anyhow::Result<()> {
    for (start, _) in state.index.chunks(id).await? {
        state.blobs.delete(&chunk_key(id, start)).await?;
    }
    state.index.delete_upload(id).await
}

/// The checksum algorithms of the checksum extension: tus requires sha1;
/// Testigo's client sends sha256.
enum Algorithm {
    Sha1,
    Sha256,
}

/// Reads `Upload-Checksum: <algorithm> <base64 digest>`.
fn parse_checksum(v: &str) -> Option<(Algorithm, Vec<u8>)> {
    let (name, b64) = v.trim().split_once(' ')?;
    let (algorithm, len) = match name {
        "sha1" => (Algorithm::Sha1, 20),
        "sha256" => (Algorithm::Sha256, 32),
        _ => return None,
    };
    let digest = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    (digest.len() == len).then_some((algorithm, digest))
}

/// `PATCH /uploads/{id}`: the next bytes.
pub async fn patch(
    Extract(state): Extract<State>,
    Path(id): Path<String>,
    h: HeaderMap,
    body: Body,
) -> Response {
    if let Some(r) = check_version(&h) {
        return r;
    }
    if header(&h, "Content-Type") != Some("application/offset+octet-stream") {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "a PATCH must have Content-Type: application/offset+octet-stream",
            "un PATCH debe tener Content-Type: application/offset+octet-stream",
        );
    }
    let u = match find(&state, &id).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let Some(offset) = header(&h, "Upload-Offset").and_then(|v| v.parse::<u64>().ok()) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "Upload-Offset is missing",
            "falta Upload-Offset",
        );
    };
    if offset != u.offset || u.receipt_id.is_some() {
        return with_tus(StatusCode::CONFLICT, offset_headers(&u));
    }
    let checksum = match header(&h, "Upload-Checksum").map(parse_checksum) {
        None => None,
        Some(Some(c)) => Some(c),
        Some(None) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "Upload-Checksum must be `sha1` or `sha256` and a base64 digest",
                "Upload-Checksum debe ser `sha1` o `sha256` y un resumen en base64",
            );
        }
    };
    let room = u.length - u.offset;
    let idle = Duration::from_secs(state.config.limits.request_timeout_seconds);
    let key = chunk_key(&u.id, u.offset);
    let mut writer = match state.blobs.writer(&key).await {
        Ok(w) => w,
        Err(e) => return internal(e),
    };
    let mut sha1 = sha1::Sha1::new();
    let mut sha256 = Sha256::new();
    let mut received: u64 = 0;
    let mut cut = false;
    let mut stream = body.into_data_stream();
    loop {
        match tokio::time::timeout(idle, stream.next()).await {
            Ok(Some(Ok(bytes))) => {
                received += bytes.len() as u64;
                if received > room {
                    let _ = writer.abort().await;
                    return refuse(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "more bytes than the upload's length",
                        "más bytes que el tamaño del envío",
                    );
                }
                if let Some((algorithm, _)) = &checksum {
                    match algorithm {
                        Algorithm::Sha1 => sha1.update(&bytes),
                        Algorithm::Sha256 => sha256.update(&bytes),
                    }
                }
                if let Err(e) = writer.wait_for_capacity(2).await {
                    return internal(e.into());
                }
                writer.put(bytes);
            }
            Ok(None) => break,
            // The connection broke or went quiet: keep what arrived, unless
            // it was to be checked whole.
            Ok(Some(Err(_))) | Err(_) => {
                cut = true;
                break;
            }
        }
    }
    if let Some((algorithm, expected)) = &checksum {
        let got = match algorithm {
            Algorithm::Sha1 => sha1.finalize().to_vec(),
            Algorithm::Sha256 => sha256.finalize().to_vec(),
        };
        if cut || &got != expected {
            let _ = writer.abort().await;
            return if cut {
                with_tus(StatusCode::BAD_REQUEST, offset_headers(&u))
            } else {
                let mut r = refuse(
                    StatusCode::from_u16(CHECKSUM_MISMATCH).unwrap_or(StatusCode::BAD_REQUEST),
                    "the chunk's bytes do not match its Upload-Checksum; send it again",
                    "los bytes del fragmento no coinciden con su Upload-Checksum; envíalo de nuevo",
                );
                r.headers_mut().extend(offset_headers(&u));
                r
            };
        }
    }
    if received == 0 {
        let _ = writer.abort().await;
        // An empty PATCH on an upload whose bytes are all here (the server
        // stopped before finishing it) finishes it now.
        if u.offset == u.length {
            return complete(&state, u).await;
        }
        return with_tus(StatusCode::NO_CONTENT, offset_headers(&u));
    }
    if let Err(e) = writer.finish().await {
        return internal(e.into());
    }
    match state.index.advance(&u.id, u.offset, received).await {
        Ok(true) => {}
        Ok(false) => {
            // Another request moved the offset first; this chunk is not kept.
            let _ = state.blobs.delete(&key).await;
            return match find(&state, &id).await {
                Ok(now) => with_tus(StatusCode::CONFLICT, offset_headers(&now)),
                Err(r) => r,
            };
        }
        Err(e) => return internal(e),
    }
    let mut u = u;
    u.offset += received;
    if u.offset < u.length {
        return with_tus(StatusCode::NO_CONTENT, offset_headers(&u));
    }
    complete(&state, u).await
}

/// Finishes an upload whose bytes have all arrived, and answers for it.
pub async fn complete(state: &State, mut u: Upload) -> Response {
    match finish(state, &u).await {
        Ok(Finished::Stored(report)) => {
            u.receipt_id = Some(report.receipt_id.clone());
            with_tus(StatusCode::NO_CONTENT, offset_headers(&u))
        }
        Ok(Finished::Refused(r)) => refuse(StatusCode::UNPROCESSABLE_ENTITY, r.error, r.error_es),
        Err(e) => internal(e),
    }
}
