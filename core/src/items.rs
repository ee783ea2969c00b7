//! Items in the vault: writing them with their fields, reading and filtering
//! them, editing, removing and exporting.
//!
//! Main types: [`ItemFilter`], [`ItemDetail`], [`Artifact`], [`AddOutcome`].
//! Every change commits together with its custody entry in one transaction.

use std::io::Write;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::{Value, json};

use crate::capture::{Capture, PostUrl, fill_from_url, parse_post_url};
use crate::custody::{self, Action, Entry, NewEntry, Scope};
use crate::error::{Error, Result};
use crate::model::{
    Category, Item, Kind, Meta, ThreatLevel, account_key, format_time, normalize_hashtags,
    normalize_state, normalize_tags,
};
use crate::urls::validate_field;
pub use crate::urls::{MAX_URL, validate_url};
use crate::vault::{Vault, parse_db_time};

/// A file kept for an item besides its original: a thumbnail, a capture.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Artifact {
    /// `thumbnail`, `capture`.
    pub role: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Media type.
    pub media_type: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// An item with everything kept about it, as `show` prints it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct ItemDetail {
    /// The item's fields.
    #[serde(flatten)]
    pub item: Item,
    /// Thumbnails and captures.
    pub artifacts: Vec<Artifact>,
    /// The item's custody history.
    pub custody: Vec<Entry>,
    /// For links: every capture, oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub captures: Option<Vec<Capture>>,
    /// For links: what the URL itself says (platform, handle, post id, and
    /// the post time its id encodes, with the method).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post: Option<PostUrl>,
}

/// What happened to one thing given to `add`, `link` or `note`.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AddStatus {
    /// A new item was made.
    Added,
    /// The same content was already in the case; nothing was stored.
    Duplicate,
    /// It failed; see the error.
    Error,
    /// It was not read on purpose (a symbolic link not followed, a FIFO or
    /// device); `error` says why.
    Skipped,
}

/// The result of adding one thing.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct AddOutcome {
    /// The file's path (for `add`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// What happened.
    pub status: AddStatus,
    /// The new item, or the one already holding the same content.
    pub id: Option<String>,
    /// SHA-256 of the content.
    pub sha256: Option<String>,
    /// Why it failed (English).
    pub error: Option<String>,
    /// Why it failed, in Spanish, where the message has been translated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_es: Option<String>,
    /// Kind of the item.
    pub kind: Option<Kind>,
    /// An item in another case with the same bytes.
    pub duplicate_of: Option<String>,
    /// Items whose images look nearly the same.
    pub near_duplicates: Vec<String>,
}

impl AddOutcome {
    /// A failure for `path`.
    pub fn failed(path: Option<String>, error: &Error) -> AddOutcome {
        let es = error.localized(crate::error::Lang::Es);
        let en = error.to_string();
        AddOutcome {
            path,
            status: AddStatus::Error,
            id: None,
            sha256: None,
            error_es: (es != en).then_some(es),
            error: Some(en),
            kind: None,
            duplicate_of: None,
            near_duplicates: Vec::new(),
        }
    }
}

/// Which items to list.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ItemFilter {
    /// Case id.
    pub case_id: Option<String>,
    /// Has this category.
    pub category: Option<Category>,
    /// Platform, ignoring case.
    pub platform: Option<String>,
    /// Author handle, ignoring case and a leading `@`.
    pub author: Option<String>,
    /// Kind.
    pub kind: Option<Kind>,
    /// Threat level.
    pub threat_level: Option<ThreatLevel>,
    /// Location.
    pub state: Option<String>,
    /// Posted (or, without a posted time, captured) at or after.
    pub since: Option<DateTime<Utc>>,
    /// Posted (or captured) before.
    pub until: Option<DateTime<Utc>>,
    /// Sort by posted time instead of captured time.
    pub by_posted: bool,
}

/// The fixed part of a new item, which the person does not type.
#[derive(Debug, Clone)]
pub(crate) struct NewItem {
    pub kind: Kind,
    pub case_id: String,
    pub sha256: Option<String>,
    pub size: Option<u64>,
    pub media_type: Option<String>,
    pub file_name: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub phash: Option<String>,
    pub text: Option<String>,
    pub duplicate_of: Option<String>,
}

