//! Cases, the `cases` table: a case gathers the items of one situation
//! (a campaign, a person, a period). Creating, renaming and finding them;
//! each change commits with its custody entry.

use rusqlite::OptionalExtension;
use serde_json::json;

use crate::Vault;
use crate::custody::{self, Action, NewEntry};
use crate::db;
use crate::error::{Error, Result};
use crate::model::{Case, format_time};

impl Vault {
    /// Creates a case.
    pub fn create_case(&self, name: &str, description: &str) -> Result<Case> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::invalid(
                "a case needs a name",
                "un caso necesita un nombre",
            ));
        }
        let exists: Option<String> = self
            .db
            .query_row("SELECT id FROM cases WHERE name = ?1", [name], |r| r.get(0))
            .optional()?;
        if let Some(id) = exists {
            return Err(Error::invalid(
                format!("a case named `{name}` already exists ({id}); choose another name"),
                format!("ya existe un caso llamado `{name}` ({id}); elige otro nombre"),
            ));
        }
        let now = chrono::Utc::now();
        let id = ulid::Ulid::new().to_string();
        let tx = self.db.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO cases (id, name, description, created_at) VALUES (?1, ?2, ?3, ?4)",
            (&id, name, description, format_time(&now)),
        )?;
        custody::append(
            &tx,
            NewEntry {
                action: Action::CaseCreated,
                case_id: Some(&id),
                item_id: None,
                sha256: None,
                detail: json!({ "name": name, "description": description }),
            },
        )?;
        tx.commit()?;
        self.case(&id)
    }

    /// Renames or re-describes a case.
    pub fn edit_case(
        &self,
        case: &str,
        name: Option<&str>,
        description: Option<&str>,
    ) -> Result<Case> {
        if name.is_none() && description.is_none() {
            return Err(Error::invalid(
                "nothing to change: give a new name or description",
                "no hay nada que cambiar: indica un nombre o una descripción nuevos",
            ));
        }
        let before = self.resolve_case(case)?;
        let name = name.map(str::trim).unwrap_or(&before.name);
        let description = description.unwrap_or(&before.description);
        if name.is_empty() {
            return Err(Error::invalid(
                "a case needs a name",
                "un caso necesita un nombre",
            ));
        }
        if name == before.name && description == before.description {
            return Ok(before);
        }
        let tx = self.db.unchecked_transaction()?;
        tx.execute(
            "UPDATE cases SET name = ?2, description = ?3 WHERE id = ?1",
            (&before.id, name, description),
        )
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Error::invalid(
                    format!("a case named `{name}` already exists; choose another name"),
                    format!("ya existe un caso llamado `{name}`; elige otro nombre"),
                )
            }
            other => other.into(),
        })?;
        custody::append(
            &tx,
            NewEntry {
                action: Action::CaseEdited,
                case_id: Some(&before.id),
                item_id: None,
                sha256: None,
                detail: json!({
                    "name": { "from": before.name, "to": name },
                    "description": { "from": before.description, "to": description },
                }),
            },
        )?;
        tx.commit()?;
        self.case(&before.id)
    }

    /// Every case, oldest first, with its item count.
    pub fn cases(&self) -> Result<Vec<Case>> {
        let mut stmt = self.db.prepare(&format!("{CASE_SELECT} ORDER BY c.id"))?;
        let rows = stmt.query_map([], case_from_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn case(&self, id: &str) -> Result<Case> {
        Ok(self.db.query_row(
            &format!("{CASE_SELECT} WHERE c.id = ?1"),
            [id],
            case_from_row,
        )?)
    }

    /// Finds a case by id, unique name (ignoring case) or unique id prefix.
    pub fn resolve_case(&self, query: &str) -> Result<Case> {
        let q = query.trim();
        let by_name: Option<String> = self
            .db
            .query_row(
                "SELECT id FROM cases WHERE name = ?1 OR id = ?1",
                [q],
                |r| r.get(0),
            )
            .optional()?;
        let id = match by_name {
            Some(id) => id,
            None => db::resolve_prefix(&self.db, "cases", "case", q)?,
        };
        self.case(&id)
    }
}

const CASE_SELECT: &str = "SELECT c.id, c.name, c.description, c.created_at,
    (SELECT count(*) FROM items i WHERE i.case_id = c.id) FROM cases c";

fn case_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Case> {
    let created: String = r.get(3)?;
    Ok(Case {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        created_at: crate::model::parse_stored_time(&created),
        item_count: r.get(4)?,
    })
}
