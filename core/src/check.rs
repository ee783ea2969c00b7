//! `check`: verifies the database, every stored object against its SHA-256,
//! the custody chain, and that no other user can read the vault's files,
//! and names each problem, in English and Spanish. Main type: [`CheckReport`].

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::capture;
use crate::custody;
use crate::db;
use crate::error::{Error, IoContext, Lang, Message, Result};
use crate::private::{self, Loose};
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
    /// Every problem, naming what it concerns, in English.
    pub problems: Vec<String>,
    /// The same problems in Spanish, in the same order.
    pub problems_es: Vec<String>,
    /// Things worth knowing that are not problems (leftovers of an
    /// interrupted import, removed by the next import), in English.
    pub notes: Vec<String>,
    /// The same notes in Spanish, in the same order.
    pub notes_es: Vec<String>,
}

impl CheckReport {
    /// Records a problem in both languages, so the two lists never drift.
    fn problem(&mut self, en: impl Into<String>, es: impl Into<String>) {
        self.problems.push(en.into());
        self.problems_es.push(es.into());
    }

    /// Records a note in both languages.
    fn note(&mut self, en: impl Into<String>, es: impl Into<String>) {
        self.notes.push(en.into());
        self.notes_es.push(es.into());
    }

    fn problem_message(&mut self, m: Message) {
        self.problem(m.en, m.es);
    }
}

impl Vault {
    /// Checks everything; never changes anything.
    pub fn check(&self) -> Result<CheckReport> {
        let mut r = CheckReport::default();
        self.check_database(&mut r)?;
        let (n, chain) = custody::verify_chain(&self.db)?;
        r.log_entries = n;
        chain.into_iter().for_each(|m| r.problem_message(m));
        self.check_items_against_log(&mut r)?;
        self.check_objects(&mut r)?;
        self.check_permissions(&mut r)?;
        r.ok = r.problems.is_empty();
        debug_assert_eq!(r.problems.len(), r.problems_es.len());
        debug_assert_eq!(r.notes.len(), r.notes_es.len());
        Ok(r)
    }

    fn check_database(&self, r: &mut CheckReport) -> Result<()> {
        for m in db::integrity_problems(&self.db)? {
            r.problem(format!("database: {m}"), format!("base de datos: {m}"));
        }
        Ok(())
    }

    /// Every item must have been added in the log, and have the hash the log
    /// last recorded for it: that of its `item_added` entry, or for a
    /// captured link that of its latest `captured` entry of its page with a
    /// WARC (an oEmbed answer does not become the item's hash).
    fn check_items_against_log(&self, r: &mut CheckReport) -> Result<()> {
        let mut seen = HashSet::new();
        for t in custody::item_trails(&self.db)? {
            let (id, sha, seq, logged) = (t.item_id, t.sha256, t.added_seq, t.logged_sha256);
            if !seen.insert(id.clone()) {
                r.problem(
                    format!("item {id}: added more than once in the custody log"),
                    format!("elemento {id}: se agregó más de una vez en el registro de custodia"),
                );
            } else if seq.is_none() {
                r.problem(
                    format!("item {id}: has no `item_added` entry in the custody log"),
                    format!(
                        "elemento {id}: no tiene entrada `item_added` en el registro de custodia"
                    ),
                );
            } else if logged != sha {
                let seq = seq.unwrap_or_default();
                r.problem(
                    format!(
                        "item {id}: its SHA-256 differs from the one the custody log recorded for it (entry {seq} and later)"
                    ),
                    format!(
                        "elemento {id}: su SHA-256 no es el que el registro de custodia anotó para él (entrada {seq} y siguientes)"
                    ),
                );
            }
        }
        r.items = seen.len();
        self.check_captures_against_log(r)
    }

