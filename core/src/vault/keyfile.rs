//! The key file on disk (`vault.json`), and changing the passphrase all or
//! nothing.
//!
//! A change writes the key re-wrapped under the new passphrase to
//! `vault.json.new` (synced, with its folder), then commits a
//! `passphrase_changed` custody entry naming the SHA-256 of those bytes,
//! then renames `vault.json.new` over `vault.json`. The commit decides: a
//! failure before it removes `vault.json.new` and leaves the old passphrase
//! in force; a failure after it (the rename) is finished the next time the
//! vault is opened. Both files wrap the same vault key, so during that
//! window either passphrase opens the vault, and opening settles the change
//! (`Vault::settle_key_change`): finished if the log names the new file,
//! discarded if it does not.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::Vault;
use crate::crypto::{KeyFile, VaultKey};
use crate::custody::{self, Action, NewEntry};
use crate::error::{Error, ErrorKind, IoContext, Lang, Result};
use crate::hashing::sha256_hex;
use crate::private;
use crate::private::sync_dir;

/// The key file.
pub(crate) const KEY_FILE: &str = "vault.json";
/// The key file of a passphrase change not yet finished.
pub(crate) const NEW_KEY_FILE: &str = "vault.json.new";

/// Reads `vault.json`.
pub(crate) fn read(dir: &Path) -> Result<KeyFile> {
    let path = dir.join(KEY_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::NoVault(dir.to_path_buf()));
        }
        Err(e) => return Err(Error::io(IoContext::Reading(path.clone()))(e)),
    };
    serde_json::from_str(&text).map_err(|e| {
        Error::corrupt(
            format!(
                "the key file {} is damaged ({e}); restore it from a backup",
                path.display()
            ),
            format!(
                "el archivo de claves {} está dañado ({e}); restáuralo de una copia de seguridad",
                path.display()
            ),
        )
    })
}

