//! The functional core of packets: from a drafted report and the print
//! options to the JSON document the template reads as `/data.json`. No I/O.
//!
//! Main items: [`chronological`] (the order items are numbered and printed
//! in), [`qr_text`] (what the cover's QR code says) and [`build`]; the
//! summary's numbers are in `summary.rs`. Every time
//! is given both in UTC and in the chosen zone, as fixed-width numbers the
//! template can print as they are or spell out with its month names;
//! category and threat-level labels come from `model.rs` in the chosen
//! language, so the CLI, the app and the packet use the same words.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use super::printable::{Cuts, Printable, clean};
use super::summary::{self, category_label, threat_label};
use super::{InBundle, PacketOptions, Paper};
use crate::error::Lang;
use crate::model::ThreatLevel;
use crate::record::Item;
use crate::report::FORMAT;

/// Longest text value shown in a custody entry's detail; the full entry is
/// in `report.json` and `testigo log`.
const DETAIL_CHARS: usize = 120;
/// Longest custody detail printed, all its values together.
const DETAIL_TOTAL_CHARS: usize = 2_000;
/// A screenshot as the template shows it.
pub enum Picture {
    /// Ready: its path in the template's world and its size in pixels.
    Shown {
        /// `/img/<n>.jpg`.
        path: String,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// It could not be shown, and why.
    Failed(String),
}

/// An organization's signed receipt for a report sealed from the case.
pub struct PrintedReceipt {
    /// The organization's name, as its `.testigo-org` file says.
    pub organization: String,
    /// Its receipt key's fingerprint.
    pub fingerprint: String,
    /// The receipt.
    pub receipt: crate::submission::Receipt,
    /// The receipt's exact JSON and its minisign signature.
    pub json: String,
    /// The `.minisig` text.
    pub minisig: String,
}

/// The case's latest campaign analysis, as a packet prints it: the
/// campaigns whose evidence is among the packet's items.
pub struct PrintedAnalysis {
    /// When it ran.
    pub created_at: DateTime<Utc>,
    /// SHA-256 of its stored results.
    pub sha256: String,
    /// Its window, in seconds, and whether it was estimated from the data.
    pub window: (u32, bool),
    /// Posts and accounts read.
    pub read: (u64, u64),
    /// The campaigns printed.
    pub campaigns: Vec<crate::analysis::Campaign>,
}

/// Everything [`build`] needs.
pub struct Inputs<'a> {
    /// The drafted report (case, items, files, custody, signer, id), as
    /// [`printable`](super::printable::printable) made it, with what it cut.
    pub printable: &'a Printable,
    /// Language, zone and paper.
    pub options: &'a PacketOptions,
    /// Indexes into `report.items`, in print order ([`chronological`]).
    pub order: &'a [usize],
    /// Pictures by item number.
    pub pictures: &'a BTreeMap<usize, Picture>,
    /// QR codes of URLs by item number (paths in the template's world).
    pub url_qrs: &'a BTreeMap<usize, String>,
    /// Link targets of the URLs that may be clickable, by item number
    /// ([`linkable`](crate::urls::linkable)); any other URL is printed as text.
    pub links: &'a BTreeMap<usize, String>,
    /// Items (by number) printed in a minimal form: number, id, kind,
    /// times and files, with a note, because their full form could not be
    /// typeset.
    pub minimal: &'a BTreeSet<usize>,
    /// When set, only these items (by number) are printed, keeping their
    /// numbers: used to find which item a failed packet cannot typeset.
    pub only: Option<&'a BTreeSet<usize>>,
    /// What the cover's QR code says.
    pub qr_text: &'a str,
    /// The cover's QR code (path in the template's world).
    pub report_qr: Option<String>,
    /// Set when the packet goes into a bundle.
    pub in_bundle: Option<&'a InBundle>,
    /// When the packet was generated.
    pub generated_at: DateTime<Utc>,
    /// Receipts of the case's submitted reports (standalone packets only).
    pub receipts: &'a [PrintedReceipt],
    /// The campaign analysis, when one ran and a campaign's evidence is here.
    pub campaigns: Option<&'a PrintedAnalysis>,
}

