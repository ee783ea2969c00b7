//! The client side of tus 1.0 (creation, checksum with sha256): sends one
//! sealed report to an intake server, from wherever it stopped, in chunks
//! sized for the link, and fetches the receipt. No state of its own: the
//! outbox ([`super::outbox`]) keeps the upload's URL and offset between
//! calls, through [`Step`]s this module reports.

use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::StatusCode;
use sha2::{Digest as _, Sha256};

use super::protocol;
use super::receipt::SignedReceipt;
use crate::error::{Error, IoContext, Result};

/// The smallest and largest chunk sent, and the first.
pub const MIN_CHUNK: u64 = 64 * 1024;
/// The largest chunk.
pub const MAX_CHUNK: u64 = 8 * 1024 * 1024;
/// The first chunk's size.
pub const FIRST_CHUNK: u64 = 256 * 1024;

/// What the sending needs to know of the report.
pub struct Upload<'a> {
    /// The intake server's address (from the organization file).
    pub server: &'a str,
    /// The report file.
    pub path: &'a Path,
    /// Its SHA-256 (hex) and size, as queued.
    pub sha256: &'a str,
    /// Its size.
    pub size: u64,
    /// The key id of the vault that sealed it.
    pub key_id: &'a str,
    /// The file name sent.
    pub filename: &'a str,
}

/// Something that happened, for the outbox to record.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The server made an upload at this URL.
    Created(String),
    /// This many bytes are on the server; the next chunk will be this size.
    Sent {
        /// Bytes the server holds.
        offset: u64,
        /// The chunk size chosen for the link.
        chunk: u64,
    },
}

/// How a sending ended.
#[derive(Debug)]
pub enum Outcome {
    /// The report is stored; its receipt (not yet checked).
    Received(SignedReceipt),
    /// The server refused the report (it will refuse it again): why.
    Refused(Error),
    /// The link failed or the server is busy: try again later.
    Retry(Error),
    /// The upload the outbox knew is gone (expired): start a new one.
    Expired,
}

fn http_error(e: &reqwest::Error) -> Error {
    let mut text = e.to_string();
    let mut cur = std::error::Error::source(e);
    while let Some(s) = cur {
        let t = s.to_string();
        if !text.contains(&t) {
            text.push_str(": ");
            text.push_str(&t);
        }
        cur = s.source();
    }
    Error::invalid(
        format!("the organization's server could not be reached ({text}); it will be tried again"),
        format!("no se pudo llegar al servidor de la organización ({text}); se intentará de nuevo"),
    )
}

/// The reason a server gave, in both languages, or its status.
async fn refusal(r: reqwest::Response) -> Error {
    let status = r.status();
    let body = r.bytes().await.unwrap_or_default();
    let body = &body[..body.len().min(16 * 1024)];
    #[derive(serde::Deserialize)]
    struct Reason {
        error: String,
        error_es: String,
    }
    match serde_json::from_slice::<Reason>(body) {
        Ok(r) => Error::invalid(
            format!(
                "the organization's server refused the report: {}",
                crate::text::untrusted_line(&r.error, 500)
            ),
            format!(
                "el servidor de la organización rechazó el reporte: {}",
                crate::text::untrusted_line(&r.error_es, 500)
            ),
        ),
        Err(_) => Error::invalid(
            format!("the organization's server answered {status}"),
            format!("el servidor de la organización respondió {status}"),
        ),
    }
}

fn tus(b: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    b.header("Tus-Resumable", "1.0.0")
}

fn header_u64(r: &reqwest::Response, name: &str) -> Option<u64> {
    r.headers().get(name)?.to_str().ok()?.parse().ok()
}

fn header_str(r: &reqwest::Response, name: &str) -> Option<String> {
    Some(r.headers().get(name)?.to_str().ok()?.to_string())
}

fn retry_or_refuse(status: StatusCode, e: Error) -> Outcome {
    if status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
    {
        Outcome::Retry(e)
    } else {
        Outcome::Refused(e)
    }
}

