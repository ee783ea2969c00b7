//! Fuzzes the page-metadata extractor as capture runs it: the first byte
//! picks a `Content-Encoding` (none, identity, gzip, deflate, br) and
//! whether a `Content-Type` is given; the rest is the body, decoded within
//! the extractor's cap, then sniffed and extracted. Beyond not panicking and
//! staying within the memory and time limits, every field keeps the caps
//! the extractor promises.
#![no_main]

use libfuzzer_sys::fuzz_target;
use testigo_core::capture::meta::{MAX_DECODED, decode_body, extract, is_html};

/// The caps `meta.rs` keeps (private there): characters per field, fields
/// per map.
const MAX_FIELD: usize = 4096;
const MAX_FIELDS: usize = 200;

fn field_ok(s: &str) {
    assert!(
        !s.is_empty() && s.chars().count() <= MAX_FIELD,
        "field over the cap"
    );
    // Cut at the cap, a field may end in the space before the next word.
    assert_eq!(
        s.trim_end(),
        s.split_whitespace().collect::<Vec<_>>().join(" "),
        "field whitespace not collapsed"
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let encoding = [
        None,
        Some("identity"),
        Some("gzip"),
        Some("deflate"),
        Some("br"),
    ][usize::from(sel & 7) % 5];
    let content_type = (sel & 8 != 0).then_some("text/html; charset=utf-8");
    let Ok(decoded) = decode_body(body, encoding) else {
        return;
    };
    assert!(decoded.len() as u64 <= MAX_DECODED, "decoded over the cap");
    if !is_html(content_type, &decoded) && sel & 16 == 0 {
        return;
    }
    let base = url::Url::parse("https://example.com/a/b?c=d").expect("a constant URL");
    let meta = extract(&decoded, Some(&base));
    assert_eq!(meta.invalid_utf8, std::str::from_utf8(&decoded).is_err());
    for s in [&meta.title, &meta.description, &meta.canonical_url]
        .into_iter()
        .flatten()
    {
        field_ok(s);
    }
    assert!(meta.open_graph.len() <= MAX_FIELDS && meta.twitter.len() <= MAX_FIELDS);
    for (k, v) in &meta.open_graph {
        assert!(k.starts_with("og:"));
        field_ok(v);
    }
    for (k, v) in &meta.twitter {
        assert!(k.starts_with("twitter:"));
        field_ok(v);
    }
    let ld = &meta.json_ld;
    assert!(ld.types.len() <= MAX_FIELDS && ld.authors.len() <= MAX_FIELDS);
    for s in ld.types.iter().chain(&ld.authors) {
        field_ok(s);
    }
    for s in [&ld.date_published, &ld.date_modified, &ld.date_created]
        .into_iter()
        .flatten()
    {
        field_ok(s);
    }
    for o in &meta.oembed {
        assert!(
            o.format == "json" || o.format == "xml",
            "oEmbed format {:?}",
            o.format
        );
    }
});
