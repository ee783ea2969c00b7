//! What happens when the last byte of an upload has arrived: the chunks
//! become one file whose SHA-256 must be the one announced, the report is
//! verified as `testigo verify` does (decrypted first when it came
//! encrypted to the organization and the server holds the identity), the
//! file is put in place, and a signed receipt is recorded with it. A report
//! that fails is refused with a reason in English and Spanish, and nothing
//! of it is kept. Running it twice for the same upload (a retry, a second
//! server) gives the same receipt.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use futures_util::StreamExt as _;
use serde_json::json;
use sha2::{Digest as _, Sha256};
use testigo_core::bundle::verify::{Status, VerifyOptions, verify};
use testigo_core::submission::receipt::{self, Receipt, Verification};

use crate::blobs::{chunk_key, report_key};
use crate::index::{self, Report, Upload};
use crate::state::State;

/// Why a report was refused, for the reporter.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Refusal {
    /// In English.
    pub error: String,
    /// In Spanish.
    pub error_es: String,
}

impl Refusal {
    fn new(en: impl Into<String>, es: impl Into<String>) -> Refusal {
        Refusal {
            error: en.into(),
            error_es: es.into(),
        }
    }
}

/// The result of finishing an upload.
pub enum Finished {
    /// Stored, with its receipt.
    Stored(Box<Report>),
    /// Refused; nothing kept.
    Refused(Refusal),
}

const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";
const AGE_ARMOR: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";

