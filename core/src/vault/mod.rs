//! The vault: a folder holding the key file, the encrypted database and the
//! encrypted objects. [`Vault`] is the handle every client uses; opening one
//! needs the passphrase.
//!
//! Layout of the folder:
//! - `vault.json`: the [`KeyFile`] (Argon2id settings and the wrapped vault key);
//!   `vault.json.new` only while the passphrase is being changed (see
//!   [`keyfile`]);
//! - `testigo.db` (and its WAL): the SQLCipher database;
//! - `objects/`: encrypted originals, thumbnails and captures;
//! - `vault.lock`: taken by a writer for the length of one change, so that
//!   sweeping leftovers of a crashed import never races a running one.
//!
//! The folder and its folders are 0700, its files 0600 (see [`crate::private`]);
//! opening a vault takes back any right others were given since.

pub mod keyfile;

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde_json::json;

use crate::crypto::{KeyFile, VaultKey};
use crate::custody::{self, Action, NewEntry};
use crate::db;
use crate::error::{Error, IoContext, Result};

use crate::private::{self, Loose};
use crate::store::ObjectStore;
use keyfile::KEY_FILE;

const DB_FILE: &str = "testigo.db";
const LOCK_FILE: &str = "vault.lock";

/// HKDF purpose of the password that encrypts the signing key (`crate::signing`).
pub(crate) const SIGNING_PASSWORD_PURPOSE: &str = "minisign signing key password";

/// An open, unlocked vault: the handle every client uses. Its methods live
/// with the concept they serve (one `impl Vault` per module), here:
///
/// | Module | Methods |
/// |---|---|
/// | `vault` (this one) | [`create`](Vault::create), [`open`](Vault::open), [`reopen`](Vault::reopen), [`dir`](Vault::dir), the write lock |
/// | `cases` | [`create_case`](Vault::create_case), [`edit_case`](Vault::edit_case), [`cases`](Vault::cases), [`resolve_case`](Vault::resolve_case) |
/// | `settings` | [`setting`](Vault::setting), [`set_setting`](Vault::set_setting) |
/// | `vault::keyfile` | [`change_passphrase`](Vault::change_passphrase) |
/// | `import` | [`import_paths`](Vault::import_paths), [`import_bytes`](Vault::import_bytes) |
/// | `items` | [`item`](Vault::item), [`resolve_item`](Vault::resolve_item), [`list`](Vault::list), [`edit`](Vault::edit), [`remove`](Vault::remove), [`add_note`](Vault::add_note), [`thumbnail`](Vault::thumbnail) |
/// | `detail` | [`item_detail`](Vault::item_detail) |
/// | `export` | [`export`](Vault::export), [`export_capture`](Vault::export_capture), [`export_to`](Vault::export_to) |
/// | `capture` | [`add_link`](Vault::add_link), [`capture_items`](Vault::capture_items), [`recapture`](Vault::recapture), [`captures`](Vault::captures), [`fetch_oembed`](Vault::fetch_oembed), capture settings |
/// | `search` | [`search`](Vault::search) |
/// | `accounts` | [`accounts`](Vault::accounts) |
/// | `signing` | [`signing_key`](Vault::signing_key), [`public_key`](Vault::public_key), [`signer`](Vault::signer), [`set_signer`](Vault::set_signer) |
/// | `report` | drafting a report (crate-internal) |
/// | `seal` | [`seal`](Vault::seal) |
/// | `packet` | [`packet`](Vault::packet) |
/// | `check` | [`check`](Vault::check) |
/// | `posts` | [`import_posts`](Vault::import_posts), [`posts`](Vault::posts), [`post_count`](Vault::post_count) |
/// | `analysis::stored` | [`analyze`](Vault::analyze), [`analyze_with`](Vault::analyze_with), [`analysis`](Vault::analysis), [`export_analysis`](Vault::export_analysis), [`post_source`](Vault::post_source) |
/// | the crate root | [`log`](Vault::log) |
pub struct Vault {
    dir: PathBuf,
    key: VaultKey,
    pub(crate) db: Connection,
    pub(crate) objects: ObjectStore,
    /// Password that scrypt-encrypts the minisign signing key (see `signing`).
    pub(crate) signing_password: zeroize::Zeroizing<[u8; 32]>,
    /// What others could reach in the folder when it was opened, and
    /// opening made private again (`check` tells).
    pub(crate) tightened: Vec<Loose>,
}

/// Held while changing the vault; released when dropped.
pub(crate) struct WriteLock(File);

