//! The commands the UI calls. Each is a thin wrapper: take arguments and
//! state, call the core, convert the error. No logic lives here that a test
//! of the core could not reach.

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, State};
use tauri_specta::Event;
use testigo_core::record::MetaInput;
use testigo_core::{
    Account, AddOutcome, Case, Category, CheckReport, Entry, Item, ItemDetail, ItemFilter,
    ThreatLevel, Vault,
};

use crate::error::AppResult;
use crate::grants::Use;
use crate::state::{AppState, Prefs, Session};

/// What the UI needs to draw its first screen.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AppStatus {
    /// The vault folder in use.
    pub vault_dir: String,
    /// Whether a vault exists there.
    pub vault_exists: bool,
    /// Whether it is unlocked.
    pub unlocked: bool,
    /// The app's version.
    pub version: String,
    /// The person's preferences.
    pub prefs: Prefs,
    /// The operating system's locale (`es_MX.UTF-8`), for the default language.
    pub system_locale: String,
}

/// One file of a running import, sent as the `import-progress` event.
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct ImportProgress {
    /// Files finished, this one included.
    pub done: u32,
    /// Files in the batch.
    pub total: u32,
    /// What happened to this file.
    pub outcome: AddOutcome,
}

#[tauri::command]
#[specta::specta]
pub fn app_status(state: State<'_, AppState>) -> AppResult<AppStatus> {
    let dir = state.vault_dir()?;
    Ok(AppStatus {
        vault_exists: testigo_core::vault::exists(&dir),
        vault_dir: dir.display().to_string(),
        unlocked: matches!(*state.session()?, Session::Unlocked(_)),
        version: env!("CARGO_PKG_VERSION").into(),
        prefs: state.prefs(),
        system_locale: ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|v| !v.is_empty())
            .unwrap_or_default(),
    })
}

/// The closed lists the forms offer: the same as the CLI accepts.
#[derive(Debug, Clone, Serialize, Type)]
pub struct Vocabulary {
    /// Kinds of attack.
    pub categories: Vec<Category>,
    /// Threat levels.
    pub threat_levels: Vec<ThreatLevel>,
    /// The 32 Mexican federal entities by their official names.
    pub states: Vec<String>,
    /// The item record's field table: the item form is built from it.
    pub fields: Vec<testigo_core::FieldInfo>,
}

/// The language the UI shows (`es` or `en`), for the language of error messages.
#[tauri::command]
#[specta::specta]
pub fn set_ui_language(lang: String) {
    crate::error::set_language(testigo_core::error::Lang::from_locale(&lang));
}

#[tauri::command]
#[specta::specta]
pub fn vocabulary() -> Vocabulary {
    Vocabulary {
        categories: Category::ALL.to_vec(),
        threat_levels: ThreatLevel::ALL.to_vec(),
        states: testigo_core::model::MEXICAN_STATES
            .iter()
            .map(|s| s.to_string())
            .collect(),
        fields: testigo_core::FIELDS.to_vec(),
    }
}