/// Writes the key file of a new vault (through a temporary name, 0600).
pub(crate) fn write_first(dir: &Path, key_file: &KeyFile) -> Result<()> {
    let path = dir.join(KEY_FILE);
    let tmp = dir.join("vault.json.tmp");
    let bytes = serde_json::to_vec_pretty(key_file)?;
    write_synced(&tmp, &bytes).map_err(Error::io(IoContext::Writing(path.clone())))?;
    fs::rename(&tmp, &path).map_err(Error::io(IoContext::Writing(path)))?;
    sync_dir(dir);
    Ok(())
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = private::create_file(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// True when a passphrase change was left unfinished in `dir`.
pub(crate) fn change_pending(dir: &Path) -> bool {
    dir.join(NEW_KEY_FILE).exists()
}

/// Unwraps the vault key with `passphrase`: from `vault.json`, or, when
/// that fails and a change is pending, from `vault.json.new`. The flag says
/// the key came from the new file.
pub(crate) fn unlock(dir: &Path, passphrase: &str) -> Result<(VaultKey, bool)> {
    let current = read(dir)?.unwrap_key(passphrase);
    match current {
        Err(Error::WrongPassphrase) => {
            let new = fs::read(dir.join(NEW_KEY_FILE))
                .ok()
                .and_then(|b| serde_json::from_slice::<KeyFile>(&b).ok());
            match new.map(|k| k.unwrap_key(passphrase)) {
                Some(Ok(key)) => Ok((key, true)),
                _ => Err(Error::WrongPassphrase),
            }
        }
        other => other.map(|k| (k, false)),
    }
}

/// The error of a change that did not happen, saying the old passphrase
/// still works.
fn not_changed(cause: &Error) -> Error {
    Error::bilingual(
        cause.kind(),
        format!(
            "changing the passphrase failed ({cause}); your passphrase was not changed; the old one still opens the vault"
        ),
        format!(
            "no se pudo cambiar la contraseña ({}); tu contraseña no cambió: la anterior sigue abriendo la bóveda",
            cause.localized(Lang::Es)
        ),
    )
}

impl Vault {
    /// Re-wraps the vault key under a new passphrase, all or nothing (see
    /// the module's description). Files are not re-encrypted. On an error
    /// before the change is recorded, the old passphrase still opens the
    /// vault and the message says so.
    pub fn change_passphrase(&mut self, old: &str, new: &str) -> Result<()> {
        if new.is_empty() {
            return Err(Error::invalid(
                "the new passphrase is empty; choose a long one",
                "la nueva contraseña está vacía; elige una larga",
            ));
        }
        let _lock = self.write_lock()?;
        // A change another process left half done is settled first, so
        // `vault.json` holds the passphrase in force.
        self.settle_key_change(false).map_err(|e| not_changed(&e))?;
        let key = read(self.dir())?.unwrap_key(old)?;
        let new_path = self.new_key_path();
        let written = KeyFile::wrap(&key, new).and_then(|rewrapped| {
            let bytes = serde_json::to_vec_pretty(&rewrapped)?;
            write_synced(&new_path, &bytes)
                .map_err(Error::io(IoContext::Writing(new_path.clone())))?;
            sync_dir(self.dir());
            Ok(sha256_hex(&bytes))
        });
        let sha256 = match written {
            Ok(sha256) => sha256,
            Err(e) => {
                self.discard_new_key_file();
                return Err(not_changed(&e));
            }
        };
        if let Err(e) = self.record_key_change(&sha256) {
            // A commit that reports an error may still have reached the
            // log (an fsync failing after the write): the log decides.
            if !self.key_change_recorded(&sha256).unwrap_or(false) {
                self.discard_new_key_file();
                return Err(not_changed(&e));
            }
        }
        self.finish_key_change().map_err(|e| {
            Error::bilingual(
                e.kind(),
                format!(
                    "the passphrase change was recorded, but replacing the key file failed ({e}); the change is finished the next time the vault is opened, with either passphrase; from then on only the new one opens it"
                ),
                format!(
                    "el cambio de contraseña quedó registrado, pero no se pudo reemplazar el archivo de claves ({}); el cambio se termina la próxima vez que se abra la bóveda, con cualquiera de las dos contraseñas; desde entonces solo la nueva la abre",
                    e.localized(Lang::Es)
                ),
            )
        })
    }

    /// Commits the `passphrase_changed` entry naming the new key file.
    fn record_key_change(&self, sha256: &str) -> Result<()> {
        let tx = self.db.unchecked_transaction()?;
        custody::append(
            &tx,
            NewEntry {
                action: Action::PassphraseChanged,
                case_id: None,
                item_id: None,
                sha256: None,
                detail: json!({ "key_file_sha256": sha256 }),
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// True when the log holds a `passphrase_changed` entry naming a key
    /// file with this SHA-256.
    fn key_change_recorded(&self, sha256: &str) -> Result<bool> {
        custody::passphrase_change_recorded(&self.db, sha256)
    }

    fn new_key_path(&self) -> PathBuf {
        self.dir().join(NEW_KEY_FILE)
    }

    /// Removes `vault.json.new` (best effort: opening removes it otherwise).
    fn discard_new_key_file(&self) {
        let _ = fs::remove_file(self.new_key_path());
        sync_dir(self.dir());
    }

    fn finish_key_change(&self) -> Result<()> {
        let to = self.dir().join(KEY_FILE);
        fs::rename(self.new_key_path(), &to).map_err(Error::io(IoContext::Writing(to)))?;
        sync_dir(self.dir());
        Ok(())
    }

    /// Settles a passphrase change left unfinished by a crash or a failed
    /// rename. Call with the write lock held. `opened_with_new` says the
    /// vault was opened with the passphrase of `vault.json.new`: when that
    /// change was never recorded, the open is refused, saying to use the
    /// old passphrase.
    pub(crate) fn settle_key_change(&self, opened_with_new: bool) -> Result<()> {
        let path = self.new_key_path();
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::io(IoContext::Reading(path))(e)),
        };
        if self.key_change_recorded(&sha256_hex(&bytes))? {
            return self.finish_key_change();
        }
        fs::remove_file(&path).map_err(Error::io(IoContext::Removing(path)))?;
        sync_dir(self.dir());
        if opened_with_new {
            return Err(Error::bilingual(
                ErrorKind::WrongPassphrase,
                "this is the new passphrase of a change that was interrupted before it was recorded, so the change did not happen; open the vault with the old passphrase",
                "esta es la contraseña nueva de un cambio que se interrumpió antes de quedar registrado, así que el cambio no ocurrió; abre la bóveda con la contraseña anterior",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_that_did_not_happen_says_the_old_passphrase_still_works() {
        let cause = Error::disk_full(IoContext::Writing("/v/vault.json.new".into()));
        let e = not_changed(&cause);
        assert_eq!(e.kind(), ErrorKind::Io);
        assert_eq!(
            e.to_string(),
            "changing the passphrase failed (writing /v/vault.json.new: the disk is full; free some space and try again); your passphrase was not changed; the old one still opens the vault"
        );
        assert_eq!(
            e.localized(Lang::Es),
            "no se pudo cambiar la contraseña (no se pudo escribir /v/vault.json.new: el disco está lleno; libera espacio y vuelve a intentarlo); tu contraseña no cambió: la anterior sigue abriendo la bóveda"
        );
    }
}
