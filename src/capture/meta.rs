//! What a captured page says about itself: title, description, Open Graph
//! and Twitter-card fields, canonical URL, JSON-LD authors and dates, and the
//! oEmbed endpoints it announces. Pure functions over bytes.
//!
//! Main type: [`PageMeta`], from [`extract`]. The HTML is parsed with
//! `scraper` (html5ever) and never rendered or run; bodies are decoded
//! (gzip, deflate, br) here, within [`MAX_DECODED`], since the WARC keeps
//! them as the server sent them.

use std::collections::BTreeMap;
use std::io::Read;

use scraper::{Html, Selector};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Most bytes of a decoded body that are parsed for metadata.
pub const MAX_DECODED: u64 = 8 * 1024 * 1024;
/// Longest text kept for one field, in characters.
const MAX_FIELD: usize = 4096;
/// Most Open Graph or Twitter-card fields kept.
const MAX_FIELDS: usize = 200;

/// An oEmbed endpoint the page announces: recorded, and fetched only when
/// the person asks (`Vault::fetch_oembed`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OEmbed {
    /// The endpoint URL, resolved against the page's URL.
    pub url: String,
    /// `json` or `xml`.
    pub format: String,
}

/// Authors and dates found in the page's JSON-LD blocks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct JsonLd {
    /// `@type` values seen, in order, without repeats.
    pub types: Vec<String>,
    /// Author names (or URLs when no name is given), without repeats.
    pub authors: Vec<String>,
    /// `datePublished` (or `uploadDate`), as written.
    pub date_published: Option<String>,
    /// `dateModified`, as written.
    pub date_modified: Option<String>,
    /// `dateCreated`, as written.
    pub date_created: Option<String>,
}

/// Metadata of an HTML page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PageMeta {
    /// `<title>`.
    pub title: Option<String>,
    /// `<meta name="description">`.
    pub description: Option<String>,
    /// `<link rel="canonical">`, resolved.
    pub canonical_url: Option<String>,
    /// `og:*` properties (first value of each).
    pub open_graph: BTreeMap<String, String>,
    /// `twitter:*` fields (first value of each).
    pub twitter: BTreeMap<String, String>,
    /// From `<script type="application/ld+json">`.
    pub json_ld: JsonLd,
    /// `<link rel="alternate" type="application/json+oembed">` and the XML kind.
    pub oembed: Vec<OEmbed>,
    /// True when the HTML was not valid UTF-8 (bad bytes were replaced).
    pub invalid_utf8: bool,
}

/// Decodes a body by its `Content-Encoding` (gzip, deflate, br; identity
/// otherwise), reading at most [`MAX_DECODED`] bytes of output.
pub fn decode_body(body: &[u8], content_encoding: Option<&str>) -> Result<Vec<u8>, String> {
    let enc = content_encoding.unwrap_or("").trim().to_ascii_lowercase();
    let mut out = Vec::new();
    let result = match enc.as_str() {
        "" | "identity" => {
            let n = body.len().min(MAX_DECODED as usize);
            return Ok(body[..n].to_vec());
        }
        "gzip" | "x-gzip" => flate2::read::MultiGzDecoder::new(body)
            .take(MAX_DECODED)
            .read_to_end(&mut out),
        "deflate" => {
            // HTTP's "deflate" is zlib; some servers send raw deflate.
            let zlib = flate2::read::ZlibDecoder::new(body)
                .take(MAX_DECODED)
                .read_to_end(&mut out);
            if zlib.is_err() {
                out.clear();
                flate2::read::DeflateDecoder::new(body)
                    .take(MAX_DECODED)
                    .read_to_end(&mut out)
            } else {
                zlib
            }
        }
        "br" => brotli_decompressor::Decompressor::new(body, 4096)
            .take(MAX_DECODED)
            .read_to_end(&mut out),
        other => return Err(format!("content encoding `{other}` is not decoded")),
    };
    match result {
        Ok(_) => Ok(out),
        // A truncated body still yields what came before the cut.
        Err(_) if !out.is_empty() => Ok(out),
        Err(e) => Err(format!("the {enc} body could not be decoded: {e}")),
    }
}

/// True when a response with this media type (or, without one, these first
/// bytes) is an HTML page.
pub fn is_html(content_type: Option<&str>, body: &[u8]) -> bool {
    if let Some(ct) = content_type {
        let main = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        return main == "text/html" || main == "application/xhtml+xml";
    }
    let start: Vec<u8> = body
        .iter()
        .skip_while(|b| b.is_ascii_whitespace() || **b == 0xEF || **b == 0xBB || **b == 0xBF)
        .take(15)
        .map(u8::to_ascii_lowercase)
        .collect();
    start.starts_with(b"<!doctype html") || start.starts_with(b"<html")
}

