//! The bundle commands of the CLI: `key`, `seal`, `packet` and `verify`.
//! Glue only: the core does the work (`testigo_core::bundle`, `testigo_core::packet`,
//! `testigo_core::signing`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::json;
use testigo_core::bundle::verify::{ProblemKind, Status, VerifyOptions, VerifyReport};
use testigo_core::error::IoContext;
use testigo_core::packet::{PacketProgress, PacketStage};
use testigo_core::{
    Error, PacketOptions, PacketRequest, PublicKeyInfo, SealRequest, Signer, Vault,
};

use super::args::KeyCommand;
use super::print_json;
use super::shown::{self, Shown};
use super::term::{self, Lang, lang, tr};

/// Exit code of `verify` when the bundle is intact but no trusted key was given.
pub const UNCONFIRMED: u8 = 3;

/// `testigo key …`.
pub fn key(vault: &Vault, cmd: KeyCommand, json: bool) -> Result<(), Error> {
    match cmd {
        KeyCommand::Show => {
            let key = vault.public_key()?;
            let signer = vault.signer()?;
            if json {
                print_json(&json!({
                    "public_key": key.public_key,
                    "key_id": key.key_id,
                    "fingerprint": key.fingerprint,
                    "pub_file": key.pub_file,
                    "signer": signer,
                }))?;
            } else {
                outln!(
                    "{}  {}",
                    tr("Public key: ", "Clave pública:"),
                    key.public_key
                );
                outln!("{}  {}", tr("Key id:     ", "Id de clave:  "), key.key_id);
                outln!(
                    "{}  {}",
                    tr("Fingerprint:", "Huella:       "),
                    testigo_core::signing::grouped(&key.fingerprint)
                );
                for (label, v) in [
                    (tr("Signer:     ", "Firmante:     "), &signer.name),
                    (tr("Contact:    ", "Contacto:     "), &signer.contact),
                    (tr("Organization:", "Organización: "), &signer.organization),
                ] {
                    if let Some(v) = v {
                        outln!("{label}  {}", Shown(v));
                    }
                }
            }
        }
        KeyCommand::Export { out } => {
            let key = vault.public_key()?;
            write_file(&out, key.pub_file.as_bytes())?;
            let abs = std::path::absolute(&out).unwrap_or(out);
            if json {
                print_json(&json!({ "path": abs, "key_id": key.key_id }))?;
            } else {
                outln!(
                    "{} {} ({} {})",
                    tr("Wrote", "Escrito"),
                    shown::path(&abs),
                    tr("key id", "id de clave"),
                    key.key_id
                );
            }
        }
        KeyCommand::SetSigner {
            name,
            contact,
            organization,
        } => {
            if name.is_none() && contact.is_none() && organization.is_none() {
                return Err(Error::invalid(
                    "nothing to change: give --name, --contact or --organization",
                    "no hay nada que cambiar: indica --name, --contact o --organization",
                ));
            }
            let signer = vault.set_signer(&Signer {
                name,
                contact,
                organization,
            })?;
            if json {
                print_json(&signer)?;
            } else {
                outln!("{}", tr("Signer updated.", "Firmante actualizado."));
            }
        }
    }
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    std::fs::write(path, bytes).map_err(Error::io(IoContext::Writing(path.into())))
}

/// `SOURCE_DATE_EPOCH`, when set and not empty.
fn source_date_epoch() -> Result<Option<i64>, Error> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.trim().is_empty() => v.trim().parse().map(Some).map_err(|_| {
            Error::invalid(
                format!(
                    "SOURCE_DATE_EPOCH=`{v}` is not a number of seconds; unset it or give e.g. 1714521600"
                ),
                format!(
                    "SOURCE_DATE_EPOCH=`{v}` no es un número de segundos; quítalo o da p. ej. 1714521600"
                ),
            )
        }),
        _ => Ok(None),
    }
}