/// Finishes an upload whose bytes have all arrived.
pub async fn finish(state: &State, upload: &Upload) -> Result<Finished> {
    // A scratch file of this run's own (0600, removed when dropped): the
    // housekeeping and a client's PATCH may finish the same upload at once.
    let scratch = state.dir.join("tmp");
    testigo_core::private::create_dir_all(&scratch)
        .with_context(|| format!("cannot create {}", scratch.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(&format!("{}-", upload.id))
        .suffix(".part")
        .tempfile_in(&scratch)
        .with_context(|| format!("cannot create a file in {}", scratch.display()))?;
    let finished = assemble_and_store(state, upload, tmp.path()).await?;
    drop(tmp);
    // Whatever the outcome, the chunks are no longer needed.
    for (start, _) in state.index.chunks(&upload.id).await? {
        state.blobs.delete(&chunk_key(&upload.id, start)).await?;
    }
    match &finished {
        Finished::Stored(r) => state.index.finish_upload(&upload.id, &r.receipt_id).await?,
        Finished::Refused(_) => state.index.delete_upload(&upload.id).await?,
    }
    Ok(finished)
}

async fn assemble_and_store(state: &State, upload: &Upload, tmp: &Path) -> Result<Finished> {
    // 1. The chunks, in order, into one private file, hashed on the way.
    let chunks = state.index.chunks(&upload.id).await?;
    let mut expected = 0;
    for (start, len) in &chunks {
        if *start != expected {
            anyhow::bail!(
                "upload {}: chunk at {start} where {expected} was expected",
                upload.id
            );
        }
        expected += len;
    }
    if expected != upload.length {
        anyhow::bail!(
            "upload {}: its chunks hold {expected} of {} bytes",
            upload.id,
            upload.length
        );
    }
    let mut file = std::io::BufWriter::with_capacity(
        1 << 20,
        testigo_core::private::create_file(tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?,
    );
    let mut hash = Sha256::new();
    for (start, _) in &chunks {
        let mut stream = state.blobs.read(&chunk_key(&upload.id, *start)).await?;
        while let Some(bytes) = stream.next().await {
            let bytes = bytes?;
            hash.update(&bytes);
            file.write_all(&bytes)?;
        }
    }
    let file = file.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    drop(file);
    let sha256 = hex::encode(hash.finalize());

    // 2. The bytes the reporter announced.
    if sha256 != upload.sha256 {
        return Ok(Finished::Refused(Refusal::new(
            format!(
                "the report's SHA-256 is {sha256}, not the {} announced: it was changed or damaged on the way; send it again",
                upload.sha256
            ),
            format!(
                "el SHA-256 del reporte es {sha256}, no el {} anunciado: se modificó o dañó en el camino; envíalo de nuevo",
                upload.sha256
            ),
        )));
    }
    if let Some(existing) = state.index.report_by_sha256(&sha256).await? {
        return Ok(Finished::Stored(Box::new(existing)));
    }

    // 3. Verified as `testigo verify` does.
    let checked = check(state, tmp, upload).await?;
    let (verification, report_id, summary, encrypted) = match checked {
        Ok(c) => c,
        Err(refusal) => return Ok(Finished::Refused(refusal)),
    };

    // 4. In place, durably, before the receipt exists.
    put_file(state, tmp, &report_key(&sha256)).await?;

    // 5. The receipt, recorded with the report.
    let key = &state.receipt_key;
    let receipt = Receipt {
        format: receipt::FORMAT.into(),
        receipt_id: ulid::Ulid::new().to_string(),
        report_id: report_id.clone(),
        sha256: sha256.clone(),
        size: upload.length,
        received_at: index::now(),
        encrypted,
        verification,
        server: state.config.name.clone(),
        server_url: state.config.url.clone(),
        key_id: key.public().key_id,
    };
    let signed = receipt.sign(key)?;
    let report = Report {
        receipt_id: receipt.receipt_id.clone(),
        sha256,
        size: upload.length,
        report_id,
        filename: upload.filename.clone(),
        key_id: upload.key_id.clone(),
        ip: upload.ip.clone(),
        received_at: receipt.received_at.clone(),
        encrypted,
        verification: serde_json::to_value(verification)?
            .as_str()
            .unwrap_or("")
            .into(),
        summary: summary.to_string(),
        status: "received".into(),
        receipt_json: signed.json,
        receipt_minisig: signed.minisig,
    };
    Ok(Finished::Stored(Box::new(
        state.index.insert_report(&report).await?,
    )))
}

type Checked = (Verification, Option<String>, serde_json::Value, bool);

/// Verifies the assembled file; a refusal when it is not a sound report.
async fn check(
    state: &State,
    path: &Path,
    upload: &Upload,
) -> Result<std::result::Result<Checked, Refusal>> {
    let mut head = [0u8; 34];
    let n = {
        let mut f = std::fs::File::open(path)?;
        testigo_core::private::read_up_to(&mut f, &mut head)?
    };
    let encrypted = head[..n].starts_with(AGE_MAGIC) || head[..n].starts_with(AGE_ARMOR);
    let identity = state.dir.join(crate::config::IDENTITY);
    if encrypted && !identity.is_file() {
        // The organization keeps its identity offline.
        return Ok(Ok((
            Verification::VerifyOnStaffMachine,
            None,
            json!({ "note": "encrypted to the organization; verify on a staff machine" }),
            true,
        )));
    }
    let opts = VerifyOptions {
        trusted_key: None,
        identity: encrypted.then_some(identity),
    };
    let path: PathBuf = path.into();
    let path_of_report = path.clone();
    let report = tokio::task::spawn_blocking(move || verify(&path, &opts, &mut |_, _| {})).await?;
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            return Ok(Err(Refusal::new(
                format!(
                    "the report cannot be read as a sealed report: {}",
                    e.localized(testigo_core::error::Lang::En)
                ),
                format!(
                    "el reporte no se puede leer como reporte sellado: {}",
                    e.localized(testigo_core::error::Lang::Es)
                ),
            )));
        }
    };
    if report.status == Status::Invalid {
        let (en, es): (Vec<_>, Vec<_>) = report
            .problems
            .iter()
            .take(3)
            .map(|p| (p.message.clone(), p.message_es.clone()))
            .unzip();
        return Ok(Err(Refusal::new(
            format!("the sealed report does not verify: {}", en.join("; ")),
            format!(
                "el reporte sellado no pasa la verificación: {}",
                es.join("; ")
            ),
        )));
    }
    let signer = report.signer.as_ref().map(|s| s.key_id.clone());
    if signer.as_deref() != Some(upload.key_id.as_str()) {
        return Ok(Err(Refusal::new(
            format!(
                "the report is signed by key {}, not the {} announced",
                signer.as_deref().unwrap_or("?"),
                upload.key_id
            ),
            format!(
                "el reporte lo firmó la clave {}, no la {} anunciada",
                signer.as_deref().unwrap_or("?"),
                upload.key_id
            ),
        )));
    }
    let contents = if report.encrypted {
        None
    } else {
        let path = path_of_report.clone();
        let bag = report.bag.clone();
        tokio::task::spawn_blocking(move || bag.and_then(|b| contents(&path, &b))).await?
    };
    let (item_list, packet) = contents.unwrap_or((Vec::new(), false));
    let summary = json!({
        "item_list": item_list,
        "packet": packet,
        "case": report.case,
        "items": report.items,
        "sealed_at": report.sealed_at,
        "payload_files": report.payload_files,
        "payload_bytes": report.payload_bytes,
        "signer": report.signer,
    });
    Ok(Ok((
        Verification::Verified,
        report.report_id.clone(),
        summary,
        report.encrypted,
    )))
}

/// Copies a local file into the store under `key`, streaming.
async fn put_file(state: &State, path: &Path, key: &object_store::path::Path) -> Result<()> {
    use tokio::io::AsyncReadExt as _;
    let mut f = tokio::fs::File::open(path).await?;
    let mut w = state.blobs.writer(key).await?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        w.wait_for_capacity(2).await?;
        w.write(&buf[..n]);
    }
    w.finish().await?;
    Ok(())
}

