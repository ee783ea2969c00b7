//! Organizations the person added from their `.testigo-org` files, the
//! `orgs` table. An organization's id is its receipt key's key id; adding
//! the same file twice changes nothing, and a file with the same key but
//! other details replaces them (the organization moved its server).

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::org::{Org, OrgFile};
use crate::error::{Error, Result};
use crate::model::{format_time, parse_stored_time};
use crate::vault::Vault;

/// An organization in the vault.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgEntry {
    /// Its receipt key's key id.
    pub id: String,
    /// What its file says.
    pub org: Org,
    /// The receipt key's fingerprint, for the person to compare.
    pub fingerprint: String,
    /// When it was added.
    pub added_at: chrono::DateTime<chrono::Utc>,
}

const SELECT: &str =
    "SELECT id, name, url, contact, age_recipient, receipt_key, added_at FROM orgs";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, Org, String)> {
    Ok((
        r.get(0)?,
        Org {
            format: super::org::FORMAT.into(),
            name: r.get(1)?,
            url: r.get(2)?,
            contact: r.get(3)?,
            age_recipient: r.get(4)?,
            receipt_key: r.get(5)?,
        },
        r.get(6)?,
    ))
}

fn entry((id, org, added): (String, Org, String)) -> Result<OrgEntry> {
    let fingerprint = org.receipt_key()?.fingerprint;
    Ok(OrgEntry {
        id,
        org,
        fingerprint,
        added_at: parse_stored_time(&added),
    })
}

impl Vault {
    /// Adds an organization from the text of its `.testigo-org` file, once
    /// its signature checks out.
    pub fn add_org(&self, file_text: &str) -> Result<OrgEntry> {
        let org = OrgFile::parse(file_text)?;
        let id = org.receipt_key()?.key_id;
        let _lock = self.write_lock()?;
        self.db.execute(
            "INSERT INTO orgs (id, name, url, contact, age_recipient, receipt_key, file, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, url = excluded.url,
                contact = excluded.contact, age_recipient = excluded.age_recipient, file = excluded.file",
            params![
                id,
                org.name,
                org.url,
                org.contact,
                org.age_recipient,
                org.receipt_key,
                file_text,
                format_time(&chrono::Utc::now())
            ],
        )?;
        self.org(&id)
    }

    /// Every organization, by name.
    pub fn orgs(&self) -> Result<Vec<OrgEntry>> {
        let mut stmt = self.db.prepare(&format!("{SELECT} ORDER BY name, id"))?;
        let rows = stmt.query_map([], from_row)?;
        rows.map(|r| entry(r?)).collect()
    }

    /// One organization, by its id (or a unique prefix), its name, or the
    /// start of its name when only one begins so (ignoring case).
    pub fn org(&self, query: &str) -> Result<OrgEntry> {
        let q = query.trim();
        let found = self
            .db
            .query_row(&format!("{SELECT} WHERE id = upper(?1)"), [q], from_row)
            .optional()?;
        if let Some(f) = found {
            return entry(f);
        }
        let wanted = q.to_lowercase();
        let all = self.orgs()?;
        if let Some(o) = all.iter().find(|o| o.org.name.to_lowercase() == wanted) {
            return Ok(o.clone());
        }
        let starting: Vec<&OrgEntry> = all
            .iter()
            .filter(|o| !wanted.is_empty() && o.org.name.to_lowercase().starts_with(&wanted))
            .collect();
        match starting.as_slice() {
            [one] => return Ok((*one).clone()),
            [] => {}
            several => {
                let names: Vec<String> = several
                    .iter()
                    .map(|o| crate::text::untrusted_line(&o.org.name, 80))
                    .collect();
                return Err(Error::invalid(
                    format!(
                        "`{}` could be any of: {}; give more of the name, or the id",
                        q.escape_default(),
                        names.join(", ")
                    ),
                    format!(
                        "`{}` puede ser cualquiera de: {}; escribe más del nombre, o el id",
                        q.escape_default(),
                        names.join(", ")
                    ),
                ));
            }
        }
        let id = crate::db::resolve_prefix(&self.db, "orgs", "organization", q).map_err(|_| {
            Error::invalid(
                format!("no organization `{}` in this vault; add its .testigo-org file first", q.escape_default()),
                format!("no hay ninguna organización `{}` en esta bóveda; agrega primero su archivo .testigo-org", q.escape_default()),
            )
        })?;
        entry(
            self.db
                .query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row)?,
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::signing::SigningKey;
    use crate::submission::org::{FORMAT, Org};
    use crate::vault::Vault;

    fn add(v: &Vault, name: &str) -> String {
        let (key, _) = SigningKey::generate_unattended().unwrap();
        let org = Org {
            format: FORMAT.into(),
            name: name.into(),
            url: "https://intake.example.org".into(),
            contact: String::new(),
            age_recipient: age::x25519::Identity::generate().to_public().to_string(),
            receipt_key: key.public().public_key,
        };
        let text = org.sign(&key).unwrap().to_text().unwrap();
        v.add_org(&text).unwrap().id
    }

    #[test]
    fn an_organization_is_found_by_id_name_or_the_unique_start_of_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let v = Vault::create(&dir.path().join("v"), "una frase de prueba bastante larga").unwrap();
        let red = add(&v, "Red de Defensoras");
        let article = add(&v, "Artículo 19 México");
        assert_eq!(v.org(&red).unwrap().id, red);
        assert_eq!(v.org(&red[..6].to_lowercase()).unwrap().id, red);
        assert_eq!(v.org("  red de DEFENSORAS ").unwrap().id, red);
        assert_eq!(v.org("artículo").unwrap().id, article);
        assert_eq!(v.org("ARTÍCULO 19").unwrap().id, article);
        let other = add(&v, "Red Nacional");
        let e = v.org("red").unwrap_err().to_string();
        assert!(
            e.contains("Red de Defensoras") && e.contains("Red Nacional"),
            "{e}"
        );
        assert_eq!(v.org("red n").unwrap().id, other);
        let e = v.org("Fiscalía").unwrap_err().to_string();
        assert!(e.contains("no organization"), "{e}");
    }
}
