//! Commands for link capture: fetching links' pages on a worker (with
//! `capture-progress` events), saving a capture's WARC, the capture settings,
//! and opening a link in the person's own browser. Captured HTML never
//! reaches the web view: the UI gets only the facts extracted from it.

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, State};
use tauri_specta::Event;
use testigo_core::record::MetaInput;
use testigo_core::{AddOutcome, Capture};

use crate::error::{AppError, AppResult};
use crate::grants::Use;
use crate::state::AppState;

/// What became of one link's capture.
#[derive(Debug, Clone, Serialize, Type)]
pub struct CaptureResult {
    /// The link item.
    pub item_id: String,
    /// The capture as recorded; its `error` says why fetching failed.
    pub capture: Option<Capture>,
    /// Why the capture could not be recorded at all.
    pub error: Option<String>,
}

/// One capture finished, sent as the `capture-progress` event.
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct CaptureProgress {
    /// Captures finished, this one included.
    pub done: u32,
    /// Captures in the batch.
    pub total: u32,
    /// This one's result.
    pub result: CaptureResult,
}

/// A capture setting with its value, default and meaning.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
pub struct CaptureSetting {
    /// `capture.proxy`, `capture.user_agent`…
    pub key: String,
    /// Its value now.
    pub value: String,
    /// Its value when not set.
    pub default: String,
}

/// What became of one address given to "add links".
#[derive(Debug, Clone, Serialize, Type)]
pub struct LinkResult {
    /// The address as typed.
    pub url: String,
    /// Recording it: added, or already in the case.
    pub outcome: Option<AddOutcome>,
    /// Why it was refused, or why its page was not captured, in the UI's
    /// language; the link stays recorded in the second case.
    pub error: Option<String>,
    /// Its capture, when fetching on add is on.
    pub capture: Option<Capture>,
}

/// Records links in a case (each address failing alone) and, when fetching
/// on add is on, captures the new ones, sending `capture-progress` events:
/// the core's `Vault::add_links`, as the CLI's `link` runs it.
#[tauri::command]
#[specta::specta]
pub async fn add_links(
    app: AppHandle,
    state: State<'_, AppState>,
    case_id: String,
    urls: Vec<String>,
    fields: MetaInput,
) -> AppResult<Vec<LinkResult>> {
    let vault = state.with_vault(|v| Ok(v.reopen()?))?;
    let meta = fields.parse()?;
    crate::work::blocking(("adding links", "la captura de los enlaces"), move || {
        let fetch = if vault.fetch_on_add()? {
            Some(vault.capture_options()?)
        } else {
            None
        };
        let done = vault.add_links(
            &case_id,
            &urls,
            &meta,
            fetch.as_ref(),
            &mut |_, _| {},
            &mut |done, total, o| {
                let _ = CaptureProgress {
                    done: done as u32,
                    total: total as u32,
                    result: result_of(o),
                }
                .emit(&app);
            },
        )?;
        let lang = crate::error::language();
        let not_fetched = done.not_fetched.as_ref().map(|e| e.localized(lang));
        Ok(done
            .links
            .into_iter()
            .map(|l| {
                let (outcome, error) = match l.added {
                    Ok(o) => (Some(o), None),
                    Err(e) => (None, Some(e.localized(lang))),
                };
                let added = outcome
                    .as_ref()
                    .is_some_and(|o| o.status == testigo_core::AddStatus::Added);
                let (capture, capture_error) = match l.capture {
                    Some(Ok(c)) => (Some(c), None),
                    Some(Err(e)) => (None, Some(e.localized(lang))),
                    None if added => (None, not_fetched.clone()),
                    None => (None, None),
                };
                LinkResult {
                    url: l.url,
                    outcome,
                    error: error.or(capture_error),
                    capture,
                }
            })
            .collect())
    })
    .await
}

