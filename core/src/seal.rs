//! Sealing: a signed report bundle of a case's items, optionally encrypted
//! with age, recorded in the custody log. [`Vault::seal`] reads as its
//! steps: draft the report (`crate::report`), render its packet
//! (`crate::packet`), assemble and sign the bag, write it
//! (`crate::bundle`), record the seal (`crate::custody`). This module is
//! the only one that knows all four; none of them knows this one.
//!
//! Main types: [`SealRequest`], [`SealProgress`] and [`Sealed`]. The bundle
//! is deterministic: its bytes depend only on the items (their fields,
//! originals and custody entries), the case, the signer and the sealing
//! time, which is `SOURCE_DATE_EPOCH` when given. Every bundle carries its
//! printable packet, `data/report.pdf`, printed before anything is written.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use serde::Serialize;
use serde_json::json;

use crate::bundle::assemble::Bag;
use crate::bundle::write::{self, Written};
use crate::custody::{self, Action, NewEntry};
use crate::error::Result;
use crate::packet::{self, InBundle, PacketOptions, PacketProgress};
use crate::report::{PACKET_PATH, report_time};
use crate::vault::Vault;

/// What to seal and where.
#[derive(Debug, Clone, Default)]
pub struct SealRequest {
    /// Case id, name or id prefix.
    pub case: String,
    /// Items (ids or prefixes); empty means every item of the case.
    pub items: Vec<String>,
    /// The ZIP to write. With recipients, `<out>.age` is written instead.
    pub out: PathBuf,
    /// age X25519 recipients (`age1…`).
    pub encrypt_to: Vec<String>,
    /// Seconds since 1970 to seal at (`SOURCE_DATE_EPOCH`); now otherwise.
    pub source_date_epoch: Option<i64>,
    /// How the packet inside the bundle (`data/report.pdf`) is printed.
    pub packet: PacketOptions,
}

/// How far sealing is.
#[derive(Debug, Clone)]
pub struct SealProgress<'a> {
    /// Payload bytes written so far.
    pub done: u64,
    /// Payload bytes in all.
    pub total: u64,
    /// The file being written (path inside the bag).
    pub file: &'a str,
    /// While the packet is being printed (before any byte is written), how
    /// far it is; `None` while files are written.
    pub packet: Option<PacketProgress>,
}

/// A bundle written.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct Sealed {
    /// The file written (absolute).
    pub path: PathBuf,
    /// The report id.
    pub report_id: String,
    /// SHA-256 of the file written.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// Whether it is age-encrypted.
    pub encrypted: bool,
    /// The age recipients it is encrypted to.
    pub recipients: Vec<String>,
    /// The case sealed.
    pub case_id: String,
    /// Ids of the items sealed.
    pub items: Vec<String>,
    /// Payload files (report and originals).
    pub files: usize,
    /// Payload bytes.
    pub payload_bytes: u64,
    /// Key id of the signing key.
    pub key_id: String,
    /// The sealing time.
    pub sealed_at: String,
}

/// A report this vault sealed, as its `sealed` custody entry recorded it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SealedReport {
    /// The report id.
    pub report_id: String,
    /// The case sealed.
    pub case_id: String,
    /// Where it was written.
    pub path: PathBuf,
    /// SHA-256 of the file written.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// Whether it is age-encrypted.
    pub encrypted: bool,
    /// Items sealed.
    pub items: usize,
    /// When it was sealed.
    pub sealed_at: chrono::DateTime<chrono::Utc>,
    /// Whether the file is still where it was written, unchanged in size.
    pub present: bool,
}

impl Vault {
    /// Every report this vault sealed, newest first, from the custody log,
    /// each with whether its file is still there.
    pub fn sealed_reports(&self) -> Result<Vec<SealedReport>> {
        let mut out = self.sealed_entries()?;
        for r in &mut out {
            r.present = std::fs::metadata(&r.path).is_ok_and(|m| m.is_file() && m.len() == r.size);
        }
        Ok(out)
    }

