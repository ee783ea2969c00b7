//! The `artifacts` table, and only here its SQL: files kept for an item
//! besides its original (a thumbnail, a capture's WARC), and which stored
//! objects the database still refers to (an item's original or an
//! artifact): the one answer removal, the import's sweep of leftovers and
//! `check` share.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::Result;
use crate::model::{format_time, parse_stored_time};

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

/// Records an artifact of `item_id` (once: a second record of the same
/// role and hash is ignored).
pub(crate) fn insert(
    conn: &Connection,
    item_id: &str,
    role: &str,
    sha256: &str,
    size: u64,
    media_type: &str,
    created_at: &DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO artifacts (item_id, role, sha256, size, media_type, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            item_id,
            role,
            sha256,
            size,
            media_type,
            format_time(created_at)
        ],
    )?;
    Ok(())
}

/// An item's artifacts, oldest first.
pub(crate) fn of_item(conn: &Connection, item_id: &str) -> Result<Vec<Artifact>> {
    let mut stmt = conn.prepare(
        "SELECT role, sha256, size, media_type, created_at FROM artifacts
         WHERE item_id = ?1 ORDER BY created_at, role",
    )?;
    let rows = stmt.query_map([item_id], |r| {
        let at: String = r.get(4)?;
        Ok(Artifact {
            role: r.get(0)?,
            sha256: r.get(1)?,
            size: r.get(2)?,
            media_type: r.get(3)?,
            created_at: parse_stored_time(&at),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The SHA-256 of an item's thumbnail, if it has one.
pub(crate) fn thumbnail(conn: &Connection, item_id: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT sha256 FROM artifacts WHERE item_id = ?1 AND role = 'thumbnail' LIMIT 1",
            [item_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Every reference to a stored object: its SHA-256, the role (`None` for
/// an item's own file, `capture` for a link's WARC, else the artifact's
/// role) and the item.
pub(crate) fn references(conn: &Connection) -> Result<Vec<(String, Option<String>, String)>> {
    let mut stmt = conn.prepare(
        "SELECT sha256, CASE kind WHEN 'link' THEN 'capture' END, id
         FROM items WHERE sha256 IS NOT NULL
         UNION ALL SELECT sha256, role, item_id FROM artifacts",
    )?;
    let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Whether any item or artifact still refers to the object `sha256`.
pub(crate) fn is_referenced(conn: &Connection, sha256: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM items WHERE sha256 = ?1)
             OR EXISTS (SELECT 1 FROM artifacts WHERE sha256 = ?1)",
        [sha256],
        |r| r.get(0),
    )?)
}