const ITEM_SELECT: &str = "SELECT id, kind, case_id, sha256, size, media_type, file_name, width, height,
    captured_at, posted_at, platform, url, author, author_name, text, categories, threat_level,
    target, state, hashtags, tags, notes, reported_to, duplicate_of,
    (SELECT group_concat(x) FROM (SELECT b AS x FROM near_duplicates WHERE a = items.id
                                  UNION SELECT a FROM near_duplicates WHERE b = items.id ORDER BY x))
    FROM items";

fn item_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Item> {
    let kind: String = r.get(1)?;
    let captured: String = r.get(9)?;
    let posted: Option<String> = r.get(10)?;
    let threat: Option<String> = r.get(17)?;
    let near: Option<String> = r.get(25)?;
    Ok(Item {
        id: r.get(0)?,
        kind: Kind::parse(&kind).unwrap_or(Kind::File),
        case_id: r.get(2)?,
        sha256: r.get(3)?,
        size: r.get(4)?,
        media_type: r.get(5)?,
        file_name: r.get(6)?,
        width: r.get(7)?,
        height: r.get(8)?,
        captured_at: parse_db_time(&captured),
        posted_at: posted.as_deref().map(parse_db_time),
        platform: r.get(11)?,
        url: r.get(12)?,
        author: r.get(13)?,
        author_name: r.get(14)?,
        text: r.get(15)?,
        categories: json_column(r, 16)?,
        threat_level: threat.and_then(|t| ThreatLevel::parse(&t).ok()),
        target: r.get(18)?,
        state: r.get(19)?,
        hashtags: json_column(r, 20)?,
        tags: json_column(r, 21)?,
        notes: r.get(22)?,
        reported_to: json_column(r, 23)?,
        duplicate_of: r.get(24)?,
        near_duplicates: near
            .map(|s| s.split(',').map(str::to_string).collect())
            .unwrap_or_default(),
    })
}

/// Reads a JSON list column; an unreadable one reads as empty.
fn json_column<T: serde::de::DeserializeOwned + Default>(
    r: &rusqlite::Row<'_>,
    i: usize,
) -> rusqlite::Result<T> {
    let text: String = r.get(i)?;
    Ok(serde_json::from_str(&text).unwrap_or_default())
}

/// `meta` with the values that have rules checked, whoever built it (the
/// CLI, the app, an embedder): the URL must pass [`validate_url`]. Every
/// write of person-given fields goes through here, so no client can store
/// what another would refuse.
fn checked(meta: &Meta) -> Result<Meta> {
    let mut meta = meta.clone();
    meta.url = validate_field(&meta.url)?;
    Ok(meta)
}

/// Sets the fields `meta` gives on `item`; empty strings clear.
pub fn apply_meta(item: &mut Item, meta: &Meta) {
    fn set(field: &mut Option<String>, value: &Option<String>) {
        if let Some(v) = value {
            let v = v.trim();
            *field = (!v.is_empty()).then(|| v.to_string());
        }
    }
    set(&mut item.platform, &meta.platform);
    set(&mut item.url, &meta.url);
    set(&mut item.author, &meta.author);
    set(&mut item.author_name, &meta.author_name);
    set(&mut item.target, &meta.target);
    set(&mut item.notes, &meta.notes);
    set(&mut item.text, &meta.text);
    if let Some(s) = &meta.state {
        let s = normalize_state(s);
        item.state = (!s.is_empty()).then_some(s);
    }
    if let Some(p) = meta.posted_at {
        item.posted_at = p;
    }
    if let Some(t) = meta.threat_level {
        item.threat_level = t;
    }
    if let Some(c) = &meta.categories {
        let mut c = c.clone();
        c.sort();
        c.dedup();
        item.categories = c;
    }
    if let Some(h) = &meta.hashtags {
        item.hashtags = normalize_hashtags(h);
    }
    if let Some(t) = &meta.tags {
        item.tags = normalize_tags(t);
    }
    if let Some(r) = &meta.reported_to {
        item.reported_to = r.clone();
    }
}

