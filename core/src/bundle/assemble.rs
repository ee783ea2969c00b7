//! Assembling a report into the files of a bag and signing it: the payload
//! manifest, the tag files (`bagit.txt`, `bag-info.txt`, `VERIFY.txt`,
//! `signer.pub`), the tag manifest and its minisign signature. Nothing here
//! touches the disk; `write.rs` writes what [`Bag::sign`] returns.

use sha2::{Digest, Sha256};

use super::{
    FORMAT, MANIFEST, REPORT, Report, SIGNATURE, SIGNER_PUB, TAG_MANIFEST, base_dir,
    format_manifest, tag_files,
};
use crate::error::Result;
use crate::report::PACKET_PATH;
use crate::signing::{PublicKeyInfo, SigningKey};

/// What an entry of the ZIP holds.
pub enum Content {
    /// Bytes made while sealing (the report, the packet, a tag file).
    Bytes(Vec<u8>),
    /// An original, streamed from the vault's object store.
    Object {
        /// Its SHA-256.
        sha256: String,
        /// Its size in bytes.
        size: u64,
    },
}

impl Content {
    /// Its size in bytes.
    pub fn size(&self) -> u64 {
        match self {
            Content::Bytes(b) => b.len() as u64,
            Content::Object { size, .. } => *size,
        }
    }
}

/// A report laid out as a bag's payload, before it is signed.
pub struct Bag {
    base: String,
    payload: Vec<(String, String)>,
    files: Vec<(String, Content)>,
    verify_txt: String,
}

/// A bag with its tag files and signature: every entry of the ZIP, in the
/// order written (byte order of their paths).
pub struct Signed {
    /// The base folder every entry is under.
    pub base: String,
    /// Path inside the bag and content of every entry.
    pub files: Vec<(String, Content)>,
    /// Payload files (the report, the packet, the originals).
    pub payload_files: usize,
    /// Their bytes.
    pub payload_bytes: u64,
}

impl Bag {
    /// The report (`data/report.json`) and the originals it lists, signed
    /// later with the key `public` names.
    pub fn new(report: &Report, public: &PublicKeyInfo) -> Result<Bag> {
        let mut report_json = serde_json::to_vec_pretty(report)?;
        report_json.push(b'\n');
        let mut payload = vec![(
            REPORT.to_string(),
            hex::encode(Sha256::digest(&report_json)),
        )];
        payload.extend(
            report
                .artifacts
                .iter()
                .map(|a| (a.path.clone(), a.sha256.clone())),
        );
        let mut files = vec![(REPORT.to_string(), Content::Bytes(report_json))];
        files.extend(report.artifacts.iter().map(|a| {
            (
                a.path.clone(),
                Content::Object {
                    sha256: a.sha256.clone(),
                    size: a.size,
                },
            )
        }));
        let base = base_dir(&report.report_id);
        let verify_txt = tag_files::verify_txt(&base, &report.report_id, public);
        Ok(Bag {
            base,
            payload,
            files,
            verify_txt,
        })
    }

    /// SHA-256 of the payload manifest as it stands (before the packet is
    /// added): the packet prints it (see `docs/sealed-report.md`).
    pub fn payload_manifest_sha256(&self) -> String {
        hex::encode(Sha256::digest(format_manifest(&self.payload).as_bytes()))
    }

    /// The bag's `VERIFY.txt`, which the packet prints too.
    pub fn verify_txt(&self) -> &str {
        &self.verify_txt
    }

    /// Adds the printed packet (`data/report.pdf`) to the payload.
    pub fn add_packet(&mut self, pdf: Vec<u8>) {
        self.payload
            .push((PACKET_PATH.into(), hex::encode(Sha256::digest(&pdf))));
        self.files.push((PACKET_PATH.into(), Content::Bytes(pdf)));
    }

    /// Writes the tag files and signs the tag manifest with `key`.
    pub fn sign(self, report: &Report, key: &SigningKey) -> Signed {
        let public = key.public();
        let payload_bytes: u64 = self.files.iter().map(|(_, c)| c.size()).sum();
        let payload_files = self.payload.len();
        let mut tags: Vec<(String, Vec<u8>)> = vec![
            ("bagit.txt".into(), tag_files::bagit_txt().into_bytes()),
            (
                "bag-info.txt".into(),
                tag_files::bag_info(report, payload_bytes, payload_files).into_bytes(),
            ),
            (MANIFEST.into(), format_manifest(&self.payload).into_bytes()),
            (SIGNER_PUB.into(), public.pub_file.clone().into_bytes()),
            ("VERIFY.txt".into(), self.verify_txt.into_bytes()),
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
        let mut files = self.files;
        files.extend(tags.into_iter().map(|(p, b)| (p, Content::Bytes(b))));
        files.sort_by(|a, b| a.0.cmp(&b.0));
        Signed {
            base: self.base,
            files,
            payload_files,
            payload_bytes,
        }
    }
}