    /// Every capture with a WARC must match its `captured` entry and have its artifact.
    fn check_captures_against_log(&self, r: &mut CheckReport) -> Result<()> {
        for c in capture::record::capture_trails(&self.db)? {
            let (id, seq, sha) = (c.item_id, c.seq, c.warc_sha256);
            let (logged, artifact) = (c.logged, c.artifacts);
            if logged != 1 {
                r.problem(
                    format!(
                        "capture {seq} of item {id}: its WARC SHA-256 is not the one its `captured` entry in the custody log recorded"
                    ),
                    format!(
                        "captura {seq} del elemento {id}: el SHA-256 de su WARC no es el que anotó su entrada `captured` en el registro de custodia"
                    ),
                );
            } else if sha.is_some() && artifact != 1 {
                r.problem(
                    format!(
                        "capture {seq} of item {id}: its WARC file is not among the item's artifacts"
                    ),
                    format!(
                        "captura {seq} del elemento {id}: su archivo WARC no está entre los archivos del elemento"
                    ),
                );
            }
        }
        Ok(())
    }

    fn check_objects(&self, r: &mut CheckReport) -> Result<()> {
        // The role is null for an item's own file, `capture` for a link's WARC.
        let mut expected: HashMap<String, (String, Message)> = HashMap::new();
        for (sha, role, id) in crate::artifacts::references(&self.db)? {
            expected
                .entry(self.objects.name_for(&sha))
                .or_insert((sha, owner(role.as_deref(), &id)));
        }
        let mut found = HashSet::new();
        for entry in self.objects.list()? {
            r.objects += 1;
            let shown = &entry.shown;
            let Some(name) = entry.name else {
                if entry.path.is_dir() {
                    r.problem(
                        format!("{shown}: unexpected folder, not an object of this vault"),
                        format!("{shown}: carpeta inesperada, no es un objeto de esta bóveda"),
                    );
                } else {
                    r.problem(
                        format!("{shown}: unexpected file, not an object of this vault"),
                        format!("{shown}: archivo inesperado, no es un objeto de esta bóveda"),
                    );
                }
                continue;
            };
            match (expected.get(&name), self.objects.verify_path(&entry.path)) {
                (Some((sha, _)), Ok(got)) if &got == sha => {
                    found.insert(name);
                }
                (Some((sha, owner)), Ok(got)) => {
                    found.insert(name);
                    r.problem(
                        format!("{shown} ({}): holds content with SHA-256 {got}, expected {sha}", owner.en),
                        format!(
                            "{shown} ({}): fue alterado: su contenido tiene SHA-256 {got}, se esperaba {sha}",
                            owner.es
                        ),
                    );
                }
                (Some((_, owner)), Err(e)) => {
                    found.insert(name);
                    r.problem(
                        format!("{shown} ({}): altered or damaged ({e})", owner.en),
                        format!(
                            "{shown} ({}): alterado o dañado ({})",
                            owner.es,
                            e.localized(Lang::Es)
                        ),
                    );
                }
                (None, Ok(got)) if self.objects.name_for(&got) == name => r.note(
                    format!(
                        "{shown}: not referenced by any item (left by an interrupted import; the next import removes it)"
                    ),
                    format!(
                        "{shown}: ningún elemento lo usa (quedó de una importación interrumpida; la próxima importación lo borra)"
                    ),
                ),
                (None, Ok(_)) => r.problem(
                    format!(
                        "{shown}: not referenced by any item, and its content does not match its name"
                    ),
                    format!(
                        "{shown}: ningún elemento lo usa, y su contenido no corresponde a su nombre"
                    ),
                ),
                (None, Err(e)) => r.problem(
                    format!("{shown}: unexpected file, not a valid object of this vault ({e})"),
                    format!(
                        "{shown}: archivo inesperado, no es un objeto válido de esta bóveda ({})",
                        e.localized(Lang::Es)
                    ),
                ),
            }
        }
        let mut missing: Vec<Message> = expected
            .iter()
            .filter(|(name, _)| !found.contains(*name))
            .map(|(_, (sha, owner))| {
                Message::new(
                    format!("{}: its object (SHA-256 {sha}) is missing", owner.en),
                    format!("{}: falta su objeto (SHA-256 {sha})", owner.es),
                )
            })
            .collect();
        missing.sort_by(|a, b| a.en.cmp(&b.en));
        missing.into_iter().for_each(|m| r.problem_message(m));
        let unfinished = self.objects.unfinished()?.len();
        if unfinished > 0 {
            r.note(
                format!(
                    "{unfinished} unfinished write(s) under objects/tmp (an interrupted import; the next import removes them)"
                ),
                format!(
                    "{unfinished} escritura(s) sin terminar en objects/tmp (una importación interrumpida; la próxima importación las borra)"
                ),
            );
        }
        Ok(())
    }
}

