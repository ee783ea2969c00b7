//! `check`: verifies the database, every stored object against its SHA-256,
//! and the custody chain, and names each problem. Main type: [`CheckReport`].

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::custody;
use crate::error::Result;
use crate::vault::Vault;

/// What `check` found.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize, Default)]
pub struct CheckReport {
    /// True when no problem was found.
    pub ok: bool,
    /// Items checked.
    pub items: usize,
    /// Object files checked.
    pub objects: usize,
    /// Custody entries checked.
    pub log_entries: usize,
    /// Every problem, naming what it concerns.
    pub problems: Vec<String>,
    /// Things worth knowing that are not problems (leftovers of an
    /// interrupted import, removed by the next import).
    pub notes: Vec<String>,
}

impl Vault {
    /// Checks everything; never changes anything.
    pub fn check(&self) -> Result<CheckReport> {
        let mut r = CheckReport::default();
        self.check_database(&mut r)?;
        let (n, chain) = custody::verify_chain(&self.db)?;
        r.log_entries = n;
        r.problems.extend(chain);
        self.check_items_against_log(&mut r)?;
        self.check_objects(&mut r)?;
        r.ok = r.problems.is_empty();
        Ok(r)
    }

    fn check_database(&self, r: &mut CheckReport) -> Result<()> {
        for pragma in ["PRAGMA cipher_integrity_check", "PRAGMA integrity_check"] {
            let mut stmt = self.db.prepare(pragma)?;
            let rows = stmt
                .query_map([], |row| row.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            r.problems.extend(
                rows.into_iter()
                    .filter(|m| m != "ok")
                    .map(|m| format!("database: {m}")),
            );
        }
        Ok(())
    }

    /// Every item must have been added in the log, and have the hash the log
    /// last recorded for it: that of its `item_added` entry, or for a
    /// captured link that of its latest `captured` entry of its page with a
    /// WARC (an oEmbed answer does not become the item's hash).
    fn check_items_against_log(&self, r: &mut CheckReport) -> Result<()> {
        let mut stmt = self.db.prepare(
            "SELECT i.id, i.sha256, c.seq,
                coalesce((SELECT k.sha256 FROM custody k WHERE k.item_id = i.id
                    AND k.action = 'captured' AND k.sha256 IS NOT NULL
                    AND coalesce(json_extract(k.detail, '$.purpose'), 'page') = 'page'
                    ORDER BY k.seq DESC LIMIT 1),
                    c.sha256)
             FROM items i
             LEFT JOIN custody c ON c.item_id = i.id AND c.action = 'item_added'",
        )?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Option<String>>(1)?,
                    row.get::<_, Option<i64>>(2)?,
                    row.get::<_, Option<String>>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut seen = HashSet::new();
        for (id, sha, seq, logged) in rows {
            if !seen.insert(id.clone()) {
                r.problems.push(format!(
                    "item {id}: added more than once in the custody log"
                ));
            } else if seq.is_none() {
                r.problems.push(format!(
                    "item {id}: has no `item_added` entry in the custody log"
                ));
            } else if logged != sha {
                r.problems.push(format!(
                    "item {id}: its SHA-256 differs from the one the custody log recorded for it (entry {} and later)",
                    seq.unwrap_or_default()
                ));
            }
        }
        r.items = seen.len();
        self.check_captures_against_log(r)
    }

    /// Every capture with a WARC must match its `captured` entry and have its artifact.
    fn check_captures_against_log(&self, r: &mut CheckReport) -> Result<()> {
        let mut stmt = self.db.prepare(
            "SELECT p.item_id, p.seq, p.warc_sha256,
                (SELECT count(*) FROM custody k WHERE k.item_id = p.item_id AND k.action = 'captured'
                    AND json_extract(k.detail, '$.capture') = p.seq
                    AND k.sha256 IS p.warc_sha256),
                (SELECT count(*) FROM artifacts a WHERE a.item_id = p.item_id AND a.role = 'capture'
                    AND a.sha256 = p.warc_sha256)
             FROM captures p ORDER BY p.item_id, p.seq",
        )?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, i64>(4)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        for (id, seq, sha, logged, artifact) in rows {
            if logged != 1 {
                r.problems.push(format!(
                    "capture {seq} of item {id}: its WARC SHA-256 is not the one its `captured` entry in the custody log recorded"
                ));
            } else if sha.is_some() && artifact != 1 {
                r.problems.push(format!(
                    "capture {seq} of item {id}: its WARC file is not among the item's artifacts"
                ));
            }
        }
        Ok(())
    }

    fn check_objects(&self, r: &mut CheckReport) -> Result<()> {
        let mut stmt = self.db.prepare(
            "SELECT sha256, CASE kind WHEN 'link' THEN 'capture of item ' ELSE 'item ' END || id
             FROM items WHERE sha256 IS NOT NULL
             UNION ALL SELECT sha256, role || ' of item ' || item_id FROM artifacts",
        )?;
        let mut expected: HashMap<String, (String, String)> = HashMap::new();
        for row in stmt.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })? {
            let (sha, owner) = row?;
            expected
                .entry(self.objects.name_for(&sha))
                .or_insert((sha, owner));
        }
        let mut found = HashSet::new();
        for entry in self.objects.list()? {
            r.objects += 1;
            let shown = &entry.shown;
            let Some(name) = entry.name else {
                r.problems.push(format!(
                    "{shown}: unexpected {}, not an object of this vault",
                    if entry.path.is_dir() {
                        "folder"
                    } else {
                        "file"
                    }
                ));
                continue;
            };
            match (expected.get(&name), self.objects.verify_path(&entry.path)) {
                (Some((sha, _)), Ok(got)) if &got == sha => {
                    found.insert(name);
                }
                (Some((sha, owner)), Ok(got)) => {
                    found.insert(name);
                    r.problems.push(format!(
                        "{shown} ({owner}): holds content with SHA-256 {got}, expected {sha}"
                    ));
                }
                (Some((_, owner)), Err(e)) => {
                    found.insert(name);
                    r.problems
                        .push(format!("{shown} ({owner}): altered or damaged ({e})"));
                }
                (None, Ok(got)) if self.objects.name_for(&got) == name => r.notes.push(format!(
                    "{shown}: not referenced by any item (left by an interrupted import; the next import removes it)"
                )),
                (None, Ok(_)) => r.problems.push(format!(
                    "{shown}: not referenced by any item, and its content does not match its name"
                )),
                (None, Err(e)) => r.problems.push(format!(
                    "{shown}: unexpected file, not a valid object of this vault ({e})"
                )),
            }
        }
        let mut missing: Vec<_> = expected
            .iter()
            .filter(|(name, _)| !found.contains(*name))
            .map(|(_, (sha, owner))| format!("{owner}: its object (SHA-256 {sha}) is missing"))
            .collect();
        missing.sort();
        r.problems.extend(missing);
        let unfinished = self.objects.unfinished()?.len();
        if unfinished > 0 {
            r.notes.push(format!(
                "{unfinished} unfinished write(s) under objects/tmp (an interrupted import; the next import removes them)"
            ));
        }
        Ok(())
    }
}
