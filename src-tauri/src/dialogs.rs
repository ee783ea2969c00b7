//! The native open and save dialogs, and files dropped on the window: the
//! only ways a path enters the app's allow-list (`grants.rs`). The web view
//! asks for a dialog by purpose and gets back what the person chose; it
//! cannot name a path itself. Drops are recorded here, from the window event,
//! before the UI hears of them (`FilesDropped`).
//!
//! End-to-end tests cannot click in the GTK dialog. In a debug build only,
//! when `TESTIGO_E2E_DIALOG_ANSWERS` names a file at startup, each dialog
//! takes the next line of that file (a JSON path, list of paths, or `null`)
//! instead of opening, and `TESTIGO_E2E_DROPS` names a file whose new lines
//! (JSON lists of paths) are handled as drops. The harness writes those
//! files; the web view cannot. The answers go through the same grants as a
//! person's choices.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Manager, State, WebviewWindow};
use tauri_plugin_dialog::{DialogExt, FileDialogBuilder};
use tauri_specta::Event;

use crate::error::{AppError, AppResult, in_ui_language};
use crate::grants::Use;
use crate::state::AppState;

/// What an open dialog is for.
#[derive(Debug, Clone, Copy, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum OpenFor {
    /// Evidence files to import (several).
    ImportFiles,
    /// Evidence folders to import (several).
    ImportFolders,
    /// A bundle to verify.
    Bundle,
    /// The signer's `.pub` file.
    TrustedKey,
    /// An age identity file.
    Identity,
    /// The vault's folder.
    VaultFolder,
    /// An organization's `.testigo-org` file.
    OrgFile,
    /// A bulk file of posts for campaign analysis.
    PostsFile,
}

/// What a save dialog is for.
#[derive(Debug, Clone, Copy, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum SaveFor {
    /// An item's original file.
    Original,
    /// A capture's WARC file.
    Warc,
    /// The public key's `.pub` file.
    PublicKey,
    /// A sealed bundle.
    Bundle,
    /// A PDF packet.
    Packet,
    /// A receipt's JSON (its `.minisig` goes beside it).
    Receipt,
    /// An analysis's results as CSV.
    AnalysisCsv,
    /// An analysis's account network as GraphML.
    AnalysisGraphml,
    /// An analysis's results as JSON.
    AnalysisJson,
}

/// Files or folders dropped on the window, sent as the `files-dropped` event
/// once they are in the allow-list (for importing and for verifying).
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct FilesDropped {
    /// The dropped paths, as the system gave them.
    pub paths: Vec<String>,
}

impl OpenFor {
    fn grant(self) -> Use {
        match self {
            OpenFor::ImportFiles | OpenFor::ImportFolders => Use::Import,
            OpenFor::Bundle => Use::Bundle,
            OpenFor::TrustedKey => Use::TrustedKey,
            OpenFor::Identity => Use::Identity,
            OpenFor::VaultFolder => Use::VaultFolder,
            OpenFor::OrgFile => Use::OrgFile,
            OpenFor::PostsFile => Use::PostsFile,
        }
    }

    fn title(self) -> String {
        let (en, es) = match self {
            OpenFor::ImportFiles => ("Add evidence files", "Agregar archivos de evidencia"),
            OpenFor::ImportFolders => ("Add evidence folders", "Agregar carpetas de evidencia"),
            OpenFor::Bundle => (
                "Choose a report to verify",
                "Elige un reporte para verificar",
            ),
            OpenFor::TrustedKey => (
                "Choose the signer's public key (.pub)",
                "Elige la clave pública de quien firma (.pub)",
            ),
            OpenFor::Identity => (
                "Choose the age identity that decrypts the report",
                "Elige la identidad age que descifra el reporte",
            ),
            OpenFor::VaultFolder => ("Choose the vault's folder", "Elige la carpeta de la bóveda"),
            OpenFor::OrgFile => (
                "Choose the organization's file (.testigo-org)",
                "Elige el archivo de la organización (.testigo-org)",
            ),
            OpenFor::PostsFile => (
                "Choose a file of posts (CSV, JSONL, NDJSON or Telegram's result.json)",
                "Elige un archivo de publicaciones (CSV, JSONL, NDJSON o el result.json de Telegram)",
            ),
        };
        in_ui_language(en, es)
    }
}

