//! The custody log: append-only, hash-chained record of everything done to
//! the evidence (Berkeley Protocol chain of custody).
//!
//! Main types: [`Entry`] and [`Action`]. Each entry's `hash` is the SHA-256 of
//! its fields and of the previous entry's hash ([`HashedFields::hash`]), so changing,
//! removing or reordering any entry breaks the chain from there on. The
//! database refuses updates and deletes of the table with triggers.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Message, Result};
use crate::model::{format_time, parse_stored_time};

/// The previous-hash of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The vault was created.
    VaultCreated,
    /// A case was created.
    CaseCreated,
    /// A case's name or description changed.
    CaseEdited,
    /// An item entered the vault.
    ItemAdded,
    /// An item's fields changed.
    ItemEdited,
    /// An item was removed; its bytes were deleted.
    ItemRemoved,
    /// An item's original bytes were written out of the vault.
    Exported,
    /// The passphrase was changed.
    PassphraseChanged,
    /// A link's page was fetched and kept as a WARC file (or the fetch failed).
    Captured,
    /// Items were sealed into a signed report bundle.
    Sealed,
    /// A bundle was submitted to an organization.
    Submitted,
    /// A printable packet (PDF) of items was written out of the vault.
    Printed,
    /// Posts were read from a bulk post file kept as an item.
    PostsImported,
    /// A campaign analysis ran; its results were kept.
    Analysed,
}

impl Action {
    /// Every action, for clients that name each one (the UI's translations).
    pub const ALL: &'static [Action] = &[
        Action::VaultCreated,
        Action::CaseCreated,
        Action::CaseEdited,
        Action::ItemAdded,
        Action::ItemEdited,
        Action::ItemRemoved,
        Action::Exported,
        Action::PassphraseChanged,
        Action::Captured,
        Action::Sealed,
        Action::Submitted,
        Action::Printed,
        Action::PostsImported,
        Action::Analysed,
    ];

    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::VaultCreated => "vault_created",
            Action::CaseCreated => "case_created",
            Action::CaseEdited => "case_edited",
            Action::ItemAdded => "item_added",
            Action::ItemEdited => "item_edited",
            Action::ItemRemoved => "item_removed",
            Action::Exported => "exported",
            Action::PassphraseChanged => "passphrase_changed",
            Action::Captured => "captured",
            Action::Sealed => "sealed",
            Action::Submitted => "submitted",
            Action::Printed => "printed",
            Action::PostsImported => "posts_imported",
            Action::Analysed => "analysed",
        }
    }
}

/// One entry of the log.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// Position, from 1, without gaps.
    pub seq: i64,
    /// When it happened (UTC).
    pub at: DateTime<Utc>,
    /// What happened (an [`Action`] id).
    pub action: String,
    /// The case concerned.
    pub case_id: Option<String>,
    /// The item concerned.
    pub item_id: Option<String>,
    /// The item's SHA-256 at the time.
    pub sha256: Option<String>,
    /// Details: fields changed, reason for removal, file name, and so on.
    pub detail: serde_json::Value,
    /// Hash of the previous entry ([`GENESIS`] for the first).
    pub prev_hash: String,
    /// Hash of this entry.
    pub hash: String,
}

/// What a new entry says; the log adds sequence, time and hashes.
pub struct NewEntry<'a> {
    /// What happened.
    pub action: Action,
    /// The case concerned.
    pub case_id: Option<&'a str>,
    /// The item concerned.
    pub item_id: Option<&'a str>,
    /// The item's SHA-256.
    pub sha256: Option<&'a str>,
    /// Details.
    pub detail: serde_json::Value,
}

impl<'a> NewEntry<'a> {
    /// An entry about one item: its case and id, with the hash the action concerns.
    pub fn for_item(
        action: Action,
        item: &'a crate::record::Item,
        sha256: Option<&'a str>,
        detail: serde_json::Value,
    ) -> NewEntry<'a> {
        NewEntry {
            action,
            case_id: Some(&item.case_id),
            item_id: Some(&item.id),
            sha256,
            detail,
        }
    }
}

