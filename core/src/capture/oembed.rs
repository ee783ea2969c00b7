//! oEmbed (<https://oembed.com>): what a capture of an endpoint the page
//! announced says. Pure functions over a [`Fetched`]; the fetch itself is
//! `Vault::fetch_oembed`, and happens only when the person asks for it.
//!
//! Main types: [`Purpose`] (a page capture or an oEmbed fetch),
//! [`OEmbedFetch`] (which endpoint, announced by which capture) and
//! [`OEmbedFields`] (the text fields of a JSON answer; its `html` is never
//! extracted: it stays, as sent, in the WARC file).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::meta::{OEmbed, clip, decode_body};
use super::{Capture, Fetched};

/// What a capture fetched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// The link's own URL (every capture made before oEmbed fetches existed).
    #[default]
    Page,
    /// An oEmbed endpoint announced by an earlier capture of the link.
    Oembed,
}

impl Purpose {
    /// Its name in JSON and in custody details.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Page => "page",
            Purpose::Oembed => "oembed",
        }
    }
}

/// The text fields of a JSON oEmbed answer (each at most 4,096 characters).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OEmbedFields {
    /// `type`: `photo`, `video`, `link` or `rich`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `version`, normally `1.0`.
    pub version: Option<String>,
    /// `title`.
    pub title: Option<String>,
    /// `author_name`.
    pub author_name: Option<String>,
    /// `author_url`, as written (shown as text, never opened by itself).
    pub author_url: Option<String>,
    /// `provider_name`.
    pub provider_name: Option<String>,
    /// `provider_url`, as written.
    pub provider_url: Option<String>,
    /// `thumbnail_url`, as written (never fetched).
    pub thumbnail_url: Option<String>,
}

/// Which oEmbed endpoint a capture fetched, and what the answer says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OEmbedFetch {
    /// The capture (its `seq`) whose page announced the endpoint.
    pub announced_by: u32,
    /// Which of that page's endpoints: 1 is the first.
    pub endpoint: u32,
    /// The URL of that page (that capture's final URL).
    pub page_url: Option<String>,
    /// `json` or `xml`, as the page announced it.
    pub format: String,
    /// The fields of a JSON answer; `null` when the answer was not a JSON
    /// object (an XML answer, an error page, no answer).
    pub fields: Option<OEmbedFields>,
}

/// A JSON value as text: strings (trimmed, clipped) and numbers.
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => clip(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The fields of a JSON oEmbed answer (the decoded body); `None` when it is
/// not a JSON object.
pub fn parse_answer(body: &[u8]) -> Option<OEmbedFields> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let Value::Object(o) = serde_json::from_slice::<Value>(body).ok()? else {
        return None;
    };
    Some(OEmbedFields {
        kind: text(o.get("type")),
        version: text(o.get("version")),
        title: text(o.get("title")),
        author_name: text(o.get("author_name")),
        author_url: text(o.get("author_url")),
        provider_name: text(o.get("provider_name")),
        provider_url: text(o.get("provider_url")),
        thumbnail_url: text(o.get("thumbnail_url")),
    })
}

/// The fields of the final answer of a fetch, decoded by its
/// `Content-Encoding`, whatever its media type says (providers serve JSON as
/// `text/html`, `text/javascript`…).
pub fn answer_fields(f: &Fetched) -> Option<OEmbedFields> {
    let last = f.final_response()?;
    let decoded = decode_body(&last.body, last.header("content-encoding").as_deref()).ok()?;
    parse_answer(&decoded)
}

/// Describes a fetch of `endpoint` (1-based), announced by the page capture
/// `page`, as a capture of the same link (everything but its number and WARC).
pub fn describe(f: &Fetched, page: &Capture, endpoint: u32, announced: &OEmbed) -> Capture {
    Capture {
        purpose: Purpose::Oembed,
        oembed: Some(OEmbedFetch {
            announced_by: page.seq,
            endpoint,
            page_url: page.final_url.clone(),
            format: announced.format.clone(),
            fields: answer_fields(f),
        }),
        ..Capture::from_fetched(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_fields_of_an_answer_are_kept_and_html_is_not() {
        let answer = r#"{"version": 1.0, "type": "rich", "title": "  Sabemos   dónde vives ",
            "author_name": "Troll Uno", "author_url": "https://x.example/troll_01",
            "provider_name": "X", "provider_url": "https://x.example",
            "html": "<blockquote>hola</blockquote><script src=x></script>",
            "width": 550, "cache_age": "3153600000"}"#;
        let f = parse_answer(answer.as_bytes()).unwrap();
        assert_eq!(f.kind.as_deref(), Some("rich"));
        assert_eq!(f.version.as_deref(), Some("1.0"));
        assert_eq!(f.title.as_deref(), Some("Sabemos dónde vives"));
        assert_eq!(f.author_name.as_deref(), Some("Troll Uno"));
        assert_eq!(f.author_url.as_deref(), Some("https://x.example/troll_01"));
        assert_eq!(f.provider_name.as_deref(), Some("X"));
        assert_eq!(f.thumbnail_url, None);
        let json = serde_json::to_string(&f).unwrap();
        assert!(json.contains(r#""type":"rich""#), "{json}");
        assert!(!json.contains("blockquote"), "{json}");
    }

    #[test]
    fn anything_but_a_json_object_has_no_fields() {
        assert_eq!(parse_answer(b"<oembed><title>x</title></oembed>"), None);
        assert_eq!(parse_answer(b"[1, 2]"), None);
        assert_eq!(parse_answer(b""), None);
        let f = parse_answer(b"\xEF\xBB\xBF{\"title\": [\"not text\"]}").unwrap();
        assert_eq!(f, OEmbedFields::default());
    }

    #[test]
    fn purposes_default_to_a_page() {
        #[derive(Deserialize)]
        struct Row {
            #[serde(default)]
            purpose: Purpose,
        }
        let old: Row = serde_json::from_str("{}").unwrap();
        assert_eq!(old.purpose, Purpose::Page);
        assert_eq!(
            serde_json::to_string(&Purpose::Oembed).unwrap(),
            r#""oembed""#
        );
    }
}