impl SaveFor {
    fn grant(self) -> Use {
        match self {
            SaveFor::Original => Use::SaveOriginal,
            SaveFor::Warc => Use::SaveWarc,
            SaveFor::PublicKey => Use::SavePublicKey,
            SaveFor::Bundle => Use::SaveBundle,
            SaveFor::Packet => Use::SavePacket,
            SaveFor::Receipt => Use::SaveReceipt,
            SaveFor::AnalysisCsv | SaveFor::AnalysisGraphml | SaveFor::AnalysisJson => {
                Use::SaveAnalysis
            }
        }
    }

    fn title(self) -> String {
        let (en, es) = match self {
            SaveFor::Original => ("Save the original file", "Guardar el archivo original"),
            SaveFor::Warc => ("Save the WARC file", "Guardar el archivo WARC"),
            SaveFor::PublicKey => ("Save the public key", "Guardar la clave pública"),
            SaveFor::Bundle => ("Save the signed report", "Guardar el reporte firmado"),
            SaveFor::Packet => ("Save the PDF packet", "Guardar el expediente PDF"),
            SaveFor::Receipt => ("Save the receipt", "Guardar el acuse de recibo"),
            SaveFor::AnalysisCsv | SaveFor::AnalysisGraphml | SaveFor::AnalysisJson => (
                "Save the analysis's results",
                "Guardar los resultados del análisis",
            ),
        };
        in_ui_language(en, es)
    }

    fn filter(self) -> Option<(&'static str, &'static [&'static str])> {
        match self {
            SaveFor::Original => None,
            SaveFor::Warc => Some(("WARC", &["warc"])),
            SaveFor::PublicKey => Some(("minisign", &["pub"])),
            SaveFor::Bundle => Some(("ZIP", &["zip"])),
            SaveFor::Packet => Some(("PDF", &["pdf"])),
            SaveFor::Receipt | SaveFor::AnalysisJson => Some(("JSON", &["json"])),
            SaveFor::AnalysisCsv => Some(("CSV", &["csv"])),
            SaveFor::AnalysisGraphml => Some(("GraphML (Gephi)", &["graphml"])),
        }
    }
}

/// Opens a dialog to choose files or folders for `purpose`; what the person
/// chose is allowed for that purpose for the rest of the session and
/// returned (empty when cancelled).
#[tauri::command]
#[specta::specta]
pub async fn choose_open(
    window: WebviewWindow,
    state: State<'_, AppState>,
    purpose: OpenFor,
) -> AppResult<Vec<String>> {
    let builder = window
        .dialog()
        .file()
        .set_parent(&window)
        .set_title(purpose.title());
    let builder = match purpose {
        OpenFor::Bundle => builder.add_filter("ZIP / age", &["zip", "age"]),
        OpenFor::TrustedKey => builder.add_filter("minisign", &["pub"]),
        OpenFor::OrgFile => builder.add_filter("Testigo", &["testigo-org"]),
        OpenFor::PostsFile => {
            builder.add_filter("CSV / JSON", &["csv", "jsonl", "ndjson", "json", "txt"])
        }
        _ => builder,
    };
    let chosen = answer(&state, move || {
        let picked = match purpose {
            OpenFor::ImportFiles => builder.blocking_pick_files(),
            OpenFor::ImportFolders => builder.blocking_pick_folders(),
            OpenFor::VaultFolder => builder.blocking_pick_folder().map(|p| vec![p]),
            OpenFor::Bundle
            | OpenFor::TrustedKey
            | OpenFor::Identity
            | OpenFor::OrgFile
            | OpenFor::PostsFile => builder.blocking_pick_file().map(|p| vec![p]),
        };
        paths(picked)
    })
    .await?;
    for path in &chosen {
        state.grant_read(purpose.grant(), path);
    }
    Ok(texts(chosen))
}

/// Opens a save dialog for `purpose`, suggesting `file_name` (only a name:
/// any folder in it is dropped); the chosen path may be written once.
#[tauri::command]
#[specta::specta]
pub async fn choose_save(
    window: WebviewWindow,
    state: State<'_, AppState>,
    purpose: SaveFor,
    file_name: String,
) -> AppResult<Option<String>> {
    let mut builder: FileDialogBuilder<tauri::Wry> = window
        .dialog()
        .file()
        .set_parent(&window)
        .set_title(purpose.title());
    if let Some(name) = std::path::Path::new(&file_name).file_name() {
        builder = builder.set_file_name(name.to_string_lossy());
    }
    if let Some((name, extensions)) = purpose.filter() {
        builder = builder.add_filter(name, extensions);
    }
    let chosen = answer(&state, move || {
        paths(builder.blocking_save_file().map(|p| vec![p]))
    })
    .await?;
    let chosen = chosen.into_iter().next();
    if let Some(path) = &chosen {
        state.grant_save(purpose.grant(), path);
    }
    Ok(chosen.map(|p| p.display().to_string()))
}

/// Records dropped paths for importing and verifying, then tells the UI.
pub fn dropped(app: &AppHandle, paths: &[PathBuf]) {
    let state = app.state::<AppState>();
    for path in paths {
        state.grant_read(Use::Import, path);
        state.grant_read(Use::Bundle, path);
    }
    let _ = FilesDropped {
        paths: texts(paths.to_vec()),
    }
    .emit(app);
}

/// The person's answer: from the native dialog, run on the blocking pool
/// (it must not block the main thread), or from the end-to-end answers file.
async fn answer(
    state: &AppState,
    dialog: impl FnOnce() -> Vec<PathBuf> + Send + 'static,
) -> AppResult<Vec<PathBuf>> {
    if let Some(seam) = state.e2e.as_ref() {
        return Ok(seam.next_answer());
    }
    tauri::async_runtime::spawn_blocking(dialog)
        .await
        .map_err(|e| {
            AppError::internal(
                "the file dialog closed unexpectedly; try again",
                "el diálogo de archivos se cerró de forma inesperada; inténtalo de nuevo",
            )
            .with_detail(e)
        })
}

fn paths(picked: Option<Vec<tauri_plugin_dialog::FilePath>>) -> Vec<PathBuf> {
    picked
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| p.into_path().ok())
        .collect()
}

