//! The submission commands of the CLI: `org`, `submit` and `outbox`. Glue
//! only: the core does the work (`testigo_core::submission`). What an
//! organization's file or server says is shown escaped.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use serde_json::json;
use testigo_core::error::IoContext;
use testigo_core::submission::{OrgEntry, SendOptions, State, Submission};
use testigo_core::{Error, Vault};

use super::args::{OrgCommand, OutboxCommand};
use super::print_json;
use super::shown;
use super::term::{Lang, lang, tr};

fn org_json(o: &OrgEntry) -> serde_json::Value {
    json!({
        "id": o.id, "name": o.org.name, "url": o.org.url, "contact": o.org.contact,
        "age_recipient": o.org.age_recipient, "receipt_key": o.org.receipt_key,
        "fingerprint": o.fingerprint,
    })
}

/// `testigo org …`.
pub fn org(vault: &Vault, cmd: OrgCommand, json: bool) -> Result<(), Error> {
    match cmd {
        OrgCommand::Add { file } => {
            // Read within the organization file's size limit, then checked.
            testigo_core::submission::OrgFile::read(&file)?;
            let raw = std::fs::read_to_string(&file)
                .map_err(Error::io(IoContext::Reading(file.clone())))?;
            let entry = vault.add_org(&raw)?;
            if json {
                print_json(&org_json(&entry))?;
            } else {
                outln!(
                    "{} {} ({})",
                    tr("Added", "Agregada"),
                    shown::line(&entry.org.name),
                    shown::line(&entry.org.url)
                );
                outln!(
                    "{}: {}",
                    tr(
                        "Receipt key fingerprint (compare it with the organization, by phone or in person)",
                        "Huella de la clave de acuses (compárala con la organización, por teléfono o en persona)"
                    ),
                    testigo_core::signing::grouped(&entry.fingerprint)
                );
            }
        }
        OrgCommand::List => {
            let orgs = vault.orgs()?;
            if json {
                print_json(&orgs.iter().map(org_json).collect::<Vec<_>>())?;
            } else if orgs.is_empty() {
                outln!(
                    "{}",
                    tr(
                        "No organizations yet: add one with `testigo org add FILE.testigo-org`.",
                        "Todavía no hay organizaciones: agrega una con `testigo org add ARCHIVO.testigo-org`."
                    )
                );
            } else {
                for o in orgs {
                    outln!(
                        "{}  {}  {}",
                        o.id,
                        shown::line(&o.org.name),
                        shown::line(&o.org.url)
                    );
                }
            }
        }
    }
    Ok(())
}

fn state_word(s: State) -> &'static str {
    match (s, lang()) {
        (State::Queued, Lang::En) => "queued",
        (State::Queued, Lang::Es) => "en espera",
        (State::Uploading, Lang::En) => "uploading",
        (State::Uploading, Lang::Es) => "enviando",
        (State::Paused, Lang::En) => "paused",
        (State::Paused, Lang::Es) => "en pausa",
        (State::Failed, Lang::En) => "failed, will retry",
        (State::Failed, Lang::Es) => "falló, se reintentará",
        (State::Refused, Lang::En) => "refused",
        (State::Refused, Lang::Es) => "rechazado",
        (State::Done, Lang::En) => "received",
        (State::Done, Lang::Es) => "recibido",
    }
}

fn reason(s: &Submission) -> Option<&str> {
    match lang() {
        Lang::Es => s.error_es.as_deref().or(s.error.as_deref()),
        Lang::En => s.error.as_deref(),
    }
}

/// Where a submission's receipt is written: beside the report.
fn receipt_path(report: &Path) -> PathBuf {
    let mut p = report.as_os_str().to_owned();
    p.push(".receipt.json");
    PathBuf::from(p)
}

/// Writes a done submission's receipt and its signature (`FILE.minisig`).
fn write_receipt(vault: &Vault, s: &Submission, out: &Path) -> Result<Option<PathBuf>, Error> {
    let Some(signed) = vault.submission_receipt(&s.id)? else {
        return Ok(None);
    };
    let mut sig = out.as_os_str().to_owned();
    sig.push(".minisig");
    let (path, ()) = testigo_core::private::write_atomically(out, |w| {
        std::io::Write::write_all(w, signed.json.as_bytes())
            .map_err(Error::io(IoContext::Writing(out.into())))
    })?;
    let sig = PathBuf::from(sig);
    testigo_core::private::write_atomically(&sig, |w| {
        std::io::Write::write_all(w, signed.minisig.as_bytes())
            .map_err(Error::io(IoContext::Writing(sig.clone())))
    })?;
    Ok(Some(path))
}

