//! Report bundles: a signed BagIt bag (RFC 8493) in a ZIP, which anyone can
//! check with standard tools (`unzip`, `sha256sum`, `minisign`, `bagit.py`,
//! `age`) and which [`verify`](verify::verify) checks without a vault.
//!
//! Main types: [`Report`] (the `data/report.json` document, format
//! [`FORMAT`]), [`BundleFile`] (one payload file), [`seal::SealRequest`] and
//! [`seal::Sealed`] (sealing, in `seal.rs`), [`verify::VerifyReport`] (in
//! `verify.rs`), and the hostile-archive guard in `archive.rs`.
//!
//! Layout inside the ZIP, all under one base folder `testigo-report-<first 16
//! hex digits of the report id>/`, entries in byte order of their names:
//!
//! ```text
//! VERIFY.txt                       how to check the bundle (Spanish, English)
//! bag-info.txt                     BagIt metadata
//! bagit.txt                        BagIt declaration
//! data/evidence/<item>-<name>      the originals, byte for byte
//! data/report.json                 case, items, files, custody entries
//! data/report.pdf                  the printable packet (see `packet`)
//! manifest-sha256.txt              SHA-256 of every payload file
//! signer.pub                       the signer's minisign public key
//! tagmanifest-sha256.txt           SHA-256 of every tag file above
//! tagmanifest-sha256.txt.minisig   minisign signature of the tag manifest
//! ```
//!
//! The signature is the one tag file the tag manifest cannot list (it signs
//! it); everything else is reached from the signature through the two
//! manifests.

pub mod archive;
mod checks;
mod contents;
mod draft;
mod json_budget;
mod layout;
mod names;
pub mod seal;
mod tag_files;
pub mod verify;
mod writers;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::custody::Entry;
use crate::error::{Error, Result};
use crate::model::Item;

/// The versioned identifier of `data/report.json`'s schema.
pub const FORMAT: &str = "testigo-report/1";
/// Name of the signature file.
pub const SIGNATURE: &str = "tagmanifest-sha256.txt.minisig";
/// Name of the tag manifest.
pub const TAG_MANIFEST: &str = "tagmanifest-sha256.txt";
/// Name of the payload manifest.
pub const MANIFEST: &str = "manifest-sha256.txt";
/// Name of the signer's public key file.
pub const SIGNER_PUB: &str = "signer.pub";
/// Path of the report inside the bag.
pub const REPORT: &str = "data/report.json";
/// Folder of the originals inside the bag.
pub const EVIDENCE_DIR: &str = "data/evidence/";

pub use draft::report_time;

/// The software that wrote a bundle.
pub const SOFTWARE: &str = concat!("testigo ", env!("CARGO_PKG_VERSION"));

/// `data/report.json`. Its keys are documented in `docs/bundle.md`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// Always [`FORMAT`].
    pub format: String,
    /// First 32 hex digits of the SHA-256 of this document without this
    /// field, in canonical JSON (see [`report_id`]).
    pub report_id: String,
    /// When it was sealed (UTC, whole seconds; `SOURCE_DATE_EPOCH` when set).
    pub sealed_at: String,
    /// The software that sealed it.
    pub software: String,
    /// Who signed.
    pub signer: ReportSigner,
    /// The case the items belong to.
    pub case: ReportCase,
    /// Every item sealed, with all its fields.
    pub items: Vec<Item>,
    /// Every payload file besides this report.
    pub artifacts: Vec<BundleFile>,
    /// The custody entries of the items sealed, in log order.
    pub custody: Vec<Entry>,
    /// The printable packet in the bundle (`data/report.pdf`), described
    /// without its hash: the packet prints the report id, so the id cannot
    /// cover the packet's bytes. The payload manifest does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packet: Option<ReportPacket>,
}

/// The printable packet of a bundle, as `report.json` describes it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReportPacket {
    /// Path inside the bag: `data/report.pdf`.
    pub path: String,
    /// `application/pdf`.
    pub media_type: String,
    /// Language: `es` or `en`.
    pub lang: String,
    /// The IANA zone local times are shown in.
    pub time_zone: String,
    /// `letter` or `a4`.
    pub paper: String,
}

/// The signer, as written into the report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReportSigner {
    /// Minisign key id.
    pub key_id: String,
    /// Minisign public key (base64).
    pub public_key: String,
    /// Name, if set.
    pub name: Option<String>,
    /// Contact, if set.
    pub contact: Option<String>,
    /// Organization, if set.
    pub organization: Option<String>,
}

/// The case, as written into the report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReportCase {
    /// Case id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// When it was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A payload file of the bag.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BundleFile {
    /// Path inside the bag (`data/evidence/…`).
    pub path: String,
    /// The item it belongs to.
    pub item_id: String,
    /// `original`: the bytes imported into the vault.
    pub role: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Media type.
    pub media_type: String,
}

/// The report id of a report (given as JSON): the first 32 hex digits of
/// SHA-256 over `FORMAT`, a newline, and the report without its `report_id`
/// key as canonical JSON (keys sorted, no spaces, UTF-8 unescaped: Python's
/// `json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`).
pub fn report_id(report: &serde_json::Value) -> Result<String> {
    let Some(obj) = report.as_object() else {
        return Err(Error::invalid(
            "the report is not a JSON object",
            "el reporte no es un objeto JSON",
        ));
    };
    // The object without `report_id`, serialized straight into the hash
    // (no copy of a report that may be large).
    struct WithoutId<'a>(&'a serde_json::Map<String, serde_json::Value>);
    impl Serialize for WithoutId<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().filter(|(k, _)| k.as_str() != "report_id"))
        }
    }
    struct Hashing(Sha256);
    impl std::io::Write for Hashing {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut h = Hashing(Sha256::new());
    h.0.update(FORMAT.as_bytes());
    h.0.update(b"\n");
    serde_json::to_writer(&mut h, &WithoutId(obj))?;
    Ok(hex::encode(h.0.finalize())[..32].to_string())
}

