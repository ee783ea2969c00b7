//! Commands for campaign analysis: importing a file of posts (chosen in a
//! dialog), running the analysis on a worker (`analysis-progress` events,
//! cancellable), the stored results, their export, and the items that hold
//! a campaign's evidence (to seal or print them, or open a post's source).

use std::sync::atomic::Ordering;

use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, State};
use tauri_specta::Event;
use testigo_core::analysis::Window;
use testigo_core::analysis::export::ExportFormat;
use testigo_core::analysis::stored::StoredAnalysis;
use testigo_core::posts::{Format, PostImport};

use crate::error::AppResult;
use crate::grants::Use;
use crate::state::AppState;

/// How far an analysis is, sent as the `analysis-progress` event.
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct AnalysisProgress {
    /// 1: counting; 2: finding campaigns.
    pub pass: u8,
    /// Posts read in this pass.
    pub done: u64,
    /// Posts in all.
    pub total: u64,
}

/// Where a post's evidence is: the item (a vault item, or the one keeping
/// the file the post was read from) and the post's line in that file.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PostSource {
    /// The item to open.
    pub item: String,
    /// The line in its file, for an imported post.
    pub line: Option<u64>,
}

/// Imports a file of posts, chosen for that in a dialog, into a case.
#[tauri::command]
#[specta::specta]
pub async fn import_posts(
    state: State<'_, AppState>,
    case_id: String,
    path: String,
    format: Format,
) -> AppResult<PostImport> {
    let path = state.chosen(Use::PostsFile, &path)?;
    let vault = state.with_vault(|v| Ok(v.reopen()?))?;
    let cancel = state.cancel_import.clone();
    cancel.store(false, Ordering::Relaxed);
    crate::work::blocking(
        ("importing posts", "la importación de publicaciones"),
        move || vault.import_posts(&case_id, &path, format, None, &mut |_| {}, &cancel),
    )
    .await
}

/// Runs a campaign analysis of a case and keeps its results.
#[tauri::command]
#[specta::specta]
pub async fn analyze(
    app: AppHandle,
    state: State<'_, AppState>,
    case_id: String,
    window: Window,
) -> AppResult<StoredAnalysis> {
    let vault = state.with_vault(|v| Ok(v.reopen()?))?;
    let cancel = state.cancel_analysis.clone();
    cancel.store(false, Ordering::Relaxed);
    crate::work::blocking(("the analysis", "el análisis"), move || {
        vault.analyze(
            &case_id,
            window,
            &mut |p| {
                let _ = AnalysisProgress {
                    pass: p.pass,
                    done: p.done,
                    total: p.total,
                }
                .emit(&app);
            },
            &cancel,
        )
    })
    .await
}

/// Stops the analysis running.
#[tauri::command]
#[specta::specta]
pub fn cancel_analysis(state: State<'_, AppState>) {
    state.cancel_analysis.store(true, Ordering::Relaxed);
}

/// The latest analysis of a case, if any ran.
#[tauri::command]
#[specta::specta]
pub fn analysis(state: State<'_, AppState>, case_id: String) -> AppResult<Option<StoredAnalysis>> {
    state.with_vault(|v| Ok(v.analysis(&case_id)?))
}

/// Writes the latest analysis of a case where the person chose, as `format`
/// (`csv`, `graphml` or `json`).
#[tauri::command]
#[specta::specta]
pub fn export_analysis(
    state: State<'_, AppState>,
    case_id: String,
    format: String,
    path: String,
) -> AppResult<String> {
    let format = ExportFormat::parse(&format)?;
    let path = state.chosen_to_save(Use::SaveAnalysis, &path)?;
    let (written, _, _) = state.with_vault(|v| Ok(v.export_analysis(&case_id, format, &path)?))?;
    state.remember_output(&written);
    Ok(written.display().to_string())
}

/// The items holding a campaign's evidence, to seal or print them.
#[tauri::command]
#[specta::specta]
pub fn campaign_items(
    state: State<'_, AppState>,
    case_id: String,
    campaign_id: String,
) -> AppResult<Vec<String>> {
    state.with_vault(|v| Ok(v.campaign_items(&case_id, &campaign_id)?))
}

/// Where an analysed post's evidence is.
#[tauri::command]
#[specta::specta]
pub fn post_source(
    state: State<'_, AppState>,
    case_id: String,
    post_id: String,
    item: bool,
) -> AppResult<Option<PostSource>> {
    state.with_vault(|v| {
        Ok(v.post_source(&case_id, &post_id, item)?
            .map(|(item, line)| PostSource { item, line }))
    })
}
