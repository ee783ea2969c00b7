//! Untrusted text made harmless on a terminal. File and entry names, page
//! titles, post text, anything from a bundle, a capture or the vault can hold
//! escape sequences (clear the screen, set the window title, write the
//! clipboard, move the cursor over an earlier line), C1 controls, or bidi
//! overrides that reorder what is shown. `Shown` prints such text with every
//! such character made visible (`\x1b`, `\u{202e}`); `line` is the same for a
//! whole line of output, keeping only Testigo's own newlines, and is applied to
//! everything `outln!` and `errln!` write, so a field that was forgotten still
//! cannot send an escape sequence; `json` does it for a JSON document without
//! changing the values it holds.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Untrusted text for a terminal: displays with every [hazard](is_hazard),
/// newlines included, escaped. `format!("{}", Shown(name))` is one line.
pub struct Shown<'a>(pub &'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(f, self.0, Newlines::Escape)
    }
}

/// A path for a terminal (lossy for names that are not UTF-8, then escaped).
pub fn path(p: &std::path::Path) -> String {
    Shown(&p.to_string_lossy()).to_string()
}

/// Whether a character is escaped: every control character (C0, DEL, C1:
/// general category `Cc`), every format character (`Cf`: bidi embeddings,
/// overrides, isolates and marks, zero-width space, word joiner, byte order
/// mark, soft hyphen, tag characters…) except the zero-width joiner and
/// non-joiner that emoji and several scripts need, the line and paragraph
/// separators (`Zl`, `Zp`), and the Hangul fillers that show as blank.
pub fn is_hazard(c: char) -> bool {
    match c {
        '\u{200C}' | '\u{200D}' => false,
        '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' => true,
        _ => matches!(
            c.general_category(),
            GeneralCategory::Control
                | GeneralCategory::Format
                | GeneralCategory::LineSeparator
                | GeneralCategory::ParagraphSeparator
        ),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Newlines {
    Escape,
    Keep,
}

/// The visible form of a hazard: `\n`, `\r`, `\t`; `\xNN` for the other
/// ASCII controls; `\u{NNNN}` (hex, as in Rust) for the rest.
fn escape_char(out: &mut impl fmt::Write, c: char) -> fmt::Result {
    match c {
        '\n' => out.write_str("\\n"),
        '\r' => out.write_str("\\r"),
        '\t' => out.write_str("\\t"),
        c if c.is_ascii() => write!(out, "\\x{:02x}", c as u32),
        c => write!(out, "\\u{{{:x}}}", c as u32),
    }
}

fn write_escaped(out: &mut impl fmt::Write, text: &str, newlines: Newlines) -> fmt::Result {
    let mut rest = text;
    while let Some((i, c)) = rest
        .char_indices()
        .find(|&(_, c)| is_hazard(c) && !(c == '\n' && newlines == Newlines::Keep))
    {
        out.write_str(&rest[..i])?;
        escape_char(out, c)?;
        rest = &rest[i + c.len_utf8()..];
    }
    out.write_str(rest)
}

fn escaped(text: &str, newlines: Newlines) -> Cow<'_, str> {
    let clean = text
        .chars()
        .all(|c| !is_hazard(c) || (c == '\n' && newlines == Newlines::Keep));
    if clean {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    // Writing to a String cannot fail.
    let _ = write_escaped(&mut out, text, newlines);
    Cow::Owned(out)
}

/// Lines of output as written to stdout or stderr: every hazard escaped
/// except `\n`, which only Testigo's own text brings here (fields go through
/// [`Shown`], which escapes theirs).
pub fn line(text: &str) -> Cow<'_, str> {
    escaped(text, Newlines::Keep)
}

/// A JSON document safe for a terminal, with the same value: serde_json
/// escapes C0 controls inside strings but writes C1 controls, DEL, bidi
/// overrides and the other hazards as they are; they become `\uXXXX` (UTF-16,
/// a surrogate pair above U+FFFF). Outside strings a JSON text holds only
/// ASCII punctuation, digits, letters, spaces and the pretty printer's `\n`.
pub fn json(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| is_hazard(c) && c != '\n') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_hazard(c) && c != '\n' {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{u:04x}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A writer that passes a JSON document on as [`json`] makes it safe, as it
/// is written: for documents too large to hold twice in memory.
pub struct JsonOut<W: std::io::Write> {
    inner: W,
    /// The start of a character split between two writes.
    pending: Vec<u8>,
}

impl<W: std::io::Write> JsonOut<W> {
    /// Writes to `inner`.
    pub fn new(inner: W) -> Self {
        JsonOut {
            inner,
            pending: Vec::new(),
        }
    }
}

impl<W: std::io::Write> std::io::Write for JsonOut<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let whole = match std::str::from_utf8(&self.pending) {
            Ok(s) => s.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(e) => return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
        };
        let text = String::from_utf8_lossy(&self.pending[..whole]);
        self.inner.write_all(json(&text).as_bytes())?;
        self.pending.drain(..whole);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// An argument of a command Testigo suggests, written so it can be pasted
/// into a shell: as it is when it holds only letters, digits and `_-./:@%+=,`,
/// else in single quotes; hazards escaped as [`Shown`] escapes them.
pub fn arg(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || "_-./:@%+=,".contains(c));
    if plain {
        Shown(s).to_string()
    } else {
        format!("'{}'", Shown(&s.replace('\'', "'\\''")))
    }
}

/// Text on one line, cut to `max` characters with an ellipsis.
pub(super) fn short(s: &str, max: usize) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        format!("{}…", one_line.chars().take(max - 1).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggested_arguments_paste_into_a_shell() {
        assert_eq!(arg("bench"), "bench");
        assert_eq!(arg("Campaña-1"), "Campaña-1");
        assert_eq!(arg("Ola de publicaciones"), "'Ola de publicaciones'");
        assert_eq!(arg("it's"), "'it'\\''s'");
        assert_eq!(arg("a;rm -rf ~"), "'a;rm -rf ~'");
        assert_eq!(arg(""), "''");
        assert_eq!(arg("x\u{1b}[2J"), "'x\\x1b[2J'");
    }

    #[test]
    fn json_written_in_pieces_is_escaped_as_json_escapes_it_whole() {
        use std::io::Write as _;
        let doc = "{\"t\": \"a\u{202e}b\u{9b}c é\u{1F600}\"}\n";
        let mut out = JsonOut::new(Vec::new());
        // Byte by byte: every character is split between writes.
        for b in doc.as_bytes() {
            out.write_all(&[*b]).expect("write");
        }
        assert_eq!(String::from_utf8(out.inner).expect("utf-8"), json(doc));
        assert_eq!(json(doc), "{\"t\": \"a\\u202eb\\u009bc é\u{1F600}\"}\n");
        let mut bad = JsonOut::new(Vec::new());
        assert!(bad.write_all(&[0xff, b'a']).is_err());
    }

    /// Input, then how `Shown` displays it.
    const CASES: &[(&str, &str)] = &[
        ("", ""),
        ("captura.png", "captura.png"),
        (
            "Año señal “cita” é\u{301} 👨\u{200D}👩\u{200D}👧",
            "Año señal “cita” é\u{301} 👨\u{200D}👩\u{200D}👧",
        ),
        ("C:\\ruta\\a", "C:\\ruta\\a"),
        ("a\nVALID: x", "a\\nVALID: x"),
        ("a\r\nb\tc", "a\\r\\nb\\tc"),
        ("\x1b[1A\x1b[2KVALID", "\\x1b[1A\\x1b[2KVALID"),
        ("\x1b]52;c;aGk=\x07", "\\x1b]52;c;aGk=\\x07"),
        ("\x1b]0;title\x1b\\", "\\x1b]0;title\\x1b\\"),
        ("\0\x01\x7f", "\\x00\\x01\\x7f"),
        (
            "\u{9b}2J\u{85}\u{80}\u{9f}",
            "\\u{9b}2J\\u{85}\\u{80}\\u{9f}",
        ),
        ("\u{202e}gnp.exe", "\\u{202e}gnp.exe"),
        (
            "\u{202a}\u{202b}\u{202c}\u{202d}\u{2066}\u{2067}\u{2068}\u{2069}",
            "\\u{202a}\\u{202b}\\u{202c}\\u{202d}\\u{2066}\\u{2067}\\u{2068}\\u{2069}",
        ),
        ("\u{200e}\u{200f}\u{61c}", "\\u{200e}\\u{200f}\\u{61c}"),
        ("a\u{2028}b\u{2029}c", "a\\u{2028}b\\u{2029}c"),
        (
            "\u{200b}\u{2060}\u{feff}\u{ad}",
            "\\u{200b}\\u{2060}\\u{feff}\\u{ad}",
        ),
        ("\u{e0041}\u{e007f}", "\\u{e0041}\\u{e007f}"),
        ("\u{3164}\u{115f}", "\\u{3164}\\u{115f}"),
        ("\u{a0}\u{3000}", "\u{a0}\u{3000}"),
    ];

    #[test]
    fn shown_escapes_each_hazard_and_nothing_else() {
        for (input, expected) in CASES {
            assert_eq!(Shown(input).to_string(), *expected, "input {input:?}");
        }
    }

    #[test]
    fn shown_text_has_no_hazard_left() {
        for (input, _) in CASES {
            let s = Shown(input).to_string();
            assert!(!s.chars().any(is_hazard), "{s:?}");
        }
    }

    #[test]
    fn line_keeps_newlines_only() {
        assert_eq!(line("a\nb"), "a\nb");
        assert!(matches!(line("tabla\nfila"), Cow::Borrowed(_)));
        assert_eq!(line("a\r\n\x1b[2J\u{202e}"), "a\\r\n\\x1b[2J\\u{202e}");
        // Already escaped text is left as it is.
        let once = Shown("\x1b\n\u{9b}").to_string();
        assert_eq!(line(&once), once);
    }

    #[test]
    fn json_keeps_the_value_and_loses_the_hazards() {
        let values = [
            "\u{9b}2J \u{202e}abc \u{7f} \u{2028} \u{e0041} \u{200d}",
            "\x1b]52;c;aGk=\x07 línea\nnueva",
            "plain",
        ];
        for v in values {
            let text =
                serde_json::to_string_pretty(&serde_json::json!({ "title": v, "list": [v, 1] }))
                    .unwrap_or_default();
            let safe = json(&text);
            assert!(!safe.chars().any(|c| is_hazard(c) && c != '\n'), "{safe}");
            let back: serde_json::Value = serde_json::from_str(&safe).unwrap_or_default();
            assert_eq!(back["title"], v);
            assert_eq!(back["list"][0], v);
        }
    }
}
