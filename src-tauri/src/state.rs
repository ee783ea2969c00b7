//! What the app holds between commands: the vault session (locked or
//! unlocked), the person's preferences, the cancel flag of a running import,
//! and the files the app wrote (the only ones it will reveal or open).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use specta::Type;
use testigo::Vault;
use testigo::error::IoContext;

use crate::error::{AppError, AppResult};

/// Preferences kept outside the vault (needed before it is unlocked), in the
/// app's config folder. Nothing in them is evidence.
#[derive(Debug, Clone, Serialize, Deserialize, Type, PartialEq)]
#[serde(default)]
pub struct Prefs {
    /// `es` or `en`; empty means "from the OS locale".
    pub language: String,
    /// IANA time zone for displaying times; empty means the default for the language.
    pub time_zone: String,
    /// Minutes of inactivity before the vault locks itself; 0 disables.
    pub auto_lock_minutes: u32,
    /// The vault folder; empty means the default one.
    pub vault_dir: String,
}

impl Default for Prefs {
    fn default() -> Prefs {
        Prefs {
            language: String::new(),
            time_zone: String::new(),
            auto_lock_minutes: 10,
            vault_dir: String::new(),
        }
    }
}

/// The vault, when unlocked.
pub enum Session {
    /// No passphrase given yet, or locked again.
    Locked,
    /// Open.
    Unlocked(Box<Vault>),
}

/// The state managed by Tauri.
pub struct AppState {
    session: Mutex<Session>,
    prefs: Mutex<Prefs>,
    prefs_path: PathBuf,
    /// Set to stop the running import.
    pub cancel_import: Arc<AtomicBool>,
    /// Set to stop the packet being printed.
    pub cancel_packet: Arc<AtomicBool>,
    outputs: Mutex<HashSet<PathBuf>>,
}

impl AppState {
    /// Loads preferences from `config_dir/prefs.json` (defaults if absent or unreadable).
    pub fn load(config_dir: &Path) -> AppState {
        let prefs_path = config_dir.join("prefs.json");
        let prefs = std::fs::read_to_string(&prefs_path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        AppState {
            session: Mutex::new(Session::Locked),
            prefs: Mutex::new(prefs),
            prefs_path,
            cancel_import: Arc::new(AtomicBool::new(false)),
            cancel_packet: Arc::new(AtomicBool::new(false)),
            outputs: Mutex::new(HashSet::new()),
        }
    }

    /// The session, whatever its state.
    pub fn session(&self) -> AppResult<MutexGuard<'_, Session>> {
        self.session.lock().map_err(|_| {
            AppError::internal(
                "the vault session was poisoned by a crash; restart the app",
                "la sesión de la bóveda quedó inutilizable tras una falla; reinicia la aplicación",
            )
        })
    }

    /// Runs `f` with the unlocked vault.
    pub fn with_vault<T>(&self, f: impl FnOnce(&Vault) -> AppResult<T>) -> AppResult<T> {
        match &*self.session()? {
            Session::Unlocked(v) => f(v),
            Session::Locked => Err(AppError::locked()),
        }
    }

    /// The current preferences.
    pub fn prefs(&self) -> Prefs {
        self.prefs.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// Saves new preferences.
    pub fn set_prefs(&self, prefs: Prefs) -> AppResult<Prefs> {
        let failed = |e: &dyn std::fmt::Display| {
            AppError::internal(
                format!("saving settings: {e}"),
                format!("no se pudo guardar la configuración: {e}"),
            )
        };
        if let Some(dir) = self.prefs_path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| failed(&e))?;
        }
        let text = serde_json::to_string_pretty(&prefs).map_err(|e| failed(&e))?;
        std::fs::write(&self.prefs_path, text).map_err(|e| failed(&e))?;
        if let Ok(mut p) = self.prefs.lock() {
            *p = prefs.clone();
        }
        Ok(prefs)
    }

    /// The vault folder the preferences point at.
    pub fn vault_dir(&self) -> AppResult<PathBuf> {
        let p = self.prefs();
        if !p.vault_dir.is_empty() {
            return Ok(PathBuf::from(p.vault_dir));
        }
        testigo::vault::default_dir().ok_or_else(|| {
            AppError::internal(
                "no data folder for the vault; choose one in settings",
                "no hay una carpeta de datos para la bóveda; elige una en la configuración",
            )
        })
    }

    /// Notes a file the app wrote at the person's request.
    pub fn remember_output(&self, path: &Path) {
        let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if let Ok(mut o) = self.outputs.lock() {
            o.insert(path);
        }
    }

    /// `path`, if the app wrote it during this session; an error otherwise.
    pub fn written_by_app(&self, path: &Path) -> AppResult<PathBuf> {
        let path = path.canonicalize().map_err(|e| {
            AppError::from(testigo::Error::io(IoContext::Reading(path.to_path_buf()))(
                e,
            ))
        })?;
        let known = self
            .outputs
            .lock()
            .map(|o| o.contains(&path))
            .unwrap_or(false);
        if known {
            Ok(path)
        } else {
            Err(AppError::from(testigo::Error::invalid(
                format!(
                    "{} was not written by Testigo in this session",
                    path.display()
                ),
                format!("{} no lo escribió Testigo en esta sesión", path.display()),
            )))
        }
    }
}
