//! Sealing: writing a signed report bundle of a case's items, optionally
//! encrypted with age, and recording it in the custody log.
//!
//! Main types: [`SealRequest`], [`SealProgress`] and [`Sealed`]; the work is
//! [`Vault::seal`]. The bundle is deterministic: its bytes depend only on the
//! items (their fields, originals and custody entries), the case, the signer
//! and the sealing time, which is `SOURCE_DATE_EPOCH` when given. Entries are
//! stored (not compressed), in byte order of their names, with the sealing
//! time as their date and mode 0644; the ZIP is written as a stream (sizes in
//! data descriptors, ZIP64 for entries of 4 GiB or more), so the same bytes go
//! to a file or into the age encryptor, and no plaintext copy ever touches the
//! disk when encrypting. Every bundle carries its printable packet,
//! `data/report.pdf`, printed before anything is written (see `packet`).

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::AtomicBool;

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;

use super::writers::{HashingWriter, ProgressWriter};
use super::{
    FORMAT, MANIFEST, REPORT, SIGNATURE, SIGNER_PUB, TAG_MANIFEST, base_dir, format_manifest,
    report_time, tag_files,
};
use crate::custody::{self, Action, NewEntry};
use crate::error::{Error, IoContext, Result};
use crate::packet::{InBundle, PACKET_PATH, PacketOptions, PacketProgress};
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

/// An entry of the ZIP, in the order written.
enum Content {
    Bytes(Vec<u8>),
    Object { sha256: String, size: u64 },
}

