//! Writing a capture as a WARC/1.1 file (ISO 28500): a `warcinfo` record,
//! a `request` and a `response` record for every exchange that got an
//! answer, and a `metadata` record holding the capture's facts as JSON.
//! Pure: bytes in, bytes out.
//!
//! Response records hold the HTTP response as received: status line,
//! headers, and the body with its content coding (gzip, br…) kept. The one
//! change is the transfer coding, which the HTTP library removes while
//! reading: a `Transfer-Encoding` header is written as
//! `X-Archive-Orig-Transfer-Encoding`, so readers do not try to de-chunk a
//! body that is no longer chunked. Header names are lowercase (as the HTTP
//! library gives them). Digests are `sha256:` in base32, as `warcio check`
//! verifies them. A body that was cut (a redirect's past its small cap, a
//! page past the capture's budget, a timeout, a broken connection) is
//! marked with `WARC-Truncated` (`length`, `time`, `disconnect`).
//!
//! [`reader`] gives the file as a [`WarcReader`], which streams the bodies
//! from the capture without copying them (the vault stores it this way);
//! [`write()`] collects the same bytes into memory.

use std::borrow::Cow;
use std::io::Read;

use chrono::{DateTime, SecondsFormat, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::fetch::{Exchange, Fetched};

/// RFC 4648 base32, upper case, with padding.
pub fn base32(data: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    for chunk in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = u64::from_be_bytes([0, 0, 0, buf[0], buf[1], buf[2], buf[3], buf[4]]);
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < chars {
                out.push(ALPHABET[((n >> (35 - i * 5)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn digest(data: &[u8]) -> String {
    digest_of(&[data])
}

/// The digest of pieces, as if they were one block.
fn digest_of(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    parts.iter().for_each(|p| h.update(p));
    format!("sha256:{}", base32(&h.finalize()))
}

fn record_id() -> String {
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "<urn:uuid:{}-{}-{}-{}-{}>",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn warc_date(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A WARC header value on one line: control characters become spaces.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A WARC file as pieces read in order: the records' headers, owned, and
/// the response bodies, borrowed from the capture.
pub struct WarcReader<'a> {
    parts: Vec<Cow<'a, [u8]>>,
    index: usize,
    offset: usize,
}

impl Read for WarcReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while let Some(part) = self.parts.get(self.index) {
            let rest = &part[self.offset..];
            if rest.is_empty() {
                self.index += 1;
                self.offset = 0;
                continue;
            }
            let n = rest.len().min(buf.len());
            buf[..n].copy_from_slice(&rest[..n]);
            self.offset += n;
            return Ok(n);
        }
        Ok(0)
    }
}

/// Adds a record whose block is `block` (pieces, written one after the other).
fn record<'a>(out: &mut Vec<Cow<'a, [u8]>>, headers: &[(&str, String)], block: Vec<Cow<'a, [u8]>>) {
    let mut head = b"WARC/1.1\r\n".to_vec();
    for (k, v) in headers {
        head.extend_from_slice(format!("{k}: {}\r\n", one_line(v)).as_bytes());
    }
    let len: usize = block.iter().map(|p| p.len()).sum();
    head.extend_from_slice(format!("Content-Length: {len}\r\n\r\n").as_bytes());
    out.push(Cow::Owned(head));
    out.extend(block);
    out.push(Cow::Borrowed(b"\r\n\r\n"));
}

fn request_block(ex: &Exchange) -> Vec<u8> {
    let target = url::Url::parse(&ex.url)
        .map(|u| {
            let mut t = u.path().to_string();
            if let Some(q) = u.query() {
                t.push('?');
                t.push_str(q);
            }
            t
        })
        .unwrap_or_else(|_| "/".into());
    let mut b = format!("GET {} HTTP/1.1\r\n", one_line(&target)).into_bytes();
    for (k, v) in &ex.request_headers {
        b.extend_from_slice(format!("{k}: {}\r\n", one_line(v)).as_bytes());
    }
    b.extend_from_slice(b"\r\n");
    b
}

/// The response block's head (status line and headers); the payload, the
/// body, follows it.
fn response_head(ex: &Exchange, status: u16) -> Vec<u8> {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let mut b = format!("HTTP/1.1 {status} {reason}\r\n").into_bytes();
    for (k, v) in &ex.response_headers {
        let name = if k.eq_ignore_ascii_case("transfer-encoding") {
            "x-archive-orig-transfer-encoding"
        } else {
            k.as_str()
        };
        b.extend_from_slice(name.as_bytes());
        b.extend_from_slice(b": ");
        // Raw bytes as received; a bare CR or LF cannot be in a parsed header value.
        b.extend(
            v.iter()
                .map(|c| if *c == b'\r' || *c == b'\n' { b' ' } else { *c }),
        );
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(b"\r\n");
    b
}

/// Whether a capture produces a WARC: when at least one response came.
pub fn has_records(f: &Fetched) -> bool {
    f.exchanges.iter().any(|e| e.status.is_some())
}

/// The WARC file of a capture, in memory. `facts` is the capture's
/// description, written as the metadata record.
pub fn write(f: &Fetched, facts: &serde_json::Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Reading from memory cannot fail.
    reader(f, facts).read_to_end(&mut out).unwrap_or_default();
    out
}

/// The WARC file of a capture, to read: the same bytes as [`write()`], with
/// the bodies read from `f` rather than copied.
pub fn reader<'a>(f: &'a Fetched, facts: &serde_json::Value) -> WarcReader<'a> {
    let mut out: Vec<Cow<'a, [u8]>> = Vec::new();
    let info_id = record_id();
    let info = format!(
        "software: testigo/{}\r\nformat: WARC File Format 1.1\r\nconformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\ndescription: capture of {} asked for by the person documenting; only this URL and its redirects were requested\r\n",
        env!("CARGO_PKG_VERSION"),
        one_line(&f.requested_url)
    );
    record(
        &mut out,
        &[
            ("WARC-Type", "warcinfo".into()),
            ("WARC-Record-ID", info_id.clone()),
            ("WARC-Date", warc_date(&f.started_at)),
            ("Content-Type", "application/warc-fields".into()),
            ("WARC-Block-Digest", digest(info.as_bytes())),
        ],
        vec![Cow::Owned(info.into_bytes())],
    );
    let mut last_response = None;
    for ex in &f.exchanges {
        let Some(status) = ex.status else { continue };
        let req_id = record_id();
        let resp_id = record_id();
        let date = warc_date(&ex.requested_at);
        let req = request_block(ex);
        record(
            &mut out,
            &[
                ("WARC-Type", "request".into()),
                ("WARC-Record-ID", req_id),
                ("WARC-Date", date.clone()),
                ("WARC-Target-URI", ex.url.clone()),
                ("WARC-Concurrent-To", resp_id.clone()),
                ("WARC-Warcinfo-ID", info_id.clone()),
                ("Content-Type", "application/http;msgtype=request".into()),
                ("WARC-Block-Digest", digest(&req)),
            ],
            vec![Cow::Owned(req)],
        );
        let head = response_head(ex, status);
        let mut headers = vec![
            ("WARC-Type", "response".to_string()),
            ("WARC-Record-ID", resp_id.clone()),
            ("WARC-Date", date),
            ("WARC-Target-URI", ex.url.clone()),
            ("WARC-Warcinfo-ID", info_id.clone()),
        ];
        if let Some(ip) = &ex.remote_ip {
            headers.push(("WARC-IP-Address", ip.clone()));
        }
        if let Some(t) = ex.truncated {
            headers.push(("WARC-Truncated", t.as_str().into()));
        }
        headers.push(("Content-Type", "application/http;msgtype=response".into()));
        headers.push(("WARC-Payload-Digest", digest(&ex.body)));
        headers.push(("WARC-Block-Digest", digest_of(&[&head, &ex.body])));
        record(
            &mut out,
            &headers,
            vec![Cow::Owned(head), Cow::Borrowed(&ex.body[..])],
        );
        last_response = Some(resp_id);
    }
    let body = serde_json::to_vec_pretty(facts).unwrap_or_default();
    let mut headers = vec![
        ("WARC-Type", "metadata".to_string()),
        ("WARC-Record-ID", record_id()),
        ("WARC-Date", warc_date(&f.finished_at)),
        (
            "WARC-Target-URI",
            // As parsed (percent-encoded), like the other records' URIs.
            url::Url::parse(&f.requested_url)
                .map(String::from)
                .unwrap_or_else(|_| f.requested_url.clone()),
        ),
        ("WARC-Warcinfo-ID", info_id),
    ];
    if let Some(r) = last_response {
        headers.push(("WARC-Refers-To", r));
    }
    headers.push(("Content-Type", "application/json".into()));
    headers.push(("WARC-Block-Digest", digest(&body)));
    record(&mut out, &headers, vec![Cow::Owned(body)]);
    WarcReader {
        parts: out,
        index: 0,
        offset: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_matches_rfc_4648() {
        for (input, want) in [
            ("", ""),
            ("f", "MY======"),
            ("fo", "MZXQ===="),
            ("foo", "MZXW6==="),
            ("foob", "MZXW6YQ="),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI======"),
        ] {
            assert_eq!(base32(input.as_bytes()), want, "{input}");
        }
    }

    #[test]
    fn record_ids_are_uuid_urns() {
        let id = record_id();
        assert_eq!(id.len(), 47, "{id}");
        assert!(id.starts_with("<urn:uuid:") && id.ends_with('>'));
        assert_eq!(&id[24..25], "4");
    }
}
