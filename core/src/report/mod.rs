//! The report layer, below both the bundle and the packet: a report's data
//! ([`Report`]: the items chosen, their files, their custody entries, the
//! signer, the case and the report id), built once by
//! [`Vault::draft_report`](crate::vault::Vault) (`draft.rs`). The packet
//! (`crate::packet`) renders it; the bundle (`crate::bundle`) assembles,
//! signs and writes it; `crate::seal` runs the steps in order. Neither of
//! those is imported here.
//!
//! Main types: [`Report`] (the `data/report.json` document, format
//! [`FORMAT`]), [`BundleFile`] (one payload file), [`report_id`] and
//! [`evidence_path`].

mod draft;

use serde::{Deserialize, Serialize};

use crate::custody::Entry;
use crate::error::{Error, Result};
use crate::hashing::HashingWriter;
use crate::record::Item;

pub use draft::report_time;

/// The versioned identifier of `data/report.json`'s schema.
pub const FORMAT: &str = "testigo-report/1";
/// Path of the packet inside a bundle.
pub const PACKET_PATH: &str = "data/report.pdf";
/// Folder of the originals inside the bag (see [`evidence_path`]).
pub const EVIDENCE_DIR: &str = "data/evidence/";

/// The software that wrote a bundle.
pub const SOFTWARE: &str = concat!("testigo ", env!("CARGO_PKG_VERSION"));

/// `data/report.json`. Its keys are documented in `docs/sealed-report.md`.
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
    let mut h = HashingWriter::new(std::io::sink());
    h.hash_only(FORMAT.as_bytes());
    h.hash_only(b"\n");
    serde_json::to_writer(&mut h, &WithoutId(obj))?;
    let (_, sha, _) = h.finish();
    Ok(sha[..32].to_string())
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
    use sha2::{Digest, Sha256};

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