/// The stored fields of an entry that its hash covers.
pub struct HashedFields<'a> {
    /// Position.
    pub seq: i64,
    /// Time, as stored.
    pub at: &'a str,
    /// Action id.
    pub action: &'a str,
    /// Case id.
    pub case_id: Option<&'a str>,
    /// Item id.
    pub item_id: Option<&'a str>,
    /// Item hash.
    pub sha256: Option<&'a str>,
    /// Detail JSON, as stored.
    pub detail: &'a str,
    /// Previous entry's hash.
    pub prev_hash: &'a str,
}

impl HashedFields<'_> {
    /// The entry's hash: SHA-256 over its fields as stored, each prefixed by
    /// its length (absent ones by a marker), so no two entries share an input.
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"testigo custody v1\n");
        let seq = self.seq.to_string();
        for field in [
            Some(seq.as_str()),
            Some(self.at),
            Some(self.action),
            self.case_id,
            self.item_id,
            self.sha256,
            Some(self.detail),
            Some(self.prev_hash),
        ] {
            match field {
                Some(f) => {
                    h.update((f.len() as u64).to_be_bytes());
                    h.update(f.as_bytes());
                }
                None => h.update(u64::MAX.to_be_bytes()),
            }
        }
        hex::encode(h.finalize())
    }
}

/// Appends an entry. Call inside the transaction that makes the change, so
/// the change and its record commit together.
pub fn append(conn: &Connection, e: NewEntry<'_>) -> Result<Entry> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM custody ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev_hash) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_string()),
    };
    let at_time = Utc::now();
    let at = format_time(&at_time);
    let detail = serde_json::to_string(&e.detail)?;
    let action = e.action.as_str();
    let hash = HashedFields {
        seq,
        at: &at,
        action,
        case_id: e.case_id,
        item_id: e.item_id,
        sha256: e.sha256,
        detail: &detail,
        prev_hash: &prev_hash,
    }
    .hash();
    conn.execute(
        "INSERT INTO custody (seq, at, action, case_id, item_id, sha256, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            seq, at, action, e.case_id, e.item_id, e.sha256, detail, prev_hash, hash
        ],
    )?;
    Ok(Entry {
        seq,
        at: parse_stored_time(&at),
        action: action.to_string(),
        case_id: e.case_id.map(str::to_string),
        item_id: e.item_id.map(str::to_string),
        sha256: e.sha256.map(str::to_string),
        detail: e.detail,
        prev_hash,
        hash,
    })
}

/// A row as stored, before its detail is parsed.
struct Row {
    seq: i64,
    at: String,
    action: String,
    case_id: Option<String>,
    item_id: Option<String>,
    sha256: Option<String>,
    detail: String,
    prev_hash: String,
    hash: String,
}

const SELECT: &str =
    "SELECT seq, at, action, case_id, item_id, sha256, detail, prev_hash, hash FROM custody";

fn rows(conn: &Connection, filter: &str, arg: Option<&str>) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare(&format!("{SELECT} {filter} ORDER BY seq"))?;
    let map = |r: &rusqlite::Row<'_>| {
        Ok(Row {
            seq: r.get(0)?,
            at: r.get(1)?,
            action: r.get(2)?,
            case_id: r.get(3)?,
            item_id: r.get(4)?,
            sha256: r.get(5)?,
            detail: r.get(6)?,
            prev_hash: r.get(7)?,
            hash: r.get(8)?,
        })
    };
    let out = match arg {
        Some(a) => stmt.query_map([a], map)?.collect::<Result<Vec<_>, _>>()?,
        None => stmt.query_map([], map)?.collect::<Result<Vec<_>, _>>()?,
    };
    Ok(out)
}

fn to_entry(r: Row) -> Entry {
    Entry {
        seq: r.seq,
        at: parse_stored_time(&r.at),
        action: r.action,
        case_id: r.case_id,
        item_id: r.item_id,
        sha256: r.sha256,
        detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::String(r.detail)),
        prev_hash: r.prev_hash,
        hash: r.hash,
    }
}