/// Fetches the pages of link items (by id) and records each capture: for
/// "capture again".
#[tauri::command]
#[specta::specta]
pub async fn capture_links(
    app: AppHandle,
    state: State<'_, AppState>,
    item_ids: Vec<String>,
) -> AppResult<Vec<CaptureResult>> {
    let vault = state.with_vault(|v| Ok(v.reopen()?))?;
    crate::work::blocking(("capturing", "la captura"), move || {
        let opts = vault.capture_options()?;
        let outcomes = vault.capture_items(&item_ids, &opts, &mut |done, total, o| {
            let _ = CaptureProgress {
                done: done as u32,
                total: total as u32,
                result: result_of(o),
            }
            .emit(&app);
        })?;
        Ok(outcomes.iter().map(result_of).collect())
    })
    .await
}

fn result_of(o: &testigo_core::CaptureOutcome) -> CaptureResult {
    match &o.result {
        Ok(c) => CaptureResult {
            item_id: o.item_id.clone(),
            capture: Some(c.clone()),
            error: None,
        },
        Err(e) => CaptureResult {
            item_id: o.item_id.clone(),
            capture: None,
            // In the UI's language, like every error the app shows.
            error: Some(e.localized(crate::error::language())),
        },
    }
}

/// Fetches the `n`th (1-based; the first when null) oEmbed endpoint that the
/// link's latest page capture announced, and records it as a new capture.
/// Only ever on the person's request.
#[tauri::command]
#[specta::specta]
pub async fn fetch_oembed(
    state: State<'_, AppState>,
    item_id: String,
    n: Option<u32>,
) -> AppResult<Capture> {
    let vault = state.with_vault(|v| Ok(v.reopen()?))?;
    crate::work::blocking(("fetching oEmbed", "la consulta oEmbed"), move || {
        let opts = vault.capture_options()?;
        vault.fetch_oembed(&item_id, n.map(|n| n as usize), &opts)
    })
    .await
}

/// Writes the WARC file of capture `seq` of a link item (the latest stored
/// one when `seq` is null) to the file the person chose to save it as.
#[tauri::command]
#[specta::specta]
pub fn save_warc(
    state: State<'_, AppState>,
    item_id: String,
    seq: Option<u32>,
    path: String,
) -> AppResult<()> {
    let path = state.chosen_to_save(Use::SaveWarc, &path)?;
    // Atomic: a failure leaves no partial file (see `Vault::export_to`).
    state.with_vault(|v| Ok(v.export_to(&item_id, Some(seq), &path)?))?;
    state.remember_output(&path);
    Ok(())
}

/// Every capture setting, with its value and default.
#[tauri::command]
#[specta::specta]
pub fn capture_settings(state: State<'_, AppState>) -> AppResult<Vec<CaptureSetting>> {
    state.with_vault(|v| {
        testigo_core::capture::SETTINGS
            .iter()
            .map(|s| {
                Ok(CaptureSetting {
                    key: s.key.to_string(),
                    value: v.capture_setting(s.key)?,
                    default: s.default.to_string(),
                })
            })
            .collect()
    })
}

/// Sets a capture setting (checked as the CLI checks it); null restores the default.
#[tauri::command]
#[specta::specta]
pub fn set_capture_setting(
    state: State<'_, AppState>,
    key: String,
    value: Option<String>,
) -> AppResult<String> {
    state.with_vault(|v| Ok(v.set_capture_setting(&key, value.as_deref())?))
}

/// Opens an `http` or `https` address in the person's default browser,
/// outside the app (the app never renders captured pages itself).
#[tauri::command]
#[specta::specta]
pub fn open_in_browser(app: AppHandle, url: String) -> AppResult<()> {
    use tauri_plugin_opener::OpenerExt;
    // The core's one URL rule: http(s) with a host, nothing else.
    let target = testigo_core::urls::for_browser(&url)?;
    app.opener().open_url(target, None::<&str>).map_err(|e| {
        AppError::internal(
            "no web browser could be opened; copy the address and open it yourself",
            "no se pudo abrir ningún navegador; copia la dirección y ábrela tú",
        )
        .with_detail(e)
    })
}
