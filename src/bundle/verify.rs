//! Verifying a bundle, sealed by any vault on any machine, without a vault:
//! the archive is safe, the signature holds, every tag and payload file
//! matches its manifest, nothing is missing or extra, and `report.json`
//! agrees with the payload.
//!
//! Main types: [`VerifyOptions`], [`VerifyReport`], [`Problem`] and its
//! [`ProblemKind`], [`Status`]. The ZIP is read in place (from the file, or
//! from the age decryptor, which can seek), never extracted: nothing is
//! written to disk.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::archive::{self, SafeArchive, unsafe_name};
use super::{FORMAT, MANIFEST, REPORT, SIGNATURE, SIGNER_PUB, TAG_MANIFEST, parse_manifest};
use crate::error::{Error, Result};
use crate::signing::{self, BadSignature, PublicKeyInfo};

/// Largest tag file read (16 MiB).
const MAX_TAG_FILE: u64 = 16 << 20;
/// Largest `report.json` read (256 MiB).
const MAX_REPORT: u64 = 256 << 20;
const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";
const AGE_ARMOR: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";

/// What to verify with.
#[derive(Default)]
pub struct VerifyOptions {
    /// The public key the signer is expected to have; without it the
    /// signature is checked with the bundle's own `signer.pub`.
    pub trusted_key: Option<PublicKeyInfo>,
    /// An age identity file, for `.age` bundles.
    pub identity: Option<PathBuf>,
}

/// The verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Intact, and signed by the trusted key.
    Valid,
    /// Intact and signed by the key inside it, but no trusted key was given,
    /// so who signed is not confirmed.
    Unconfirmed,
    /// Something is wrong; see the problems.
    Invalid,
}

/// Kinds of problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The archive is unsafe or unreadable; nothing else was checked.
    UnsafeArchive,
    /// A file differs from what its manifest says.
    Altered,
    /// A file its manifest (or the report) lists is not there.
    Missing,
    /// A file is there that no manifest (or the report) lists.
    Unexpected,
    /// The signature does not match the tag manifest, or cannot be read.
    BadSignature,
    /// The signature is good but made by another key than the trusted one.
    UntrustedKey,
    /// Files agree with their manifests but contradict each other.
    Inconsistent,
}

/// One problem, with the files (paths inside the bag) it concerns.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Problem {
    /// What kind.
    pub kind: ProblemKind,
    /// Paths inside the bag (`data/evidence/…`, `bag-info.txt`); entries
    /// outside the bag's folder are named from the archive's root.
    pub files: Vec<String>,
    /// What is wrong, in English.
    pub message: String,
}

/// One step of the verification and whether it passed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Check {
    /// `archive`, `signature`, `signer`, `tag_files`, `payload`,
    /// `completeness`, `report`.
    pub check: &'static str,
    /// `passed`, `failed` or `skipped`.
    pub result: &'static str,
}

/// Everything `verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// The verdict.
    pub status: Status,
    /// True only for [`Status::Valid`].
    pub valid: bool,
    /// The file verified.
    pub file: PathBuf,
    /// Whether it was age-encrypted.
    pub encrypted: bool,
    /// The bag's folder inside the archive.
    pub bag: Option<String>,
    /// The report id (from the signed comment when the signature holds).
    pub report_id: Option<String>,
    /// When it was sealed (from the signed comment when the signature holds).
    pub sealed_at: Option<String>,
    /// The case's name, from `report.json`.
    pub case: Option<String>,
    /// Number of items in `report.json`.
    pub items: Option<usize>,
    /// Payload files found.
    pub payload_files: usize,
    /// Payload bytes found.
    pub payload_bytes: u64,
    /// The signing key, as far as it is known.
    pub signer: Option<SignerInfo>,
    /// The steps, in order.
    pub checks: Vec<Check>,
    /// Every problem found.
    pub problems: Vec<Problem>,
}

