//! Vault-wide settings, the `settings` table: keys and values kept
//! encrypted in the database (the signing key, who signs, capture
//! settings). Their meaning belongs to the modules that use them.

use rusqlite::OptionalExtension;

use crate::Vault;
use crate::error::Result;

impl Vault {
    /// A vault-wide setting.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .db
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Sets a vault-wide setting, replacing its value.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.db.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )?;
        Ok(())
    }

    /// Adds settings that must not exist yet, together: all of them or
    /// none. One that exists is an error, never replaced (the signing key
    /// is written once).
    pub(crate) fn add_settings(&self, pairs: &[(&str, &str)]) -> Result<()> {
        let tx = self.db.unchecked_transaction()?;
        for (key, value) in pairs {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)",
                (key, value),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Removes a setting (a later read finds none, or its default).
    pub(crate) fn clear_setting(&self, key: &str) -> Result<()> {
        self.db
            .execute("DELETE FROM settings WHERE key = ?1", [key])?;
        Ok(())
    }
}