/// The print order: by posted time (captured time when the post's time is
/// unknown), then captured time, then id. Returns indexes into `items`.
pub fn chronological(items: &[Item]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&items[a], &items[b]);
        (a.when(), a.captured_at, &a.id).cmp(&(b.when(), b.captured_at, &b.id))
    });
    order
}

/// What the cover's QR code says: the format, the report id and, for a
/// packet inside a bundle, the SHA-256 of the payload manifest without the
/// packet's own line (`docs/sealed-report.md` says how to recompute it).
pub fn qr_text(report_id: &str, payload_sha256: Option<&str>) -> String {
    match payload_sha256 {
        Some(h) => format!("{FORMAT} report:{report_id} payload-sha256:{h}"),
        None => format!("{FORMAT} report:{report_id}"),
    }
}

/// A time in UTC and in the chosen zone.
fn time(t: DateTime<Utc>, tz: Tz) -> Value {
    let local = t.with_timezone(&tz);
    json!({
        "utc": t.format("%Y-%m-%d %H:%M:%S").to_string(),
        "local": local.format("%Y-%m-%d %H:%M:%S").to_string(),
        "offset": local.format("%:z").to_string(),
        "abbr": local.format("%Z").to_string(),
        "year": local.year(),
        "month": local.month(),
        "day": local.day(),
    })
}

/// Whether a text's first letter is of a right-to-left script (Hebrew,
/// Arabic, Syriac, Thaana, N'Ko and their presentation forms), so the
/// template sets the paragraph right to left.
fn starts_right_to_left(text: &str) -> bool {
    text.chars().find(|c| c.is_alphabetic()).is_some_and(
        |c| matches!(u32::from(c), 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF),
    )
}

/// A custody entry's detail as one line a person can read and a printer
/// can wrap: `key: value, key: {key: value}, list: [a, b]`, each text on
/// one line and cut at [`DETAIL_CHARS`] characters; empty values left out.
fn readable(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let parts: Vec<String> = m
                .iter()
                .filter(|(_, v)| !is_empty(v))
                .map(|(k, v)| match v {
                    Value::Object(_) => format!("{k}: {{{}}}", readable(v)),
                    _ => format!("{k}: {}", readable(v)),
                })
                .collect();
            parts.join(", ")
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(readable).collect::<Vec<_>>().join(", ")
        ),
        Value::String(s) => {
            let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
            match one_line.char_indices().nth(DETAIL_CHARS) {
                Some((cut, _)) => format!("{}…", &one_line[..cut]),
                None => one_line,
            }
        }
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

/// Null, an empty text, list or object: left out of printed details.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// A custody entry's detail as printed: [`readable`], made safe to typeset
/// and cut at [`DETAIL_TOTAL_CHARS`].
fn printed_detail(v: &Value) -> String {
    let (mut s, cut) = clean(&readable(v), DETAIL_TOTAL_CHARS);
    if cut > 0 {
        s.push('…');
    }
    s
}

/// What was cut of a record, for the template: field key → characters.
fn cut_json(cuts: Option<&Cuts>) -> Value {
    json!(cuts.cloned().unwrap_or_default())
}

/// An item in its minimal form: what identifies it, none of its texts.
fn minimal_item(n: usize, item: &Item, files: Vec<Value>, tz: Tz) -> Value {
    let mut doc = json!({
        "n": n, "id": item.id, "kind": item.kind.as_str(), "minimal": true,
        "when": time(item.when(), tz), "posted": item.posted_at.map(|t| time(t, tz)),
        "captured": time(item.captured_at, tz), "width": item.width,
        "height": item.height, "files": files, "text_rtl": false, "cut": {},
    });
    for empty in ["categories", "hashtags", "tags", "reported_to", "more"] {
        doc[empty] = json!([]);
    }
    for none in [
        "platform",
        "url",
        "url_link",
        "url_qr",
        "author",
        "author_name",
        "text",
        "threat_level",
        "threat_id",
        "target",
        "state",
        "notes",
        "file_name",
        "media_type",
        "picture",
        "picture_error",
        "duplicate_of",
    ] {
        doc[none] = Value::Null;
    }
    doc
}