/// Who signed.
#[derive(Debug, Clone, Serialize)]
pub struct SignerInfo {
    /// Key id of the key that made the signature.
    pub key_id: String,
    /// Its public key, when known.
    pub public_key: Option<String>,
    /// Its fingerprint, when known.
    pub fingerprint: Option<String>,
    /// True when it is the trusted key given.
    pub confirmed: bool,
    /// Name, contact and organization from `report.json` (unverified claims
    /// unless the key is confirmed).
    pub name: Option<String>,
    /// Contact.
    pub contact: Option<String>,
    /// Organization.
    pub organization: Option<String>,
}

/// Verifies the bundle at `path`; see the module docs. `Err` only when the
/// file cannot be opened or decrypted; everything found inside is reported.
pub fn verify(
    path: &Path,
    opts: &VerifyOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<VerifyReport> {
    let ctx = || format!("reading {}", path.display());
    let mut file = File::open(path).map_err(Error::io(ctx()))?;
    let mut head = [0u8; 34];
    let n = read_up_to(&mut file, &mut head).map_err(Error::io(ctx()))?;
    file.rewind().map_err(Error::io(ctx()))?;
    let mut report = VerifyReport {
        status: Status::Invalid,
        valid: false,
        file: path.to_path_buf(),
        encrypted: false,
        bag: None,
        report_id: None,
        sealed_at: None,
        case: None,
        items: None,
        payload_files: 0,
        payload_bytes: 0,
        signer: None,
        checks: Vec::new(),
        problems: Vec::new(),
    };
    if head[..n].starts_with(AGE_ARMOR) {
        return Err(Error::Invalid(
            "this is an ASCII-armored age file; decrypt it with `age -d` first".into(),
        ));
    }
    if head[..n].starts_with(AGE_MAGIC) {
        report.encrypted = true;
        let Some(id_path) = &opts.identity else {
            return Err(Error::Invalid(format!(
                "{} is encrypted with age; give your age identity file with --identity",
                path.display()
            )));
        };
        let identities = age::IdentityFile::from_file(id_path.display().to_string())
            .and_then(|f| f.into_identities().map_err(std::io::Error::other))
            .map_err(|e| {
                Error::Invalid(format!(
                    "cannot read the age identity file {} ({e}); give a file made by age-keygen",
                    id_path.display()
                ))
            })?;
        let decryptor = age::Decryptor::new(BufReader::new(file)).map_err(|e| {
            Error::Corrupt(format!(
                "{} is not a readable age file ({e}); it is damaged",
                path.display()
            ))
        })?;
        let reader = decryptor
            .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
            .map_err(|e| {
                Error::Invalid(format!(
                    "cannot decrypt {} with {} ({e}); it was encrypted to another key",
                    path.display(),
                    id_path.display()
                ))
            })?;
        check_archive(reader, opts, &mut report, progress);
    } else {
        check_archive(BufReader::new(file), opts, &mut report, progress);
    }
    report.status = if !report.problems.is_empty() {
        Status::Invalid
    } else if opts.trusted_key.is_some() {
        Status::Valid
    } else {
        Status::Unconfirmed
    };
    report.valid = report.status == Status::Valid;
    Ok(report)
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Collects problems and check results as verification goes.
struct Findings<'a> {
    report: &'a mut VerifyReport,
}

impl Findings<'_> {
    fn problem(&mut self, kind: ProblemKind, files: &[&str], message: impl Into<String>) {
        self.report.problems.push(Problem {
            kind,
            files: files.iter().map(|f| f.to_string()).collect(),
            message: message.into(),
        });
    }

    /// Runs a step and records whether it added problems.
    fn step(&mut self, check: &'static str, f: impl FnOnce(&mut Self)) {
        let before = self.report.problems.len();
        f(self);
        let result = if self.report.problems.len() == before {
            "passed"
        } else {
            "failed"
        };
        self.report.checks.push(Check { check, result });
    }

    fn skip(&mut self, checks: &[&'static str]) {
        for check in checks {
            self.report.checks.push(Check {
                check,
                result: "skipped",
            });
        }
    }
}

const STEPS_AFTER_ARCHIVE: &[&str] = &[
    "signature",
    "signer",
    "tag_files",
    "payload",
    "completeness",
    "report",
];

fn check_archive<R: Read + Seek>(
    reader: R,
    opts: &VerifyOptions,
    report: &mut VerifyReport,
    progress: &mut dyn FnMut(u64, u64),
) {
    let mut f = Findings { report };
    let mut zip = match archive::open(reader) {
        Ok(z) => z,
        Err(refusals) => {
            for r in refusals {
                let files: Vec<&str> = r.entry.as_deref().into_iter().collect();
                f.problem(ProblemKind::UnsafeArchive, &files, r.message);
            }
            f.report.checks.push(Check {
                check: "archive",
                result: "failed",
            });
            f.skip(STEPS_AFTER_ARCHIVE);
            return;
        }
    };
    // The bag's folder: where bagit.txt or a manifest sits, at most one level down.
    let bases: BTreeSet<String> = zip
        .entries
        .iter()
        .filter_map(|e| {
            let (dir, name) = e.name.rsplit_once('/').unwrap_or(("", &e.name));
            let known = ["bagit.txt", MANIFEST, TAG_MANIFEST].contains(&name);
            (known && !dir.contains('/') && !e.is_dir).then(|| {
                if dir.is_empty() {
                    String::new()
                } else {
                    format!("{dir}/")
                }
            })
        })
        .collect();
    let base = match bases.len() {
        1 => bases.into_iter().next().unwrap_or_default(),
        0 => {
            f.problem(
                ProblemKind::Missing,
                &["bagit.txt"],
                "no bagit.txt or manifest: this is not a BagIt bag",
            );
            f.report.checks.push(Check {
                check: "archive",
                result: "failed",
            });
            f.skip(STEPS_AFTER_ARCHIVE);
            return;
        }
        _ => {
            f.problem(
                ProblemKind::UnsafeArchive,
                &[],
                format!(
                    "the archive holds several bags ({}); a bundle holds one",
                    bases.into_iter().collect::<Vec<_>>().join(", ")
                ),
            );
            f.report.checks.push(Check {
                check: "archive",
                result: "failed",
            });
            f.skip(STEPS_AFTER_ARCHIVE);
            return;
        }
    };
    f.report.bag = Some(base.trim_end_matches('/').to_string());
    // Files by their path inside the bag.
    let mut files: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    f.step("archive", |f| {
        for e in &zip.entries {
            if e.is_dir {
                continue;
            }
            match e.name.strip_prefix(&base) {
                Some(rel) => {
                    files.insert(rel.to_string(), (e.index, e.size));
                }
                None => f.problem(
                    ProblemKind::Unexpected,
                    &[&e.name],
                    "outside the bag's folder",
                ),
            }
        }
    });
    let text = |zip: &mut SafeArchive<R>, f: &mut Findings, name: &str, limit: u64| {
        let (index, _) = *files.get(name)?;
        match zip.read_small(index, limit) {
            Ok(b) => Some(b),
            Err(why) => {
                f.problem(ProblemKind::Altered, &[name], format!("{name} {why}"));
                None
            }
        }
    };
    let tag_manifest = text(&mut zip, &mut f, TAG_MANIFEST, MAX_TAG_FILE);
    let signature = text(&mut zip, &mut f, SIGNATURE, MAX_TAG_FILE);
    let signer_pub = text(&mut zip, &mut f, SIGNER_PUB, MAX_TAG_FILE);
    let bag_info = text(&mut zip, &mut f, "bag-info.txt", MAX_TAG_FILE);
    let mut signed_comment: BTreeMap<String, String> = BTreeMap::new();

    f.step("signature", |f| {
        let (Some(tm), Some(sig)) = (&tag_manifest, &signature) else {
            for (name, have) in [
                (SIGNATURE, signature.is_some()),
                (TAG_MANIFEST, tag_manifest.is_some()),
            ] {
                if !have && !files.contains_key(name) {
                    f.problem(ProblemKind::Missing, &[name], "the bundle has no such file");
                }
            }
            return;
        };
        let sig = String::from_utf8_lossy(sig);
        let embedded = signer_pub
            .as_deref()
            .map(|b| PublicKeyInfo::parse(&String::from_utf8_lossy(b)));
        let signed_by = signing::signature_key_id(&sig);
        let key = match (&opts.trusted_key, &embedded) {
            (Some(k), _) => k.clone(),
            (None, Some(Ok(k))) => k.clone(),
            (None, Some(Err(_))) => {
                f.problem(
                    ProblemKind::BadSignature,
                    &[SIGNER_PUB, SIGNATURE],
                    "signer.pub is not a readable minisign public key, so the signature cannot be checked",
                );
                return;
            }
            (None, None) => {
                f.problem(
                    ProblemKind::Missing,
                    &[SIGNER_PUB],
                    "no signer.pub and no trusted key given (--pubkey), so the signature cannot be checked",
                );
                return;
            }
        };
        f.report.signer = Some(SignerInfo {
            key_id: signed_by.clone().unwrap_or_default(),
            public_key: None,
            fingerprint: None,
            confirmed: false,
            name: None,
            contact: None,
            organization: None,
        });
        match signing::verify_signature(&key, &sig, tm) {
            Ok(good) => {
                if let Some(s) = f.report.signer.as_mut() {
                    s.public_key = Some(key.public_key.clone());
                    s.fingerprint = Some(key.fingerprint.clone());
                    s.confirmed = opts.trusted_key.is_some();
                }
                signed_comment = parse_comment(&good.trusted_comment);
                let actual = hex::encode(Sha256::digest(tm));
                if signed_comment.get("tagmanifest-sha256") != Some(&actual) {
                    f.problem(
                        ProblemKind::Inconsistent,
                        &[SIGNATURE, TAG_MANIFEST],
                        "the signed comment names another tag manifest hash than the file's",
                    );
                }
                if let Some(Ok(k)) = &embedded
                    && k.key_id != key.key_id
                {
                    f.problem(
                        ProblemKind::Inconsistent,
                        &[SIGNER_PUB],
                        format!(
                            "signer.pub holds key {}, but the bundle was signed with {}",
                            k.key_id, key.key_id
                        ),
                    );
                }
            }
            Err(BadSignature::OtherKey {
                signed_by,
                expected,
            }) => {
                if opts.trusted_key.is_some() {
                    f.problem(
                        ProblemKind::UntrustedKey,
                        &[SIGNATURE, SIGNER_PUB],
                        format!(
                            "signed with key {signed_by}, not with the trusted key {expected}: do not trust this bundle"
                        ),
                    );
                } else {
                    f.problem(
                        ProblemKind::BadSignature,
                        &[SIGNATURE, SIGNER_PUB],
                        format!(
                            "signed with key {signed_by}, but signer.pub holds key {expected}"
                        ),
                    );
                }
            }
            Err(BadSignature::Mismatch) => f.problem(
                ProblemKind::BadSignature,
                &[SIGNATURE, TAG_MANIFEST],
                "the signature does not match tagmanifest-sha256.txt: one of the two was changed after signing",
            ),
            Err(BadSignature::Unreadable(e)) => f.problem(
                ProblemKind::BadSignature,
                &[SIGNATURE, TAG_MANIFEST],
                format!("the signature cannot be read ({e})"),
            ),
        }
    });
    f.step("signer", |f| {
        if opts.trusted_key.is_none() {
            return;
        }
        if !f.report.signer.as_ref().is_some_and(|s| s.confirmed)
            && !f
                .report
                .problems
                .iter()
                .any(|p| p.kind == ProblemKind::UntrustedKey)
        {
            f.problem(
                ProblemKind::UntrustedKey,
                &[SIGNATURE],
                "the signer could not be confirmed with the trusted key",
            );
        }
    });
    if let Some(id) = signed_comment.get("report") {
        f.report.report_id = Some(id.clone());
    }
    if let Some(t) = signed_comment.get("sealed") {
        f.report.sealed_at = Some(t.clone());
    }

    // Tag files.
    let mut listed_tags: BTreeSet<String> = BTreeSet::new();
    f.step("tag_files", |f| {
        if let Some(tm) = &tag_manifest {
            check_tag_manifest(&mut zip, f, &files, tm, &mut listed_tags);
        }
        if let Some(&(index, _)) = files.get("bagit.txt") {
            match zip.read_small(index, MAX_TAG_FILE) {
                Ok(b) => {
                    let t = String::from_utf8_lossy(&b);
                    if !t.contains("BagIt-Version:")
                        || !t.contains("Tag-File-Character-Encoding: UTF-8")
                    {
                        f.problem(
                            ProblemKind::Inconsistent,
                            &["bagit.txt"],
                            "not a BagIt declaration (BagIt-Version, Tag-File-Character-Encoding: UTF-8)",
                        );
                    }
                }
                // Already reported when the tag manifest lists it.
                Err(why) if tag_manifest.is_none() || !listed_tags.contains("bagit.txt") => {
                    f.problem(ProblemKind::Altered, &["bagit.txt"], format!("bagit.txt {why}"))
                }
                Err(_) => {}
            }
        }
    });

    // Payload files.
    let mut payload: BTreeMap<String, (String, u64)> = BTreeMap::new();
    let manifest = text(&mut zip, &mut f, MANIFEST, MAX_TAG_FILE);
    f.step("payload", |f| {
        let Some(m) = &manifest else { return };
        let (entries, bad) = parse_manifest(&String::from_utf8_lossy(m));
        for b in bad {
            f.problem(ProblemKind::Altered, &[MANIFEST], b);
        }
        let total: u64 = entries
            .iter()
            .filter_map(|(p, _)| files.get(p).map(|x| x.1))
            .sum();
        let mut done = 0u64;
        for (path, sha) in entries {
            if !path.starts_with("data/") || unsafe_name(&path).is_some() {
                f.problem(
                    ProblemKind::Inconsistent,
                    &[MANIFEST],
                    format!("lists `{path}`, which is not a payload path"),
                );
                continue;
            }
            let Some(&(index, size)) = files.get(&path) else {
                f.problem(
                    ProblemKind::Missing,
                    &[&path],
                    "listed in manifest-sha256.txt but not in the bundle",
                );
                continue;
            };
            let base_done = done;
            if let Some(actual) =
                hash_and_compare(&mut zip, f, &path, index, &sha, MANIFEST, &mut |n| {
                    progress(base_done + n, total)
                })
            {
                payload.insert(path.clone(), actual);
            }
            done += size;
            progress(done, total);
        }
    });
    f.report.payload_files = payload.len();
    f.report.payload_bytes = payload.values().map(|v| v.1).sum();

    f.step("completeness", |f| {
        for path in files.keys() {
            let listed = if path.starts_with("data/") {
                manifest.is_none() || payload.contains_key(path) || listed_in(&manifest, path)
            } else {
                path == TAG_MANIFEST || path == SIGNATURE || listed_tags.contains(path)
            };
            if !listed {
                let which = if path.starts_with("data/") {
                    MANIFEST
                } else {
                    TAG_MANIFEST
                };
                f.problem(
                    ProblemKind::Unexpected,
                    &[path],
                    format!("in the bundle but not listed in {which}"),
                );
            }
        }
        if let Some(info) = &bag_info {
            let info = String::from_utf8_lossy(info);
            let oxum = format!("{}.{}", f.report.payload_bytes, f.report.payload_files);
            match bag_info_value(&info, "Payload-Oxum") {
                Some(v) if v == oxum => {}
                Some(v) => f.problem(
                    ProblemKind::Inconsistent,
                    &["bag-info.txt"],
                    format!("Payload-Oxum says {v}, the payload is {oxum} (bytes.files)"),
                ),
                None => {}
            }
        }
    });

    f.step("report", |f| {
        check_report(&mut zip, f, &files, &payload, &signed_comment, &bag_info)
    });
}

/// Checks every tag file the tag manifest lists; records which it lists.
fn check_tag_manifest<R: Read + Seek>(
    zip: &mut SafeArchive<R>,
    f: &mut Findings,
    files: &BTreeMap<String, (usize, u64)>,
    tm: &[u8],
    listed_tags: &mut BTreeSet<String>,
) {
    let (entries, bad) = parse_manifest(&String::from_utf8_lossy(tm));
    for b in bad {
        f.problem(ProblemKind::Altered, &[TAG_MANIFEST], b);
    }
    for (path, sha) in entries {
        if path.starts_with("data/")
            || path == TAG_MANIFEST
            || path == SIGNATURE
            || unsafe_name(&path).is_some()
        {
            f.problem(
                ProblemKind::Inconsistent,
                &[TAG_MANIFEST],
                format!("lists `{path}`, which cannot be a tag file"),
            );
            continue;
        }
        listed_tags.insert(path.clone());
        let Some(&(index, _)) = files.get(&path) else {
            f.problem(
                ProblemKind::Missing,
                &[&path],
                "listed in tagmanifest-sha256.txt but not in the bundle",
            );
            continue;
        };
        hash_and_compare(zip, f, &path, index, &sha, TAG_MANIFEST, &mut |_| {});
    }
    for required in ["bagit.txt", "bag-info.txt", MANIFEST] {
        if !listed_tags.contains(required) {
            f.problem(
                ProblemKind::Missing,
                &[required],
                "tagmanifest-sha256.txt does not list it",
            );
        }
    }
}

fn listed_in(manifest: &Option<Vec<u8>>, path: &str) -> bool {
    manifest.as_ref().is_some_and(|m| {
        parse_manifest(&String::from_utf8_lossy(m))
            .0
            .iter()
            .any(|(p, _)| p == path)
    })
}

/// Hashes an entry and compares it with its manifest's hash. Returns the
/// actual hash and size when the entry could be read.
fn hash_and_compare<R: Read + Seek>(
    zip: &mut SafeArchive<R>,
    f: &mut Findings,
    path: &str,
    index: usize,
    expected: &str,
    manifest: &str,
    progress: &mut dyn FnMut(u64),
) -> Option<(String, u64)> {
    let mut hasher = HashSink {
        hasher: Sha256::new(),
        done: 0,
        progress,
    };
    match zip.stream(index, &mut hasher) {
        Ok(size) => {
            let actual = hex::encode(hasher.hasher.finalize());
            if actual != expected {
                f.problem(
                    ProblemKind::Altered,
                    &[path],
                    format!("its SHA-256 is {actual}; {manifest} says {expected}"),
                );
            }
            Some((actual, size))
        }
        Err(why) => {
            f.problem(ProblemKind::Altered, &[path], format!("{path} {why}"));
            None
        }
    }
}

struct HashSink<'a> {
    hasher: Sha256,
    done: u64,
    progress: &'a mut dyn FnMut(u64),
}

