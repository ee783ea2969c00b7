//! Reading bulk post files, pure: the formats people can actually get
//! (the QUT coordination toolkit's CSV, twarc2's JSONL from the X API v2,
//! Zeeschuimer's NDJSON for X, TikTok and Instagram, a Telegram Desktop
//! JSON export) become [`NewPost`]s, one at a time, in bounded memory. A
//! row that cannot be read is a [`RowError`] with its line and the reason,
//! and reading goes on; only a file that cannot be read at all (or a record
//! larger than [`MAX_RECORD`]) stops it.
//!
//! Main types: [`Format`], [`NewPost`], [`RowError`].

use std::cell::Cell;
use std::io::{BufRead, Read};
use std::rc::Rc;

use chrono::DateTime;
use serde_json::Value;

use crate::error::{Error, Result};

mod telegram;

/// A record (CSV row, JSON line, Telegram message) larger than this stops the import.
pub const MAX_RECORD: u64 = 16 << 20;
/// A post's text longer than this (in bytes) makes its row an error.
pub const MAX_TEXT: usize = 1 << 20;

/// A bulk post file's format.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// The QUT coordination-network-toolkit's CSV.
    Qut,
    /// twarc2 JSONL: X API v2 responses, or tweets flattened one per line.
    Twarc2,
    /// Zeeschuimer NDJSON (X, TikTok, Instagram).
    Zeeschuimer,
    /// A Telegram Desktop JSON export (`result.json`).
    Telegram,
}

impl Format {
    /// Reads `qut`, `twarc2`, `zeeschuimer` or `telegram`.
    pub fn parse(s: &str) -> Result<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "qut" | "csv" => Ok(Format::Qut),
            "twarc2" | "twarc" => Ok(Format::Twarc2),
            "zeeschuimer" => Ok(Format::Zeeschuimer),
            "telegram" => Ok(Format::Telegram),
            _ => Err(Error::invalid(
                format!("unknown format {s:?}: give qut, twarc2, zeeschuimer or telegram"),
                format!("formato desconocido {s:?}: indica qut, twarc2, zeeschuimer o telegram"),
            )),
        }
    }

    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Qut => "qut",
            Format::Twarc2 => "twarc2",
            Format::Zeeschuimer => "zeeschuimer",
            Format::Telegram => "telegram",
        }
    }
}

/// A post read from a file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewPost {
    /// Its line in the file (from 1; where its record starts).
    pub line: u64,
    /// The source's id for the post.
    pub message_id: String,
    /// `x`, `tiktok`, `instagram`, `telegram`, or none when the file does not say.
    pub platform: Option<String>,
    /// The source's id for the author.
    pub user_id: Option<String>,
    /// The author's handle, without `@`.
    pub handle: String,
    /// The author's display name.
    pub author_name: Option<String>,
    /// When the author's account was made, Unix seconds, when the source says.
    pub account_created: Option<i64>,
    /// Posted at, Unix seconds.
    pub posted_at: i64,
    /// The text as posted.
    pub text: String,
    /// The post's URL, when it can be built.
    pub url: Option<String>,
    /// The post it answers (id or URL).
    pub reply_to: Option<String>,
    /// The post it reposts or forwards (id, URL, or the forwarded channel's name).
    pub repost_of: Option<String>,
    /// Hashtags the source lists, without `#`.
    pub hashtags: Vec<String>,
    /// Links the source lists (expanded).
    pub links: Vec<String>,
}

/// A row that could not be read, and why.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowError {
    /// Line in the file (from 1).
    pub line: u64,
    /// Why, in English.
    pub reason: String,
    /// Why, in Spanish.
    pub reason_es: String,
}

impl RowError {
    pub(crate) fn new(line: u64, en: impl Into<String>, es: impl Into<String>) -> RowError {
        RowError {
            line,
            reason: en.into(),
            reason_es: es.into(),
        }
    }
}

