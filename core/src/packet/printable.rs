//! What of a report a packet prints: every text a person, a page or an older
//! vault gave is made safe to typeset and cut to a printable length, so no
//! one field can fail, swamp or disguise a packet. Pure.
//!
//! Main function: [`printable`], a report → a copy of it whose texts are
//! [`clean`]ed and cut, with [`Cuts`] (how many characters each field lost,
//! which the template prints as a note: the full text stays in the vault
//! and in the bundle's `report.json`). Control characters and the bidi
//! overrides that reverse text (U+202D, U+202E) are printed as visible
//! marks; everything else is kept as it was written.

use std::collections::{BTreeMap, HashMap};

use crate::model::ReportedTo;
use crate::record::{Item, Shape, TextSlot};
use crate::report::Report;
use crate::urls::MAX_URL;

/// Characters printed of a long text: a post, notes, the case's description
/// (about eight pages of a packet).
pub const LONG_CHARS: usize = 20_000;
/// Lines printed of a long text.
pub const LONG_LINES: usize = 400;
/// Characters printed of a short text: a name, handle, platform, tag,
/// place, file name.
pub const SHORT_CHARS: usize = 300;
/// Characters printed of a URL: a valid one is printed whole.
pub const URL_CHARS: usize = MAX_URL;
/// Entries printed of a list (tags, hashtags, where it was reported).
pub const LIST_ENTRIES: usize = 100;
/// Characters of a run without a space after which an invisible break
/// opportunity (U+200B) is added, so that a long unbroken string wraps on
/// paper instead of running off the page (the layout engine never breaks
/// inside a word). After `://` the engine breaks a URL itself where letters
/// turn to digits or punctuation, so there only a run of 64 letters (or
/// digits) in a row gets one, and ordinary URLs are printed untouched.
/// 64 keeps a SHA-256 in hex whole.
pub const RUN_CHARS: usize = 64;
/// Combining marks printed on one letter: "Zalgo" text stacks thousands on
/// one letter, which prints as a black column; the rest count as cut.
pub const MARKS_PER_LETTER: usize = 8;

/// Characters left out of each field that was cut, by the field's key in the
/// template's data.
pub type Cuts = BTreeMap<&'static str, usize>;

/// A report as a packet prints it.
pub struct Printable {
    /// The report with every text cleaned and cut.
    pub report: Report,
    /// What was cut of each item, by item id.
    pub items: HashMap<String, Cuts>,
    /// What was cut of the case (`name`, `description`).
    pub case: Cuts,
    /// What was cut of the signer (`name`, `contact`, `organization`).
    pub signer: Cuts,
}

/// The printable copy of `report`.
pub fn printable(report: &Report) -> Printable {
    let mut r = report.clone();
    let mut case = Cuts::new();
    r.case.name = field(&mut case, "name", &r.case.name, SHORT_CHARS);
    r.case.description = field(&mut case, "description", &r.case.description, LONG_CHARS);
    let mut signer = Cuts::new();
    for (key, value) in [
        ("name", &mut r.signer.name),
        ("contact", &mut r.signer.contact),
        ("organization", &mut r.signer.organization),
    ] {
        *value = optional(&mut signer, key, value, SHORT_CHARS);
    }
    let mut items = HashMap::new();
    for item in &mut r.items {
        let cuts = clean_item(item);
        if !cuts.is_empty() {
            items.insert(item.id.clone(), cuts);
        }
    }
    for file in &mut r.artifacts {
        file.path = clean(&file.path, SHORT_CHARS).0;
        file.media_type = clean(&file.media_type, SHORT_CHARS).0;
    }
    Printable {
        report: r,
        items,
        case,
        signer,
    }
}

/// Cleans and cuts an item's texts in place; returns what was cut. Every
/// field of the record with free text is cut by its shape ([`TextSlot`]).
fn clean_item(item: &mut Item) -> Cuts {
    let mut cuts = Cuts::new();
    let c = &mut cuts;
    item.file_name = optional(c, "file_name", &item.file_name, SHORT_CHARS);
    item.media_type = optional(c, "media_type", &item.media_type, SHORT_CHARS);
    let short = |s: &String, cut: &mut usize| {
        let (s, n) = clean(s, SHORT_CHARS);
        *cut += n;
        s
    };
    for (key, slot) in item.text_slots() {
        match slot {
            TextSlot::One(value, shape) => {
                let max = match shape {
                    Shape::Short => SHORT_CHARS,
                    Shape::Long => LONG_CHARS,
                    Shape::Url => URL_CHARS,
                };
                *value = optional(c, key, value, max);
            }
            TextSlot::Words(words) => *words = list(c, key, words, short),
            TextSlot::Reports(reports) => {
                *reports = list(c, key, reports, |r, cut| {
                    let mut part = |s: &str| {
                        let (s, n) = clean(s, SHORT_CHARS);
                        *cut += n;
                        s
                    };
                    ReportedTo {
                        to: part(&r.to),
                        ticket: r.ticket.as_deref().map(&mut part),
                        response: r.response.as_deref().map(&mut part),
                    }
                });
            }
        }
    }
    cuts
}

