//! `testigo-intake serve`: the HTTP server. Routes:
//!
//! - `/uploads` (tus, see [`crate::tus`]);
//! - `GET /receipts/{id}`: a report's status and its signed receipt, for
//!   whoever holds the receipt id (no account; nothing about other reports);
//! - `/org.testigo-org`: the organization file;
//! - `/inbox/…`: the staff inbox (see [`crate::inbox`]).
//!
//! Every route has a body limit (uploads: the report limit, streamed;
//! the rest: 64 KiB), a per-address rate limit, and time limits for slow
//! clients. Abandoned uploads are removed after `upload_expiry_hours`, and
//! uploads whose bytes all arrived before a stop are finished at start,
//! before the server listens.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use axum::Json;
use axum::extract::{DefaultBodyLimit, Path, State as Extract};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, options};
use serde_json::json;
use testigo_core::submission::protocol;
use tower_governor::GovernorLayer;
use tower_governor::governor::GovernorConfigBuilder;

use crate::state::{State, forwarded_for};
use crate::tus;

/// The rate limit's key: the client's address, as [`ClientIp`] finds it
/// (a header is believed only behind a proxy the organization runs).
#[derive(Clone)]
struct RateKey {
    behind_proxy: bool,
}

impl tower_governor::key_extractor::KeyExtractor for RateKey {
    type Key = String;

    fn extract<T>(
        &self,
        req: &axum::http::Request<T>,
    ) -> Result<String, tower_governor::GovernorError> {
        if self.behind_proxy
            && let Some(ip) = forwarded_for(req.headers())
        {
            return Ok(ip);
        }
        req.extensions()
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .ok_or(tower_governor::GovernorError::UnableToExtractKey)
    }
}

/// `GET /receipts/{id}`.
async fn receipt_status(Extract(state): Extract<State>, Path(id): Path<String>) -> Response {
    if id.len() > 40 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match state.index.report(&id).await {
        Ok(Some(r)) => Json(json!({
            "receipt_id": r.receipt_id,
            "status": r.status,
            "received_at": r.received_at,
            "verification": r.verification,
            "receipt": { "json": r.receipt_json, "minisig": r.receipt_minisig },
        }))
        .into_response(),
        Ok(None) => tus::refuse(
            StatusCode::NOT_FOUND,
            "no report with that receipt here",
            "no hay ningún reporte con ese acuse aquí",
        ),
        Err(e) => {
            eprintln!("testigo-intake: {e:#}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `GET /org.testigo-org`.
async fn org_file(Extract(state): Extract<State>) -> Response {
    match std::fs::read_to_string(state.dir.join(crate::config::ORG_FILE)) {
        Ok(t) => ([("Content-Type", "application/json")], t).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The whole application.
pub fn router(state: State) -> axum::Router {
    let limits = &state.config.limits;
    let governor = Arc::new(
        GovernorConfigBuilder::default()
            .key_extractor(RateKey {
                behind_proxy: state.config.behind_proxy,
            })
            .per_millisecond((1000 / limits.requests_per_second).max(1))
            .burst_size(u32::try_from(limits.requests_per_second * 4).unwrap_or(u32::MAX))
            .finish()
            .expect("a rate limit above zero"),
    );
    let uploads = axum::Router::new()
        .route(
            protocol::UPLOADS_PATH,
            options(tus::options).post(tus::create),
        )
        .route(
            &format!("{}/{{id}}", protocol::UPLOADS_PATH),
            axum::routing::head(tus::head)
                .patch(tus::patch)
                .delete(tus::terminate),
        )
        .layer(DefaultBodyLimit::disable());
    let timeout = Duration::from_secs(limits.request_timeout_seconds);
    let rest = axum::Router::new()
        .route("/receipts/{id}", get(receipt_status))
        .route("/org.testigo-org", get(org_file))
        .merge(crate::inbox::routes())
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/inbox") }),
        )
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ));
    uploads
        .merge(rest)
        .layer(GovernorLayer::new(governor))
        .with_state(state)
}

/// [`sweep`] every minute (the first one runs before the server listens).
async fn housekeeping(state: State) {
    loop {
        tokio::time::sleep(Duration::from_secs(60)).await;
        if let Err(e) = sweep(&state).await {
            eprintln!("testigo-intake: housekeeping: {e:#}");
        }
    }
}

/// Finishes uploads whose bytes all arrived before the server stopped, and
/// removes those abandoned for longer than the expiry.
pub async fn sweep(state: &State) -> Result<()> {
    let expiry = chrono::Duration::hours(state.config.limits.upload_expiry_hours as i64);
    let before = (chrono::Utc::now() - expiry).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for u in state.index.stale_uploads(&before).await? {
        if u.receipt_id.is_some() {
            state.index.delete_upload(&u.id).await?;
        } else {
            tus::remove_upload(state, &u.id).await?;
        }
    }
    for u in state.index.complete_unfinished().await? {
        let _ = crate::finish::finish(state, &u).await?;
    }
    Ok(())
}

/// Serves until interrupted.
pub async fn serve(dir: &std::path::Path, listen: Option<&str>) -> Result<()> {
    let state = State::open(dir).await?;
    let addr: SocketAddr = listen
        .unwrap_or(&state.config.listen)
        .parse()
        .context("the listen address must be IP:PORT")?;
    // Uploads left whole by a stop are finished before anyone can ask
    // about them (a client's HEAD then sees the receipt).
    if let Err(e) = sweep(&state).await {
        eprintln!("testigo-intake: housekeeping: {e:#}");
    }
    tokio::spawn(housekeeping(state.clone()));
    let tls = state.config.tls.clone();
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stopper.graceful_shutdown(Some(Duration::from_secs(10)));
    });
    match tls {
        Some(t) => {
            let cfg = axum_server::tls_rustls::RustlsConfig::from_pem_file(&t.cert, &t.key)
                .await
                .context("cannot read the TLS certificate and key")?;
            eprintln!("testigo-intake: listening on https://{addr}");
            axum_server::bind_rustls(addr, cfg)
                .handle(handle)
                .serve(app)
                .await?;
        }
        None => {
            eprintln!("testigo-intake: listening on http://{addr}");
            axum_server::bind(addr).handle(handle).serve(app).await?;
        }
    }
    Ok(())
}
