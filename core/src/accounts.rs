//! Accounts, the `accounts` table: everyone who authored items, as a
//! handle on a platform, matched without regard to case, accents or a
//! leading `@` (see [`crate::model::account_key`]). Items point to their
//! account; [`crate::Vault::accounts`] lists them with what was seen of each.
//!
//! Main type: [`Account`].

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde::Serialize;

use crate::error::Result;
use crate::model::{account_key, parse_stored_time};
use crate::vault::Vault;

/// Everyone who authored items: a handle on a platform, with what was seen of it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Account {
    /// Stable id within the vault.
    pub id: i64,
    /// Platform, as first given.
    pub platform: Option<String>,
    /// Handle, without `@`.
    pub handle: String,
    /// Display names seen on its items.
    pub display_names: Vec<String>,
    /// Number of items.
    pub item_count: u64,
    /// Earliest posted (or captured) time of its items.
    pub first_seen: DateTime<Utc>,
    /// Latest posted (or captured) time of its items.
    pub last_seen: DateTime<Utc>,
    /// Its items' ids, oldest first.
    pub items: Vec<String>,
}

/// The id of the account `author` on `platform`, made on first sight;
/// `None` when there is no author or the handle is empty.
pub(crate) fn id_for(
    conn: &Connection,
    platform: Option<&str>,
    author: Option<&str>,
) -> Result<Option<i64>> {
    let Some(author) = author else {
        return Ok(None);
    };
    let (pk, hk) = account_key(platform, author);
    if hk.is_empty() {
        return Ok(None);
    }
    conn.execute(
        "INSERT INTO accounts (platform_key, handle_key, platform, handle) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (platform_key, handle_key) DO NOTHING",
        params![pk, hk, platform, author.trim().trim_start_matches('@')],
    )?;
    Ok(Some(conn.query_row(
        "SELECT id FROM accounts WHERE platform_key = ?1 AND handle_key = ?2",
        [&pk, &hk],
        |r| r.get(0),
    )?))
}

impl Vault {
    /// Every account with items, most items first, optionally within one case.
    pub fn accounts(&self, case_id: Option<&str>) -> Result<Vec<Account>> {
        let mut stmt = self.db.prepare(
            "SELECT a.id, a.platform, a.handle, count(i.id),
                    min(coalesce(i.posted_at, i.captured_at)), max(coalesce(i.posted_at, i.captured_at)),
                    (SELECT json_group_array(DISTINCT n.author_name) FROM items n
                       WHERE n.account_id = a.id AND n.author_name IS NOT NULL AND (?1 IS NULL OR n.case_id = ?1)),
                    (SELECT json_group_array(m.id) FROM (SELECT id FROM items m
                       WHERE m.account_id = a.id AND (?1 IS NULL OR m.case_id = ?1)
                       ORDER BY coalesce(m.posted_at, m.captured_at), m.id) m)
             FROM accounts a JOIN items i ON i.account_id = a.id
             WHERE ?1 IS NULL OR i.case_id = ?1
             GROUP BY a.id
             ORDER BY count(i.id) DESC, a.handle_key",
        )?;
        let rows = stmt.query_map([case_id], |r| {
            let first: String = r.get(4)?;
            let last: String = r.get(5)?;
            let names: String = r.get(6)?;
            let items: String = r.get(7)?;
            Ok(Account {
                id: r.get(0)?,
                platform: r.get(1)?,
                handle: r.get(2)?,
                item_count: r.get(3)?,
                first_seen: parse_stored_time(&first),
                last_seen: parse_stored_time(&last),
                display_names: serde_json::from_str(&names).unwrap_or_default(),
                items: serde_json::from_str(&items).unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}
