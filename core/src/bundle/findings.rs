//! What verifying a bundle finds: the verdict ([`VerifyReport`], its
//! [`Status`], each [`Problem`] and its [`ProblemKind`], the checks run) and
//! [`Findings`], which the checks record into as they go. Shared by
//! `verify.rs`, `checks.rs` and `contents.rs`, below all three.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::Message;
use crate::signing::PublicKeyInfo;

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