/// One row's outcome.
pub type Row = std::result::Result<NewPost, RowError>;

/// Reads `reader` as `format`, handing each row to `on_row` in file order.
pub fn read(
    format: Format,
    reader: impl Read,
    on_row: &mut dyn FnMut(Row) -> Result<()>,
) -> Result<()> {
    match format {
        Format::Qut => qut(Guard::new(reader), on_row),
        Format::Twarc2 => json_lines(Guard::new(reader), on_row, twarc2_line),
        Format::Zeeschuimer => json_lines(Guard::new(reader), on_row, zeeschuimer_line),
        // serde_json reads byte by byte: buffered below the guard, so the
        // guard sees exactly what was parsed.
        Format::Telegram => telegram::read(Guard::new(std::io::BufReader::new(reader)), on_row),
    }
}

/// A reader that counts lines, notes where each record starts, and refuses
/// a record past [`MAX_RECORD`] bytes (counting restarts at [`Marks::reset`]).
pub(crate) struct Guard<R> {
    inner: R,
    marks: Rc<Marks>,
}

/// What a [`Guard`] has seen, shared with the reader of the records.
#[derive(Default)]
pub(crate) struct Marks {
    /// Bytes since the last reset.
    pub since: Cell<u64>,
    /// Newlines read.
    pub lines: Cell<u64>,
    /// The line (from 1) of the first byte after the last reset that is
    /// not blank, a comma or an opening bracket: where a record starts.
    pub first_line: Cell<Option<u64>>,
}

impl Marks {
    /// A new record begins.
    pub fn reset(&self) {
        self.since.set(0);
        self.first_line.set(None);
    }
}

impl<R: Read> Guard<R> {
    fn new(inner: R) -> Guard<R> {
        Guard {
            inner,
            marks: Rc::new(Marks::default()),
        }
    }

    pub(crate) fn marks(&self) -> Rc<Marks> {
        self.marks.clone()
    }
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let m = &self.marks;
        if m.since.get() > MAX_RECORD {
            return Err(std::io::Error::other(too_large_en()));
        }
        let n = self.inner.read(buf)?;
        m.since.set(m.since.get() + n as u64);
        for b in &buf[..n] {
            if m.first_line.get().is_none()
                && !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b',' | b'[')
            {
                m.first_line.set(Some(m.lines.get() + 1));
            }
            if *b == b'\n' {
                m.lines.set(m.lines.get() + 1);
            }
        }
        Ok(n)
    }
}

fn too_large_en() -> String {
    format!("a record is larger than {} MiB", MAX_RECORD >> 20)
}

pub(crate) fn too_large(line: u64) -> Error {
    Error::invalid(
        format!(
            "line {line}: a record is larger than {} MiB; the file is not in the format given, or is damaged (the rows before it were read)",
            MAX_RECORD >> 20
        ),
        format!(
            "línea {line}: un registro ocupa más de {} MiB; el archivo no está en el formato indicado o está dañado (las filas anteriores se leyeron)",
            MAX_RECORD >> 20
        ),
    )
}

pub(crate) fn unreadable(e: impl std::fmt::Display) -> Error {
    Error::invalid(
        format!("the file cannot be read as posts: {e}"),
        format!("el archivo no se puede leer como publicaciones: {e}"),
    )
}

/// Checks what every format needs: an id, an author, some text or a reposted post.
fn finish(line: u64, mut p: NewPost) -> Row {
    let missing = |en: &str, es: &str| {
        Err(RowError::new(
            line,
            format!("no {en}; the row is skipped"),
            format!("falta {es}; la fila se omite"),
        ))
    };
    p.line = line;
    p.message_id = p.message_id.trim().to_string();
    p.handle = p.handle.trim().trim_start_matches('@').to_string();
    if p.message_id.is_empty() {
        return missing("message id", "el id del mensaje");
    }
    if p.handle.is_empty() {
        match p.user_id.as_deref().map(str::trim) {
            Some(u) if !u.is_empty() => p.handle = u.to_string(),
            _ => {
                return missing(
                    "author (user id or handle)",
                    "el autor (id de usuario o nombre de usuario)",
                );
            }
        }
    }
    if p.text.trim().is_empty() && p.repost_of.is_none() {
        return missing("text", "el texto");
    }
    if p.text.len() > MAX_TEXT {
        return Err(RowError::new(
            line,
            format!(
                "the text is longer than {} KiB; the row is skipped",
                MAX_TEXT >> 10
            ),
            format!(
                "el texto ocupa más de {} KiB; la fila se omite",
                MAX_TEXT >> 10
            ),
        ));
    }
    Ok(p)
}

