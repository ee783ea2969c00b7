//! Full-text search and the accounts view.
//!
//! Search runs SQLite FTS5 with the `unicode61 remove_diacritics 2`
//! tokenizer over post text, notes, handles, names, URLs, file names and
//! tags, so `linea` finds `línea` and `norona` finds `Noroña`. A person's
//! query is turned into quoted prefix terms ([`fts_query`]): FTS5 syntax in
//! it is never interpreted. Main type: [`Account`].

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::Result;
use crate::items::load_items;
use crate::model::parse_stored_time;
use crate::record::Item;
use crate::vault::Vault;

/// Turns what a person typed into an FTS5 query: every word must match, as a
/// prefix, in any order; quotes and operators are taken literally.
pub fn fts_query(input: &str) -> Option<String> {
    let terms: Vec<String> = input
        .split_whitespace()
        .map(|w| w.replace('"', ""))
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

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

impl Vault {
    /// Items matching a query, best first, optionally within one case.
    pub fn search(&self, query: &str, case_id: Option<&str>) -> Result<Vec<Item>> {
        let Some(q) = fts_query(query) else {
            return Ok(Vec::new());
        };
        let mut stmt = self.db.prepare(
            "SELECT f.item_id FROM items_fts f JOIN items i ON i.id = f.item_id
             WHERE items_fts MATCH ?1 AND (?2 IS NULL OR i.case_id = ?2)
             ORDER BY rank, i.id",
        )?;
        let ids = stmt
            .query_map(rusqlite::params![q, case_id], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        load_items(&self.db, &ids)
    }

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

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn queries_are_quoted_prefix_terms() {
        assert_eq!(
            fts_query("línea roja").as_deref(),
            Some("\"línea\"* \"roja\"*")
        );
        assert_eq!(
            fts_query("a\" OR \"b").as_deref(),
            Some("\"a\"* \"OR\"* \"b\"*")
        );
        assert_eq!(fts_query(" * - "), None);
    }
}
