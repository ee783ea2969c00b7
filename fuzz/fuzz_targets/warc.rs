//! Fuzzes the WARC writer on captures built from the input (redirect hops
//! with any status, headers as an HTTP library hands them over, any body,
//! truncation), then reads the file back with an independent reader (the
//! `warc` crate for records, `httparse` for the HTTP inside) and checks that
//! every field round-trips: the record sequence, lengths, target URIs,
//! truncation, both digests, the status, the headers and the body byte for
//! byte, and the capture's facts in the metadata record.
//!
//! The input is text, so seeds are readable: the requested URL on the first
//! line, then hops separated by a `=====` line, each `URL`, `STATUS [l|t|d]
//! [IP]`, header lines, an empty line and the body.
#![no_main]

use std::io::BufReader;

use chrono::{DateTime, TimeDelta, Utc};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use testigo_core::Capture;
use testigo_core::capture::fetch::{Exchange, Fetched, Truncated};
use testigo_core::capture::warc as warc_file;
use warc_reader::{RecordType, WarcHeader, WarcReader};

/// Between hops in the input.
const HOP: &[u8] = b"\n=====\n";

/// One hop as the input spells it (see the module docs).
struct Hop<'a> {
    url: &'a [u8],
    status: Option<u16>,
    truncated: Option<Truncated>,
    remote_ip: Option<String>,
    headers: Vec<(&'a [u8], &'a [u8])>,
    body: &'a [u8],
}

fn split_once<'a>(data: &'a [u8], sep: &[u8]) -> (&'a [u8], Option<&'a [u8]>) {
    match data.windows(sep.len()).position(|w| w == sep) {
        Some(i) => (&data[..i], Some(&data[i + sep.len()..])),
        None => (data, None),
    }
}

/// `URL\nSTATUS [l|t|d] [IP]\nname: value\n...\n\nBODY`; a status that is
/// not a number means no answer came.
fn hop(text: &[u8]) -> Hop<'_> {
    let (url, rest) = split_once(text, b"\n");
    let (status_line, rest) = split_once(rest.unwrap_or_default(), b"\n");
    let (head, body) = split_once(rest.unwrap_or_default(), b"\n\n");
    let words: Vec<&[u8]> = status_line.split(|b| *b == b' ').collect();
    let status = std::str::from_utf8(words[0])
        .ok()
        .and_then(|s| s.parse::<u16>().ok())
        // What reqwest can hold: 100 to 999.
        .map(|s| {
            if (100..=999).contains(&s) {
                s
            } else {
                100 + s % 900
            }
        });
    let truncated = words.get(1).and_then(|w| match *w {
        b"l" => Some(Truncated::Length),
        b"t" => Some(Truncated::Time),
        b"d" => Some(Truncated::Disconnect),
        _ => None,
    });
    let remote_ip = words
        .get(2)
        .and_then(|w| std::str::from_utf8(w).ok())
        .and_then(|w| w.parse::<std::net::IpAddr>().ok())
        .map(|ip| ip.to_string());
    let headers = head
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, v) = split_once(l, b":");
            (k, v.unwrap_or_default())
        })
        .collect();
    Hop {
        url,
        status,
        truncated,
        remote_ip,
        headers,
        body: body.unwrap_or_default(),
    }
}

/// A URL as reqwest would have requested it: parsed, or a default.
fn url_of(s: &str) -> String {
    url::Url::parse(s)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map_or_else(|| "https://example.com/p?q=1".to_string(), String::from)
}

/// A header as the HTTP library gives it: a valid lowercase name, and a
/// value httparse accepted (no CR, LF or other control bytes but tab,
/// trimmed of spaces and tabs).
fn header_of(name: &[u8], value: &[u8]) -> Option<(String, Vec<u8>)> {
    let name = http::HeaderName::from_bytes(name).ok()?;
    let start = value.iter().position(|b| *b != b' ' && *b != b'\t')?;
    let end = value.iter().rposition(|b| *b != b' ' && *b != b'\t')? + 1;
    let value = http::HeaderValue::from_bytes(&value[start..end]).ok()?;
    Some((name.as_str().to_string(), value.as_bytes().to_vec()))
}

fn sha256_b32(data: &[u8]) -> String {
    format!("sha256:{}", warc_file::base32(&Sha256::digest(data)))
}