/// Fields the template lays out itself; every other field of the record
/// with a value is printed under its label from the field table.
const PLACED: &[&str] = &[
    "posted_at",
    "platform",
    "url",
    "author",
    "author_name",
    "text",
    "categories",
    "threat_level",
    "target",
    "state",
    "hashtags",
    "tags",
    "notes",
    "reported_to",
];

/// The item's fields that the template does not place itself, in the
/// field table's order, with their labels in `lang`.
fn more_fields(item: &Item, lang: Lang) -> Vec<Value> {
    item.field_texts()
        .into_iter()
        .filter(|(f, _)| !PLACED.contains(&f.name))
        .map(|(f, text)| json!({ "name": f.name, "label": f.label(lang), "value": text }))
        .collect()
}

/// The document the template reads.
pub fn build(inp: &Inputs<'_>) -> Value {
    let r = &inp.printable.report;
    let tz = inp.options.time_zone;
    let lang = inp.options.lang;
    let items: Vec<&Item> = inp
        .order
        .iter()
        .enumerate()
        .filter(|(k, _)| inp.only.is_none_or(|only| only.contains(&(k + 1))))
        .map(|(_, &i)| &r.items[i])
        .collect();
    let number: HashMap<&str, usize> = inp
        .order
        .iter()
        .enumerate()
        .map(|(k, &i)| (r.items[i].id.as_str(), k + 1))
        .collect();

    let item_docs: Vec<Value> = items
        .iter()
        .map(|item| {
            let n = number[item.id.as_str()];
            let files: Vec<Value> = r
                .artifacts
                .iter()
                .filter(|a| a.item_id == item.id)
                .map(|a| {
                    json!({
                        "path": a.path, "sha256": a.sha256, "size": a.size,
                        "media_type": a.media_type,
                    })
                })
                .collect();
            if inp.minimal.contains(&n) {
                return minimal_item(n, item, files, tz);
            }
            let (picture, picture_error) = match inp.pictures.get(&n) {
                Some(Picture::Shown {
                    path,
                    width,
                    height,
                }) => (
                    json!({ "path": path, "width": width, "height": height }),
                    Value::Null,
                ),
                Some(Picture::Failed(why)) => (Value::Null, json!(clean(why, 500).0)),
                None => (Value::Null, Value::Null),
            };
            let mut doc = json!({
                "n": n,
                "id": item.id,
                "kind": item.kind.as_str(),
                "when": time(item.when(), tz),
                "posted": item.posted_at.map(|t| time(t, tz)),
                "captured": time(item.captured_at, tz),
                "platform": item.platform,
                "url": item.url,
                "url_qr": inp.url_qrs.get(&n),
                "author": item.author,
                "author_name": item.author_name,
                "text": item.text,
                "text_rtl": item.text.as_deref().is_some_and(starts_right_to_left),
                "categories": item.categories.iter().map(|c| category_label(*c, lang)).collect::<Vec<_>>(),
                "threat_level": item.threat_level.map(|t| threat_label(t, lang)),
                "threat_id": item.threat_level.map(ThreatLevel::as_str),
                "target": item.target,
                "state": item.state,
                "hashtags": item.hashtags,
                "tags": item.tags,
                "notes": item.notes,
                "reported_to": item.reported_to,
                "more": more_fields(item, lang),
                "file_name": item.file_name,
                "media_type": item.media_type,
                "width": item.width,
                "height": item.height,
                "files": files,
                "picture": picture,
                "picture_error": picture_error,
                "duplicate_of": item.duplicate_of.as_deref().map(|d| match number.get(d) {
                    Some(n) => json!({ "n": n }),
                    None => json!({ "id": d }),
                }),
            });
            doc["url_link"] = json!(inp.links.get(&n));
            doc["minimal"] = json!(false);
            doc["cut"] = cut_json(inp.printable.items.get(&item.id));
            doc
        })
        .collect();

    let custody: Vec<Value> = r
        .custody
        .iter()
        .map(|e| {
            json!({
                "seq": e.seq,
                "at": time(e.at, tz),
                "action": e.action,
                "item": e.item_id.as_deref().and_then(|id| number.get(id)),
                "sha256": e.sha256,
                "detail": printed_detail(&e.detail),
                "hash": e.hash,
            })
        })
        .collect();

    let first = items.iter().map(|i| i.when()).min();
    let last = items.iter().map(|i| i.when()).max();
    json!({
        "lang": lang.as_str(),
        "paper": match inp.options.paper { Paper::Letter => "us-letter", Paper::A4 => "a4" },
        "time_zone": tz.name(),
        "report": {
            "id": r.report_id,
            "format": r.format,
            "software": r.software,
            "generated": time(inp.generated_at, tz),
            "qr": inp.report_qr,
            "qr_text": inp.qr_text,
        },
        "bundle": inp.in_bundle.map(|b| json!({
            "payload_sha256": b.payload_sha256,
            "verify_txt": b.verify_txt,
        })),
        "signer": {
            "key_id": r.signer.key_id,
            "public_key": r.signer.public_key,
            "fingerprint": crate::signing::PublicKeyInfo::parse(&r.signer.public_key)
                .map(|k| crate::signing::grouped(&k.fingerprint))
                .unwrap_or_default(),
            "name": r.signer.name,
            "contact": r.signer.contact,
            "organization": r.signer.organization,
            "cut": cut_json(Some(&inp.printable.signer)),
        },
        "case": {
            "id": r.case.id,
            "name": r.case.name,
            "description": r.case.description,
            "created": time(r.case.created_at, tz),
            "cut": cut_json(Some(&inp.printable.case)),
        },
        "range": first.zip(last).map(|(a, b)| json!({ "first": time(a, tz), "last": time(b, tz) })),
        "counts": summary::counts(&items, r.artifacts.len(), lang),
        "activity": summary::activity(&items, tz),
        "items": item_docs,
        "minimal": inp.minimal.iter().collect::<Vec<_>>(),
        "custody": custody,
        "receipts": inp.receipts.iter().map(|p| receipt_doc(p, tz, lang)).collect::<Vec<_>>(),
        "campaigns": inp.campaigns.map(|a| analysis_doc(a, tz, lang)),
    })
}

