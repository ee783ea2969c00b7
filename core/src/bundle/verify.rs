//! Verifying a bundle, sealed by any vault on any machine, without a vault:
//! the archive is safe, the signature holds, every tag and payload file
//! matches its manifest, nothing is missing or extra, and `report.json`
//! agrees with the payload.
//!
//! Main types: [`VerifyOptions`], [`VerifyReport`], [`Problem`] and its
//! [`ProblemKind`], [`Status`]. The ZIP is read in place (from the file, or
//! from the age decryptor, which can seek), never extracted: nothing is
//! written to disk.

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, IoContext, Message, Result};
use crate::import::read_up_to;
use crate::signing::PublicKeyInfo;

const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";
const AGE_ARMOR: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";
/// Longest age header read (a few hundred recipients).
const MAX_AGE_HEADER: usize = 256 << 10;
/// Most problems listed; past it they are counted (a hostile bundle can
/// hold 100,000 bad entries, each worth several).
pub const MAX_PROBLEMS: usize = 1_000;

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
#[cfg_attr(feature = "specta", derive(specta::Type))]
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
#[cfg_attr(feature = "specta", derive(specta::Type))]
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
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Problem {
    /// What kind.
    pub kind: ProblemKind,
    /// Paths inside the bag (`data/evidence/…`, `bag-info.txt`); entries
    /// outside the bag's folder are named from the archive's root.
    pub files: Vec<String>,
    /// What is wrong, in English.
    pub message: String,
    /// What is wrong, in Spanish.
    pub message_es: String,
}

/// One step of the verification and whether it passed.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Check {
    /// `archive`, `signature`, `signer`, `tag_files`, `payload`,
    /// `completeness`, `report`.
    pub check: &'static str,
    /// `passed`, `failed` or `skipped`.
    pub result: &'static str,
}

/// Everything `verify` found.
#[cfg_attr(feature = "specta", derive(specta::Type))]
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
#[cfg_attr(feature = "specta", derive(specta::Type))]
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
    let file = File::open(path).map_err(Error::io(IoContext::Reading(path.into())))?;
    verify_reader(file, path, opts, progress)
}