/// Text with its whitespace collapsed, at most [`MAX_FIELD`] characters;
/// `None` when nothing is left.
pub(crate) fn clip(s: &str) -> Option<String> {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.is_empty() {
        return None;
    }
    Some(if s.chars().count() > MAX_FIELD {
        s.chars().take(MAX_FIELD).collect()
    } else {
        s
    })
}

fn selector(s: &str) -> Selector {
    #[allow(clippy::expect_used)]
    Selector::parse(s).expect("the selectors here are constant and valid")
}

/// Extracts the metadata of an HTML document. `base` resolves relative URLs.
pub fn extract(html_bytes: &[u8], base: Option<&url::Url>) -> PageMeta {
    let text = String::from_utf8_lossy(html_bytes);
    let invalid_utf8 = matches!(text, std::borrow::Cow::Owned(_));
    let doc = Html::parse_document(&text);
    let resolve = |href: &str| -> Option<String> {
        let href = href.trim();
        match base {
            Some(b) => b.join(href).ok().map(String::from),
            None => url::Url::parse(href).ok().map(String::from),
        }
        .and_then(|u| clip(&u))
    };
    let mut meta = PageMeta {
        invalid_utf8,
        ..PageMeta::default()
    };
    meta.title = doc
        .select(&selector("title"))
        .next()
        .and_then(|t| clip(&t.text().collect::<String>()));
    for el in doc.select(&selector("meta")) {
        let key = el
            .attr("property")
            .or_else(|| el.attr("name"))
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let Some(content) = el.attr("content").and_then(clip) else {
            continue;
        };
        if key == "description" && meta.description.is_none() {
            meta.description = Some(content);
        } else if key.starts_with("og:") {
            if meta.open_graph.len() < MAX_FIELDS {
                meta.open_graph.entry(key).or_insert(content);
            }
        } else if key.starts_with("twitter:") && meta.twitter.len() < MAX_FIELDS {
            meta.twitter.entry(key).or_insert(content);
        }
    }
    for el in doc.select(&selector("link[rel][href]")) {
        let rels: Vec<String> = el
            .attr("rel")
            .unwrap_or("")
            .split_ascii_whitespace()
            .map(str::to_ascii_lowercase)
            .collect();
        let href = el.attr("href").unwrap_or("");
        if rels.iter().any(|r| r == "canonical") && meta.canonical_url.is_none() {
            meta.canonical_url = resolve(href);
        }
        if rels.iter().any(|r| r == "alternate") {
            let ty = el.attr("type").unwrap_or("").trim().to_ascii_lowercase();
            let format = match ty.as_str() {
                "application/json+oembed" => "json",
                "text/xml+oembed" | "application/xml+oembed" => "xml",
                _ => continue,
            };
            if let Some(url) = resolve(href)
                && meta.oembed.len() < MAX_FIELDS
            {
                meta.oembed.push(OEmbed {
                    url,
                    format: format.into(),
                });
            }
        }
    }
    for el in doc.select(&selector("script")) {
        let ty = el.attr("type").unwrap_or("").trim().to_ascii_lowercase();
        if ty != "application/ld+json" {
            continue;
        }
        let body: String = el.text().collect();
        if body.len() > 1024 * 1024 {
            continue;
        }
        if let Ok(v) = serde_json::from_str::<Value>(&body) {
            walk_json_ld(&v, &mut meta.json_ld, 0);
        }
    }
    meta
}

fn push_unique(list: &mut Vec<String>, value: Option<String>) {
    if let Some(v) = value
        && !list.contains(&v)
        && list.len() < MAX_FIELDS
    {
        list.push(v);
    }
}

fn author_names(v: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > 8 {
        return;
    }
    match v {
        Value::String(s) => push_unique(out, clip(s)),
        Value::Array(a) => a.iter().for_each(|x| author_names(x, out, depth + 1)),
        Value::Object(o) => {
            let name = ["name", "alternateName", "url", "@id"]
                .iter()
                .find_map(|k| o.get(*k).and_then(Value::as_str));
            push_unique(out, name.and_then(clip));
        }
        _ => {}
    }
}

