//! Commands for submission: the organizations added from their
//! `.testigo-org` files, the reports this vault sealed, the outbox and the
//! receipts. A sender thread works the outbox while the vault is unlocked
//! (`outbox-progress` events): it starts when something is queued or
//! resumed and at unlock when work is left from an earlier session, waits
//! for a failed submission's next try, and stops when nothing is due or the
//! vault locks (after the chunk in flight). The work is the core's
//! (`testigo_core::submission`); this module only wires it to the UI.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, Manager, State};
use tauri_specta::Event;
use testigo_core::error::IoContext;
use testigo_core::seal::SealedReport;
use testigo_core::submission::{
    OrgEntry, Receipt, SendOptions, State as SubmissionState, Submission,
};

use crate::error::{AppError, AppResult};
use crate::grants::Use;
use crate::state::AppState;
use crate::work;

/// Seconds the sender waits after an error before it looks again.
const ERROR_PAUSE_SECS: u32 = 15;

/// Largest `.testigo-org` file read: they are a few hundred bytes.
const ORG_FILE_MAX: u64 = 64 * 1024;

/// A submission changed (state, bytes sent, chunk size, reason), sent as the
/// `outbox-progress` event.
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct OutboxProgress {
    /// The submission as it is now.
    pub submission: Submission,
}

/// The sender stopped on an error that belongs to no one submission (the
/// vault's database failed, say), sent as the `outbox-error` event; it
/// tries again a little later.
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct OutboxError {
    /// What failed, in the UI's language.
    pub message: String,
}

/// A receipt as the app shows it.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ReceiptView {
    /// What it says (its signature checked when it was stored).
    pub receipt: Receipt,
    /// The exact JSON the organization signed.
    pub json: String,
    /// Its minisign signature (`.minisig` text).
    pub minisig: String,
    /// The organization's receipt key (minisign public key).
    pub public_key: String,
    /// That key's fingerprint, to compare with the organization's.
    pub fingerprint: String,
}

#[tauri::command]
#[specta::specta]
pub fn orgs(state: State<'_, AppState>) -> AppResult<Vec<OrgEntry>> {
    state.with_vault(|v| Ok(v.orgs()?))
}

/// Adds an organization from the `.testigo-org` file the person chose; its
/// signature is checked first.
#[tauri::command]
#[specta::specta]
pub fn add_org(state: State<'_, AppState>, path: String) -> AppResult<OrgEntry> {
    let path = state.chosen(Use::OrgFile, &path)?;
    let read = |e| AppError::from(testigo_core::Error::io(IoContext::Reading(path.clone()))(e));
    let size = std::fs::metadata(&path).map_err(read)?.len();
    if size > ORG_FILE_MAX {
        return Err(AppError::from(testigo_core::Error::invalid(
            "this is not an organization file (.testigo-org files are a few hundred bytes); ask the organization for theirs",
            "este no es un archivo de organización (los .testigo-org pesan unos cientos de bytes); pide el suyo a la organización",
        )));
    }
    let text = std::fs::read_to_string(&path).map_err(read)?;
    state.with_vault(|v| Ok(v.add_org(&text)?))
}

/// The reports this vault sealed, newest first.
#[tauri::command]
#[specta::specta]
pub fn sealed_reports(state: State<'_, AppState>) -> AppResult<Vec<SealedReport>> {
    state.with_vault(|v| Ok(v.sealed_reports()?))
}

#[tauri::command]
#[specta::specta]
pub fn outbox(state: State<'_, AppState>) -> AppResult<Vec<Submission>> {
    state.with_vault(|v| Ok(v.outbox()?))
}

/// Queues a sealed report for an organization and starts sending. The
/// report is one this vault sealed (from `sealed_reports`) or a file the
/// person chose to verify or submit.
#[tauri::command]
#[specta::specta]
pub async fn submit(
    app: AppHandle,
    state: State<'_, AppState>,
    report: String,
    org_id: String,
) -> AppResult<Submission> {
    let sealed_here = state.with_vault(|v| {
        Ok(v.sealed_reports()?
            .into_iter()
            .any(|r| r.path.as_os_str() == report.as_str()))
    })?;
    let path = if sealed_here {
        std::path::PathBuf::from(&report)
    } else {
        state.chosen(Use::Bundle, &report)?
    };
    let vault = state.with_vault(|v| Ok(v.reopen()?))?;
    let queued = work::blocking(("queuing the report", "poner el reporte en la bandeja"), {
        move || vault.submit(&path, &org_id)
    })
    .await?;
    let _ = OutboxProgress {
        submission: queued.clone(),
    }
    .emit(&app);
    start_sender(&app, &state)?;
    Ok(queued)
}

