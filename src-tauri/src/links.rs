//! Commands for link capture: fetching links' pages on a worker (with
//! `capture-progress` events), saving a capture's WARC, the capture settings,
//! and opening a link in the person's own browser. Captured HTML never
//! reaches the web view: the UI gets only the facts extracted from it.

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, State};
use tauri_specta::Event;
use testigo_core::Capture;
use testigo_core::error::IoContext;

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

/// Fetches the pages of link items (by id) and records each capture. Used
/// after adding links (when fetching on add is on) and for "capture again".
#[tauri::command]
#[specta::specta]
pub async fn capture_links(
    app: AppHandle,
    state: State<'_, AppState>,
    item_ids: Vec<String>,
) -> AppResult<Vec<CaptureResult>> {
    let vault = state.with_vault(|v| Ok(v.reopen()?))?;
    crate::work::blocking(("capturing", "la captura"), move || {
        let mut targets = Vec::with_capacity(item_ids.len());
        for id in &item_ids {
            let item = vault.item(id)?;
            let url = item.url.clone().ok_or_else(|| {
                testigo_core::Error::invalid(
                    format!("item {} has no URL to capture", item.id),
                    format!(
                        "el elemento {} no tiene una dirección que capturar",
                        item.id
                    ),
                )
            })?;
            targets.push((item.id, url));
        }
        let opts = vault.capture_options()?;
        let outcomes = vault.capture_items(&targets, &opts, &mut |done, total, o| {
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
            error: Some(e.to_string()),
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
    state.with_vault(|v| {
        let mut file = testigo_core::private::create_file(&path).map_err(|e| {
            AppError::from(testigo_core::Error::io(IoContext::Writing(path.clone()))(e))
        })?;
        let written = v.export_capture(&item_id, seq, &mut file, &path.to_string_lossy());
        if written.is_err() {
            drop(file);
            let _ = std::fs::remove_file(&path);
        }
        written?;
        Ok(())
    })?;
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
    let parsed = url::Url::parse(url.trim()).map_err(|e| {
        AppError::from(testigo_core::Error::invalid(
            format!("not a web address: {e}"),
            format!("no es una dirección web: {e}"),
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        let scheme = parsed.scheme();
        return Err(AppError::from(testigo_core::Error::invalid(
            format!("only http and https addresses are opened, not {scheme}:"),
            format!("solo se abren direcciones http y https, no {scheme}:"),
        )));
    }
    app.opener()
        .open_url(parsed.as_str(), None::<&str>)
        .map_err(|e| {
            AppError::internal(
                format!("the browser could not be opened: {e}"),
                format!("no se pudo abrir el navegador: {e}"),
            )
        })
}