/// A time given as Unix seconds (a number or digits, maybe with decimals,
/// or milliseconds when it is that large) or as ISO 8601.
pub(crate) fn parse_when(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(f) = s.parse::<f64>() {
        if !f.is_finite() || f < 0.0 {
            return None;
        }
        // Past the year 5000 in seconds: milliseconds.
        let secs = if f > 95_617_584_000.0 { f / 1000.0 } else { f };
        return Some(secs.floor() as i64);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp());
    }
    if let Ok(t) = DateTime::parse_from_str(s, "%a %b %d %H:%M:%S %z %Y") {
        return Some(t.timestamp());
    }
    crate::model::parse_time(s).ok().map(|t| t.timestamp())
}

fn when_value(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => parse_when(&n.to_string()),
        Value::String(s) => parse_when(s),
        _ => None,
    }
}

fn bad_time(line: u64) -> RowError {
    RowError::new(
        line,
        "the time cannot be read (Unix seconds or ISO 8601 expected); the row is skipped",
        "no se puede leer la hora (se esperan segundos Unix o ISO 8601); la fila se omite",
    )
}

fn qut(guard: Guard<impl Read>, on_row: &mut dyn FnMut(Row) -> Result<()>) -> Result<()> {
    let marks = guard.marks();
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(guard);
    let headers = reader.headers().map_err(unreadable)?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let (Some(id), Some(time), Some(message)) =
        (col("message_id"), col("timestamp"), col("message"))
    else {
        return Err(Error::invalid(
            "the CSV lacks the QUT toolkit's columns: message_id, user_id, username, repost_id, reply_id, message, timestamp, urls",
            "al CSV le faltan las columnas del QUT toolkit: message_id, user_id, username, repost_id, reply_id, message, timestamp, urls",
        ));
    };
    let (user, name, repost, reply, urls) = (
        col("user_id"),
        col("username"),
        col("repost_id"),
        col("reply_id"),
        col("urls"),
    );
    let mut record = csv::StringRecord::new();
    loop {
        marks.reset();
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => return Err(too_large(line)),
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                on_row(Err(RowError::new(
                    line,
                    format!("not a CSV row ({e}); the row is skipped"),
                    format!("no es una fila CSV ({e}); la fila se omite"),
                )))?;
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        let get = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let Some(posted_at) = get(Some(time)).as_deref().and_then(parse_when) else {
            on_row(Err(bad_time(line)))?;
            continue;
        };
        let post = NewPost {
            message_id: get(Some(id)).unwrap_or_default(),
            user_id: get(user),
            handle: get(name).or_else(|| get(user)).unwrap_or_default(),
            posted_at,
            text: record.get(message).unwrap_or_default().to_string(),
            repost_of: get(repost),
            reply_to: get(reply),
            links: get(urls)
                .map(|u| u.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default(),
            ..NewPost::default()
        };
        on_row(finish(line, post))?;
    }
}

/// What reads one line's JSON document: the line, the document, where its rows go.
type LineReader = fn(u64, Value, &mut dyn FnMut(Row) -> Result<()>) -> Result<()>;

/// Reads one JSON document per line, each giving any number of posts.
fn json_lines<R: Read>(
    guard: Guard<R>,
    on_row: &mut dyn FnMut(Row) -> Result<()>,
    each: LineReader,
) -> Result<()> {
    let marks = guard.marks();
    let mut reader = std::io::BufReader::new(guard);
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        marks.reset();
        line += 1;
        let n = match reader.read_until(b'\n', &mut buf) {
            Ok(n) => n,
            Err(_) if marks.since.get() > MAX_RECORD => return Err(too_large(line)),
            Err(e) => return Err(unreadable(e)),
        };
        if n == 0 {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&buf);
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(v) => each(line, v, on_row)?,
            Err(e) => on_row(Err(RowError::new(
                line,
                format!("not JSON ({e}); the line is skipped"),
                format!("no es JSON ({e}); la línea se omite"),
            )))?,
        }
    }
}