#[tauri::command]
#[specta::specta]
pub fn create_vault(state: State<'_, AppState>, passphrase: String) -> AppResult<()> {
    let vault = Vault::create(&state.vault_dir()?, &passphrase)?;
    *state.session()? = Session::Unlocked(Box::new(vault));
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn unlock(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    passphrase: String,
) -> AppResult<()> {
    let vault = Vault::open(&state.vault_dir()?, &passphrase)?;
    *state.session()? = Session::Unlocked(Box::new(vault));
    // What an earlier session left in the outbox goes on by itself; if
    // the sender cannot start now, the outbox screen's retry starts it.
    let _ = crate::submissions::start_sender(&app, &state);
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub fn lock(state: State<'_, AppState>) -> AppResult<()> {
    state.cancel_import.store(true, Ordering::Relaxed);
    state.cancel_outbox.store(true, Ordering::Relaxed);
    *state.session()? = Session::Locked;
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub fn set_prefs(state: State<'_, AppState>, prefs: Prefs) -> AppResult<Prefs> {
    let moved = prefs.vault_dir != state.prefs().vault_dir;
    if moved && !prefs.vault_dir.is_empty() {
        state.chosen(Use::VaultFolder, &prefs.vault_dir)?;
    }
    let saved = state.set_prefs(prefs)?;
    if moved {
        *state.session()? = Session::Locked;
    }
    Ok(saved)
}

#[tauri::command]
#[specta::specta]
pub fn list_cases(state: State<'_, AppState>) -> AppResult<Vec<Case>> {
    state.with_vault(|v| Ok(v.cases()?))
}

#[tauri::command]
#[specta::specta]
pub fn create_case(
    state: State<'_, AppState>,
    name: String,
    description: String,
) -> AppResult<Case> {
    state.with_vault(|v| Ok(v.create_case(&name, &description)?))
}

#[tauri::command]
#[specta::specta]
pub fn edit_case(
    state: State<'_, AppState>,
    case_id: String,
    name: String,
    description: String,
) -> AppResult<Case> {
    state.with_vault(|v| Ok(v.edit_case(&case_id, Some(&name), Some(&description))?))
}

#[tauri::command]
#[specta::specta]
pub fn list_items(state: State<'_, AppState>, filter: ItemFilter) -> AppResult<Vec<Item>> {
    state.with_vault(|v| Ok(v.list(&filter)?))
}

#[tauri::command]
#[specta::specta]
pub fn search_items(
    state: State<'_, AppState>,
    query: String,
    case_id: Option<String>,
) -> AppResult<Vec<Item>> {
    state.with_vault(|v| Ok(v.search(&query, case_id.as_deref())?))
}

#[tauri::command]
#[specta::specta]
pub fn item_detail(state: State<'_, AppState>, item_id: String) -> AppResult<ItemDetail> {
    state.with_vault(|v| Ok(v.item_detail(&item_id)?))
}

#[tauri::command]
#[specta::specta]
pub fn edit_item(
    state: State<'_, AppState>,
    item_id: String,
    fields: MetaInput,
) -> AppResult<Item> {
    state.with_vault(|v| Ok(v.edit(&item_id, &fields.parse()?)?))
}

#[tauri::command]
#[specta::specta]
pub fn remove_item(state: State<'_, AppState>, item_id: String, reason: String) -> AppResult<Item> {
    state.with_vault(|v| Ok(v.remove(&item_id, &reason)?))
}

#[tauri::command]
#[specta::specta]
pub fn add_note(
    state: State<'_, AppState>,
    case_id: String,
    text: String,
    fields: MetaInput,
) -> AppResult<Item> {
    state.with_vault(|v| Ok(v.add_note(&case_id, &text, &fields.parse()?)?))
}

#[tauri::command]
#[specta::specta]
pub fn import_bytes(
    state: State<'_, AppState>,
    case_id: String,
    file_name: String,
    bytes: Vec<u8>,
    fields: MetaInput,
) -> AppResult<AddOutcome> {
    state.with_vault(|v| Ok(v.import_bytes(&case_id, &file_name, &bytes, &fields.parse()?)?))
}

/// Imports files and folders the person chose or dropped, on a worker
/// thread with its own database connection, sending `import-progress`
/// events; `cancel_import` stops it.
#[tauri::command]
#[specta::specta]
pub async fn import_paths(
    app: AppHandle,
    state: State<'_, AppState>,
    case_id: String,
    paths: Vec<String>,
    fields: MetaInput,
    follow_links: bool,
) -> AppResult<Vec<AddOutcome>> {
    let meta = fields.parse()?;
    let paths = paths
        .iter()
        .map(|p| state.chosen(Use::Import, p))
        .collect::<AppResult<Vec<PathBuf>>>()?;
    let vault = state.with_vault(|v| Ok(v.reopen()?))?;
    let cancel = state.cancel_import.clone();
    cancel.store(false, Ordering::Relaxed);
    let work = move || {
        vault.import_paths_cancellable(
            &case_id,
            &paths,
            &meta,
            testigo_core::ImportOptions { follow_links },
            &mut |p| {
                let _ = ImportProgress {
                    done: p.done as u32,
                    total: p.total as u32,
                    outcome: p.outcome.clone(),
                }
                .emit(&app);
            },
            &cancel,
        )
    };
    crate::work::blocking(("the import", "la importación"), work).await
}

#[tauri::command]
#[specta::specta]
pub fn cancel_import(state: State<'_, AppState>) {
    state.cancel_import.store(true, Ordering::Relaxed);
}

#[tauri::command]
#[specta::specta]
pub fn accounts(state: State<'_, AppState>, case_id: Option<String>) -> AppResult<Vec<Account>> {
    state.with_vault(|v| Ok(v.accounts(case_id.as_deref())?))
}

#[tauri::command]
#[specta::specta]
pub fn custody_log(state: State<'_, AppState>, case_id: Option<String>) -> AppResult<Vec<Entry>> {
    state.with_vault(|v| Ok(v.log(case_id.as_deref())?))
}

#[tauri::command]
#[specta::specta]
pub async fn check_vault(state: State<'_, AppState>) -> AppResult<CheckReport> {
    let vault = state.with_vault(|v| Ok(v.reopen()?))?;
    crate::work::blocking(("the check", "la verificación de la bóveda"), move || {
        vault.check()
    })
    .await
}

/// Writes an item's original bytes to the file the person chose to save it as.
#[tauri::command]
#[specta::specta]
pub fn save_original(state: State<'_, AppState>, item_id: String, path: String) -> AppResult<()> {
    let path = state.chosen_to_save(Use::SaveOriginal, &path)?;
    // Atomic: a failure leaves no partial file (see `Vault::export_to`).
    state.with_vault(|v| Ok(v.export_to(&item_id, None, &path)?))?;
    state.remember_output(&path);
    Ok(())
}