/// The bag's base folder for a report id.
pub fn base_dir(report_id: &str) -> String {
    format!("testigo-report-{}", &report_id[..16.min(report_id.len())])
}

/// A manifest line's path, encoded as BagIt requires (`%`, CR, LF).
pub fn encode_path(path: &str) -> String {
    path.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Undoes [`encode_path`].
pub fn decode_path(path: &str) -> String {
    path.replace("%0D", "\r")
        .replace("%0d", "\r")
        .replace("%0A", "\n")
        .replace("%0a", "\n")
        .replace("%25", "%")
}

/// Writes a manifest: `<sha256>  <path>` lines, sorted by path.
pub fn format_manifest(entries: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = entries.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted
        .iter()
        .map(|(path, sha)| format!("{sha}  {}\n", encode_path(path)))
        .collect()
}

/// Reads a manifest into `(path, sha256)` pairs, and the numbers (from 1)
/// of the lines that cannot be read.
pub fn parse_manifest(text: &str) -> (Vec<(String, String)>, Vec<usize>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let mut parts = line.splitn(2, [' ', '\t']);
        let sha = parts.next().unwrap_or("");
        let path = parts.next().map(|p| p.trim_start_matches([' ', '\t', '*']));
        match path {
            Some(p)
                if sha.len() == 64
                    && sha.bytes().all(|b| b.is_ascii_hexdigit())
                    && !p.is_empty() =>
            {
                out.push((decode_path(p), sha.to_ascii_lowercase()));
            }
            _ => bad.push(n + 1),
        }
    }
    (out, bad)
}

/// The path of an item's original inside the bag: `data/evidence/<item
/// id>-<file name>`, the name reduced to letters, digits, `.`, `-` and `_`
/// (others become `_`) and to 80 characters, so it is unique, readable and
/// safe in any shell or file system.
pub fn evidence_path(item_id: &str, file_name: Option<&str>, media_type: Option<&str>) -> String {
    let mut name: String = file_name
        .unwrap_or("")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    name = name.trim_start_matches(['.', '_', '-']).to_string();
    // At most 80 characters and 200 bytes, so that with the item id the
    // name stays under the 255 bytes file systems allow.
    if name.chars().count() > 80 || name.len() > 200 {
        // Keep the extension when cutting.
        let ext: String = match name.rfind('.') {
            Some(i) if name.len() - i <= 10 => name[i..].to_string(),
            _ => String::new(),
        };
        let keep = 80 - ext.chars().count();
        let mut cut: String = name.chars().take(keep).collect();
        while cut.len() + ext.len() > 200 {
            cut.pop();
        }
        name = cut + &ext;
    }
    if name.is_empty() {
        let ext = media_type
            .and_then(mime_guess::get_mime_extensions_str)
            .and_then(|e| e.first())
            .map(|e| format!(".{e}"))
            .unwrap_or_default();
        name = format!("original{ext}");
    }
    format!("{EVIDENCE_DIR}{item_id}-{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_names_are_unique_readable_and_safe() {
        assert_eq!(
            evidence_path("01AB", Some("captura 1 (copia).png"), None),
            "data/evidence/01AB-captura_1__copia_.png"
        );
        assert_eq!(
            evidence_path("01AB", Some("../../etc/passwd"), None),
            "data/evidence/01AB-etc_passwd"
        );
        assert_eq!(
            evidence_path("01AB", Some("señal.jpg"), None),
            "data/evidence/01AB-señal.jpg"
        );
        assert_eq!(
            evidence_path("01AB", None, Some("image/png")),
            "data/evidence/01AB-original.png"
        );
        let long = format!("{}.jpeg", "a".repeat(300));
        let p = evidence_path("01AB", Some(&long), None);
        assert!(p.ends_with(".jpeg") && p.len() < 120, "{p}");
        let wide = format!("{}.png", "漢".repeat(100));
        let p = evidence_path("01ARZ3NDEKTSV4RRFFQ69G5FAV", Some(&wide), None);
        let part = p.rsplit('/').next().unwrap();
        assert!(part.ends_with(".png") && part.len() <= 255, "{p}");
    }

    #[test]
    fn manifests_round_trip_with_encoded_paths() {
        let entries = vec![
            ("data/b%\n.txt".to_string(), "b".repeat(64)),
            ("data/a.txt".to_string(), "A".repeat(64)),
        ];
        let text = format_manifest(&entries);
        assert!(text.starts_with(&format!("{}  data/a.txt\n", "A".repeat(64))));
        let (parsed, bad) = parse_manifest(&format!("{text}garbage\n"));
        assert_eq!(parsed[1].0, "data/b%\n.txt");
        assert_eq!(parsed[0].1, "a".repeat(64));
        assert_eq!(bad, vec![3]);
    }

    #[test]
    fn the_report_id_ignores_its_own_field_and_key_order() {
        let a = serde_json::json!({"format": FORMAT, "report_id": "x", "b": 1, "a": [1, 2]});
        let b = serde_json::json!({"a": [1, 2], "b": 1, "format": FORMAT});
        assert_eq!(report_id(&a).unwrap(), report_id(&b).unwrap());
        assert_eq!(report_id(&a).unwrap().len(), 32);
        // The same bytes as hashing the canonical text of a copy without it.
        let text = r#"{"a":[1,2],"b":1,"format":"testigo-report/1"}"#;
        let expected = hex::encode(Sha256::digest(format!("{FORMAT}\n{text}").as_bytes()));
        assert_eq!(report_id(&a).unwrap(), expected[..32]);
    }
}