/// Creates an upload on the server; its absolute URL.
async fn create(http: &reqwest::Client, up: &Upload<'_>) -> std::result::Result<String, Outcome> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let metadata = format!(
        "{} {},{} {},{} {}",
        protocol::META_SHA256,
        b64(up.sha256),
        protocol::META_FILENAME,
        b64(up.filename),
        protocol::META_KEY_ID,
        b64(up.key_id)
    );
    let endpoint = format!(
        "{}{}",
        up.server.trim_end_matches('/'),
        protocol::UPLOADS_PATH
    );
    let r = tus(http.post(&endpoint))
        .header("Upload-Length", up.size)
        .header("Upload-Metadata", metadata)
        .send()
        .await
        .map_err(|e| Outcome::Retry(http_error(&e)))?;
    if r.status() != StatusCode::CREATED {
        let status = r.status();
        return Err(retry_or_refuse(status, refusal(r).await));
    }
    let location = header_str(&r, "Location").ok_or_else(|| {
        Outcome::Refused(Error::invalid(
            "the organization's server created no upload (no Location)",
            "el servidor de la organización no creó el envío (sin Location)",
        ))
    })?;
    url::Url::parse(&endpoint)
        .and_then(|base| base.join(&location))
        .map(|u| u.to_string())
        .map_err(|_| {
            Outcome::Refused(Error::invalid(
                "the organization's server gave an unreadable upload address",
                "el servidor de la organización dio una dirección de envío ilegible",
            ))
        })
}

/// Reads `len` bytes of the report from `offset`.
fn read_chunk(path: &Path, offset: u64, len: u64) -> Result<Vec<u8>> {
    let ctx = || IoContext::Reading(path.into());
    let mut f = std::fs::File::open(path).map_err(Error::io(ctx()))?;
    f.seek(SeekFrom::Start(offset)).map_err(Error::io(ctx()))?;
    let mut buf = Vec::with_capacity(len as usize);
    f.take(len)
        .read_to_end(&mut buf)
        .map_err(Error::io(ctx()))?;
    Ok(buf)
}

/// Fetches and returns the signed receipt with this id.
async fn receipt(http: &reqwest::Client, server: &str, id: &str) -> Outcome {
    if id.is_empty() || id.len() > 40 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Outcome::Refused(Error::invalid(
            "the organization's server named an unreadable receipt",
            "el servidor de la organización nombró un acuse ilegible",
        ));
    }
    let url = format!("{}/receipts/{id}", server.trim_end_matches('/'));
    let r = match http.get(&url).send().await {
        Ok(r) => r,
        Err(e) => return Outcome::Retry(http_error(&e)),
    };
    if !r.status().is_success() {
        let status = r.status();
        return retry_or_refuse(status, refusal(r).await);
    }
    let body = match r.bytes().await {
        Ok(b) => b,
        Err(e) => return Outcome::Retry(http_error(&e)),
    };
    #[derive(serde::Deserialize)]
    struct Status {
        receipt: SignedReceipt,
    }
    match serde_json::from_slice::<Status>(&body[..body.len().min(256 * 1024)]) {
        Ok(s) => Outcome::Received(s.receipt),
        Err(_) => Outcome::Refused(Error::invalid(
            "the organization's server sent an unreadable receipt",
            "el servidor de la organización envió un acuse ilegible",
        )),
    }
}

/// The next chunk size: larger while chunks go fast, smaller when slow.
pub fn next_chunk(current: u64, took: Duration) -> u64 {
    let next = if took < Duration::from_secs(2) {
        current * 2
    } else if took > Duration::from_secs(10) {
        current / 2
    } else {
        current
    };
    next.clamp(MIN_CHUNK, MAX_CHUNK)
}