fn s(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    match cur {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn strings(v: Option<&Value>, field: &str) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|e| s(e, &[field])).collect())
        .unwrap_or_default()
}

/// A twarc2 line: an API response (`data` with `includes.users`) or one flattened tweet.
fn twarc2_line(line: u64, v: Value, on_row: &mut dyn FnMut(Row) -> Result<()>) -> Result<()> {
    let users: Vec<&Value> = v
        .pointer("/includes/users")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    match v.get("data") {
        Some(Value::Array(tweets)) => {
            for t in tweets {
                on_row(twarc2_tweet(line, t, &users))?;
            }
            Ok(())
        }
        Some(t @ Value::Object(_)) => on_row(twarc2_tweet(line, t, &users)),
        _ if v.get("id").is_some() => on_row(twarc2_tweet(line, &v, &users)),
        _ => on_row(Err(RowError::new(
            line,
            "neither an X API v2 response nor a tweet; the line is skipped",
            "no es una respuesta de la API v2 de X ni un tweet; la línea se omite",
        ))),
    }
}

fn twarc2_tweet(line: u64, t: &Value, users: &[&Value]) -> Row {
    let author_id = s(t, &["author_id"]);
    let author = t
        .get("author")
        .or_else(|| users.iter().copied().find(|u| s(u, &["id"]) == author_id));
    let Some(posted_at) = t.get("created_at").and_then(when_value) else {
        return Err(bad_time(line));
    };
    let refs = t.get("referenced_tweets").and_then(Value::as_array);
    let referenced = |kind: &str| {
        refs.and_then(|r| {
            r.iter()
                .find(|x| s(x, &["type"]).as_deref() == Some(kind))
                .and_then(|x| s(x, &["id"]))
        })
    };
    let handle = author.and_then(|a| s(a, &["username"])).unwrap_or_default();
    let id = s(t, &["id"]).unwrap_or_default();
    let entities = t.get("entities");
    finish(
        line,
        NewPost {
            url: (!handle.is_empty() && !id.is_empty())
                .then(|| format!("https://x.com/{handle}/status/{id}")),
            message_id: id,
            platform: Some("x".into()),
            user_id: author_id,
            author_name: author.and_then(|a| s(a, &["name"])),
            account_created: author
                .and_then(|a| a.get("created_at"))
                .and_then(when_value),
            handle,
            posted_at,
            text: s(t, &["text"]).unwrap_or_default(),
            reply_to: referenced("replied_to"),
            repost_of: referenced("retweeted"),
            hashtags: strings(entities.and_then(|e| e.get("hashtags")), "tag"),
            links: strings(entities.and_then(|e| e.get("urls")), "expanded_url"),
            line,
        },
    )
}