fn texts(paths: Vec<PathBuf>) -> Vec<String> {
    paths.into_iter().map(|p| p.display().to_string()).collect()
}

/// The end-to-end harness's stand-in for the person at the dialog.
pub struct E2eSeam {
    answers: PathBuf,
    used: std::sync::Mutex<usize>,
}

impl E2eSeam {
    /// The seam, in a debug build whose environment names an answers file
    /// (read once, at startup). Answers already in the file are skipped:
    /// they were for an earlier run of the app.
    pub fn from_env() -> Option<E2eSeam> {
        if !cfg!(debug_assertions) {
            return None;
        }
        let answers = PathBuf::from(std::env::var_os("TESTIGO_E2E_DIALOG_ANSWERS")?);
        eprintln!(
            "testigo: dialogs are answered from {} (end-to-end tests; debug builds only)",
            answers.display()
        );
        Some(E2eSeam {
            used: std::sync::Mutex::new(lines(&answers).len()),
            answers,
        })
    }

    fn next_answer(&self) -> Vec<PathBuf> {
        let Ok(mut used) = self.used.lock() else {
            return Vec::new();
        };
        let Some(line) = lines(&self.answers).into_iter().nth(*used) else {
            eprintln!("testigo: no dialog answer queued; cancelled");
            return Vec::new();
        };
        *used += 1;
        parse_paths(&line)
    }
}

/// Watches the end-to-end drops file (debug builds, when the environment
/// names one at startup) and handles each new line as a drop on the window.
pub fn watch_e2e_drops(app: AppHandle) {
    if !cfg!(debug_assertions) {
        return;
    }
    let Some(file) = std::env::var_os("TESTIGO_E2E_DROPS").map(PathBuf::from) else {
        return;
    };
    std::thread::spawn(move || {
        let mut seen = lines(&file).len();
        loop {
            std::thread::sleep(std::time::Duration::from_millis(100));
            let now = lines(&file);
            for line in now.iter().skip(seen) {
                dropped(&app, &parse_paths(line));
            }
            seen = seen.max(now.len());
        }
    });
}

fn lines(file: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

fn parse_paths(line: &str) -> Vec<PathBuf> {
    match serde_json::from_str::<serde_json::Value>(line) {
        Ok(serde_json::Value::String(s)) => vec![PathBuf::from(s)],
        Ok(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(PathBuf::from))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_e2e_answer_is_a_path_a_list_or_a_cancel() {
        assert_eq!(
            parse_paths(r#""/home/ana/a.zip""#),
            vec![PathBuf::from("/home/ana/a.zip")]
        );
        assert_eq!(
            parse_paths(r#"["/a", "/b", 3]"#),
            vec![PathBuf::from("/a"), PathBuf::from("/b")]
        );
        for cancel in ["null", "{}", "not json", ""] {
            assert!(parse_paths(cancel).is_empty(), "{cancel}");
        }
    }
}