fn walk_json_ld(v: &Value, ld: &mut JsonLd, depth: usize) {
    if depth > 16 {
        return;
    }
    match v {
        Value::Array(a) => a.iter().for_each(|x| walk_json_ld(x, ld, depth + 1)),
        Value::Object(o) => {
            match o.get("@type") {
                Some(Value::String(t)) => push_unique(&mut ld.types, clip(t)),
                Some(Value::Array(ts)) => ts
                    .iter()
                    .filter_map(Value::as_str)
                    .for_each(|t| push_unique(&mut ld.types, clip(t))),
                _ => {}
            }
            for key in ["author", "creator"] {
                if let Some(a) = o.get(key) {
                    author_names(a, &mut ld.authors, 0);
                }
            }
            let date = |k: &str| o.get(k).and_then(Value::as_str).and_then(clip);
            if ld.date_published.is_none() {
                ld.date_published = date("datePublished").or_else(|| date("uploadDate"));
            }
            if ld.date_modified.is_none() {
                ld.date_modified = date("dateModified");
            }
            if ld.date_created.is_none() {
                ld.date_created = date("dateCreated");
            }
            for key in [
                "@graph",
                "mainEntity",
                "mainEntityOfPage",
                "itemListElement",
            ] {
                if let Some(inner) = o.get(key) {
                    walk_json_ld(inner, ld, depth + 1);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!doctype html><html><head>
        <title>  Sabemos   dónde vives </title>
        <meta name="description" content="Una amenaza">
        <meta property="og:title" content="OG título">
        <meta property="og:image" content="https://cdn.example/a.jpg">
        <meta property="og:image" content="https://cdn.example/b.jpg">
        <meta name="twitter:card" content="summary">
        <meta name="twitter:creator" content="@troll_01">
        <link rel="canonical" href="/troll_01/status/1">
        <link rel="alternate" type="application/json+oembed" href="/oembed?url=x">
        <link rel="alternate" type="text/xml+oembed" href="https://o.example/x.xml">
        <script type="application/ld+json">{"@context":"https://schema.org","@graph":[
          {"@type":"SocialMediaPosting","author":{"@type":"Person","name":"Troll Uno"},
           "datePublished":"2024-05-01T18:30:00-06:00","dateModified":"2024-05-02"}]}</script>
        <script type="application/ld+json">[{"@type":["VideoObject"],"creator":["a","a"],"uploadDate":"x"}]</script>
        <script type="application/ld+json">{not json</script>
        <script>document.title = "never run"</script>
        </head><body><p>hola</p></body></html>"#;

    #[test]
    fn every_kind_of_metadata_is_found() {
        let base = url::Url::parse("https://x.example/troll_01/status/1?s=1").unwrap();
        let m = extract(PAGE.as_bytes(), Some(&base));
        assert_eq!(m.title.as_deref(), Some("Sabemos dónde vives"));
        assert_eq!(m.description.as_deref(), Some("Una amenaza"));
        assert_eq!(
            m.canonical_url.as_deref(),
            Some("https://x.example/troll_01/status/1")
        );
        assert_eq!(m.open_graph["og:title"], "OG título");
        assert_eq!(m.open_graph["og:image"], "https://cdn.example/a.jpg");
        assert_eq!(m.twitter["twitter:creator"], "@troll_01");
        assert_eq!(m.json_ld.authors, ["Troll Uno", "a"]);
        assert_eq!(m.json_ld.types, ["SocialMediaPosting", "VideoObject"]);
        assert_eq!(
            m.json_ld.date_published.as_deref(),
            Some("2024-05-01T18:30:00-06:00")
        );
        assert_eq!(m.json_ld.date_modified.as_deref(), Some("2024-05-02"));
        assert_eq!(m.oembed.len(), 2);
        assert_eq!(m.oembed[0].url, "https://x.example/oembed?url=x");
        assert_eq!(m.oembed[1].format, "xml");
        assert!(!m.invalid_utf8);
    }

    #[test]
    fn bad_bytes_and_junk_do_not_break_extraction() {
        let mut page = b"<html><head><title>caf\xe9 \xff</title></head>".to_vec();
        page.extend_from_slice(&[0u8, 0xC3, 0x28, b'<', b'/']);
        let m = extract(&page, None);
        assert!(m.invalid_utf8);
        assert!(m.title.unwrap().starts_with("caf"));
        assert_eq!(extract(b"", None), PageMeta::default());
        let deep = "[".repeat(10_000);
        let m = extract(
            format!("<script type=application/ld+json>{deep}</script>").as_bytes(),
            None,
        );
        assert!(m.json_ld.types.is_empty());
    }

    #[test]
    fn bodies_are_decoded_by_their_encoding() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"<title>t</title>").unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(decode_body(&gz, Some("gzip")).unwrap(), b"<title>t</title>");
        assert_eq!(
            decode_body(&gz[..gz.len() - 4], Some("gzip")).unwrap(),
            b"<title>t</title>"
        );
        assert!(decode_body(b"nope", Some("gzip")).is_err());
        assert!(decode_body(b"x", Some("zstd")).is_err());
        assert_eq!(decode_body(b"plain", None).unwrap(), b"plain");
    }

    #[test]
    fn html_is_recognised() {
        assert!(is_html(Some("text/html; charset=utf-8"), b""));
        assert!(!is_html(Some("application/json"), b"<html>"));
        assert!(is_html(None, b"\n  <!DOCTYPE html><html>"));
        assert!(!is_html(None, b"%PDF-1.7"));
    }
}