/// The text the search index holds for an item.
fn search_body(item: &Item) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for f in [
        &item.text,
        &item.notes,
        &item.author,
        &item.author_name,
        &item.url,
        &item.file_name,
        &item.platform,
        &item.target,
        &item.state,
    ]
    .into_iter()
    .flatten()
    {
        parts.push(f);
    }
    parts.extend(item.tags.iter().map(String::as_str));
    parts.extend(item.hashtags.iter().map(String::as_str));
    let reports: Vec<String> = item
        .reported_to
        .iter()
        .flat_map(|r| [Some(r.to.clone()), r.ticket.clone(), r.response.clone()])
        .flatten()
        .collect();
    parts.extend(reports.iter().map(String::as_str));
    parts.join("\n")
}

fn account_id(conn: &Connection, item: &Item) -> Result<Option<i64>> {
    let Some(author) = item.author.as_deref() else {
        return Ok(None);
    };
    let (pk, hk) = account_key(item.platform.as_deref(), author);
    if hk.is_empty() {
        return Ok(None);
    }
    conn.execute(
        "INSERT INTO accounts (platform_key, handle_key, platform, handle) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (platform_key, handle_key) DO NOTHING",
        params![pk, hk, item.platform, author.trim().trim_start_matches('@')],
    )?;
    Ok(Some(conn.query_row(
        "SELECT id FROM accounts WHERE platform_key = ?1 AND handle_key = ?2",
        [&pk, &hk],
        |r| r.get(0),
    )?))
}

/// Writes all of an item's person-given fields, its account and search text.
fn write_fields(conn: &Connection, item: &Item) -> Result<()> {
    let account = account_id(conn, item)?;
    conn.execute(
        "UPDATE items SET posted_at = ?2, platform = ?3, url = ?4, author = ?5, author_name = ?6,
         account_id = ?7, text = ?8, categories = ?9, threat_level = ?10, target = ?11, state = ?12,
         hashtags = ?13, tags = ?14, notes = ?15, reported_to = ?16 WHERE id = ?1",
        params![
            item.id,
            item.posted_at.as_ref().map(format_time),
            item.platform,
            item.url,
            item.author,
            item.author_name,
            account,
            item.text,
            serde_json::to_string(&item.categories)?,
            item.threat_level.map(ThreatLevel::as_str),
            item.target,
            item.state,
            serde_json::to_string(&item.hashtags)?,
            serde_json::to_string(&item.tags)?,
            item.notes,
            serde_json::to_string(&item.reported_to)?,
        ],
    )?;
    conn.execute("DELETE FROM items_fts WHERE item_id = ?1", [&item.id])?;
    conn.execute(
        "INSERT INTO items_fts (item_id, body) VALUES (?1, ?2)",
        params![item.id, search_body(item)],
    )?;
    Ok(())
}

/// Inserts a new item with its fields and its `item_added` custody entry.
/// Call inside a transaction.
pub(crate) fn insert_item(conn: &Connection, new: NewItem, meta: &Meta) -> Result<Item> {
    insert_item_with(conn, new, meta, None)
}

/// [`insert_item`], with more to say in the `item_added` entry's detail
/// (`extra` is merged into it).
pub(crate) fn insert_item_with(
    conn: &Connection,
    new: NewItem,
    meta: &Meta,
    extra: Option<Value>,
) -> Result<Item> {
    let meta = &checked(meta)?;
    let captured_at = Utc::now();
    let id = ulid::Ulid::new().to_string();
    conn.execute(
        "INSERT INTO items (id, case_id, kind, sha256, size, media_type, file_name, width, height,
         phash, captured_at, text, duplicate_of) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            id,
            new.case_id,
            new.kind.as_str(),
            new.sha256,
            new.size,
            new.media_type,
            new.file_name,
            new.width,
            new.height,
            new.phash,
            format_time(&captured_at),
            new.text,
            new.duplicate_of,
        ],
    )?;
    let mut item = load_item(conn, &id)?;
    apply_meta(&mut item, meta);
    write_fields(conn, &item)?;
    let item = load_item(conn, &id)?;
    let mut detail = json!({
        "kind": item.kind,
        "file_name": item.file_name,
        "size": item.size,
        "media_type": item.media_type,
        "fields": fields_json(&item),
    });
    if let (Some(Value::Object(more)), Value::Object(d)) = (extra, &mut detail) {
        d.extend(more);
    }
    custody::append(
        conn,
        NewEntry::for_item(Action::ItemAdded, &item, item.sha256.as_deref(), detail),
    )?;
    Ok(item)
}

