//! Report bundles: a signed BagIt bag (RFC 8493) in a ZIP, which anyone can
//! check with standard tools (`unzip`, `sha256sum`, `minisign`, `bagit.py`,
//! `age`) and which [`verify`](verify::verify) checks without a vault.
//!
//! The bundle is the file that carries a report (`crate::report`): this
//! module assembles and signs it ([`assemble::Bag`]), writes it
//! ([`write::write`]) and checks one without a vault ([`verify::verify`],
//! [`verify::VerifyReport`]), with the hostile-archive guard in
//! `archive.rs`. `crate::seal` runs the steps in order.
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
pub mod assemble;
mod checks;
mod contents;
mod findings;
mod json_budget;
mod layout;
mod names;
mod tag_files;
pub mod verify;
pub mod write;
mod writers;

// The report's data and names, which the bundle's files carry.
pub use crate::report::{
    BundleFile, EVIDENCE_DIR, FORMAT, Report, ReportCase, ReportPacket, ReportSigner, SOFTWARE,
    evidence_path, report_id, report_time,
};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