    /// The reports this vault sealed, newest first, as the custody log
    /// recorded them; `present` is left false (no file is looked at).
    pub(crate) fn sealed_entries(&self) -> Result<Vec<SealedReport>> {
        let mut out: Vec<SealedReport> =
            custody::entries(&self.db, custody::Scope::Action(Action::Sealed))?
                .into_iter()
                .filter_map(|e| {
                    let d = &e.detail;
                    Some(SealedReport {
                        report_id: d["report_id"].as_str()?.to_string(),
                        case_id: e.case_id?,
                        path: PathBuf::from(d["to"].as_str()?),
                        sha256: d["bundle_sha256"].as_str()?.to_string(),
                        size: d["size"].as_u64()?,
                        encrypted: d["encrypted_to"].as_array().is_some_and(|r| !r.is_empty()),
                        items: d["items"].as_array().map_or(0, Vec::len),
                        sealed_at: e.at,
                        present: false,
                    })
                })
                .collect();
        out.reverse();
        Ok(out)
    }

    /// Seals items of a case into a signed bundle; see the module docs.
    pub fn seal(
        &self,
        req: &SealRequest,
        progress: &mut dyn FnMut(SealProgress<'_>),
    ) -> Result<Sealed> {
        let recipients = write::parse_recipients(&req.encrypt_to)?;
        let sealed_at = report_time(req.source_date_epoch)?;
        let key = self.signing_key()?;
        let public = key.public();

        // Draft: the report's data, built once.
        let report = self.draft_report(
            &req.case,
            &req.items,
            sealed_at,
            &public,
            Some(req.packet.describe()),
        )?;

        // Render: the packet prints the hash of the payload manifest without
        // its own line, and the bag's VERIFY.txt.
        let mut bag = Bag::new(&report, &public)?;
        let in_bundle = InBundle {
            payload_sha256: bag.payload_manifest_sha256(),
            verify_txt: bag.verify_txt().to_string(),
        };
        let never = AtomicBool::new(false);
        let mut packet_progress = |p| {
            progress(SealProgress {
                done: 0,
                total: 0,
                file: PACKET_PATH,
                packet: Some(p),
            })
        };
        let pdf = self
            .render_packet(
                &report,
                &req.packet,
                packet::Place::InBundle(&in_bundle),
                sealed_at,
                &mut packet_progress,
                &never,
            )?
            .ok_or_else(packet::cancelled)?
            .pdf;

        // Assemble and sign.
        bag.add_packet(pdf);
        let signed = bag.sign(&report, &key);

        // Write.
        let dest = write::destination(&req.out, !recipients.is_empty());
        let (dest, sha256, size) = write::write(
            &self.objects,
            &signed,
            &dest,
            &recipients,
            &sealed_at,
            &mut |w: Written<'_>| {
                progress(SealProgress {
                    done: w.done,
                    total: w.total,
                    file: w.file,
                    packet: None,
                })
            },
        )?;

        // Record.
        let item_ids: Vec<String> = report.items.iter().map(|i| i.id.clone()).collect();
        custody::append(
            &self.db,
            NewEntry {
                action: Action::Sealed,
                case_id: Some(&report.case.id),
                item_id: None,
                sha256: None,
                detail: json!({
                    "report_id": report.report_id,
                    "bundle_sha256": sha256,
                    "size": size,
                    "to": dest.display().to_string(),
                    "encrypted_to": req.encrypt_to,
                    "items": item_ids,
                    "key_id": public.key_id,
                    "sealed_at": report.sealed_at,
                }),
            },
        )?;
        Ok(Sealed {
            path: dest,
            report_id: report.report_id,
            sha256,
            size,
            encrypted: !recipients.is_empty(),
            recipients: req.encrypt_to.clone(),
            case_id: report.case.id,
            items: item_ids,
            files: signed.payload_files,
            payload_bytes: signed.payload_bytes,
            key_id: public.key_id,
            sealed_at: report.sealed_at,
        })
    }
}