/// The person-given fields of an item, as recorded in the custody log.
fn fields_json(item: &Item) -> Value {
    json!({
        "posted_at": item.posted_at.as_ref().map(format_time),
        "platform": item.platform,
        "url": item.url,
        "author": item.author,
        "author_name": item.author_name,
        "text": item.text,
        "categories": item.categories,
        "threat_level": item.threat_level,
        "target": item.target,
        "state": item.state,
        "hashtags": item.hashtags,
        "tags": item.tags,
        "notes": item.notes,
        "reported_to": item.reported_to,
    })
}

pub(crate) fn load_item(conn: &Connection, id: &str) -> Result<Item> {
    conn.query_row(&format!("{ITEM_SELECT} WHERE id = ?1"), [id], item_from_row)
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: "item",
            query: id.to_string(),
        })
}

/// Loads items by id, keeping the given order.
pub(crate) fn load_items(conn: &Connection, ids: &[String]) -> Result<Vec<Item>> {
    ids.iter().map(|id| load_item(conn, id)).collect()
}

impl Vault {
    /// One item by id or unique prefix.
    pub fn item(&self, query: &str) -> Result<Item> {
        load_item(&self.db, &self.resolve_item(query)?)
    }

    /// An item with its artifacts and custody history.
    pub fn item_detail(&self, query: &str) -> Result<ItemDetail> {
        let item = self.item(query)?;
        let mut stmt = self.db.prepare(
            "SELECT role, sha256, size, media_type, created_at FROM artifacts WHERE item_id = ?1 ORDER BY created_at, role",
        )?;
        let artifacts = stmt
            .query_map([&item.id], |r| {
                let at: String = r.get(4)?;
                Ok(Artifact {
                    role: r.get(0)?,
                    sha256: r.get(1)?,
                    size: r.get(2)?,
                    media_type: r.get(3)?,
                    created_at: parse_db_time(&at),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let custody = custody::entries(&self.db, Scope::Item(&item.id))?;
        let (captures, post) = if item.kind == Kind::Link {
            (
                Some(self.captures(&item.id)?),
                item.url.as_deref().and_then(parse_post_url),
            )
        } else {
            (None, None)
        };
        Ok(ItemDetail {
            item,
            artifacts,
            custody,
            captures,
            post,
        })
    }

    /// Items matching a filter, in captured (or posted) order.
    pub fn list(&self, f: &ItemFilter) -> Result<Vec<Item>> {
        let mut sql = format!("{ITEM_SELECT} WHERE 1");
        let mut args: Vec<String> = Vec::new();
        let mut arg = |sql: &mut String, clause: &str, value: String| {
            args.push(value);
            sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
        };
        if let Some(c) = &f.case_id {
            arg(&mut sql, " AND case_id = ?", c.clone());
        }
        if let Some(c) = f.category {
            arg(
                &mut sql,
                " AND EXISTS (SELECT 1 FROM json_each(items.categories) WHERE value = ?)",
                c.as_str().into(),
            );
        }
        if let Some(p) = &f.platform {
            arg(
                &mut sql,
                " AND lower(platform) = ?",
                p.trim().to_lowercase(),
            );
        }
        if let Some(a) = &f.author {
            let (_, handle) = account_key(None, a);
            arg(&mut sql, " AND lower(ltrim(trim(author), '@')) = ?", handle);
        }
        if let Some(k) = f.kind {
            arg(&mut sql, " AND kind = ?", k.as_str().into());
        }
        if let Some(t) = f.threat_level {
            arg(&mut sql, " AND threat_level = ?", t.as_str().into());
        }
        if let Some(s) = &f.state {
            arg(
                &mut sql,
                " AND state = ? COLLATE NOCASE",
                normalize_state(s),
            );
        }
        if let Some(t) = &f.since {
            arg(
                &mut sql,
                " AND coalesce(posted_at, captured_at) >= ?",
                format_time(t),
            );
        }
        if let Some(t) = &f.until {
            arg(
                &mut sql,
                " AND coalesce(posted_at, captured_at) < ?",
                format_time(t),
            );
        }
        sql.push_str(if f.by_posted {
            " ORDER BY coalesce(posted_at, captured_at), id"
        } else {
            " ORDER BY captured_at, id"
        });
        let mut stmt = self.db.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), item_from_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Changes the fields `meta` gives and records what changed. Returns the
    /// item as it now is.
    pub fn edit(&self, query: &str, meta: &Meta) -> Result<Item> {
        let meta = &checked(meta)?;
        let before = self.item(query)?;
        let mut after = before.clone();
        apply_meta(&mut after, meta);
        let (old, new) = (fields_json(&before), fields_json(&after));
        let mut changes = serde_json::Map::new();
        if let (Value::Object(o), Value::Object(n)) = (&old, &new) {
            for (k, v) in n {
                if o.get(k) != Some(v) {
                    changes.insert(k.clone(), json!({ "from": o.get(k), "to": v }));
                }
            }
        }
        if changes.is_empty() {
            return Ok(before);
        }
        let tx = self.db.unchecked_transaction()?;
        write_fields(&tx, &after)?;
        custody::append(
            &tx,
            NewEntry::for_item(
                Action::ItemEdited,
                &after,
                after.sha256.as_deref(),
                json!({ "changes": changes }),
            ),
        )?;
        tx.commit()?;
        load_item(&self.db, &after.id)
    }

    /// Removes an item: deletes its bytes (unless another item shares them)
    /// and records what was removed, when and why.
    pub fn remove(&self, query: &str, reason: &str) -> Result<Item> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::invalid(
                "say why the item is removed with --reason; the custody log keeps it",
                "di por qué se elimina el elemento (--reason); la cadena de custodia lo conserva",
            ));
        }
        let _lock = self.write_lock()?;
        let detail = self.item_detail(query)?;
        let item = &detail.item;
        let tx = self.db.unchecked_transaction()?;
        tx.execute("DELETE FROM items_fts WHERE item_id = ?1", [&item.id])?;
        tx.execute("DELETE FROM items WHERE id = ?1", [&item.id])?;
        tx.execute(
            "UPDATE items SET duplicate_of = (SELECT min(j.id) FROM items j
                WHERE j.sha256 = items.sha256 AND j.case_id != items.case_id AND j.id < items.id)
             WHERE duplicate_of = ?1",
            [&item.id],
        )?;
        custody::append(
            &tx,
            NewEntry::for_item(
                Action::ItemRemoved,
                item,
                item.sha256.as_deref(),
                json!({
                    "reason": reason,
                    "kind": item.kind,
                    "file_name": item.file_name,
                    "size": item.size,
                    "artifacts": detail.artifacts,
                    "fields": fields_json(item),
                }),
            ),
        )?;
        tx.commit()?;
        let shas = item
            .sha256
            .iter()
            .chain(detail.artifacts.iter().map(|a| &a.sha256));
        for sha in shas {
            if !self.is_referenced(sha)? {
                self.objects.remove(sha)?;
            }
        }
        Ok(detail.item)
    }