impl Vault {
    /// The vault folder and its files must be its owner's alone. What
    /// opening the vault had to make private again is a note; what others
    /// can still reach is a problem, with the command that fixes it.
    fn check_permissions(&self, r: &mut CheckReport) -> Result<()> {
        if !self.tightened.is_empty() {
            let (en, es, n) = some_of(&self.tightened);
            r.note(
                format!(
                    "when the vault was opened, other users of this computer could read some of its files or folders ({en}; {n} in all); Testigo made them private again; if this keeps happening, find what changes their permissions (a backup or sync program?)"
                ),
                format!(
                    "al abrir la bóveda, otros usuarios de esta computadora podían leer algunos de sus archivos o carpetas ({es}; {n} en total); Testigo los volvió a hacer privados; si vuelve a pasar, busca qué cambia sus permisos (¿un programa de copias de seguridad o de sincronización?)"
                ),
            );
        }
        let dir = self.dir();
        let loose =
            private::loose(dir).map_err(Error::io(IoContext::Listing(dir.to_path_buf())))?;
        if !loose.is_empty() {
            let (en, es, n) = some_of(&loose);
            let fix = format!("chmod -R go-rwx '{}'", dir.display());
            r.problem(
                format!(
                    "other users of this computer can read or change files or folders of the vault ({en}; {n} in all); make the vault private again with `{fix}`"
                ),
                format!(
                    "otros usuarios de esta computadora pueden leer o cambiar archivos o carpetas de la bóveda ({es}; {n} en total); vuelve a hacerla privada con `{fix}`"
                ),
            );
        }
        Ok(())
    }
}

/// The first few of `list`, named with their permissions, in English and
/// Spanish, and how many there are.
fn some_of(list: &[Loose]) -> (String, String, usize) {
    const SHOWN: usize = 5;
    let names = |lang: Lang| {
        let mut v: Vec<String> = list.iter().take(SHOWN).map(|l| l.describe(lang)).collect();
        if list.len() > SHOWN {
            v.push("…".into());
        }
        v.join(", ")
    };
    (names(Lang::En), names(Lang::Es), list.len())
}

/// What an object belongs to: `item ID`, `capture of item ID`, `thumbnail
/// of item ID`.
fn owner(role: Option<&str>, id: &str) -> Message {
    match role {
        None => Message::new(format!("item {id}"), format!("elemento {id}")),
        Some(role) => {
            let es = match role {
                "capture" => "captura",
                "thumbnail" => "miniatura",
                other => other,
            };
            Message::new(
                format!("{role} of item {id}"),
                format!("{es} del elemento {id}"),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_and_notes_are_kept_in_both_languages_in_step() {
        let mut r = CheckReport::default();
        r.problem("a", "á");
        r.note("n", "ñ");
        r.problem_message(Message::new("b", "bé"));
        assert_eq!(r.problems, ["a", "b"]);
        assert_eq!(r.problems_es, ["á", "bé"]);
        assert_eq!((r.notes.len(), r.notes_es.len()), (1, 1));
    }

    #[test]
    fn owners_are_named_in_both_languages() {
        assert_eq!(
            owner(Some("thumbnail"), "01X"),
            Message::new("thumbnail of item 01X", "miniatura del elemento 01X")
        );
        assert_eq!(owner(None, "01X").es, "elemento 01X");
    }
}