/// A progress bar of bytes sent (drawn only on a terminal), with the chunk
/// size chosen for the link.
fn bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {wide_msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

fn show_progress(bar: &indicatif::ProgressBar, s: &Submission) {
    bar.set_length(s.size);
    bar.set_position(s.sent);
    bar.set_message(format!(
        "{} ({} KiB)",
        state_word(s.state),
        s.chunk_size / 1024
    ));
}

/// `testigo submit REPORT --to ORG`.
pub fn submit(vault: &Vault, report: &Path, to: &str, json: bool) -> Result<ExitCode, Error> {
    let queued = vault.submit(report, to)?;
    let cancel = AtomicBool::new(false);
    let bar = bar();
    let mut progress = |s: &Submission| show_progress(&bar, s);
    let ids = [queued.id.clone()];
    let s = vault
        .send_outbox(
            Some(&ids),
            true,
            &SendOptions::default(),
            &mut progress,
            &cancel,
        )?
        .pop()
        .unwrap_or(queued);
    bar.finish_and_clear();
    let path = if s.state == State::Done {
        write_receipt(vault, &s, &receipt_path(&s.report_path))?
    } else {
        None
    };
    let receipt_id = s.receipt.as_ref().map(|r| r.receipt_id.clone());
    if json {
        print_json(&json!({
            "status": s.state,
            "submission_id": s.id,
            "receipt_id": receipt_id,
            "receipt_path": path,
            "report_sha256": s.report_sha256,
            "error": s.error,
            "error_es": s.error_es,
        }))?;
    } else if let Some(p) = &path {
        outln!(
            "{} {}: {} {}",
            tr("Received by", "Recibido por"),
            shown::line(&s.org_name),
            tr("receipt", "acuse"),
            receipt_id.unwrap_or_default()
        );
        outln!("{}", shown::path(p));
    } else {
        errln!(
            "{} ({}): {}",
            tr("Not sent yet", "Todavía no se envió"),
            state_word(s.state),
            shown::line(reason(&s).unwrap_or(""))
        );
        if s.state == State::Paused {
            errln!(
                "{} testigo outbox resume {}",
                tr(
                    "It is paused in the outbox; to send it:",
                    "Está en pausa en la bandeja de salida; para enviarlo:"
                ),
                s.id
            );
        } else if s.state != State::Refused {
            errln!(
                "{}",
                tr(
                    "It stays in the outbox; `testigo outbox run` tries again.",
                    "Queda en la bandeja de salida; `testigo outbox run` lo intenta de nuevo."
                )
            );
        }
    }
    Ok(if s.state == State::Done {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn submission_json(s: &Submission) -> serde_json::Value {
    json!({
        "id": s.id, "org_id": s.org_id, "org_name": s.org_name, "report_path": s.report_path,
        "report_sha256": s.report_sha256, "size": s.size, "report_id": s.report_id,
        "status": s.state, "sent": s.sent, "chunk_size": s.chunk_size, "error": s.error,
        "error_es": s.error_es, "attempts": s.attempts, "next_attempt_at": s.next_attempt_at,
        "receipt_id": s.receipt.as_ref().map(|r| &r.receipt_id), "created_at": s.created_at,
    })
}

fn list(subs: &[Submission], json: bool) -> Result<(), Error> {
    if json {
        return print_json(&subs.iter().map(submission_json).collect::<Vec<_>>());
    }
    if subs.is_empty() {
        outln!(
            "{}",
            tr("The outbox is empty.", "La bandeja de salida está vacía.")
        );
    }
    for s in subs {
        outln!(
            "{}  {:<22}  {}  {}/{}  {}",
            s.id,
            state_word(s.state),
            shown::line(&s.org_name),
            s.sent,
            s.size,
            shown::path(&s.report_path)
        );
        if let Some(r) = reason(s) {
            outln!("    {}", shown::line(r));
        }
    }
    Ok(())
}

/// `testigo outbox …`.
pub fn outbox(vault: &Vault, cmd: OutboxCommand, json: bool) -> Result<ExitCode, Error> {
    match cmd {
        OutboxCommand::List => list(&vault.outbox()?, json)?,
        OutboxCommand::Run => {
            let cancel = AtomicBool::new(false);
            let bar = bar();
            let mut progress = |s: &Submission| show_progress(&bar, s);
            let done =
                vault.send_outbox(None, true, &SendOptions::default(), &mut progress, &cancel)?;
            bar.finish_and_clear();
            for s in done.iter().filter(|s| s.state == State::Done) {
                write_receipt(vault, s, &receipt_path(&s.report_path))?;
            }
            list(&done, json)?;
            if done.iter().any(|s| s.state != State::Done) {
                return Ok(ExitCode::FAILURE);
            }
        }
        OutboxCommand::Pause { id } => list(&[vault.pause_submission(&id, true)?], json)?,
        OutboxCommand::Resume { id } => list(&[vault.pause_submission(&id, false)?], json)?,
        OutboxCommand::Receipt { id, out } => {
            let s = vault.submission(&id)?;
            match write_receipt(vault, &s, &out)? {
                Some(p) => {
                    if json {
                        print_json(&json!({ "receipt_path": p }))?;
                    } else {
                        outln!("{}", shown::path(&p));
                    }
                }
                None => {
                    return Err(Error::invalid(
                        "this submission has no receipt yet",
                        "este envío todavía no tiene acuse",
                    ));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
