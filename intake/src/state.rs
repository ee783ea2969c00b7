//! What every request handler shares: the configuration, the index, the
//! report files, the receipt key and the inbox's templates; and who is asking.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use testigo_core::signing::SigningKey;

use crate::blobs::Blobs;
use crate::config::Config;
use crate::db::Db;
use crate::index::Index;
use crate::keys;

/// What every request handler shares.
#[derive(Clone)]
pub struct State {
    /// The server's folder.
    pub dir: PathBuf,
    /// Its configuration.
    pub config: Arc<Config>,
    /// The index.
    pub index: Index,
    /// Report files and chunks.
    pub blobs: Blobs,
    /// The receipt key.
    pub receipt_key: Arc<SigningKey>,
    /// The templates of the staff inbox.
    pub pages: Arc<minijinja::Environment<'static>>,
}

impl State {
    /// Opens the storage the configuration names.
    pub async fn open(dir: &std::path::Path) -> Result<State> {
        let config = Config::read(dir)?;
        let db = match &config.storage.postgres {
            Some(pg) => Db::postgres(pg)?,
            None => Db::sqlite(&dir.join("index.db"))?,
        };
        let blobs = match &config.storage.s3 {
            Some(s3) => Blobs::s3(s3)?,
            None => Blobs::folder(&dir.join("store"))?,
        };
        Ok(State {
            dir: dir.to_path_buf(),
            config: Arc::new(config),
            index: Index::open(db).await?,
            blobs,
            receipt_key: Arc::new(keys::receipt_key(dir)?),
            pages: Arc::new(crate::pages::environment()),
        })
    }
}

/// The client's address: the connection's, or the last hop that the
/// reverse proxy added to `X-Forwarded-For` when `behind_proxy` is set.
pub struct ClientIp(pub String);

impl FromRequestParts<State> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &State) -> Result<Self, Self::Rejection> {
        if state.config.behind_proxy
            && let Some(ip) = forwarded_for(&parts.headers)
        {
            return Ok(ClientIp(ip));
        }
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientIp(peer))
    }
}

/// The last address in `X-Forwarded-For`: the one the reverse proxy added.
pub fn forwarded_for(h: &axum::http::HeaderMap) -> Option<String> {
    h.get("X-Forwarded-For")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .map(str::trim)
        .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
        .map(str::to_string)
}
