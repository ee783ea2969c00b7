//! Commands for signed reports and printed packets: the vault's signing key
//! and signer, sealing a bundle (on a worker, with `seal-progress` events),
//! printing a PDF packet (`packet-progress`, cancellable), verifying a bundle
//! (any bundle, no vault needed), and opening or showing a written file.

use std::path::Path;
use std::sync::atomic::Ordering;

use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, State};
use tauri_specta::Event;
use testigo_core::error::IoContext;
use testigo_core::packet::PacketStage;
use testigo_core::signing::{PublicKeyInfo, Signer};
use testigo_core::{
    Packet, PacketOptions, PacketRequest, SealRequest, Sealed, VerifyOptions, VerifyReport,
};

use crate::error::{AppError, AppResult};
use crate::grants::Use;
use crate::state::AppState;

/// How far sealing is, sent as the `seal-progress` event.
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct SealProgress {
    /// Payload bytes written so far.
    pub done: u64,
    /// Payload bytes in all.
    pub total: u64,
    /// The file being written (path inside the bag).
    pub file: String,
    /// While the bundle's PDF packet is being printed, how far it is.
    pub packet: Option<PacketProgress>,
}

/// How far a packet is, sent as the `packet-progress` event.
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct PacketProgress {
    /// The step: `images`, `typesetting`, `writing`.
    pub stage: PacketStage,
    /// Units done in this step.
    pub done: u32,
    /// Units in this step.
    pub total: u32,
}

impl From<testigo_core::PacketProgress> for PacketProgress {
    fn from(p: testigo_core::PacketProgress) -> Self {
        PacketProgress {
            stage: p.stage,
            done: p.done as u32,
            total: p.total as u32,
        }
    }
}

/// How far verifying is, sent as the `verify-progress` event.
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct VerifyProgress {
    /// Bytes checked so far.
    pub done: u64,
    /// Bytes to check.
    pub total: u64,
}

#[tauri::command]
#[specta::specta]
pub fn public_key(state: State<'_, AppState>) -> AppResult<PublicKeyInfo> {
    state.with_vault(|v| Ok(v.public_key()?))
}