/// A Zeeschuimer line: an item captured from X, TikTok or Instagram.
fn zeeschuimer_line(line: u64, v: Value, on_row: &mut dyn FnMut(Row) -> Result<()>) -> Result<()> {
    let platform = s(&v, &["source_platform"])
        .unwrap_or_default()
        .to_ascii_lowercase();
    let Some(data) = v.get("data") else {
        return on_row(Err(RowError::new(
            line,
            "no `data` in this Zeeschuimer item; the line is skipped",
            "este elemento de Zeeschuimer no tiene `data`; la línea se omite",
        )));
    };
    let row = match platform.trim_start_matches("www.") {
        "twitter.com" | "x.com" => zee_x(line, data),
        "tiktok.com" => zee_tiktok(line, data),
        "instagram.com" => zee_instagram(line, data),
        other => Err(RowError::new(
            line,
            format!(
                "items from {other:?} are not read (X, TikTok and Instagram are); the line is skipped"
            ),
            format!(
                "no se leen elementos de {other:?} (sí de X, TikTok e Instagram); la línea se omite"
            ),
        )),
    };
    on_row(row)
}

fn zee_x(line: u64, data: &Value) -> Row {
    // Tweets with notices ("TweetWithVisibilityResults") wrap the tweet.
    let t = data.get("tweet").unwrap_or(data);
    let legacy = t.get("legacy").unwrap_or(&Value::Null);
    let user = t
        .pointer("/core/user_results/result")
        .unwrap_or(&Value::Null);
    let handle = s(user, &["core", "screen_name"])
        .or_else(|| s(user, &["legacy", "screen_name"]))
        .unwrap_or_default();
    let Some(posted_at) = legacy.get("created_at").and_then(when_value) else {
        return Err(bad_time(line));
    };
    let id = s(t, &["rest_id"])
        .or_else(|| s(legacy, &["id_str"]))
        .unwrap_or_default();
    let entities = legacy.get("entities");
    finish(
        line,
        NewPost {
            url: (!handle.is_empty() && !id.is_empty())
                .then(|| format!("https://x.com/{handle}/status/{id}")),
            message_id: id,
            platform: Some("x".into()),
            user_id: s(user, &["rest_id"]).or_else(|| s(legacy, &["user_id_str"])),
            author_name: s(user, &["core", "name"]).or_else(|| s(user, &["legacy", "name"])),
            account_created: user
                .pointer("/core/created_at")
                .or_else(|| user.pointer("/legacy/created_at"))
                .and_then(when_value),
            handle,
            posted_at,
            text: s(t, &["note_tweet", "note_tweet_results", "result", "text"])
                .or_else(|| s(legacy, &["full_text"]))
                .unwrap_or_default(),
            reply_to: s(legacy, &["in_reply_to_status_id_str"]),
            repost_of: s(legacy, &["retweeted_status_result", "result", "rest_id"]).or_else(|| {
                s(
                    legacy,
                    &["retweeted_status_result", "result", "tweet", "rest_id"],
                )
            }),
            hashtags: strings(entities.and_then(|e| e.get("hashtags")), "text"),
            links: strings(entities.and_then(|e| e.get("urls")), "expanded_url"),
            line,
        },
    )
}

fn zee_tiktok(line: u64, data: &Value) -> Row {
    let Some(posted_at) = data.get("createTime").and_then(when_value) else {
        return Err(bad_time(line));
    };
    let handle = s(data, &["author", "uniqueId"]).unwrap_or_default();
    let id = s(data, &["id"]).unwrap_or_default();
    let mut hashtags = strings(data.get("challenges"), "title");
    hashtags.extend(strings(data.get("textExtra"), "hashtagName"));
    finish(
        line,
        NewPost {
            url: (!handle.is_empty() && !id.is_empty())
                .then(|| format!("https://www.tiktok.com/@{handle}/video/{id}")),
            message_id: id,
            platform: Some("tiktok".into()),
            user_id: s(data, &["author", "id"]),
            author_name: s(data, &["author", "nickname"]),
            account_created: data
                .pointer("/author/createTime")
                .and_then(when_value)
                .filter(|t| *t > 0),
            handle,
            posted_at,
            text: s(data, &["desc"]).unwrap_or_default(),
            hashtags,
            ..NewPost::default()
        },
    )
}