/// The largest `report.json` read for the inbox's list of items.
const MAX_REPORT_JSON: u64 = 64 << 20;
/// The largest packet the inbox serves.
const MAX_PACKET: u64 = 256 << 20;
/// The most items listed in the inbox for one report.
const MAX_LISTED: usize = 2000;

/// A verified plain report's items, as the inbox lists them, and whether
/// it holds a packet.
fn contents(path: &Path, bag: &str) -> Option<(Vec<serde_json::Value>, bool)> {
    let file = std::fs::File::open(path).ok()?;
    let mut zip = testigo_core::bundle::archive::open(std::io::BufReader::new(file)).ok()?;
    let find = |name: &str| {
        let full = format!("{bag}/{name}");
        zip.entries.iter().find(|e| e.name == full).map(|e| e.index)
    };
    let packet = find(testigo_core::report::PACKET_PATH).is_some();
    let index = find(testigo_core::bundle::REPORT)?;
    let bytes = zip.read_small(index, MAX_REPORT_JSON).ok()?;
    let report: testigo_core::report::Report = serde_json::from_slice(&bytes).ok()?;
    let short = |s: &Option<String>| s.as_ref().map(|t| t.chars().take(300).collect::<String>());
    let items = report
        .items
        .iter()
        .take(MAX_LISTED)
        .map(|it| {
            json!({
                "kind": it.kind.as_str(),
                "posted_at": it.posted_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                "platform": it.platform,
                "author": it.author,
                "url": it.url,
                "file_name": it.file_name,
                "text": short(&it.text).or_else(|| short(&it.notes)),
            })
        })
        .collect();
    Some((items, packet))
}

/// The packet (`data/report.pdf`) of a stored plain report; `None` for an
/// encrypted one or one without a packet.
pub async fn packet_pdf(state: &State, report: &Report) -> Result<Option<Vec<u8>>> {
    let Some(report_id) = report.report_id.clone().filter(|_| !report.encrypted) else {
        return Ok(None);
    };
    let tmp = tempfile::Builder::new()
        .prefix("packet-")
        .tempfile_in(state.dir.join("tmp"))?;
    {
        let mut out = std::io::BufWriter::new(tmp.as_file());
        let mut stream = state.blobs.read(&report_key(&report.sha256)).await?;
        while let Some(bytes) = stream.next().await {
            out.write_all(&bytes?)?;
        }
        out.flush()?;
    }
    let path = tmp.path().to_path_buf();
    let pdf = tokio::task::spawn_blocking(move || -> Option<Vec<u8>> {
        let file = std::fs::File::open(&path).ok()?;
        let mut zip = testigo_core::bundle::archive::open(std::io::BufReader::new(file)).ok()?;
        let full = format!(
            "{}/{}",
            testigo_core::bundle::base_dir(&report_id),
            testigo_core::report::PACKET_PATH
        );
        let index = zip.entries.iter().find(|e| e.name == full)?.index;
        zip.read_small(index, MAX_PACKET).ok()
    })
    .await?;
    drop(tmp);
    Ok(pdf)
}
