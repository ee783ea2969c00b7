//! Link capture: fetching a link's page when it is reported and keeping what
//! the server returned as a WARC file in the vault, with the facts that show
//! when and how it was captured.
//!
//! Main types: [`Capture`] (one capture as the vault records it, with its
//! [`Hop`]s), [`FetchOptions`], [`PageMeta`], [`PostUrl`], [`TlsFacts`] and
//! [`OEmbedFetch`].
//!
//! Functional core: [`platform`] (what a URL says), [`meta`] (what a page
//! says about itself, read by [`html_scan`] in linear time), [`oembed`]
//! (what an oEmbed answer says), [`warc`] (the file format), [`address`]
//! (which addresses a capture may be redirected to), [`budget`] (how much
//! of each body is kept). Imperative shell:
//! [`fetch`] (the network), [`tls`] (the verifier that records certificate
//! chains) and `record` (the vault: objects, rows, custody).

pub mod address;
pub mod budget;
pub mod fetch;
pub mod html_scan;
pub mod meta;
pub mod oembed;
pub mod options;
pub mod platform;
pub(crate) mod record;
pub mod tls;
pub mod warc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::model::format_time;
use crate::record::Meta;

pub use fetch::Fetched;
pub use meta::{MetaLimit, PageMeta};
pub use oembed::{OEmbedFetch, OEmbedFields, Purpose};
pub use options::{FetchOptions, SETTINGS};
pub use platform::{DerivedTime, PostUrl, parse_post_url};
pub use record::{AddedLinks, CaptureOutcome, LinkOutcome};
pub use tls::{PeerCertificate, TlsFacts};

/// One request of a capture and its answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Hop {
    /// The URL requested.
    pub url: String,
    /// The HTTP status; `null` when no answer came.
    pub status: Option<u16>,
    /// When it was requested.
    pub requested_at: DateTime<Utc>,
    /// The peer's IP address.
    pub remote_ip: Option<String>,
    /// The response headers, in order, as `[name, value]`.
    pub headers: Vec<(String, String)>,
    /// What went wrong in this request.
    pub error: Option<String>,
    /// Bytes of the body kept (as sent, content coding included).
    #[serde(default)]
    pub body_size: u64,
    /// Why the body is incomplete: `length` (a redirect's body past its
    /// 64 KiB, or the budget spent), `time`, `disconnect`.
    #[serde(default)]
    pub truncated: Option<String>,
}

/// One capture of a link, as kept in the vault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Capture {
    /// 1 for the first capture of the item, then 2, 3…
    pub seq: u32,
    /// What was fetched: the link's page, or an oEmbed endpoint an earlier
    /// capture announced (rows from before there were others read as `page`).
    pub purpose: Purpose,
    /// The URL asked for.
    pub requested_url: String,
    /// When fetching began.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: DateTime<Utc>,
    /// Every request, redirects included; the last is the final one.
    pub hops: Vec<Hop>,
    /// The URL of the last answer.
    pub final_url: Option<String>,
    /// The status of the last answer.
    pub status: Option<u16>,
    /// The IP address of the last answer (the proxy's, through a proxy).
    pub remote_ip: Option<String>,
    /// TLS facts of the last answer (https only).
    pub tls: Option<TlsFacts>,
    /// The last answer's `Content-Type`.
    pub content_type: Option<String>,
    /// Bytes of the last answer's body kept (as sent, content coding included).
    pub body_size: u64,
    /// Why the body is incomplete: `length` (over the cap), `time`, `disconnect`.
    pub truncated: Option<String>,
    /// Metadata of an HTML answer.
    pub metadata: Option<PageMeta>,
    /// For an oEmbed fetch: the endpoint, who announced it, and the fields
    /// of its answer.
    pub oembed: Option<OEmbedFetch>,
    /// What the final URL says (platform, handle, post id, derived time).
    pub post: Option<PostUrl>,
    /// Why the capture failed; `null` when it succeeded.
    pub error: Option<String>,
    /// The same in Spanish, when the reason has been translated (a refused
    /// redirect, a page over the budget); `null` otherwise.
    #[serde(default)]
    pub error_es: Option<String>,
    /// The proxy used, without credentials.
    pub via_proxy: Option<String>,
    /// The User-Agent sent.
    pub user_agent: String,
    /// SHA-256 of the WARC file; `null` when no answer came.
    pub warc_sha256: Option<String>,
    /// Size of the WARC file.
    pub warc_size: Option<u64>,
}

impl Capture {
    /// Describes a fetch of a link's page (everything but its number and WARC).
    pub fn from_fetched(f: &Fetched) -> Capture {
        let last = f.final_response();
        let hops = f
            .exchanges
            .iter()
            .map(|e| Hop {
                url: e.url.clone(),
                status: e.status,
                requested_at: e.requested_at,
                remote_ip: e.remote_ip.clone(),
                headers: e
                    .response_headers
                    .iter()
                    .map(|(k, v)| (k.clone(), String::from_utf8_lossy(v).into_owned()))
                    .collect(),
                error: e.error.clone(),
                body_size: e.body.len() as u64,
                truncated: e.truncated.map(|t| t.as_str().into()),
            })
            .collect();
        let content_type = last.and_then(|e| e.header("content-type"));
        let metadata = last.and_then(|e| {
            let decoded =
                meta::decode_body(&e.body, e.header("content-encoding").as_deref()).ok()?;
            meta::is_html(content_type.as_deref(), &decoded).then(|| {
                let base = url::Url::parse(&e.url).ok();
                let mut m = meta::extract(&decoded, base.as_ref());
                if decoded.len() as u64 >= meta::MAX_DECODED {
                    m.limits.insert(0, MetaLimit::DocumentCut);
                }
                m
            })
        });
        let final_url = last.map(|e| e.url.clone());
        Capture {
            seq: 0,
            purpose: Purpose::Page,
            requested_url: f.requested_url.clone(),
            started_at: f.started_at,
            finished_at: f.finished_at,
            hops,
            post: parse_post_url(final_url.as_deref().unwrap_or(&f.requested_url)),
            final_url,
            status: last.and_then(|e| e.status),
            remote_ip: last.and_then(|e| e.remote_ip.clone()),
            tls: last.and_then(|e| e.tls.clone()),
            content_type,
            body_size: last.map_or(0, |e| e.body.len() as u64),
            truncated: last.and_then(|e| e.truncated).map(|t| t.as_str().into()),
            metadata,
            oembed: None,
            error: f.error.clone(),
            error_es: f.error_es.clone(),
            via_proxy: f.via_proxy.clone(),
            user_agent: f.user_agent.clone(),
            warc_sha256: None,
            warc_size: None,
        }
    }
}

/// Fills the fields a post URL gives that `meta` leaves empty, and says which
/// (for the custody log).
pub(crate) fn fill_from_url(meta: &mut Meta, url: &str) -> Option<Value> {
    let post = parse_post_url(url)?;
    let given = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    let mut filled = serde_json::Map::new();
    if !given(&meta.platform) {
        meta.platform = Some(post.platform.clone());
        filled.insert("platform".into(), json!(post.platform));
    }
    if let Some(h) = &post.handle
        && !given(&meta.author)
    {
        meta.author = Some(h.clone());
        filled.insert("author".into(), json!(h));
    }
    if let Some(d) = &post.posted_at
        && meta.posted_at.is_none()
    {
        meta.posted_at = Some(Some(d.at));
        filled.insert(
            "posted_at".into(),
            json!({ "value": format_time(&d.at), "method": d.method }),
        );
    }
    (!filled.is_empty()).then(|| json!({ "filled_from_url": filled }))
}