/// `testigo seal …`.
pub fn seal(
    vault: &Vault,
    case: String,
    items: Vec<String>,
    out: PathBuf,
    encrypt_to: Vec<String>,
    packet: PacketOptions,
    json: bool,
) -> Result<(), Error> {
    let req = SealRequest {
        case,
        items,
        out,
        encrypt_to,
        source_date_epoch: source_date_epoch()?,
        packet,
    };
    let printing = packet_bar();
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {wide_msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let sealed = vault.seal(&req, &mut |p| match p.packet {
        Some(pp) => show_packet_progress(&printing, pp),
        None => {
            printing.finish_and_clear();
            bar.set_length(p.total);
            bar.set_position(p.done);
            term::set_message(&bar, p.file);
        }
    })?;
    printing.finish_and_clear();
    bar.finish_and_clear();
    if json {
        print_json(&sealed)?;
    } else {
        outln!(
            "{} {} {} {}",
            tr("Sealed", "Sellados"),
            sealed.items.len(),
            tr("item(s) into", "elemento(s) en"),
            shown::path(&sealed.path)
        );
        outln!("  report id  {}", sealed.report_id);
        outln!("  SHA-256    {}", sealed.sha256);
        outln!("  key id     {}", sealed.key_id);
        if sealed.encrypted {
            outln!(
                "  {}  {}",
                tr("encrypted to", "cifrado para"),
                Shown(&sealed.recipients.join(", "))
            );
        }
    }
    Ok(())
}

/// The progress bar of printing a packet (hidden when stderr is not a terminal).
fn packet_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

fn show_packet_progress(bar: &indicatif::ProgressBar, p: PacketProgress) {
    bar.set_length(p.total as u64);
    bar.set_position(p.done as u64);
    term::set_message(
        bar,
        match p.stage {
            PacketStage::Images => tr("preparing images", "preparando imágenes"),
            PacketStage::Typesetting => tr("laying out pages", "componiendo páginas"),
            PacketStage::Writing => tr("writing the PDF", "escribiendo el PDF"),
        },
    );
}

/// `testigo packet …`.
pub fn packet(
    vault: &Vault,
    case: String,
    items: Vec<String>,
    out: PathBuf,
    options: PacketOptions,
    json: bool,
) -> Result<(), Error> {
    let req = PacketRequest {
        case,
        items,
        out,
        options,
        source_date_epoch: source_date_epoch()?,
    };
    let bar = packet_bar();
    let never = std::sync::atomic::AtomicBool::new(false);
    let packet = vault.packet(&req, &mut |p| show_packet_progress(&bar, p), &never)?;
    bar.finish_and_clear();
    let Some(packet) = packet else {
        return Err(testigo_core::packet::cancelled());
    };
    if json {
        print_json(&packet)?;
    } else {
        outln!(
            "{} {} {} {} ({} {})",
            tr("Printed", "Impresos"),
            packet.items.len(),
            tr("item(s) into", "elemento(s) en"),
            shown::path(&packet.path),
            packet.pages,
            tr("pages", "páginas"),
        );
        outln!("  report id  {}", packet.report_id);
        outln!("  SHA-256    {}", packet.sha256);
    }
    Ok(())
}

/// `testigo verify …`. Needs no vault.
pub fn verify(
    file: &Path,
    pubkey: Option<String>,
    trusted_key: Option<PathBuf>,
    identity: Option<PathBuf>,
    json: bool,
) -> Result<ExitCode, Error> {
    let trusted_key = match (pubkey, trusted_key) {
        (Some(k), _) => Some(PublicKeyInfo::parse(&k)?),
        (None, Some(path)) => Some(PublicKeyInfo::read_file(&path)?),
        (None, None) => None,
    };
    let opts = VerifyOptions {
        trusted_key,
        identity,
    };
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let report = testigo_core::bundle::verify::verify(file, &opts, &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    if json {
        print_json(&report)?;
    } else {
        render(&report);
    }
    Ok(match report.status {
        Status::Valid => ExitCode::SUCCESS,
        Status::Unconfirmed => ExitCode::from(UNCONFIRMED),
        Status::Invalid => ExitCode::FAILURE,
    })
}

fn kind_label(k: ProblemKind) -> &'static str {
    match k {
        ProblemKind::UnsafeArchive => tr("unsafe archive", "archivo peligroso"),
        ProblemKind::Altered => tr("altered", "alterado"),
        ProblemKind::Missing => tr("missing", "falta"),
        ProblemKind::Unexpected => tr("unexpected", "archivo de más"),
        ProblemKind::BadSignature => tr("bad signature", "firma inválida"),
        ProblemKind::UntrustedKey => tr("untrusted key", "firmado con otra clave"),
        ProblemKind::Inconsistent => tr("inconsistent", "inconsistente"),
    }
}

/// The verdict in text: one line per problem, then the verdict, last and on
/// its own line. Everything read from the bundle (file names, messages that
/// quote them, report id, case, key id) is shown escaped, so no entry name can
/// draw a line of its own or move the cursor over the verdict.
fn render(r: &VerifyReport) {
    for p in &r.problems {
        let files = if p.files.is_empty() {
            String::new()
        } else {
            format!("{}: ", Shown(&p.files.join(", ")))
        };
        let message = match lang() {
            Lang::En => &p.message,
            Lang::Es => &p.message_es,
        };
        outln!("{}: {files}{}", kind_label(p.kind), Shown(message));
    }
    let what = match (&r.report_id, &r.case) {
        (Some(id), Some(case)) => format!(
            "{} {} ({} \"{}\", {} {})",
            tr("report", "reporte"),
            Shown(id),
            tr("case", "caso"),
            Shown(&shown::short(case, 80)),
            r.items.unwrap_or(0),
            tr("item(s)", "elemento(s)")
        ),
        (Some(id), None) => format!("{} {}", tr("report", "reporte"), Shown(id)),
        _ => shown::path(&r.file),
    };
    let key = Shown(r.signer.as_ref().map_or("", |s| s.key_id.as_str()));
    match r.status {
        Status::Valid => outln!(
            "{}: {what}, {} {key}",
            tr("VALID", "VÁLIDO"),
            tr(
                "signed by the trusted key",
                "firmado con la clave en la que confías"
            ),
        ),
        Status::Unconfirmed => {
            outln!(
                "{}",
                tr(
                    "Confirm who signed: run again with --pubkey KEY (or --trusted-key FILE) using the key the signer gave you.",
                    "Confirma quién firmó: vuelve a ejecutar con --pubkey CLAVE (o --trusted-key ARCHIVO) con la clave que te dio quien firmó."
                )
            );
            outln!(
                "{}: {what}: {} {key}.",
                tr(
                    "INTACT, SIGNER NOT CONFIRMED",
                    "ÍNTEGRO, FIRMANTE SIN CONFIRMAR"
                ),
                tr(
                    "every file matches and the signature is valid for the key inside the report",
                    "todos los archivos coinciden y la firma es válida para la clave incluida en el reporte"
                )
            );
        }
        Status::Invalid => outln!(
            "{}: {} {}",
            tr("INVALID", "INVÁLIDO"),
            r.problems.len(),
            tr("problem(s)", "problema(s)")
        ),
    }
}