impl std::io::Write for HashSink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.hasher.update(buf);
        let before = self.done >> 22;
        self.done += buf.len() as u64;
        if self.done >> 22 != before {
            (self.progress)(self.done);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `key:value` words of the signed comment (the first word is the format).
fn parse_comment(comment: &str) -> BTreeMap<String, String> {
    comment
        .split_whitespace()
        .filter_map(|w| w.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn bag_info_value(info: &str, label: &str) -> Option<String> {
    info.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim().eq_ignore_ascii_case(label)).then(|| v.trim().to_string())
    })
}

/// `report.json` agrees with the payload, the signature and `bag-info.txt`.
fn check_report<R: Read + Seek>(
    zip: &mut SafeArchive<R>,
    f: &mut Findings,
    files: &BTreeMap<String, (usize, u64)>,
    payload: &BTreeMap<String, (String, u64)>,
    signed: &BTreeMap<String, String>,
    bag_info: &Option<Vec<u8>>,
) {
    let Some(&(index, _)) = files.get(REPORT) else {
        f.problem(
            ProblemKind::Missing,
            &[REPORT],
            "the bundle has no report.json",
        );
        return;
    };
    let bytes = match zip.read_small(index, MAX_REPORT) {
        Ok(b) => b,
        Err(why) => {
            f.problem(ProblemKind::Altered, &[REPORT], format!("{REPORT} {why}"));
            return;
        }
    };
    let value: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            f.problem(
                ProblemKind::Inconsistent,
                &[REPORT],
                format!("not readable JSON ({e})"),
            );
            return;
        }
    };
    if value["format"] != FORMAT {
        f.problem(
            ProblemKind::Inconsistent,
            &[REPORT],
            format!("its format is {}, not {FORMAT}", value["format"]),
        );
        return;
    }
    let claimed = value["report_id"].as_str().unwrap_or("").to_string();
    if super::report_id(&value).ok().as_deref() != Some(claimed.as_str()) {
        f.problem(
            ProblemKind::Inconsistent,
            &[REPORT],
            "its report_id does not match its content",
        );
    }
    if signed.get("report").is_some_and(|id| *id != claimed) {
        f.problem(
            ProblemKind::Inconsistent,
            &[REPORT, SIGNATURE],
            "the signed comment names another report id",
        );
    }
    if let Some(info) = bag_info
        && bag_info_value(&String::from_utf8_lossy(info), "External-Identifier")
            .is_some_and(|id| id != claimed)
    {
        f.problem(
            ProblemKind::Inconsistent,
            &["bag-info.txt", REPORT],
            "External-Identifier names another report id",
        );
    }
    f.report.case = value["case"]["name"].as_str().map(str::to_string);
    f.report.items = value["items"].as_array().map(Vec::len);
    if let Some(s) = f.report.signer.as_mut() {
        let field = |k: &str| value["signer"][k].as_str().map(str::to_string);
        s.name = field("name");
        s.contact = field("contact");
        s.organization = field("organization");
    }
    let artifacts: Vec<super::BundleFile> = match serde_json::from_value(value["artifacts"].clone())
    {
        Ok(a) => a,
        Err(e) => {
            f.problem(
                ProblemKind::Inconsistent,
                &[REPORT],
                format!("its artifacts cannot be read ({e})"),
            );
            return;
        }
    };
    let mut listed = BTreeSet::new();
    for a in &artifacts {
        listed.insert(a.path.as_str());
        match payload.get(&a.path) {
            None if !files.contains_key(&a.path) => f.problem(
                ProblemKind::Missing,
                &[&a.path],
                "listed in data/report.json but not in the bundle",
            ),
            None => {}
            Some((sha, size)) if *sha != a.sha256 || *size != a.size => f.problem(
                ProblemKind::Inconsistent,
                &[&a.path, REPORT],
                format!(
                    "data/report.json says {} bytes with SHA-256 {}; the file has {size} bytes with {sha}",
                    a.size, a.sha256
                ),
            ),
            Some(_) => {}
        }
    }
    for path in files.keys().filter(|p| p.starts_with("data/")) {
        if path != REPORT && !listed.contains(path.as_str()) {
            f.problem(
                ProblemKind::Unexpected,
                &[path],
                "in the payload but not listed in data/report.json",
            );
        }
    }
}
