//! Items in the vault, the `items` table: writing them with their fields
//! (the field table's columns, the account, the search text), reading and
//! filtering them, editing, removing, notes. An item with everything about
//! it is [`crate::detail`]; exporting it is [`crate::export`].
//!
//! Main types: [`ItemFilter`], [`AddOutcome`], [`AddStatus`].
//! Every change commits together with its custody entry in one transaction.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::{Value, json};

use crate::accounts;
use crate::artifacts;
use crate::custody::{self, Action, NewEntry};
use crate::error::{Error, Result};
use crate::model::{
    Category, Kind, ThreatLevel, account_key, format_time, normalize_state, parse_stored_time,
};
use crate::record::{FIELD_COLUMNS, Item, Meta};
use crate::vault::Vault;

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
    /// The technical detail of the failure (a library's own words), for
    /// "Detalles técnicos" and `--verbose`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_detail: Option<String>,
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
            error_detail: error.detail(),
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
#[derive(Debug, Clone, Default)]
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

/// The columns before the person-given fields, in `item_from_row`'s order.
const FIXED_COLUMNS: &[&str] = &[
    "id",
    "kind",
    "case_id",
    "sha256",
    "size",
    "media_type",
    "file_name",
    "width",
    "height",
    "captured_at",
];

/// `SELECT` of every item column: the fixed ones, the field table's
/// ([`FIELD_COLUMNS`]), the duplicate and the near-duplicates.
fn item_select() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "SELECT {}, {}, duplicate_of,
             (SELECT group_concat(x) FROM (SELECT b AS x FROM near_duplicates WHERE a = items.id
                                           UNION SELECT a FROM near_duplicates WHERE b = items.id ORDER BY x))
             FROM items",
            FIXED_COLUMNS.join(", "),
            FIELD_COLUMNS.join(", ")
        )
    })
}

fn item_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Item> {
    let kind: String = r.get(1)?;
    let captured: String = r.get(9)?;
    let after = FIXED_COLUMNS.len() + FIELD_COLUMNS.len();
    let near: Option<String> = r.get(after + 1)?;
    let mut item = Item {
        id: r.get(0)?,
        kind: Kind::parse(&kind).unwrap_or(Kind::File),
        case_id: r.get(2)?,
        sha256: r.get(3)?,
        size: r.get(4)?,
        media_type: r.get(5)?,
        file_name: r.get(6)?,
        width: r.get(7)?,
        height: r.get(8)?,
        captured_at: parse_stored_time(&captured),
        duplicate_of: r.get(after)?,
        near_duplicates: near
            .map(|s| s.split(',').map(str::to_string).collect())
            .unwrap_or_default(),
        ..Item::default()
    };
    item.set_stored_fields(|i| r.get(FIXED_COLUMNS.len() + i))?;
    Ok(item)
}