/// Every entry, or those of one case or one item.
pub fn entries(conn: &Connection, scope: Scope<'_>) -> Result<Vec<Entry>> {
    let rows = match scope {
        Scope::All => rows(conn, "", None)?,
        Scope::Case(c) => rows(conn, "WHERE case_id = ?1", Some(c))?,
        Scope::Item(i) => rows(conn, "WHERE item_id = ?1", Some(i))?,
        Scope::Action(a) => rows(conn, "WHERE action = ?1", Some(a.as_str()))?,
    };
    Ok(rows.into_iter().map(to_entry).collect())
}

/// Which entries to read.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// The whole log.
    All,
    /// One case.
    Case(&'a str),
    /// One item.
    Item(&'a str),
    /// Every entry of one kind.
    Action(Action),
}

/// Walks the whole chain: the number of entries, and every break in it,
/// described in English and Spanish.
pub fn verify_chain(conn: &Connection) -> Result<(usize, Vec<Message>)> {
    let all = rows(conn, "", None)?;
    let mut problems = Vec::new();
    let mut prev = GENESIS.to_string();
    for (i, r) in all.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        if r.seq != expected_seq {
            problems.push(Message::new(
                format!(
                    "custody log: entry {expected_seq} is missing (found {} in its place)",
                    r.seq
                ),
                format!(
                    "registro de custodia: falta la entrada {expected_seq} (en su lugar está la {})",
                    r.seq
                ),
            ));
        }
        if r.prev_hash != prev {
            problems.push(Message::new(
                format!(
                    "custody log: entry {} does not follow entry {} (the chain is broken)",
                    r.seq,
                    r.seq - 1
                ),
                format!(
                    "registro de custodia: la entrada {} no sigue a la entrada {} (la cadena está rota)",
                    r.seq,
                    r.seq - 1
                ),
            ));
        }
        let h = HashedFields {
            seq: r.seq,
            at: &r.at,
            action: &r.action,
            case_id: r.case_id.as_deref(),
            item_id: r.item_id.as_deref(),
            sha256: r.sha256.as_deref(),
            detail: &r.detail,
            prev_hash: &r.prev_hash,
        }
        .hash();
        if h != r.hash {
            problems.push(Message::new(
                format!(
                    "custody log: entry {} ({}) was altered after it was written",
                    r.seq, r.action
                ),
                format!(
                    "registro de custodia: la entrada {} ({}) fue alterada después de escribirse",
                    r.seq, r.action
                ),
            ));
        }
        prev = r.hash.clone();
    }
    Ok((all.len(), problems))
}

/// True when the log holds a `passphrase_changed` entry naming a key file
/// with this SHA-256.
pub(crate) fn passphrase_change_recorded(conn: &Connection, key_file_sha256: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM custody WHERE action = ?1
            AND json_extract(detail, '$.key_file_sha256') = ?2)",
        (Action::PassphraseChanged.as_str(), key_file_sha256),
        |r| r.get(0),
    )?)
}

/// What the log says about one item, beside the item's own hash (for
/// [`crate::Vault::check`]).
pub(crate) struct ItemTrail {
    /// The item's id.
    pub item_id: String,
    /// Its SHA-256 now.
    pub sha256: Option<String>,
    /// The sequence number of its `item_added` entry, if it has one.
    pub added_seq: Option<i64>,
    /// The hash the log last recorded for it: that of its latest
    /// `captured` entry of a page with a WARC, or else of `item_added`.
    pub logged_sha256: Option<String>,
}