/// Sends what the server does not have yet, from `url` (an upload made
/// before) or a new upload, calling `step` as it goes, until the receipt
/// arrives, the server refuses, the link fails or `cancel` is set.
pub async fn send(
    http: &reqwest::Client,
    up: &Upload<'_>,
    url: Option<String>,
    mut chunk: u64,
    step: &mut dyn FnMut(Step) -> Result<()>,
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<Outcome> {
    let url = match url {
        Some(u) => u,
        None => match create(http, up).await {
            Ok(u) => {
                step(Step::Created(u.clone()))?;
                u
            }
            Err(o) => return Ok(o),
        },
    };
    // Where the server is.
    let r = match tus(http.head(&url)).send().await {
        Ok(r) => r,
        Err(e) => return Ok(Outcome::Retry(http_error(&e))),
    };
    if r.status() == StatusCode::NOT_FOUND || r.status() == StatusCode::GONE {
        return Ok(Outcome::Expired);
    }
    if !r.status().is_success() {
        let status = r.status();
        return Ok(retry_or_refuse(status, refusal(r).await));
    }
    if let Some(id) = header_str(&r, protocol::RECEIPT_ID_HEADER) {
        return Ok(receipt(http, up.server, &id).await);
    }
    let mut offset = header_u64(&r, "Upload-Offset").unwrap_or(0);
    chunk = chunk.clamp(MIN_CHUNK, MAX_CHUNK);
    step(Step::Sent { offset, chunk })?;
    loop {
        if cancel.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(Outcome::Retry(Error::invalid("paused", "en pausa")));
        }
        let len = chunk.min(up.size - offset);
        let path = up.path.to_path_buf();
        let bytes = tokio::task::spawn_blocking(move || read_chunk(&path, offset, len))
            .await
            .map_err(|e| Error::invalid(e.to_string(), e.to_string()))??;
        if (bytes.len() as u64) != len {
            return Ok(Outcome::Refused(changed_file()));
        }
        let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes));
        let started = Instant::now();
        let r = tus(http.patch(&url))
            .header("Upload-Offset", offset)
            .header("Content-Type", "application/offset+octet-stream")
            .header("Upload-Checksum", format!("sha256 {digest}"))
            .body(bytes)
            .send()
            .await;
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                // The link broke mid-chunk: a smaller chunk next time.
                step(Step::Sent {
                    offset,
                    chunk: (chunk / 2).max(MIN_CHUNK),
                })?;
                return Ok(Outcome::Retry(http_error(&e)));
            }
        };
        match r.status().as_u16() {
            204 => {
                offset = header_u64(&r, "Upload-Offset").unwrap_or(offset + len);
                chunk = next_chunk(chunk, started.elapsed());
                step(Step::Sent { offset, chunk })?;
                if let Some(id) = header_str(&r, protocol::RECEIPT_ID_HEADER) {
                    return Ok(receipt(http, up.server, &id).await);
                }
                if offset >= up.size {
                    // Every byte is there but the server did not finish:
                    // an empty PATCH asks it to.
                    let r = tus(http.patch(&url))
                        .header("Upload-Offset", offset)
                        .header("Content-Type", "application/offset+octet-stream")
                        .send()
                        .await;
                    return Ok(match r {
                        Ok(r) => match header_str(&r, protocol::RECEIPT_ID_HEADER) {
                            Some(id) => receipt(http, up.server, &id).await,
                            None => {
                                let status = r.status();
                                retry_or_refuse(status, refusal(r).await)
                            }
                        },
                        Err(e) => Outcome::Retry(http_error(&e)),
                    });
                }
            }
            // The chunk was damaged on the way: send it again.
            460 => continue,
            // Someone else moved the offset (a retry that did arrive).
            409 => {
                offset = header_u64(&r, "Upload-Offset").unwrap_or(offset);
                if let Some(id) = header_str(&r, protocol::RECEIPT_ID_HEADER) {
                    return Ok(receipt(http, up.server, &id).await);
                }
            }
            404 | 410 => return Ok(Outcome::Expired),
            _ => {
                let status = r.status();
                return Ok(retry_or_refuse(status, refusal(r).await));
            }
        }
    }
}

/// The report file changed after it was queued.
pub fn changed_file() -> Error {
    Error::invalid(
        "the report file changed or shrank after it was queued; seal it again and submit the new file",
        "el archivo del reporte cambió o se acortó después de ponerlo en la bandeja; séllalo de nuevo y envía el archivo nuevo",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_grow_on_a_fast_link_and_shrink_on_a_slow_one_within_bounds() {
        assert_eq!(
            next_chunk(FIRST_CHUNK, Duration::from_millis(100)),
            2 * FIRST_CHUNK
        );
        assert_eq!(next_chunk(FIRST_CHUNK, Duration::from_secs(5)), FIRST_CHUNK);
        assert_eq!(
            next_chunk(FIRST_CHUNK, Duration::from_secs(30)),
            FIRST_CHUNK / 2
        );
        assert_eq!(next_chunk(MAX_CHUNK, Duration::ZERO), MAX_CHUNK);
        assert_eq!(next_chunk(MIN_CHUNK, Duration::from_secs(60)), MIN_CHUNK);
    }
}
