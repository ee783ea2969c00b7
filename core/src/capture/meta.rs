//! What a captured page says about itself: title, description, Open Graph
//! and Twitter-card fields, canonical URL, JSON-LD authors and dates, and the
//! oEmbed endpoints it announces. Pure functions over bytes.
//!
//! Main types: [`PageMeta`], from [`extract`], and [`MetaLimit`], what a
//! hostile or huge page made it leave out. The HTML is tokenized by
//! [`super::html_scan`] (linear work, fixed memory) and never rendered or
//! run; bodies are decoded (gzip, deflate, br) here, within
//! [`MAX_DECODED`], since the WARC keeps them as the server sent them.
//! [`extract`] takes plain bytes, so a fuzzer can call it directly.

use std::collections::BTreeMap;
use std::io::Read;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::html_scan::{self, Attrs, Found};

/// Most bytes of a decoded body that are parsed for metadata.
pub const MAX_DECODED: u64 = 8 * 1024 * 1024;
/// Longest text kept for one field, in characters.
const MAX_FIELD: usize = 4096;
/// Most Open Graph or Twitter-card fields kept.
const MAX_FIELDS: usize = 200;
/// Most bytes of JSON-LD parsed in one page, all blocks together.
const MAX_JSON_LD_TOTAL: usize = 4 * 1024 * 1024;

/// What the extraction left out of a page's metadata, and why: a page can
/// be as large or as strange as it likes, and the capture is kept, but its
/// metadata is read only within these limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum MetaLimit {
    /// The page is longer than 8 MiB (decoded): only its start was read.
    DocumentCut,
    /// A title or attribute value was longer than 16 KiB and was cut.
    TextCut,
    /// A JSON-LD block over 1 MiB, or past 4 MiB of them, was not read.
    JsonLdSkipped,
    /// More than 200 fields of one kind (Open Graph, Twitter, oEmbed,
    /// JSON-LD authors or types): the rest were not kept.
    FieldsSkipped,
}

impl MetaLimit {
    /// What it means, in English.
    pub fn en(self) -> &'static str {
        match self {
            MetaLimit::DocumentCut => {
                "the page is longer than 8 MiB: only its first 8 MiB were read for metadata"
            }
            MetaLimit::TextCut => "a title or attribute longer than 16 KiB was cut",
            MetaLimit::JsonLdSkipped => {
                "a JSON-LD block over 1 MiB, or past 4 MiB of them, was not read"
            }
            MetaLimit::FieldsSkipped => "more than 200 fields of one kind: the rest were not kept",
        }
    }

    /// What it means, in Spanish.
    pub fn es(self) -> &'static str {
        match self {
            MetaLimit::DocumentCut => {
                "la página mide más de 8 MiB: solo se leyeron sus primeros 8 MiB para los metadatos"
            }
            MetaLimit::TextCut => "se recortó un título o atributo de más de 16 KiB",
            MetaLimit::JsonLdSkipped => {
                "no se leyó un bloque JSON-LD de más de 1 MiB, o los que pasaban de 4 MiB en total"
            }
            MetaLimit::FieldsSkipped => "más de 200 campos de un tipo: no se guardaron los demás",
        }
    }
}

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
    /// What was left out, and why (empty when nothing was).
    #[serde(default)]
    pub limits: Vec<MetaLimit>,
}