/// A receipt as the template prints it. Its texts came from a server:
/// they are cleaned like any other text.
/// At most this many handles of a campaign's accounts are printed; the count says the rest.
const PRINTED_HANDLES: usize = 60;

fn analysis_doc(a: &PrintedAnalysis, tz: Tz, lang: Lang) -> Value {
    let es = lang == Lang::Es;
    let (secs, estimated) = a.window;
    let (w_en, w_es) = crate::analysis::campaigns::duration_words(i64::from(secs));
    let window = match (es, estimated) {
        (true, true) => format!("{w_es} (estimada de los datos)"),
        (true, false) => w_es,
        (false, true) => format!("{w_en} (estimated from the data)"),
        (false, false) => w_en,
    };
    let read = if es {
        format!("{} publicaciones de {} cuentas", a.read.0, a.read.1)
    } else {
        format!("{} posts by {} accounts", a.read.0, a.read.1)
    };
    json!({
        "when": time(a.created_at, tz),
        "sha256": a.sha256,
        "window": window,
        "read": read,
        "list": a.campaigns.iter().map(|c| {
            let mut handles: Vec<String> = c
                .accounts
                .iter()
                .take(PRINTED_HANDLES)
                .map(|x| format!("@{}", clean(&x.handle, 60).0))
                .collect();
            if c.accounts.len() > PRINTED_HANDLES {
                handles.push(if es {
                    format!("y {} más", c.accounts.len() - PRINTED_HANDLES)
                } else {
                    format!("and {} more", c.accounts.len() - PRINTED_HANDLES)
                });
            }
            let counted = |v: &[crate::analysis::campaigns::Counted], prefix: &str| {
                v.iter()
                    .take(12)
                    .map(|x| format!("{prefix}{} ({})", clean(&x.name, 80).0, x.posts))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            json!({
                "id": c.id,
                "strength": c.strength,
                "reason": clean(if es { &c.reason_es } else { &c.reason }, 600).0,
                "start": time(c.start, tz),
                "end": time(c.end, tz),
                "accounts": handles.join(", "),
                "posts": c.posts.len(),
                "texts": c.texts.iter().take(3).map(|x| clean(&x.text, 400).0).collect::<Vec<_>>(),
                "hashtags": counted(&c.hashtags, "#"),
                "places": counted(&c.locations, ""),
            })
        }).collect::<Vec<_>>(),
    })
}

fn receipt_doc(p: &PrintedReceipt, tz: Tz, lang: Lang) -> Value {
    let r = &p.receipt;
    let (en, es) = r.verification.label();
    json!({
        "organization": clean(&p.organization, 200).0,
        "fingerprint": crate::signing::grouped(&p.fingerprint),
        "receipt_id": r.receipt_id,
        "report_id": r.report_id,
        "sha256": r.sha256,
        "size": r.size,
        "received": DateTime::parse_from_rfc3339(&r.received_at)
            .map(|t| time(t.with_timezone(&Utc), tz))
            .unwrap_or_else(|_| json!({ "utc": clean(&r.received_at, 40).0 })),
        "verification": if lang == Lang::Es { es } else { en },
        "server": clean(&r.server, 200).0,
        "server_url": clean(&r.server_url, 300).0,
        "json": clean(&p.json, 4_000).0,
        "minisig": clean(&p.minisig, 1_000).0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::test_items::item;

    fn at(s: &str) -> DateTime<Utc> {
        crate::model::parse_time(s).unwrap()
    }

    #[test]
    fn items_are_numbered_by_posted_time_then_captured_time() {
        let items = vec![
            item("A", "2024-05-03", None),
            item("B", "2024-05-04", Some("2024-05-01")),
            item("C", "2024-05-02", None),
        ];
        assert_eq!(chronological(&items), vec![1, 2, 0]);
    }

    #[test]
    fn times_are_given_in_utc_and_in_the_zone() {
        let t = time(at("2024-05-02T00:30:00Z"), chrono_tz::America::Mexico_City);
        assert_eq!(t["utc"], "2024-05-02 00:30:00");
        assert_eq!(t["local"], "2024-05-01 18:30:00");
        assert_eq!(t["offset"], "-06:00");
        assert_eq!(t["day"], 1);
    }

    #[test]
    fn custody_details_read_as_wrappable_lines() {
        let d = json!({"file_name": "a.png", "fields": {"tags": ["x", "y"], "url": null, "hashtags": []}, "n": 2});
        assert_eq!(
            readable(&d),
            "fields: {tags: [x, y]}, file_name: a.png, n: 2"
        );
        let long = json!({"text": format!("uno\ndos {}", "ñ".repeat(200))});
        let r = readable(&long);
        assert!(r.starts_with("text: uno dos ñ") && r.ends_with('…'), "{r}");
        assert_eq!(r.chars().count(), "text: ".len() + DETAIL_CHARS + 1);
        assert!(starts_right_to_left("«مرحبا» hola"));
        assert!(!starts_right_to_left("hola مرحبا"));
    }

    #[test]
    fn the_qr_text_names_the_report_and_the_payload() {
        assert_eq!(qr_text("ab", None), "testigo-report/1 report:ab");
        assert_eq!(
            qr_text("ab", Some("cd")),
            "testigo-report/1 report:ab payload-sha256:cd"
        );
    }
}