impl Drop for WriteLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

/// The default vault folder: the OS data directory (`~/.local/share/testigo`
/// on Linux).
pub fn default_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("org", "Testigo", "testigo").map(|d| d.data_dir().to_path_buf())
}

/// True when `dir` holds a vault.
pub fn exists(dir: &Path) -> bool {
    dir.join(KEY_FILE).is_file()
}

impl Vault {
    /// Creates a vault in `dir` (which must be missing or empty) under `passphrase`.
    pub fn create(dir: &Path, passphrase: &str) -> Result<Vault> {
        if exists(dir) {
            return Err(Error::VaultExists(dir.to_path_buf()));
        }
        if passphrase.is_empty() {
            return Err(Error::invalid(
                "the passphrase is empty; choose a long one",
                "la contraseña está vacía; elige una larga",
            ));
        }
        if dir.is_dir() {
            let mut entries =
                fs::read_dir(dir).map_err(Error::io(IoContext::Reading(dir.into())))?;
            if entries.next().is_some() {
                return Err(Error::invalid(
                    format!(
                        "{} is not empty and holds no vault; choose an empty or new folder",
                        dir.display()
                    ),
                    format!(
                        "{} no está vacía y no contiene una bóveda; elige una carpeta vacía o nueva",
                        dir.display()
                    ),
                ));
            }
        }
        private::create_dir_all(dir).map_err(Error::io(IoContext::Creating(dir.into())))?;
        // An empty folder that was already there becomes private too.
        private::tighten(dir).map_err(Error::io(IoContext::Creating(dir.into())))?;
        let (key_file, key) = KeyFile::create(passphrase)?;
        keyfile::write_first(dir, &key_file)?;
        let vault = Vault::with_key(dir, key)?;
        custody::append(
            &vault.db,
            NewEntry {
                action: Action::VaultCreated,
                case_id: None,
                item_id: None,
                sha256: None,
                detail: json!({ "software": concat!("testigo ", env!("CARGO_PKG_VERSION")) }),
            },
        )?;
        // The signing key is part of the vault's state from the start, so a
        // copy of the folder signs exactly as the original does.
        vault.signing_key()?;
        Ok(vault)
    }

    /// Opens the vault in `dir`. A wrong passphrase changes nothing on disk
    /// (but for settling an interrupted passphrase change, which it needs
    /// the vault's key for). Files and folders others could reach are made
    /// private again, and [`Vault::check`] reports them.
    pub fn open(dir: &Path, passphrase: &str) -> Result<Vault> {
        // A passphrase change in progress (or interrupted) is settled under
        // the write lock, so opening never races a running change.
        let lock = if keyfile::change_pending(dir) {
            Some(lock_dir(dir)?)
        } else {
            None
        };
        let (key, with_new) = keyfile::unlock(dir, passphrase)?;
        // Best effort: what cannot be changed stays loose, and `check` says so.
        let tightened = private::tighten(dir).unwrap_or_default();
        let mut vault = Vault::with_key(dir, key)?;
        vault.tightened = tightened;
        if lock.is_some() {
            vault.settle_key_change(with_new)?;
        }
        Ok(vault)
    }

    fn with_key(dir: &Path, key: VaultKey) -> Result<Vault> {
        let db = db::open(&dir.join(DB_FILE), &key.subkey("database"))?;
        let objects = ObjectStore::open(dir, &key)?;
        Ok(Vault {
            dir: dir.to_path_buf(),
            signing_password: key.subkey(SIGNING_PASSWORD_PURPOSE),
            key,
            db,
            objects,
            tightened: Vec::new(),
        })
    }

    /// A second handle on the same open vault (its own database connection),
    /// for long work on another thread while this one keeps answering.
    pub fn reopen(&self) -> Result<Vault> {
        let mut v = Vault::with_key(&self.dir, self.key.clone())?;
        v.tightened = self.tightened.clone();
        Ok(v)
    }

    /// The vault's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Takes the vault's write lock, waiting for another writer to finish.
    pub(crate) fn write_lock(&self) -> Result<WriteLock> {
        lock_dir(&self.dir)
    }
}

/// Takes the write lock of the vault in `dir`.
fn lock_dir(dir: &Path) -> Result<WriteLock> {
    let path = dir.join(LOCK_FILE);
    let f = private::open_or_create(&path).map_err(Error::io(IoContext::Opening(path.clone())))?;
    f.lock().map_err(Error::io(IoContext::Locking(path)))?;
    Ok(WriteLock(f))
}
