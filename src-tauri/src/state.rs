//! What the app holds between commands: the vault session (locked or
//! unlocked), the person's preferences, the cancel flag of a running import,
//! the files the app wrote (the only ones it will reveal or open), and the
//! paths the person chose or dropped (the only ones commands accept).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use specta::Type;
use testigo_core::Vault;
use testigo_core::error::IoContext;

use crate::dialogs::E2eSeam;
use crate::error::{AppError, AppResult};
use crate::grants::{Grants, Refused, Use};

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
    /// Set to stop the analysis running.
    pub cancel_analysis: Arc<AtomicBool>,
    /// Set while the outbox's sender thread runs.
    pub outbox_running: AtomicBool,
    /// Set to stop the sender (the vault locks).
    pub cancel_outbox: AtomicBool,
    outputs: Mutex<HashSet<PathBuf>>,
    grants: Mutex<Grants>,
    /// The end-to-end tests' dialog answers (debug builds only).
    pub e2e: Option<E2eSeam>,
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
            cancel_analysis: Arc::new(AtomicBool::new(false)),
            outbox_running: AtomicBool::new(false),
            cancel_outbox: AtomicBool::new(false),
            outputs: Mutex::new(HashSet::new()),
            grants: Mutex::new(Grants::default()),
            e2e: E2eSeam::from_env(),
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
                "the settings could not be saved; check that the disk is not full, and try again",
                "no se pudo guardar la configuración; revisa que el disco no esté lleno e inténtalo de nuevo",
            )
            .with_detail(e)
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
        testigo_core::vault::default_dir().ok_or_else(|| {
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
            AppError::from(testigo_core::Error::io(IoContext::Reading(
                path.to_path_buf(),
            ))(e))
        })?;
        let known = self
            .outputs
            .lock()
            .map(|o| o.contains(&path))
            .unwrap_or(false);
        if known {
            Ok(path)
        } else {
            Err(AppError::from(testigo_core::Error::invalid(
                format!(
                    "{} was not written by Testigo in this session",
                    path.display()
                ),
                format!("{} no lo escribió Testigo en esta sesión", path.display()),
            )))
        }
    }

    /// Allows `path` to be read for `purpose`: the person chose or dropped it.
    pub fn grant_read(&self, purpose: Use, path: &Path) {
        if let Ok(mut g) = self.grants.lock() {
            g.grant_read(purpose, path);
        }
    }

    /// Allows one write to `path` for `purpose`: the person chose it to save.
    pub fn grant_save(&self, purpose: Use, path: &Path) {
        if let Ok(mut g) = self.grants.lock() {
            g.grant_save(purpose, path);
        }
    }

    /// `path`, if the person chose or dropped it (or a folder holding it)
    /// for `purpose` in this session; refused otherwise.
    pub fn chosen(&self, purpose: Use, path: &str) -> AppResult<PathBuf> {
        let g = self.grants.lock().map_err(|_| poisoned())?;
        g.check_read(purpose, Path::new(path)).map_err(refused)
    }

    /// `path`, if the person chose it in a save dialog for `purpose` and it
    /// was not written yet; the choice is used up.
    pub fn chosen_to_save(&self, purpose: Use, path: &str) -> AppResult<PathBuf> {
        let mut g = self.grants.lock().map_err(|_| poisoned())?;
        g.take_save(purpose, Path::new(path)).map_err(refused)
    }
}

fn poisoned() -> AppError {
    AppError::internal(
        "the list of chosen files was poisoned by a crash; restart the app",
        "la lista de archivos elegidos quedó inutilizable tras una falla; reinicia la aplicación",
    )
}

/// A path the web view named but the person did not choose: refused with
/// what to do.
fn refused(r: Refused) -> AppError {
    let e = match r {
        Refused::NotChosen(p) => testigo_core::Error::invalid(
            format!(
                "{} was not chosen in one of Testigo's dialogs (or dropped on its window) for this in this session; choose it again",
                p.display()
            ),
            format!(
                "{} no se eligió en un diálogo de Testigo (ni se soltó en su ventana) para esto en esta sesión; elígelo de nuevo",
                p.display()
            ),
        ),
        Refused::NotPlain(p) => testigo_core::Error::invalid(
            format!(
                "{} is not a full path as a dialog gives it; choose the file again",
                p.display()
            ),
            format!(
                "{} no es una ruta completa como la que da un diálogo; elige el archivo de nuevo",
                p.display()
            ),
        ),
    };
    AppError::from(e)
}