fn zee_instagram(line: u64, data: &Value) -> Row {
    let Some(posted_at) = data.get("taken_at").and_then(when_value) else {
        return Err(bad_time(line));
    };
    let user = data
        .get("user")
        .or_else(|| data.get("owner"))
        .unwrap_or(&Value::Null);
    let code = s(data, &["code"]);
    finish(
        line,
        NewPost {
            message_id: s(data, &["id"])
                .or_else(|| s(data, &["pk"]))
                .unwrap_or_default(),
            platform: Some("instagram".into()),
            user_id: s(user, &["pk"]).or_else(|| s(user, &["id"])),
            handle: s(user, &["username"]).unwrap_or_default(),
            author_name: s(user, &["full_name"]),
            posted_at,
            text: s(data, &["caption", "text"]).unwrap_or_default(),
            url: code.map(|c| format!("https://www.instagram.com/p/{c}/")),
            ..NewPost::default()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(format: Format, input: &str) -> Vec<Row> {
        let mut out = Vec::new();
        read(format, input.as_bytes(), &mut |r| {
            out.push(r);
            Ok(())
        })
        .expect("readable");
        out
    }

    #[test]
    fn qut_rows_are_read_and_bad_ones_reported_by_line() {
        let input = "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n\
            1,10,ana,,,\"Hola, mundo\",1700000000,https://a.example/x https://b.example\n\
            2,11,beto,,,sin hora,ayer,\n\
            3,12,,1,,,1700000060,\n\
            4,,,,,\"texto\nen dos líneas\",1700000120,\n";
        let r = rows(Format::Qut, input);
        assert_eq!(r.len(), 4);
        let first = r[0].as_ref().expect("row 1");
        assert_eq!(first.message_id, "1");
        assert_eq!(first.handle, "ana");
        assert_eq!(first.text, "Hola, mundo");
        assert_eq!(first.links.len(), 2);
        assert_eq!(r[1].as_ref().expect_err("no time").line, 3);
        let repost = r[2].as_ref().expect("a repost needs no text");
        assert_eq!(
            (repost.handle.as_str(), repost.repost_of.as_deref()),
            ("12", Some("1"))
        );
        let e = r[3].as_ref().expect_err("no author");
        assert_eq!(e.line, 5);
        assert!(e.reason.contains("author"), "{}", e.reason);
    }

    #[test]
    fn a_csv_without_the_columns_is_refused_whole() {
        let mut n = 0;
        let e = read(Format::Qut, "a,b\n1,2\n".as_bytes(), &mut |_| {
            n += 1;
            Ok(())
        })
        .expect_err("not QUT");
        assert!(e.to_string().contains("message_id"), "{e}");
        assert_eq!(n, 0);
    }

    #[test]
    fn twarc2_pages_and_flattened_tweets_are_both_read() {
        let page = r#"{"data":[{"id":"1700000000000000001","text":"RT @x: hola","author_id":"5","created_at":"2023-11-14T22:13:20.000Z","referenced_tweets":[{"type":"retweeted","id":"1699"}],"entities":{"hashtags":[{"tag":"Saqueo"}],"urls":[{"url":"https://t.co/a","expanded_url":"https://example.com/a"}]}}],"includes":{"users":[{"id":"5","username":"ana","name":"Ana","created_at":"2023-11-01T00:00:00.000Z"}]}}"#;
        let flat = r#"{"id":"2","text":"respuesta","author_id":"6","author":{"id":"6","username":"beto"},"created_at":"2023-11-14T22:14:00.000Z","referenced_tweets":[{"type":"replied_to","id":"1"}]}"#;
        let input = format!("{page}\n{flat}\nnot json\n");
        let r = rows(Format::Twarc2, &input);
        let a = r[0].as_ref().expect("page tweet");
        assert_eq!((a.handle.as_str(), a.posted_at), ("ana", 1_699_999_999 + 1));
        assert_eq!(a.repost_of.as_deref(), Some("1699"));
        assert_eq!(a.hashtags, ["Saqueo"]);
        assert_eq!(a.links, ["https://example.com/a"]);
        assert_eq!(a.account_created, Some(1_698_796_800));
        assert_eq!(
            a.url.as_deref(),
            Some("https://x.com/ana/status/1700000000000000001")
        );
        let b = r[1].as_ref().expect("flat tweet");
        assert_eq!(
            (b.handle.as_str(), b.reply_to.as_deref()),
            ("beto", Some("1"))
        );
        assert_eq!(r[2].as_ref().expect_err("bad line").line, 3);
    }

    #[test]
    fn zeeschuimer_items_of_each_platform_are_read() {
        let x = r#"{"source_platform":"twitter.com","data":{"rest_id":"9","core":{"user_results":{"result":{"rest_id":"77","legacy":{"screen_name":"carla","name":"Carla","created_at":"Wed Oct 10 20:19:24 +0000 2018"}}}},"legacy":{"full_text":"todos a la plaza","created_at":"Tue Nov 14 22:13:20 +0000 2023","in_reply_to_status_id_str":"8","entities":{"hashtags":[{"text":"Plaza"}],"urls":[]}}}}"#;
        let tt = r#"{"source_platform":"tiktok.com","data":{"id":"7300000000000000000","desc":"video #baile","createTime":1700000000,"author":{"uniqueId":"dani","id":"55"},"challenges":[{"title":"baile"}]}}"#;
        let ig = r#"{"source_platform":"instagram.com","data":{"id":"3_1","code":"Cabc","taken_at":1700000000,"caption":{"text":"foto"},"user":{"username":"eva","pk":"3"}}}"#;
        let other = r#"{"source_platform":"linkedin.com","data":{}}"#;
        let r = rows(Format::Zeeschuimer, &[x, tt, ig, other].join("\n"));
        let a = r[0].as_ref().expect("x");
        assert_eq!(
            (a.handle.as_str(), a.user_id.as_deref(), a.posted_at),
            ("carla", Some("77"), 1_700_000_000)
        );
        assert_eq!(a.account_created, Some(1_539_202_764));
        assert_eq!(a.reply_to.as_deref(), Some("8"));
        let b = r[1].as_ref().expect("tiktok");
        assert_eq!(
            (b.platform.as_deref(), b.text.as_str()),
            (Some("tiktok"), "video #baile")
        );
        let c = r[2].as_ref().expect("instagram");
        assert_eq!(c.url.as_deref(), Some("https://www.instagram.com/p/Cabc/"));
        assert!(
            r[3].as_ref()
                .expect_err("linkedin")
                .reason
                .contains("linkedin")
        );
    }

    #[test]
    fn a_record_past_the_limit_stops_with_the_line() {
        let mut input = String::from(
            "{\"id\":\"1\",\"text\":\"ok\",\"author_id\":\"1\",\"created_at\":\"2023-01-01T00:00:00Z\"}\n",
        );
        input.push_str(&"x".repeat(MAX_RECORD as usize + 100_000));
        let mut n = 0;
        let e = read(Format::Twarc2, input.as_bytes(), &mut |_| {
            n += 1;
            Ok(())
        })
        .expect_err("too large");
        assert!(e.to_string().contains("line 2"), "{e}");
        assert_eq!(n, 1);
    }

    #[test]
    fn times_read_in_every_form_the_sources_use() {
        assert_eq!(parse_when("1700000000"), Some(1_700_000_000));
        assert_eq!(parse_when("1700000000.75"), Some(1_700_000_000));
        assert_eq!(parse_when("1700000000000"), Some(1_700_000_000));
        assert_eq!(parse_when("2023-11-14T22:13:20.000Z"), Some(1_700_000_000));
        assert_eq!(
            parse_when("Tue Nov 14 22:13:20 +0000 2023"),
            Some(1_700_000_000)
        );
        assert_eq!(parse_when("ayer"), None);
        assert_eq!(parse_when("-5"), None);
    }
}