fuzz_target!(|data: &[u8]| {
    let (requested, rest) = split_once(data, b"\n");
    let started_at = DateTime::<Utc>::UNIX_EPOCH + TimeDelta::days(20_000);
    let user_agent = "Mozilla/5.0 (compatible; Testigo/fuzz)".to_string();
    let mut hops = Vec::new();
    let mut rest = rest;
    while let Some(r) = rest {
        let (one, next) = split_once(r, HOP);
        hops.push(hop(one));
        rest = next;
    }
    let exchanges: Vec<Exchange> = hops
        .iter()
        .take(8)
        .map(|h| Exchange {
            url: url_of(&String::from_utf8_lossy(h.url)),
            requested_at: started_at,
            request_headers: vec![
                ("host".into(), "example.com".into()),
                ("user-agent".into(), user_agent.clone()),
            ],
            status: h.status,
            response_headers: h
                .headers
                .iter()
                .filter_map(|(k, v)| header_of(k, v))
                .take(60)
                .collect(),
            remote_ip: h.remote_ip.clone(),
            tls: None,
            body: h.body.to_vec(),
            truncated: h.truncated,
            error: h.status.is_none().then(|| "connection refused".to_string()),
        })
        .collect();
    let f = Fetched {
        requested_url: url_of(&String::from_utf8_lossy(requested)),
        started_at,
        finished_at: started_at + TimeDelta::seconds(3),
        exchanges,
        error: None,
        error_es: None,
        via_proxy: None,
        user_agent,
    };
    // As the vault records it: the capture's facts, then the file.
    let facts = serde_json::to_value(Capture::from_fetched(&f)).expect("facts are JSON");
    if !warc_file::has_records(&f) {
        return;
    }
    let bytes = warc_file::write(&f, &facts);

    let answered: Vec<&Exchange> = f.exchanges.iter().filter(|e| e.status.is_some()).collect();
    let records: Vec<_> = WarcReader::new(BufReader::new(&bytes[..]))
        .iter_records()
        .map(|r| r.unwrap_or_else(|e| panic!("the WARC does not read back: {e}")))
        .collect();
    assert_eq!(records.len(), 2 + 2 * answered.len(), "record count");
    assert_eq!(records[0].warc_type(), &RecordType::WarcInfo);
    let last = records.last().expect("at least two records");
    assert_eq!(last.warc_type(), &RecordType::Metadata);
    let back: serde_json::Value =
        serde_json::from_slice(last.body()).expect("the metadata record is JSON");
    assert_eq!(back, facts, "the capture's facts");
    for r in &records {
        assert_eq!(r.content_length(), r.body().len() as u64);
        let digest = r
            .header(WarcHeader::BlockDigest)
            .expect("every record has a block digest");
        assert_eq!(digest, sha256_b32(r.body()), "block digest");
    }
    for (i, ex) in answered.iter().enumerate() {
        let req = &records[1 + 2 * i];
        let resp = &records[2 + 2 * i];
        assert_eq!(req.warc_type(), &RecordType::Request);
        assert_eq!(resp.warc_type(), &RecordType::Response);
        assert_eq!(
            resp.header(WarcHeader::TargetURI).as_deref(),
            Some(ex.url.as_str()),
            "target URI"
        );
        assert_eq!(
            req.header(WarcHeader::ConcurrentTo).as_deref(),
            Some(resp.warc_id()),
            "the request names its response"
        );
        let truncated = resp.header(WarcHeader::Truncated);
        assert_eq!(
            truncated.as_deref(),
            ex.truncated.map(|t| t.as_str()),
            "WARC-Truncated"
        );
        assert_eq!(
            resp.header(WarcHeader::IPAddress).as_deref(),
            ex.remote_ip.as_deref(),
            "WARC-IP-Address"
        );
        // The HTTP response inside.
        let block = resp.body();
        let mut headers = vec![httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Response::new(&mut headers);
        let head_len = match parsed.parse(block) {
            Ok(httparse::Status::Complete(n)) => n,
            other => panic!("the response block does not parse as HTTP: {other:?}"),
        };
        assert_eq!(parsed.code, ex.status, "status");
        let want: Vec<(String, &[u8])> = ex
            .response_headers
            .iter()
            .map(|(k, v)| {
                let k = if k == "transfer-encoding" {
                    "x-archive-orig-transfer-encoding".to_string()
                } else {
                    k.clone()
                };
                (k, v.as_slice())
            })
            .collect();
        let got: Vec<(String, &[u8])> = parsed
            .headers
            .iter()
            .map(|h| (h.name.to_string(), h.value))
            .collect();
        assert_eq!(got, want, "response headers");
        assert_eq!(&block[head_len..], &ex.body[..], "body");
        assert_eq!(
            resp.header(WarcHeader::PayloadDigest).as_deref(),
            Some(sha256_b32(&ex.body).as_str()),
            "payload digest"
        );
    }
});