/// Writes the vault's public key as a `.pub` file the `minisign` CLI
/// accepts, where the person chose to save it.
#[tauri::command]
#[specta::specta]
pub fn export_public_key(state: State<'_, AppState>, path: String) -> AppResult<()> {
    let path = state.chosen_to_save(Use::SavePublicKey, &path)?;
    let key = state.with_vault(|v| Ok(v.public_key()?))?;
    std::fs::write(&path, key.pub_file).map_err(|e| {
        AppError::from(testigo_core::Error::io(IoContext::Writing(path.clone()))(e))
    })?;
    state.remember_output(&path);
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub fn signer(state: State<'_, AppState>) -> AppResult<Signer> {
    state.with_vault(|v| Ok(v.signer()?))
}

/// Sets who signs: every field given replaces the stored one; empty clears it.
#[tauri::command]
#[specta::specta]
pub fn set_signer(state: State<'_, AppState>, signer: Signer) -> AppResult<Signer> {
    state.with_vault(|v| Ok(v.set_signer(&signer)?))
}

/// How a packet is printed, as the UI chooses it.
#[derive(Debug, Clone, serde::Deserialize, Type)]
pub struct PrintOptions {
    /// `es` or `en`.
    pub lang: String,
    /// IANA time zone for local times.
    pub time_zone: String,
    /// `letter` or `a4`.
    pub paper: String,
}

impl PrintOptions {
    fn parse(&self) -> AppResult<PacketOptions> {
        Ok(PacketOptions::parse(
            Some(&self.lang),
            Some(&self.time_zone),
            Some(&self.paper),
        )?)
    }
}

/// Seals items of a case (all when `items` is empty) into `out` (a path the
/// person chose to save the report as), encrypted
/// to the age `recipients` when any are given (then `out.age` is written),
/// with its PDF packet printed as `print` says.
#[tauri::command]
#[specta::specta]
pub async fn seal(
    app: AppHandle,
    state: State<'_, AppState>,
    case_id: String,
    items: Vec<String>,
    out: String,
    recipients: Vec<String>,
    print: PrintOptions,
) -> AppResult<Sealed> {
    let packet = print.parse()?;
    let out = state.chosen_to_save(Use::SaveBundle, &out)?;
    let vault = state.with_vault(|v| Ok(v.reopen()?))?;
    let req = SealRequest {
        case: case_id,
        items,
        out,
        encrypt_to: recipients
            .iter()
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect(),
        source_date_epoch: None,
        packet,
    };
    let sealed = crate::work::blocking(("sealing", "el sellado"), move || {
        vault.seal(&req, &mut |p| {
            let _ = SealProgress {
                done: p.done,
                total: p.total,
                file: p.file.to_string(),
                packet: p.packet.map(PacketProgress::from),
            }
            .emit(&app);
        })
    })
    .await?;
    state.remember_output(&sealed.path);
    Ok(sealed)
}

/// Prints items of a case (all when `items` is empty) to a PDF packet at
/// `out` (a path the person chose to save it as); `null` when
/// `cancel_packet` stopped it (nothing is written).
#[tauri::command]
#[specta::specta]
pub async fn packet(
    app: AppHandle,
    state: State<'_, AppState>,
    case_id: String,
    items: Vec<String>,
    out: String,
    print: PrintOptions,
) -> AppResult<Option<Packet>> {
    let options = print.parse()?;
    let out = state.chosen_to_save(Use::SavePacket, &out)?;
    let vault = state.with_vault(|v| Ok(v.reopen()?))?;
    let cancel = state.cancel_packet.clone();
    cancel.store(false, Ordering::Relaxed);
    let req = PacketRequest {
        case: case_id,
        items,
        out,
        options,
        source_date_epoch: None,
    };
    let packet = crate::work::blocking(("printing", "la impresión"), move || {
        vault.packet(
            &req,
            &mut |p| {
                let _ = PacketProgress::from(p).emit(&app);
            },
            &cancel,
        )
    })
    .await?;
    if let Some(p) = &packet {
        state.remember_output(&p.path);
    }
    Ok(packet)
}

/// Stops the packet being printed.
#[tauri::command]
#[specta::specta]
pub fn cancel_packet(state: State<'_, AppState>) {
    state.cancel_packet.store(true, Ordering::Relaxed);
}

/// Verifies a bundle (`.zip` or `.zip.age`). The trusted key may be given as
/// text (the `RWQ…` line or a `.pub` file's text) or as a `.pub` file's path;
/// `identity` is an age identity file for encrypted bundles. Each file must
/// have been chosen (or the bundle dropped) for that use in this session.
#[tauri::command]
#[specta::specta]
pub async fn verify_bundle(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
    trusted_key: Option<String>,
    trusted_key_file: Option<String>,
    identity: Option<String>,
) -> AppResult<VerifyReport> {
    let trusted_key = match (
        trusted_key.filter(|t| !t.trim().is_empty()),
        trusted_key_file,
    ) {
        (Some(text), _) => Some(PublicKeyInfo::parse(&text)?),
        (None, Some(file)) if !file.is_empty() => {
            let file = state.chosen(Use::TrustedKey, &file)?;
            Some(PublicKeyInfo::read_file(&file)?)
        }
        _ => None,
    };
    let opts = VerifyOptions {
        trusted_key,
        identity: identity
            .filter(|i| !i.is_empty())
            .map(|i| state.chosen(Use::Identity, &i))
            .transpose()?,
    };
    let path = state.chosen(Use::Bundle, &path)?;
    crate::work::blocking(("verifying", "la verificación"), move || {
        testigo_core::bundle::verify::verify(&path, &opts, &mut |done, total| {
            let _ = VerifyProgress { done, total }.emit(&app);
        })
    })
    .await
}

/// Shows a file the app wrote (a bundle, a packet, an exported file) in the
/// system's file manager. Other paths are refused, so the web view cannot
/// use this to open arbitrary files.
#[tauri::command]
#[specta::specta]
pub fn reveal(app: AppHandle, state: State<'_, AppState>, path: String) -> AppResult<()> {
    use tauri_plugin_opener::OpenerExt;
    let path = state.written_by_app(Path::new(&path))?;
    app.opener().reveal_item_in_dir(&path).map_err(|e| {
        AppError::internal(
            format!(
                "no file manager could show the folder; the file is saved at {}",
                path.display()
            ),
            format!(
                "ningún administrador de archivos pudo mostrar la carpeta; el archivo está guardado en {}",
                path.display()
            ),
        )
        .with_detail(e)
    })
}

/// Opens a file the app wrote (a PDF packet) with the system's viewer.
#[tauri::command]
#[specta::specta]
pub fn open_written(app: AppHandle, state: State<'_, AppState>, path: String) -> AppResult<()> {
    use tauri_plugin_opener::OpenerExt;
    let path = state.written_by_app(Path::new(&path))?;
    app.opener()
        .open_path(path.to_string_lossy(), None::<&str>)
        .map_err(|e| {
            AppError::from(
                testigo_core::Error::bilingual(
                    testigo_core::ErrorKind::Io,
                    format!(
                        "no program on this computer opens {}; the file is saved: use \"Show in folder\" and open it from there",
                        path.display()
                    ),
                    format!(
                        "ningún programa de esta computadora abre {}; el archivo está guardado: usa «Mostrar en la carpeta» y ábrelo desde ahí",
                        path.display()
                    ),
                )
                .with_detail(e),
            )
        })
}