impl Vault {
    /// Seals items of a case into a signed bundle; see the module docs.
    pub fn seal(
        &self,
        req: &SealRequest,
        progress: &mut dyn FnMut(SealProgress<'_>),
    ) -> Result<Sealed> {
        let recipients = parse_recipients(&req.encrypt_to)?;
        let sealed_at = report_time(req.source_date_epoch)?;
        let key = self.signing_key()?;
        let public = key.public();
        let signer = self.signer()?;
        let report = self.draft_report(
            &req.case,
            &req.items,
            sealed_at,
            &public,
            Some(req.packet.describe()),
        )?;
        let artifacts = &report.artifacts;
        let mut report_json = serde_json::to_vec_pretty(&report)?;
        report_json.push(b'\n');

        // The bag's files, by path inside the bag.
        let mut payload: Vec<(String, String)> =
            vec![(REPORT.into(), hex::encode(Sha256::digest(&report_json)))];
        payload.extend(artifacts.iter().map(|a| (a.path.clone(), a.sha256.clone())));
        let base = base_dir(&report.report_id);
        let verify_txt = tag_files::verify_txt(&base, &report.report_id, &public);

        // The packet prints the hash of the payload manifest without its own line.
        let in_bundle = InBundle {
            payload_sha256: hex::encode(Sha256::digest(format_manifest(&payload).as_bytes())),
            verify_txt: verify_txt.clone(),
        };
        let never = AtomicBool::new(false);
        let rendered = self
            .render_packet(
                &report,
                &req.packet,
                Some(&in_bundle),
                sealed_at,
                &mut |p| {
                    progress(SealProgress {
                        done: 0,
                        total: 0,
                        file: PACKET_PATH,
                        packet: Some(p),
                    })
                },
                &never,
            )?
            .ok_or_else(crate::packet::cancelled)?;
        let pdf = rendered.pdf;
        payload.push((PACKET_PATH.into(), hex::encode(Sha256::digest(&pdf))));

        let payload_bytes: u64 = report_json.len() as u64
            + pdf.len() as u64
            + artifacts.iter().map(|a| a.size).sum::<u64>();
        let mut files: Vec<(String, Content)> = vec![
            (REPORT.into(), Content::Bytes(report_json)),
            (PACKET_PATH.into(), Content::Bytes(pdf)),
        ];
        files.extend(artifacts.iter().map(|a| {
            (
                a.path.clone(),
                Content::Object {
                    sha256: a.sha256.clone(),
                    size: a.size,
                },
            )
        }));
        let mut tags: Vec<(String, Vec<u8>)> = vec![
            ("bagit.txt".into(), tag_files::bagit_txt().into_bytes()),
            (
                "bag-info.txt".into(),
                tag_files::bag_info(
                    &report,
                    &signer,
                    &public,
                    payload_bytes,
                    payload.len(),
                    &report.case.name,
                )
                .into_bytes(),
            ),
            (MANIFEST.into(), format_manifest(&payload).into_bytes()),
            (SIGNER_PUB.into(), public.pub_file.clone().into_bytes()),
            ("VERIFY.txt".into(), verify_txt.into_bytes()),
        ];
        let tag_hashes: Vec<(String, String)> = tags
            .iter()
            .map(|(p, b)| (p.clone(), hex::encode(Sha256::digest(b))))
            .collect();
        let tag_manifest = format_manifest(&tag_hashes).into_bytes();
        let trusted = format!(
            "{FORMAT} report:{} sealed:{} tagmanifest-sha256:{}",
            report.report_id,
            report.sealed_at,
            hex::encode(Sha256::digest(&tag_manifest))
        );
        let signature = key.sign(
            &tag_manifest,
            &trusted,
            &format!("signature from testigo signing key {}", public.key_id),
        );
        tags.push((SIGNATURE.into(), signature.into_bytes()));
        tags.push((TAG_MANIFEST.into(), tag_manifest));
        files.extend(tags.into_iter().map(|(p, b)| (p, Content::Bytes(b))));
        files.sort_by(|a, b| a.0.cmp(&b.0));

        let dest = if recipients.is_empty() {
            req.out.clone()
        } else {
            let mut name = req.out.as_os_str().to_owned();
            name.push(".age");
            PathBuf::from(name)
        };
        let dest = std::path::absolute(&dest).unwrap_or(dest);
        let mut tmp_name = dest.as_os_str().to_owned();
        tmp_name.push(".part");
        let tmp = PathBuf::from(tmp_name);
        let written = self.write_bundle(
            &tmp,
            &base,
            &files,
            &recipients,
            zip_time(&sealed_at)?,
            payload_bytes,
            progress,
        );
        let (sha256, size) = match written {
            Ok(v) => v,
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
        };
        fs::rename(&tmp, &dest).map_err(Error::io(IoContext::Writing(dest.clone())))?;
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
            files: payload.len(),
            payload_bytes,
            key_id: public.key_id,
            sealed_at: report.sealed_at,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn write_bundle(
        &self,
        tmp: &Path,
        base: &str,
        files: &[(String, Content)],
        recipients: &[age::x25519::Recipient],
        time: zip::DateTime,
        total: u64,
        progress: &mut dyn FnMut(SealProgress<'_>),
    ) -> Result<(String, u64)> {
        let ctx = || IoContext::Writing(tmp.into());
        // 0600 from the first byte: a report is plaintext evidence.
        let file = crate::private::create_file(tmp).map_err(Error::io(ctx()))?;
        let out = HashingWriter::new(BufWriter::with_capacity(1 << 20, file));
        let out = if recipients.is_empty() {
            self.write_zip(out, base, files, time, total, progress)?
        } else {
            let encryptor = age::Encryptor::with_recipients(
                recipients.iter().map(|r| r as &dyn age::Recipient),
            )
            .map_err(|e| {
                Error::invalid(
                    format!("cannot encrypt to these recipients: {e}"),
                    format!("no se puede cifrar para estos destinatarios: {e}"),
                )
            })?;
            let w = encryptor.wrap_output(out).map_err(Error::io(ctx()))?;
            let w = self.write_zip(w, base, files, time, total, progress)?;
            w.finish().map_err(Error::io(ctx()))?
        };
        let (buf, sha256, size) = out.finish();
        let file = buf
            .into_inner()
            .map_err(|e| Error::io(ctx())(e.into_error()))?;
        file.sync_all().map_err(Error::io(ctx()))?;
        Ok((sha256, size))
    }

    fn write_zip<W: Write>(
        &self,
        out: W,
        base: &str,
        files: &[(String, Content)],
        time: zip::DateTime,
        total: u64,
        progress: &mut dyn FnMut(SealProgress<'_>),
    ) -> Result<W> {
        // The disk's own error when there is one (a full disk, say), so it
        // can be explained.
        let zip_err = |e: zip::result::ZipError| {
            Error::io(IoContext::WritingBundle)(match e {
                zip::result::ZipError::Io(e) => e,
                other => io::Error::other(other),
            })
        };
        let mut zip = zip::ZipWriter::new_stream(out);
        let mut done = 0u64;
        for (path, content) in files {
            let size = match content {
                Content::Bytes(b) => b.len() as u64,
                Content::Object { size, .. } => *size,
            };
            let options = SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored)
                .last_modified_time(time)
                .system(zip::System::Unix)
                .unix_permissions(0o644)
                .large_file(size >= u64::from(u32::MAX));
            zip.start_file(format!("{base}/{path}"), options)
                .map_err(zip_err)?;
            match content {
                Content::Bytes(b) => {
                    zip.write_all(b)
                        .map_err(Error::io(IoContext::WritingBundle))?;
                    done += b.len() as u64;
                }
                Content::Object { sha256, .. } => {
                    let mut w = ProgressWriter {
                        inner: &mut zip,
                        done,
                        total,
                        file: path,
                        progress: &mut *progress,
                        last: 0,
                    };
                    let n = self.objects.copy_to(sha256, &mut w)?;
                    done += n;
                }
            }
            progress(SealProgress {
                done,
                total,
                file: path,
                packet: None,
            });
        }
        let stream = zip.finish().map_err(zip_err)?;
        Ok(stream.into_inner())
    }
}

fn parse_recipients(given: &[String]) -> Result<Vec<age::x25519::Recipient>> {
    given
        .iter()
        .map(|r| {
            age::x25519::Recipient::from_str(r.trim()).map_err(|e| {
                Error::invalid(
                    format!("`{r}` is not an age recipient ({e}); give an X25519 public key starting with age1"),
                    format!("`{r}` no es un destinatario age ({e}); da una clave pública X25519 que empiece por age1"),
                )
            })
        })
        .collect()
}

/// The ZIP entry time: the sealing time in UTC, clamped to the DOS range.
fn zip_time(t: &DateTime<Utc>) -> Result<zip::DateTime> {
    let year = t.year().clamp(1980, 2107);
    let fixed = if year != t.year() {
        zip::DateTime::from_date_and_time(year as u16, 1, 1, 0, 0, 0)
    } else {
        zip::DateTime::from_date_and_time(
            year as u16,
            t.month() as u8,
            t.day() as u8,
            t.hour() as u8,
            t.minute() as u8,
            t.second() as u8,
        )
    };
    fixed.map_err(|e| {
        Error::invalid(
            format!("the sealing time cannot be stored in a ZIP: {e}"),
            format!("la hora del sellado no se puede guardar en un ZIP: {e}"),
        )
    })
}