/// Verifies a bundle read from `input` (a file, or bytes in a
/// `std::io::Cursor`), named `path` in the report and in messages. This is
/// [`verify`] without the opening, for callers (and fuzzers) that hold the
/// bytes already. Memory stays within a fixed budget whatever `input` holds.
pub fn verify_reader<R: Read + Seek>(
    mut input: R,
    path: &Path,
    opts: &VerifyOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<VerifyReport> {
    let ctx = || IoContext::Reading(path.into());
    let mut head = [0u8; 34];
    let n = read_up_to(&mut input, &mut head).map_err(Error::io(ctx()))?;
    input.rewind().map_err(Error::io(ctx()))?;
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
        return Err(Error::invalid(
            "this is an ASCII-armored age file; decrypt it with `age -d` first",
            "este es un archivo age en formato de texto (ASCII armor); descífralo primero con `age -d`",
        ));
    }
    if head[..n].starts_with(AGE_MAGIC) {
        report.encrypted = true;
        let Some(id_path) = &opts.identity else {
            return Err(Error::invalid(
                format!(
                    "{} is encrypted with age; give your age identity file with --identity",
                    path.display()
                ),
                format!(
                    "{} está cifrado con age; indica tu archivo de identidad age con --identity",
                    path.display()
                ),
            ));
        };
        let identities = age::IdentityFile::from_file(id_path.display().to_string())
            .and_then(|f| f.into_identities().map_err(std::io::Error::other))
            .map_err(|e| {
                Error::invalid(
                    format!(
                        "cannot read the age identity file {} ({e}); give a file made by age-keygen",
                        id_path.display()
                    ),
                    format!(
                        "no se puede leer el archivo de identidad age {} ({e}); indica un archivo creado con age-keygen",
                        id_path.display()
                    ),
                )
            })?;
        check_age_header(&mut input, path)?;
        let decryptor = age::Decryptor::new(BufReader::new(input)).map_err(|e| {
            Error::corrupt(
                format!(
                    "{} is not a readable age file ({e}); it is damaged",
                    path.display()
                ),
                format!(
                    "{} no es un archivo age legible ({e}); está dañado",
                    path.display()
                ),
            )
        })?;
        // The plaintext is never held: the ZIP is read in place through
        // the decryptor, which decrypts one 64 KiB chunk at a time and seeks.
        let reader = decryptor
            .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
            .map_err(|e| {
                Error::invalid(
                    format!(
                        "cannot decrypt {} with {} ({e}); it was encrypted to another key",
                        path.display(),
                        id_path.display()
                    ),
                    format!(
                        "no se puede descifrar {} con {} ({e}); se cifró para otra clave",
                        path.display(),
                        id_path.display()
                    ),
                )
            })?;
        super::checks::check_archive(reader, opts, &mut report, progress);
    } else {
        super::checks::check_archive(BufReader::new(input), opts, &mut report, progress);
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

/// Refuses an age header longer than [`MAX_AGE_HEADER`] before the age
/// library reads it (it keeps the whole header in memory).
fn check_age_header<R: Read + Seek>(input: &mut R, path: &Path) -> Result<()> {
    let ctx = || IoContext::Reading(path.into());
    let mut head = vec![0u8; MAX_AGE_HEADER];
    let n = read_up_to(&mut *input, &mut head).map_err(Error::io(ctx()))?;
    input.rewind().map_err(Error::io(ctx()))?;
    if n == MAX_AGE_HEADER && !head.windows(4).any(|w| w == b"\n---") {
        return Err(Error::corrupt(
            format!(
                "{}: its age header is over {MAX_AGE_HEADER} bytes; it is damaged or not a bundle",
                path.display()
            ),
            format!(
                "{}: su encabezado age pasa de {MAX_AGE_HEADER} bytes; está dañado o no es un reporte",
                path.display()
            ),
        ));
    }
    Ok(())
}

/// Collects problems and check results as verification goes, keeping the
/// first [`MAX_PROBLEMS`] and counting the rest.
pub(super) struct Findings<'a> {
    pub(super) report: &'a mut VerifyReport,
    found: usize,
    dropped: usize,
}

impl<'a> Findings<'a> {
    pub(super) fn new(report: &'a mut VerifyReport) -> Self {
        Findings {
            report,
            found: 0,
            dropped: 0,
        }
    }

    /// Adds the count of the problems not listed, if any.
    pub(super) fn finish(self) {
        if self.dropped > 0 {
            let n = self.dropped;
            self.report.problems.push(Problem {
                kind: ProblemKind::Inconsistent,
                files: Vec::new(),
                message: format!("and {n} more problems, not listed"),
                message_es: format!("y {n} problemas más, que no se listan"),
            });
        }
    }

    /// Records a problem, said in English and in Spanish.
    pub(super) fn problem(
        &mut self,
        kind: ProblemKind,
        files: &[&str],
        en: impl Into<String>,
        es: impl Into<String>,
    ) {
        self.found += 1;
        if self.report.problems.len() >= MAX_PROBLEMS {
            self.dropped += 1;
            return;
        }
        self.report.problems.push(Problem {
            kind,
            files: files.iter().map(|f| f.to_string()).collect(),
            message: en.into(),
            message_es: es.into(),
        });
    }

    /// Records a problem whose text is a [`Message`] about `file`, put
    /// after the file's name (`data/x.png is damaged…`).
    pub(super) fn problem_about(&mut self, kind: ProblemKind, file: &str, why: &Message) {
        self.problem(
            kind,
            &[file],
            format!("{file} {}", why.en),
            format!("{file} {}", why.es),
        );
    }

    /// Runs a step and records whether it added problems.
    pub(super) fn step(&mut self, check: &'static str, f: impl FnOnce(&mut Self)) {
        let before = self.found;
        f(self);
        let result = if self.found == before {
            "passed"
        } else {
            "failed"
        };
        self.report.checks.push(Check { check, result });
    }

    pub(super) fn skip(&mut self, checks: &[&'static str]) {
        for check in checks {
            self.report.checks.push(Check {
                check,
                result: "skipped",
            });
        }
    }
}