fn field(cuts: &mut Cuts, key: &'static str, value: &str, max: usize) -> String {
    let (s, n) = clean(value, max);
    if n > 0 {
        cuts.insert(key, n);
    }
    s
}

fn optional(
    cuts: &mut Cuts,
    key: &'static str,
    value: &Option<String>,
    max: usize,
) -> Option<String> {
    value.as_deref().map(|v| field(cuts, key, v, max))
}

/// The first [`LIST_ENTRIES`] of a list, each made printable by `each`
/// (which adds what it cuts); the entries left out count by their length.
fn list<T>(
    cuts: &mut Cuts,
    key: &'static str,
    values: &[T],
    mut each: impl FnMut(&T, &mut usize) -> T,
) -> Vec<T>
where
    T: serde::Serialize,
{
    let mut cut = 0;
    let out = values
        .iter()
        .take(LIST_ENTRIES)
        .map(|v| each(v, &mut cut))
        .collect();
    for left_out in values.iter().skip(LIST_ENTRIES) {
        cut += serde_json::to_value(left_out)
            .map(|v| text_chars(&v))
            .unwrap_or(1);
    }
    if cut > 0 {
        cuts.insert(key, cut);
    }
    out
}

/// Characters of the texts in a JSON value.
fn text_chars(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::String(s) => s.chars().count(),
        serde_json::Value::Array(a) => a.iter().map(text_chars).sum(),
        serde_json::Value::Object(o) => o.values().map(text_chars).sum(),
        _ => 0,
    }
}

/// Whether a character is a combining mark (the common blocks: enough to
/// stop stacked marks, which is all this is for).
fn is_mark(c: char) -> bool {
    matches!(u32::from(c),
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05BD | 0x0610..=0x061A
        | 0x064B..=0x065F | 0x0E31 | 0x0E34..=0x0E3A | 0x0E47..=0x0E4E
        | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// `text` made safe to typeset and cut to `max` characters (and
/// [`LONG_LINES`] lines): returns the printable text and how many
/// characters of the original were left out (0 when nothing was).
///
/// Line ends become `\n`; tabs stay; other control characters (C0, DEL, C1)
/// and the bidi overrides U+202D and U+202E are shown as visible marks
/// (`␀`, `[U+202E]`), so nothing invisible can hide or reverse what is
/// printed; more than [`MARKS_PER_LETTER`] combining marks on one letter
/// are left out (and counted); a run of more than [`RUN_CHARS`] characters
/// without a space gets an invisible break opportunity after each
/// [`RUN_CHARS`].
pub fn clean(text: &str, max: usize) -> (String, usize) {
    let mut out = String::with_capacity(text.len().min(max * 4));
    let (mut kept, mut lines, mut marks) = (0usize, 1usize, 0usize);
    // The current run without a space, whether it holds a `://`, and the
    // run of letters (1) or digits (2) in a row (what a URL cannot break).
    let (mut run, mut url) = (0usize, false);
    let (mut same, mut class) = (0usize, 0u8);
    let mut chars = text.chars().peekable();
    let mut consumed = 0usize;
    while let Some(c) = chars.next() {
        if kept >= max || lines > LONG_LINES {
            break;
        }
        consumed += 1;
        if is_mark(c) {
            marks += 1;
            if marks > MARKS_PER_LETTER {
                continue;
            }
        } else {
            marks = 0;
        }
        let this = if c.is_alphabetic() {
            1
        } else if c.is_numeric() {
            2
        } else {
            0
        };
        same = if this != 0 && this == class {
            same + 1
        } else {
            0
        };
        class = this;
        if c.is_whitespace() || u32::from(c) < 0x20 {
            (run, url) = (0, false);
        } else {
            let unbroken = if url { same } else { run };
            if unbroken > 0 && unbroken.is_multiple_of(RUN_CHARS) {
                out.push('\u{200B}');
            }
            run += 1;
            url = url || (c == '/' && out.ends_with(":/"));
        }
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                    consumed += 1;
                }
                out.push('\n');
                lines += 1;
            }
            '\n' | '\u{2028}' | '\u{2029}' | '\u{85}' => {
                out.push('\n');
                lines += 1;
            }
            '\t' => out.push('\t'),
            c if u32::from(c) < 0x20 => {
                out.push(char::from_u32(0x2400 + u32::from(c)).unwrap_or('\u{FFFD}'));
            }
            '\u{7F}' => out.push('\u{2421}'),
            c if ('\u{80}'..='\u{9F}').contains(&c) || matches!(c, '\u{202D}' | '\u{202E}') => {
                out.push_str(&format!("[U+{:04X}]", u32::from(c)));
            }
            c => out.push(c),
        }
        kept += 1;
    }
    let left_out = text.chars().count() - consumed;
    let dropped_marks = count_dropped_marks(text, consumed);
    (out, left_out + dropped_marks)
}