/// One [`ItemTrail`] per item and `item_added` entry: an item added twice
/// appears twice, one never added once with no `added_seq`.
pub(crate) fn item_trails(conn: &Connection) -> Result<Vec<ItemTrail>> {
    let mut stmt = conn.prepare(
        "SELECT i.id, i.sha256, c.seq,
            coalesce((SELECT k.sha256 FROM custody k WHERE k.item_id = i.id
                AND k.action = 'captured' AND k.sha256 IS NOT NULL
                AND coalesce(json_extract(k.detail, '$.purpose'), 'page') = 'page'
                ORDER BY k.seq DESC LIMIT 1),
                c.sha256)
         FROM items i
         LEFT JOIN custody c ON c.item_id = i.id AND c.action = 'item_added'",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok(ItemTrail {
            item_id: row.get(0)?,
            sha256: row.get(1)?,
            added_seq: row.get(2)?,
            logged_sha256: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Lang;
    use serde_json::json;

    #[test]
    fn all_names_every_action() {
        // The match has no wildcard: a new action fails to compile here,
        // and this test fails until it is in `ALL` too.
        let index = |a: Action| match a {
            Action::VaultCreated => 0,
            Action::CaseCreated => 1,
            Action::CaseEdited => 2,
            Action::ItemAdded => 3,
            Action::ItemEdited => 4,
            Action::ItemRemoved => 5,
            Action::Exported => 6,
            Action::PassphraseChanged => 7,
            Action::Captured => 8,
            Action::Sealed => 9,
            Action::Submitted => 10,
            Action::Printed => 11,
            Action::PostsImported => 12,
            Action::Analysed => 13,
        };
        let listed: Vec<usize> = Action::ALL.iter().map(|a| index(*a)).collect();
        assert_eq!(listed, (0..14).collect::<Vec<_>>());
    }

    fn log() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(crate::db::MIGRATIONS[0]).unwrap();
        for i in 0..3 {
            append(
                &conn,
                NewEntry {
                    action: Action::ItemAdded,
                    case_id: Some("C"),
                    item_id: Some(&format!("I{i}")),
                    sha256: Some("ab"),
                    detail: json!({"n": i}),
                },
            )
            .unwrap();
        }
        conn
    }

    #[test]
    fn a_fresh_chain_verifies() {
        let conn = log();
        let (n, problems) = verify_chain(&conn).unwrap();
        assert_eq!((n, problems), (3, vec![]));
        let e = entries(&conn, Scope::Item("I1")).unwrap();
        assert_eq!(e[0].prev_hash, entries(&conn, Scope::All).unwrap()[0].hash);
    }

    #[test]
    fn details_are_stored_in_canonical_form() {
        // Outside verifiers re-serialise `detail` with sorted keys and no
        // spaces; this pins that serde_json keeps writing exactly that.
        let conn = log();
        let e = append(
            &conn,
            NewEntry {
                action: Action::ItemEdited,
                case_id: None,
                item_id: None,
                sha256: None,
                detail: json!({"z": 1, "a": {"y": "ñ/\n", "b": [3, null]}}),
            },
        )
        .unwrap();
        let stored: String = conn
            .query_row("SELECT detail FROM custody WHERE seq = ?1", [e.seq], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(stored, r#"{"a":{"b":[3,null],"y":"ñ/\n"},"z":1}"#);
    }

    #[test]
    fn the_log_refuses_updates_and_deletes() {
        let conn = log();
        assert!(conn.execute("UPDATE custody SET action = 'x'", []).is_err());
        assert!(
            conn.execute("DELETE FROM custody WHERE seq = 2", [])
                .is_err()
        );
    }

    #[test]
    fn tampering_names_the_entry() {
        let conn = log();
        conn.execute_batch(
            "DROP TRIGGER custody_append_only_update; DROP TRIGGER custody_append_only_delete;
             UPDATE custody SET detail = '{\"n\":9}' WHERE seq = 2; DELETE FROM custody WHERE seq = 1;",
        )
        .unwrap();
        let (_, problems) = verify_chain(&conn).unwrap();
        let text = |lang| {
            problems
                .iter()
                .map(|p| p.get(lang))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let (en, es) = (text(Lang::En), text(Lang::Es));
        assert!(en.contains("entry 1 is missing"), "{en}");
        assert!(en.contains("entry 2 (item_added) was altered"), "{en}");
        assert!(es.contains("falta la entrada 1"), "{es}");
        assert!(
            es.contains("la entrada 2 (item_added) fue alterada"),
            "{es}"
        );
    }
}