    pub(crate) fn is_referenced(&self, sha: &str) -> Result<bool> {
        Ok(self.db.query_row(
            "SELECT EXISTS (SELECT 1 FROM items WHERE sha256 = ?1)
                 OR EXISTS (SELECT 1 FROM artifacts WHERE sha256 = ?1)",
            [sha],
            |r| r.get(0),
        )?)
    }

    /// Writes an item's original bytes (or a given artifact) to `out`,
    /// checked against the recorded SHA-256, and records the export.
    /// `destination` says where the bytes went, for the custody log.
    pub fn export(&self, query: &str, out: &mut dyn Write, destination: &str) -> Result<Item> {
        let item = self.item(query)?;
        if item.kind == Kind::Link {
            self.export_capture(&item.id, None, out, destination)?;
            return Ok(item);
        }
        let Some(sha) = item.sha256.as_deref() else {
            return Err(Error::invalid(
                format!(
                    "item {id} is a {} with no stored file; `testigo show {id}` prints its fields",
                    item.kind.as_str(),
                    id = item.id,
                ),
                format!(
                    "el elemento {id} es {} sin archivo guardado; `testigo show {id}` muestra sus campos",
                    item.kind.with_article_es(),
                    id = item.id,
                ),
            ));
        };
        self.objects.copy_to(sha, out)?;
        custody::append(
            &self.db,
            NewEntry::for_item(
                Action::Exported,
                &item,
                Some(sha),
                json!({ "to": destination }),
            ),
        )?;
        Ok(item)
    }