/// Writes all of an item's person-given fields, its account and search text.
fn write_fields(conn: &Connection, item: &Item) -> Result<()> {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let sql = SQL.get_or_init(|| {
        let sets: Vec<String> = FIELD_COLUMNS
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ?{}", i + 3))
            .collect();
        format!(
            "UPDATE items SET account_id = ?2, {} WHERE id = ?1",
            sets.join(", ")
        )
    });
    let account = accounts::id_for(conn, item.platform.as_deref(), item.author.as_deref())?;
    let mut values: Vec<rusqlite::types::Value> = vec![item.id.clone().into(), account.into()];
    values.extend(item.stored_fields().into_iter().map(Into::into));
    conn.execute(sql, rusqlite::params_from_iter(values))?;
    index(conn, &item.id, &item.search_text())
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
    let meta = &meta.checked()?;
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
    meta.apply_to(&mut item);
    write_fields(conn, &item)?;
    let item = load_item(conn, &id)?;
    let mut detail = json!({
        "kind": item.kind,
        "file_name": item.file_name,
        "size": item.size,
        "media_type": item.media_type,
        "fields": item.fields_json(),
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

pub(crate) fn load_item(conn: &Connection, id: &str) -> Result<Item> {
    conn.query_row(
        &format!("{} WHERE id = ?1", item_select()),
        [id],
        item_from_row,
    )
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

/// Puts an item's search text in the `items_fts` index, in place of what
/// was there.
fn index(conn: &Connection, item_id: &str, text: &str) -> Result<()> {
    unindex(conn, item_id)?;
    conn.execute(
        "INSERT INTO items_fts (item_id, body) VALUES (?1, ?2)",
        (item_id, text),
    )?;
    Ok(())
}

/// Takes an item out of the search index.
fn unindex(conn: &Connection, item_id: &str) -> Result<()> {
    conn.execute("DELETE FROM items_fts WHERE item_id = ?1", [item_id])?;
    Ok(())
}

/// The ids of the items matching an FTS5 query (see
/// [`crate::search::fts_query`]), best first, optionally within one case.
pub(crate) fn matching(
    conn: &Connection,
    fts_query: &str,
    case_id: Option<&str>,
) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT f.item_id FROM items_fts f JOIN items i ON i.id = f.item_id
         WHERE items_fts MATCH ?1 AND (?2 IS NULL OR i.case_id = ?2)
         ORDER BY rank, i.id",
    )?;
    let ids = stmt
        .query_map(params![fts_query, case_id], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ids)
}

/// The case's items with an author and a posting time: those an analysis reads as posts.
pub(crate) fn with_author_and_time(conn: &Connection, case_id: &str) -> Result<Vec<Item>> {
    let mut stmt = conn.prepare(
        "SELECT id FROM items WHERE case_id = ?1 AND posted_at IS NOT NULL
           AND author IS NOT NULL AND trim(author) != '' ORDER BY id",
    )?;
    let ids = stmt
        .query_map([case_id], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    load_items(conn, &ids)
}

/// The link item with this URL in a case, if there is one.
pub(crate) fn link_in_case(conn: &Connection, case_id: &str, url: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT id FROM items WHERE case_id = ?1 AND kind = 'link' AND url = ?2",
            [case_id, url],
            |r| r.get(0),
        )
        .optional()?)
}

/// The first item (by id) whose file has this SHA-256, within one case or
/// anywhere in the vault.
pub(crate) fn first_with_sha256(
    conn: &Connection,
    sha256: &str,
    case_id: Option<&str>,
) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT id FROM items WHERE sha256 = ?1 AND (?2 IS NULL OR case_id = ?2)
             ORDER BY id LIMIT 1",
            params![sha256, case_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Makes `sha256` (a link's latest page capture) the item's file.
pub(crate) fn set_file(
    conn: &Connection,
    id: &str,
    sha256: &str,
    size: u64,
    media_type: &str,
) -> Result<()> {
    conn.execute(
        "UPDATE items SET sha256 = ?2, size = ?3, media_type = ?4 WHERE id = ?1",
        params![id, sha256, size, media_type],
    )?;
    Ok(())
}

/// The perceptual hash of every screenshot in the vault, by item id.
pub(crate) fn phashes(conn: &Connection) -> Result<Vec<(String, Vec<u8>)>> {
    let mut stmt = conn.prepare("SELECT id, phash FROM items WHERE phash IS NOT NULL")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, hex_hash) = row?;
        if let Ok(h) = hex::decode(hex_hash) {
            out.push((id, h));
        }
    }
    Ok(out)
}

/// Records that two screenshots look alike, `distance` bits apart.
pub(crate) fn add_near_duplicate(conn: &Connection, a: &str, b: &str, distance: u32) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO near_duplicates (a, b, distance) VALUES (?1, ?2, ?3)",
        params![a, b, distance],
    )?;
    Ok(())
}

impl Vault {
    /// One item by id or unique prefix.
    pub fn item(&self, query: &str) -> Result<Item> {
        load_item(&self.db, &self.resolve_item(query)?)
    }

    /// Finds an item id by its id or a unique prefix of it.
    pub fn resolve_item(&self, query: &str) -> Result<String> {
        crate::db::resolve_prefix(&self.db, "items", "item", query.trim())
    }

    /// Items matching a filter, in captured (or posted) order.
    pub fn list(&self, f: &ItemFilter) -> Result<Vec<Item>> {
        let mut sql = format!("{} WHERE 1", item_select());
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
        let meta = &meta.checked()?;
        let before = self.item(query)?;
        let mut after = before.clone();
        meta.apply_to(&mut after);
        let (old, new) = (before.fields_json(), after.fields_json());
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
                "say why the item is removed; the custody log keeps the reason",
                "di por qué se elimina el elemento; la cadena de custodia conserva el motivo",
            ));
        }
        let _lock = self.write_lock()?;
        let detail = self.item_detail(query)?;
        let item = &detail.item;
        let tx = self.db.unchecked_transaction()?;
        unindex(&tx, &item.id)?;
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
                    "fields": item.fields_json(),
                }),
            ),
        )?;
        tx.commit()?;
        let shas = item
            .sha256
            .iter()
            .chain(detail.artifacts.iter().map(|a| &a.sha256));
        for sha in shas {
            if !artifacts::is_referenced(&self.db, sha)? {
                self.objects.remove(sha)?;
            }
        }
        Ok(detail.item)
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
}

pub(crate) fn bare(kind: Kind, case_id: &str) -> NewItem {
    NewItem {
        kind,
        case_id: case_id.to_string(),
        ..NewItem::default()
    }
}

impl Vault {
    /// The thumbnail of an item (JPEG bytes), if it has one.
    pub fn thumbnail(&self, query: &str) -> Result<Option<Vec<u8>>> {
        let id = self.resolve_item(query)?;
        let sha = artifacts::thumbnail(&self.db, &id)?;
        sha.map(|s| self.objects.read(&s)).transpose()
    }
}