/// Pauses a submission (an upload stops after the chunk in flight) or
/// resumes one (and starts sending).
#[tauri::command]
#[specta::specta]
pub fn pause_submission(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    paused: bool,
) -> AppResult<Submission> {
    let s = state.with_vault(|v| Ok(v.pause_submission(&id, paused)?))?;
    if !paused {
        start_sender(&app, &state)?;
    }
    Ok(s)
}

/// Tries what is queued or failed now, without waiting for the next try.
#[tauri::command]
#[specta::specta]
pub fn retry_outbox(app: AppHandle, state: State<'_, AppState>) -> AppResult<()> {
    state.with_vault(|v| {
        for s in v.outbox()? {
            if s.state == SubmissionState::Failed {
                v.retry_now(&s.id)?;
            }
        }
        Ok(())
    })?;
    start_sender(&app, &state)
}

/// A finished submission's receipt.
#[tauri::command]
#[specta::specta]
pub fn receipt(state: State<'_, AppState>, id: String) -> AppResult<ReceiptView> {
    state.with_vault(|v| {
        let s = v.submission(&id)?;
        let (Some(signed), Some(receipt)) = (v.submission_receipt(&s.id)?, s.receipt) else {
            return Err(no_receipt());
        };
        let org = v.org(&s.org_id)?;
        Ok(ReceiptView {
            receipt,
            json: signed.json,
            minisig: signed.minisig,
            public_key: org.org.receipt_key,
            fingerprint: org.fingerprint,
        })
    })
}

/// Writes a receipt where the person chose, with its signature beside it
/// (`PATH.minisig`), so `minisign -Vm PATH -P KEY` checks it.
#[tauri::command]
#[specta::specta]
pub fn export_receipt(state: State<'_, AppState>, id: String, path: String) -> AppResult<()> {
    let path = state.chosen_to_save(Use::SaveReceipt, &path)?;
    let signed = state
        .with_vault(|v| Ok(v.submission_receipt(&id)?))?
        .ok_or_else(no_receipt)?;
    let sig = std::path::PathBuf::from(format!("{}.minisig", path.display()));
    for (p, text) in [(&path, &signed.json), (&sig, &signed.minisig)] {
        std::fs::write(p, text).map_err(|e| {
            AppError::from(testigo_core::Error::io(IoContext::Writing(p.clone()))(e))
        })?;
    }
    state.remember_output(&path);
    Ok(())
}

fn no_receipt() -> AppError {
    AppError::from(testigo_core::Error::invalid(
        "this submission has no receipt yet",
        "este envío todavía no tiene acuse",
    ))
}

/// Starts the sender thread unless it runs already.
pub fn start_sender(app: &AppHandle, state: &AppState) -> AppResult<()> {
    if state.outbox_running.swap(true, Ordering::SeqCst) {
        return Ok(());
    }
    state.cancel_outbox.store(false, Ordering::SeqCst);
    let vault = match state.with_vault(|v| Ok(v.reopen()?)) {
        Ok(v) => v,
        Err(e) => {
            state.outbox_running.store(false, Ordering::SeqCst);
            return Err(e);
        }
    };
    let app = app.clone();
    std::thread::spawn(move || {
        let state = app.state::<AppState>();
        let (running, cancel) = (&state.outbox_running, &state.cancel_outbox);
        let mut emit = |s: &Submission| {
            let _ = OutboxProgress {
                submission: s.clone(),
            }
            .emit(&app);
        };
        loop {
            if let Err(e) =
                vault.send_outbox(None, false, &SendOptions::default(), &mut emit, cancel)
            {
                let _ = OutboxError {
                    message: AppError::from(e).message,
                }
                .emit(&app);
                for _ in 0..ERROR_PAUSE_SECS {
                    if cancel.load(Ordering::SeqCst) {
                        break;
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
            // Wait for the next try of what failed, if nothing else is due.
            while !cancel.load(Ordering::SeqCst) {
                match vault.outbox_due_in().unwrap_or(None) {
                    Some(wait) if wait > Duration::ZERO => {
                        std::thread::sleep(wait.min(Duration::from_secs(1)))
                    }
                    Some(_) => break,
                    None => {
                        running.store(false, Ordering::SeqCst);
                        // Something queued while this thread was stopping
                        // found it running: take it, unless another did.
                        if vault.outbox_due_in().unwrap_or(None).is_none()
                            || running.swap(true, Ordering::SeqCst)
                        {
                            return;
                        }
                        break;
                    }
                }
            }
            if cancel.load(Ordering::SeqCst) {
                running.store(false, Ordering::SeqCst);
                return;
            }
        }
    });
    Ok(())
}