/// Combining marks past [`MARKS_PER_LETTER`] among the first `consumed`
/// characters of `text` (the ones [`clean`] left out while reading).
fn count_dropped_marks(text: &str, consumed: usize) -> usize {
    let (mut run, mut dropped) = (0usize, 0usize);
    for c in text.chars().take(consumed) {
        if is_mark(c) {
            run += 1;
            if run > MARKS_PER_LETTER {
                dropped += 1;
            }
        } else {
            run = 0;
        }
    }
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_clean_text_is_kept_as_written() {
        let post = "¿Sabes dónde vives? 😡 — مرحبا\n\tsegunda línea";
        assert_eq!(clean(post, 100), (post.to_string(), 0));
    }

    #[test]
    fn long_text_is_cut_and_counted() {
        let (s, n) = clean(&"ñ".repeat(1_000_000), LONG_CHARS);
        let printed = s.chars().filter(|&c| c != '\u{200B}').count();
        assert_eq!((printed, n), (LONG_CHARS, 1_000_000 - LONG_CHARS));
        let many_lines = "a\n".repeat(10_000);
        let (s, n) = clean(&many_lines, LONG_CHARS);
        assert_eq!(s.matches('\n').count(), LONG_LINES);
        assert_eq!(s.chars().count() + n, many_lines.chars().count());
    }

    #[test]
    fn invisible_and_reversing_characters_are_shown() {
        let (s, n) = clean("a\0b\u{1b}[2Jc\u{7f}d\u{9b}e\u{202e}gpj.exe\r\nf\rg", 100);
        assert_eq!(
            s,
            "a\u{2400}b\u{241b}[2Jc\u{2421}d[U+009B]e[U+202E]gpj.exe\nf\ng"
        );
        assert_eq!(n, 0);
    }

    #[test]
    fn long_runs_get_break_opportunities_and_urls_only_where_they_cannot_break() {
        let (s, n) = clean(&"x".repeat(200), LONG_CHARS);
        assert_eq!(n, 0);
        assert_eq!(
            s,
            [
                "x".repeat(64),
                "x".repeat(64),
                "x".repeat(64),
                "x".repeat(8)
            ]
            .join("\u{200B}")
        );
        let hash = "0123456789abcdef".repeat(4);
        assert_eq!(
            clean(&format!("sha {hash} ok"), 500).0,
            format!("sha {hash} ok")
        );
        let url = "mira https://www.facebook.com/groups/1234567890123/posts/9876543210987654/?comment_id=1234567890&notif_id=1714521600000000&ref=notif";
        assert_eq!(clean(url, 500).0, url);
        let (s, _) = clean(&format!("https://a.example/{}", "a".repeat(130)), 500);
        assert_eq!(
            s,
            format!(
                "https://a.example/{}\u{200B}{}\u{200B}aa",
                "a".repeat(64),
                "a".repeat(64)
            )
        );
    }

    #[test]
    fn stacked_combining_marks_are_cut() {
        let zalgo = format!("a{}b", "\u{301}".repeat(50_000));
        let (s, n) = clean(&zalgo, SHORT_CHARS);
        assert_eq!(s, format!("a{}b", "\u{301}".repeat(MARKS_PER_LETTER)));
        assert_eq!(n, 50_000 - MARKS_PER_LETTER);
        // Vietnamese and Hebrew points keep all their marks.
        assert_eq!(clean("Tiếng Việt", 50), ("Tiếng Việt".into(), 0));
    }

    #[test]
    fn items_record_what_was_cut() {
        let mut item = super::super::test_items::item("A", "2024-05-01", None);
        item.text = Some("x".repeat(LONG_CHARS + 5));
        item.author = Some("\u{202e}lort".into());
        item.tags = (0..LIST_ENTRIES + 2).map(|i| format!("t{i:03}")).collect();
        let cuts = clean_item(&mut item);
        assert_eq!(cuts.get("text"), Some(&5));
        assert_eq!(cuts.get("tags"), Some(&8));
        assert_eq!(cuts.get("author"), None);
        assert_eq!(item.author.as_deref(), Some("[U+202E]lort"));
        assert_eq!(item.tags.len(), LIST_ENTRIES);
    }
}