impl PageMeta {
    fn limit(&mut self, l: MetaLimit) {
        if !self.limits.contains(&l) {
            self.limits.push(l);
        }
    }
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

/// Extracts the metadata of an HTML document. `base` resolves relative
/// URLs. Any bytes are accepted; only the first [`MAX_DECODED`] are read.
pub fn extract(html_bytes: &[u8], base: Option<&url::Url>) -> PageMeta {
    extract_counted(html_bytes, base).0
}

/// [`extract`], with the work it did: bytes tokenized, compared and
/// kept, and JSON-LD bytes parsed. The work grows linearly with the input
/// whatever it holds, which the tests check on hostile pages.
pub fn extract_counted(html_bytes: &[u8], base: Option<&url::Url>) -> (PageMeta, u64) {
    let mut meta = PageMeta::default();
    let max = usize::try_from(MAX_DECODED).unwrap_or(usize::MAX);
    let input = if html_bytes.len() > max {
        meta.limit(MetaLimit::DocumentCut);
        &html_bytes[..max]
    } else {
        html_bytes
    };
    meta.invalid_utf8 = std::str::from_utf8(input).is_err();
    let resolve = |href: &str| -> Option<String> {
        let href = href.trim();
        match base {
            Some(b) => b.join(href).ok().map(String::from),
            None => url::Url::parse(href).ok().map(String::from),
        }
        .and_then(|u| clip(&u))
    };
    let mut json_ld_bytes = 0usize;
    let work = html_scan::scan(input, &mut |found| match found {
        Found::Title(text, cut) => {
            if cut {
                meta.limit(MetaLimit::TextCut);
            }
            meta.title = clip(&String::from_utf8_lossy(text));
        }
        Found::Meta(attrs) => meta_tag(&mut meta, attrs),
        Found::Link(attrs) => link_tag(&mut meta, attrs, &resolve),
        Found::JsonLd(None) => meta.limit(MetaLimit::JsonLdSkipped),
        Found::JsonLd(Some(body)) => {
            json_ld_bytes += body.len();
            if json_ld_bytes > MAX_JSON_LD_TOTAL {
                meta.limit(MetaLimit::JsonLdSkipped);
                return;
            }
            if let Ok(v) = serde_json::from_str::<Value>(&String::from_utf8_lossy(body)) {
                walk_json_ld(&v, &mut meta.json_ld, 0);
            }
        }
    });
    // JSON-LD lists stop growing at the cap (see `push_unique`).
    if meta.json_ld.authors.len() >= MAX_FIELDS || meta.json_ld.types.len() >= MAX_FIELDS {
        meta.limit(MetaLimit::FieldsSkipped);
    }
    (meta, work + json_ld_bytes.min(MAX_JSON_LD_TOTAL) as u64)
}

/// A `<meta>` tag: the description, Open Graph and Twitter-card fields.
fn meta_tag(meta: &mut PageMeta, attrs: &Attrs) {
    if attrs.cut {
        meta.limit(MetaLimit::TextCut);
    }
    let key = attrs
        .get("property")
        .or_else(|| attrs.get("name"))
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let Some(content) = attrs.get("content").as_deref().and_then(clip) else {
        return;
    };
    if key == "description" && meta.description.is_none() {
        meta.description = Some(content);
    } else if key.starts_with("og:") || key.starts_with("twitter:") {
        let fields = if key.starts_with("og:") {
            &mut meta.open_graph
        } else {
            &mut meta.twitter
        };
        if fields.len() < MAX_FIELDS {
            fields.entry(key).or_insert(content);
        } else if !fields.contains_key(&key) {
            meta.limit(MetaLimit::FieldsSkipped);
        }
    }
}

/// A `<link>` tag with `rel` and `href`: the canonical URL and oEmbed endpoints.
fn link_tag(meta: &mut PageMeta, attrs: &Attrs, resolve: &dyn Fn(&str) -> Option<String>) {
    let (Some(rel), Some(href)) = (attrs.get("rel"), attrs.get("href")) else {
        return;
    };
    if attrs.cut {
        meta.limit(MetaLimit::TextCut);
    }
    let rels: Vec<String> = rel
        .split_ascii_whitespace()
        .take(16)
        .map(str::to_ascii_lowercase)
        .collect();
    if rels.iter().any(|r| r == "canonical") && meta.canonical_url.is_none() {
        meta.canonical_url = resolve(&href);
    }
    if rels.iter().any(|r| r == "alternate") {
        let ty = attrs
            .get("type")
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let format = match ty.as_str() {
            "application/json+oembed" => "json",
            "text/xml+oembed" | "application/xml+oembed" => "xml",
            _ => return,
        };
        if meta.oembed.len() >= MAX_FIELDS {
            meta.limit(MetaLimit::FieldsSkipped);
        } else if let Some(url) = resolve(&href) {
            meta.oembed.push(OEmbed {
                url,
                format: format.into(),
            });
        }
    }
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