    /// Reads an artifact's bytes (a thumbnail, say), checked against its hash.
    pub fn artifact_bytes(&self, sha256: &str) -> Result<Vec<u8>> {
        self.objects.read(sha256)
    }

    /// Adds a note: `text` becomes the item's notes.
    pub fn add_note(&self, case: &str, text: &str, meta: &Meta) -> Result<Item> {
        let case = self.resolve_case(case)?;
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::invalid(
                "the note is empty; write its text",
                "la nota está vacía; escribe su texto",
            ));
        }
        let mut meta = meta.clone();
        meta.notes = Some(match meta.notes.as_deref().map(str::trim) {
            Some(extra) if !extra.is_empty() => format!("{text}\n\n{extra}"),
            _ => text.to_string(),
        });
        let tx = self.db.unchecked_transaction()?;
        let item = insert_item(&tx, bare(Kind::Note, &case.id), &meta)?;
        tx.commit()?;
        Ok(item)
    }

    /// Records a link, without fetching it ([`Vault::capture_items`] does).
    /// The same URL twice in a case is reported as a duplicate. Fields the
    /// person did not give are filled from what a known platform's URL says
    /// (platform, author's handle, and the post time encoded in X/Twitter and
    /// TikTok ids); the `item_added` entry lists them under `filled_from_url`.
    pub fn add_link(&self, case: &str, url: &str, meta: &Meta) -> Result<AddOutcome> {
        let case = self.resolve_case(case)?;
        let url = validate_url(url)?;
        let existing: Option<String> = self
            .db
            .query_row(
                "SELECT id FROM items WHERE case_id = ?1 AND kind = 'link' AND url = ?2",
                [&case.id, &url],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = existing {
            return Ok(AddOutcome {
                path: None,
                status: AddStatus::Duplicate,
                id: Some(id),
                sha256: None,
                error: None,
                error_es: None,
                kind: Some(Kind::Link),
                duplicate_of: None,
                near_duplicates: Vec::new(),
            });
        }
        let mut meta = meta.clone();
        let filled = fill_from_url(&mut meta, &url);
        meta.url = Some(url);
        let tx = self.db.unchecked_transaction()?;
        let item = insert_item_with(&tx, bare(Kind::Link, &case.id), &meta, filled)?;
        tx.commit()?;
        Ok(AddOutcome {
            path: None,
            status: AddStatus::Added,
            id: Some(item.id),
            sha256: None,
            error: None,
            error_es: None,
            kind: Some(Kind::Link),
            duplicate_of: None,
            near_duplicates: Vec::new(),
        })
    }
}

fn bare(kind: Kind, case_id: &str) -> NewItem {
    NewItem {
        kind,
        case_id: case_id.to_string(),
        sha256: None,
        size: None,
        media_type: None,
        file_name: None,
        width: None,
        height: None,
        phash: None,
        text: None,
        duplicate_of: None,
    }
}

impl Vault {
    /// The thumbnail of an item (JPEG bytes), if it has one.
    pub fn thumbnail(&self, query: &str) -> Result<Option<Vec<u8>>> {
        let id = self.resolve_item(query)?;
        let sha: Option<String> = self
            .db
            .query_row(
                "SELECT sha256 FROM artifacts WHERE item_id = ?1 AND role = 'thumbnail' LIMIT 1",
                [&id],
                |r| r.get(0),
            )
            .optional()?;
        sha.map(|s| self.objects.read(&s)).transpose()
    }
}
