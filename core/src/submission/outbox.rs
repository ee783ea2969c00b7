//! The outbox, the `submissions` table: sealed reports on their way to an
//! organization. A submission is `queued` when added; `uploading` while
//! bytes go; `paused` when the person pauses it; `failed` when the link or
//! the server failed (it is tried again later, from the server's offset);
//! `refused` when the server refused the report (sending it again would
//! not help: the reason says what to do); and `done` only once the
//! organization's signed receipt has been checked with its key and stored,
//! with a `submitted` entry in the custody log.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

use super::receipt::{Receipt, SignedReceipt};
use super::send::{self, Outcome, Step, Upload};
use crate::custody::{self, Action, NewEntry};
use crate::error::{Error, IoContext, Result};
use crate::model::{format_time, parse_stored_time};
use crate::vault::Vault;

/// Where a submission is.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Waiting its turn.
    Queued,
    /// Bytes are going.
    Uploading,
    /// Paused by the person.
    Paused,
    /// The link or the server failed; it will be tried again.
    Failed,
    /// The server refused the report.
    Refused,
    /// Received: the receipt is checked and stored.
    Done,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Uploading => "uploading",
            State::Paused => "paused",
            State::Failed => "failed",
            State::Refused => "refused",
            State::Done => "done",
        }
    }

    fn parse(s: &str) -> State {
        match s {
            "uploading" => State::Uploading,
            "paused" => State::Paused,
            "failed" => State::Failed,
            "refused" => State::Refused,
            "done" => State::Done,
            _ => State::Queued,
        }
    }
}

/// A sealed report on its way to an organization.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct Submission {
    /// Its id (a ULID).
    pub id: String,
    /// The organization's id.
    pub org_id: String,
    /// Its name.
    pub org_name: String,
    /// The sealed report's file.
    pub report_path: PathBuf,
    /// Its SHA-256 when it was queued.
    pub report_sha256: String,
    /// Its size.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub size: u64,
    /// The report's id, when it could be read (not for an encrypted one).
    pub report_id: Option<String>,
    /// Where it is.
    pub state: State,
    /// Bytes the server holds.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub sent: u64,
    /// The chunk size chosen for the link.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub chunk_size: u64,
    /// Why it failed or was refused, in English.
    pub error: Option<String>,
    /// The same, in Spanish.
    pub error_es: Option<String>,
    /// Tries so far.
    pub attempts: u32,
    /// When it will be tried again, if it failed.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Once done: the receipt.
    pub receipt: Option<Receipt>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
}

/// How the outbox sends.
#[derive(Debug, Clone)]
pub struct SendOptions {
    /// The proxy every request goes through (`socks5h://127.0.0.1:9050` for
    /// Tor); by default the vault's `capture.proxy` setting.
    pub proxy: Option<String>,
    /// More trusted roots (DER), for tests with a local CA.
    pub extra_roots: Vec<Vec<u8>>,
    /// Tries within one run before a submission is left `failed`.
    pub max_attempts: u32,
    /// The wait after the first failure; it doubles, up to a minute.
    pub first_delay: Duration,
}

impl Default for SendOptions {
    fn default() -> SendOptions {
        SendOptions {
            proxy: None,
            extra_roots: Vec::new(),
            max_attempts: 6,
            first_delay: Duration::from_secs(1),
        }
    }
}

const SELECT: &str = "SELECT s.id, s.org_id, o.name, s.report_path, s.report_sha256, s.size, s.report_id,
    s.state, s.sent, s.chunk_size, s.error, s.error_es, s.attempts, s.next_attempt_at, s.receipt_json,
    s.created_at, s.upload_url, s.key_id, s.receipt_minisig
    FROM submissions s JOIN orgs o ON o.id = s.org_id";

/// A row with what only the outbox itself needs.
struct Row {
    s: Submission,
    upload_url: Option<String>,
    key_id: String,
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let receipt: Option<String> = r.get(14)?;
    let next: Option<String> = r.get(13)?;
    let created: String = r.get(15)?;
    let path: String = r.get(3)?;
    Ok(Row {
        s: Submission {
            id: r.get(0)?,
            org_id: r.get(1)?,
            org_name: r.get(2)?,
            report_path: PathBuf::from(path),
            report_sha256: r.get(4)?,
            size: r.get(5)?,
            report_id: r.get(6)?,
            state: State::parse(&r.get::<_, String>(7)?),
            sent: r.get(8)?,
            chunk_size: r.get(9)?,
            error: r.get(10)?,
            error_es: r.get(11)?,
            attempts: r.get(12)?,
            next_attempt_at: next.as_deref().map(parse_stored_time),
            receipt: receipt.and_then(|j| serde_json::from_str(&j).ok()),
            created_at: parse_stored_time(&created),
        },
        upload_url: r.get(16)?,
        key_id: r.get(17)?,
    })
}

/// Hashes a file: its SHA-256 (hex) and size.
fn hash_file(path: &Path) -> Result<(String, u64)> {
    let mut f = std::fs::File::open(path).map_err(Error::io(IoContext::Reading(path.into())))?;
    let mut w = crate::hashing::HashingWriter::new(std::io::sink());
    std::io::copy(&mut f, &mut w).map_err(Error::io(IoContext::Reading(path.into())))?;
    let (_, sha, size) = w.finish();
    Ok((sha, size))
}

impl Vault {
    /// Queues a sealed report for an organization (its id or name). A plain
    /// report is verified first (a damaged one is not queued) and sent with
    /// the key id that signed it; an encrypted one with this vault's.
    pub fn submit(&self, report: &Path, org: &str) -> Result<Submission> {
        let org = self.org(org)?;
        let path =
            std::path::absolute(report).map_err(Error::io(IoContext::Reading(report.into())))?;
        let (sha, size) = hash_file(&path)?;
        let (report_id, key_id) = if is_age(&path) {
            // Encrypted to the organization: this vault cannot read it.
            (None, self.public_key()?.key_id)
        } else {
            let v = crate::bundle::verify::verify(&path, &Default::default(), &mut |_, _| {})?;
            if v.status == crate::bundle::verify::Status::Invalid {
                let (en, es) = v
                    .problems
                    .first()
                    .map(|p| (p.message.clone(), p.message_es.clone()))
                    .unwrap_or_default();
                return Err(Error::invalid(
                    format!(
                        "{} is not a sound sealed report ({en}); seal it again",
                        path.display()
                    ),
                    format!(
                        "{} no es un reporte sellado íntegro ({es}); séllalo de nuevo",
                        path.display()
                    ),
                ));
            }
            let key_id = match v.signer {
                Some(s) => s.key_id,
                None => self.public_key()?.key_id,
            };
            (v.report_id, key_id)
        };
        let id = ulid::Ulid::new().to_string();
        let now = format_time(&Utc::now());
        self.db.execute(
            "INSERT INTO submissions (id, org_id, report_path, report_sha256, size, key_id, report_id, state,
                chunk_size, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', ?8, ?9, ?9)",
            params![id, org.id, path.to_string_lossy(), sha, size, key_id, report_id, send::FIRST_CHUNK, now],
        )?;
        self.submission(&id)
    }

    /// The finished submissions of the reports sealed from a case (by id),
    /// with their receipts, oldest first: what the case's packet prints.
    pub fn case_receipts(&self, case_id: &str) -> Result<Vec<(Submission, SignedReceipt)>> {
        let sealed: std::collections::HashSet<String> = self
            .sealed_entries()?
            .into_iter()
            .filter(|r| r.case_id == case_id)
            .map(|r| r.sha256)
            .collect();
        let mut out = Vec::new();
        for s in self.outbox()? {
            if s.state == State::Done
                && sealed.contains(&s.report_sha256)
                && let Some(signed) = self.submission_receipt(&s.id)?
            {
                out.push((s, signed));
            }
        }
        Ok(out)
    }

    /// Every submission, oldest first.
    pub fn outbox(&self) -> Result<Vec<Submission>> {
        let mut stmt = self
            .db
            .prepare(&format!("{SELECT} ORDER BY s.created_at, s.id"))?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows
            .map(|r| r.map(|r| r.s))
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn submission_row(&self, id: &str) -> Result<Row> {
        let id = crate::db::resolve_prefix(&self.db, "submissions", "submission", id.trim())?;
        Ok(self
            .db
            .query_row(&format!("{SELECT} WHERE s.id = ?1"), [id], from_row)?)
    }

    /// One submission, by id or unique prefix.
    pub fn submission(&self, id: &str) -> Result<Submission> {
        Ok(self.submission_row(id)?.s)
    }

    /// The stored receipt of a finished submission: its JSON and signature.
    pub fn submission_receipt(&self, id: &str) -> Result<Option<SignedReceipt>> {
        let id = self.submission(id)?.id;
        Ok(self
            .db
            .query_row(
                "SELECT receipt_json, receipt_minisig FROM submissions WHERE id = ?1 AND state = 'done'",
                [id],
                |r| Ok(SignedReceipt { json: r.get(0)?, minisig: r.get(1)? }),
            )
            .optional()?)
    }

    /// Pauses a submission (it is not sent until resumed), or resumes one.
    pub fn pause_submission(&self, id: &str, paused: bool) -> Result<Submission> {
        let s = self.submission(id)?;
        let (from, to) = if paused {
            (&["queued", "uploading", "failed"][..], "paused")
        } else {
            (&["paused"][..], "queued")
        };
        if from.contains(&s.state.as_str()) {
            self.set_state(&s.id, to, None)?;
        }
        self.submission(&s.id)
    }

    /// When the outbox has work next: zero when something is queued or half
    /// sent, the wait until a failed submission's next try, or `None` when
    /// nothing is left to send (paused, refused and done ones wait for the
    /// person).
    pub fn outbox_due_in(&self) -> Result<Option<Duration>> {
        let subs = self.outbox()?;
        if subs
            .iter()
            .any(|s| matches!(s.state, State::Queued | State::Uploading))
        {
            return Ok(Some(Duration::ZERO));
        }
        let now = Utc::now();
        Ok(subs
            .iter()
            .filter(|s| s.state == State::Failed)
            .filter_map(|s| s.next_attempt_at)
            .min()
            .map(|t| (t - now).to_std().unwrap_or(Duration::ZERO)))
    }

    /// Makes a failed submission due now instead of at its next try.
    pub fn retry_now(&self, id: &str) -> Result<Submission> {
        let s = self.submission(id)?;
        if s.state == State::Failed {
            self.db.execute(
                "UPDATE submissions SET state = 'queued', next_attempt_at = NULL, updated_at = ?2 WHERE id = ?1",
                params![s.id, format_time(&Utc::now())],
            )?;
        }
        self.submission(&s.id)
    }

    fn set_state(&self, id: &str, state: &str, error: Option<&Error>) -> Result<()> {
        self.db.execute(
            "UPDATE submissions SET state = ?2, error = ?3, error_es = ?4, updated_at = ?5 WHERE id = ?1",
            params![
                id,
                state,
                error.map(|e| e.localized(crate::error::Lang::En)),
                error.map(|e| e.localized(crate::error::Lang::Es)),
                format_time(&Utc::now())
            ],
        )?;
        Ok(())
    }

    fn record_step(&self, id: &str, step: &Step) -> Result<()> {
        match step {
            Step::Created(url) => self.db.execute(
                "UPDATE submissions SET upload_url = ?2, sent = 0, updated_at = ?3 WHERE id = ?1",
                params![id, url, format_time(&Utc::now())],
            )?,
            Step::Sent { offset, chunk } => self.db.execute(
                "UPDATE submissions SET sent = ?2, chunk_size = ?3, updated_at = ?4 WHERE id = ?1",
                params![id, offset, chunk, format_time(&Utc::now())],
            )?,
        };
        Ok(())
    }

    /// Sends what is due, oldest first, one at a time: queued and
    /// uploading submissions, and failed ones whose next try has come (or
    /// every failed one, with `retry_failed`). `only` limits it to some ids.
    /// `progress` hears of every change; `cancel` stops after the chunk in
    /// flight, leaving the submission where it was. Returns the submissions
    /// it worked on, as they ended.
    pub fn send_outbox(
        &self,
        only: Option<&[String]>,
        retry_failed: bool,
        opts: &SendOptions,
        progress: &mut dyn FnMut(&Submission),
        cancel: &AtomicBool,
    ) -> Result<Vec<Submission>> {
        let now = Utc::now();
        let wanted: Option<Vec<String>> = match only {
            Some(ids) => Some(
                ids.iter()
                    .map(|i| self.submission(i).map(|s| s.id))
                    .collect::<Result<_>>()?,
            ),
            None => None,
        };
        let due: Vec<String> = self
            .outbox()?
            .into_iter()
            .filter(|s| wanted.as_ref().is_none_or(|w| w.contains(&s.id)))
            .filter(|s| match s.state {
                State::Queued | State::Uploading => true,
                State::Failed => {
                    retry_failed || wanted.is_some() || s.next_attempt_at.is_none_or(|t| t <= now)
                }
                _ => false,
            })
            .map(|s| s.id)
            .collect();
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let http = self.submission_client(opts)?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::invalid(e.to_string(), e.to_string()))?;
        let mut done = Vec::new();
        for id in due {
            if cancel.load(std::sync::atomic::Ordering::Relaxed) {
                break;
            }
            let s = rt.block_on(self.send_one(&http, &id, opts, progress, cancel))?;
            done.push(s);
        }
        Ok(done)
    }

    fn submission_client(&self, opts: &SendOptions) -> Result<reqwest::Client> {
        let proxy = match &opts.proxy {
            Some(p) => Some(p.clone()),
            None => self.capture_options()?.proxy,
        };
        let tls = crate::capture::tls::Tls::new(&opts.extra_roots)?;
        let (config, _) = tls.client_config()?;
        let mut b = reqwest::Client::builder()
            .tls_backend_preconfigured(config)
            .connect_timeout(Duration::from_secs(30))
            .read_timeout(Duration::from_secs(120))
            .no_proxy();
        if let Some(p) = proxy {
            b = b.proxy(reqwest::Proxy::all(p.as_str()).map_err(|e| {
                Error::invalid(
                    format!("the proxy cannot be used: {e}"),
                    format!("no se puede usar el proxy: {e}"),
                )
            })?);
        }
        b.build().map_err(|e| {
            Error::invalid(
                format!("cannot set up the web client: {e}"),
                format!("no se pudo preparar el cliente web: {e}"),
            )
        })
    }

    async fn send_one(
        &self,
        http: &reqwest::Client,
        id: &str,
        opts: &SendOptions,
        progress: &mut dyn FnMut(&Submission),
        cancel: &AtomicBool,
    ) -> Result<Submission> {
        let org = self.org(&self.submission(id)?.org_id)?;
        let key = org.org.receipt_key()?;
        // The file must still be the one queued. Read once per run: a
        // change during the run is caught by the server, which checks the
        // whole report's SHA-256 against the one announced.
        let queued = self.submission(id)?;
        let unchanged = hash_file(&queued.report_path).map(|(sha, _)| sha == queued.report_sha256);
        if !matches!(unchanged, Ok(true)) {
            self.set_state(id, "refused", Some(&send::changed_file()))?;
            let s = self.submission(id)?;
            progress(&s);
            return Ok(s);
        }
        let mut delay = opts.first_delay;
        loop {
            let row = self.submission_row(id)?;
            // A pause (here or from another process) wins over a retry.
            let going = self.db.execute(
                "UPDATE submissions SET state = 'uploading', attempts = attempts + 1, error = NULL, error_es = NULL
                 WHERE id = ?1 AND state <> 'paused'",
                [id],
            )?;
            let s = self.submission(id)?;
            progress(&s);
            if going == 0 {
                return Ok(s);
            }
            let filename = row
                .s
                .report_path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "report.zip".into());
            let up = Upload {
                server: &org.org.url,
                path: &row.s.report_path,
                sha256: &row.s.report_sha256,
                size: row.s.size,
                key_id: &row.key_id,
                filename: &filename,
            };
            // Stops after the chunk in flight when the run is cancelled or
            // this submission is paused (here or by another process).
            let stop = AtomicBool::new(false);
            let mut step = |st: Step| {
                self.record_step(id, &st)?;
                if let Ok(s) = self.submission(id) {
                    if s.state == State::Paused || cancel.load(Ordering::Relaxed) {
                        stop.store(true, Ordering::Relaxed);
                    }
                    progress(&s);
                }
                Ok(())
            };
            let outcome = send::send(
                http,
                &up,
                row.upload_url.clone(),
                row.s.chunk_size,
                &mut step,
                &stop,
            )
            .await?;
            match outcome {
                Outcome::Received(signed) => {
                    return match self.keep_receipt(&row.s, &org, &key, signed) {
                        Ok(()) => {
                            let s = self.submission(id)?;
                            progress(&s);
                            Ok(s)
                        }
                        Err(e) => {
                            self.set_state(id, "refused", Some(&e))?;
                            let s = self.submission(id)?;
                            progress(&s);
                            Ok(s)
                        }
                    };
                }
                Outcome::Refused(e) => {
                    self.set_state(id, "refused", Some(&e))?;
                    let s = self.submission(id)?;
                    progress(&s);
                    return Ok(s);
                }
                Outcome::Expired => {
                    self.db.execute(
                        "UPDATE submissions SET upload_url = NULL, sent = 0 WHERE id = ?1",
                        [id],
                    )?;
                    continue;
                }
                Outcome::Retry(e) => {
                    let now = self.submission(id)?;
                    let attempts = now.attempts;
                    if now.state == State::Paused
                        || stop.load(Ordering::Relaxed)
                        || cancel.load(Ordering::Relaxed)
                    {
                        // Paused while it was sent, or the run was
                        // cancelled: it stays where it is.
                    } else if attempts % opts.max_attempts.max(1) == 0 {
                        let next =
                            Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
                        self.set_state(id, "failed", Some(&e))?;
                        self.db.execute(
                            "UPDATE submissions SET next_attempt_at = ?2 WHERE id = ?1",
                            params![id, format_time(&next)],
                        )?;
                    } else {
                        // Still uploading (unless paused meanwhile), with the reason.
                        self.db.execute(
                            "UPDATE submissions SET error = ?2, error_es = ?3 WHERE id = ?1 AND state = 'uploading'",
                            params![id, e.localized(crate::error::Lang::En), e.localized(crate::error::Lang::Es)],
                        )?;
                        progress(&self.submission(id)?);
                        tokio::time::sleep(delay).await;
                        delay = (delay * 2).min(Duration::from_secs(60));
                        continue;
                    }
                    let s = self.submission(id)?;
                    progress(&s);
                    return Ok(s);
                }
            }
        }
    }

    /// Checks a receipt against the organization's key and the report, and
    /// keeps it with a `submitted` custody entry.
    fn keep_receipt(
        &self,
        s: &Submission,
        org: &super::orgs::OrgEntry,
        key: &crate::signing::PublicKeyInfo,
        signed: SignedReceipt,
    ) -> Result<()> {
        let receipt = signed.verify(key)?;
        if receipt.sha256 != s.report_sha256 || receipt.size != s.size {
            return Err(Error::invalid(
                "the organization's receipt is for other bytes than the report sent; ask the organization",
                "el acuse de la organización es de otros bytes que los del reporte enviado; pregunta a la organización",
            ));
        }
        // The case whose sealed report this is, when this vault sealed it.
        let case_id = self
            .sealed_entries()?
            .into_iter()
            .find(|r| r.sha256 == s.report_sha256)
            .map(|r| r.case_id);
        let _lock = self.write_lock()?;
        let tx = self.db.unchecked_transaction()?;
        tx.execute(
            "UPDATE submissions SET state = 'done', receipt_id = ?2, receipt_json = ?3, receipt_minisig = ?4,
                sent = size, error = NULL, error_es = NULL, updated_at = ?5 WHERE id = ?1",
            params![s.id, receipt.receipt_id, signed.json, signed.minisig, format_time(&Utc::now())],
        )?;
        custody::append(
            &tx,
            NewEntry {
                action: Action::Submitted,
                case_id: case_id.as_deref(),
                item_id: None,
                sha256: Some(&s.report_sha256),
                detail: json!({
                    "submission": s.id,
                    "organization": org.org.name,
                    "organization_id": org.id,
                    "server": org.org.url,
                    "report_id": receipt.report_id,
                    "receipt_id": receipt.receipt_id,
                    "received_at": receipt.received_at,
                    "verification": receipt.verification,
                    "receipt_sha256": crate::hashing::sha256_hex(signed.json.as_bytes()),
                }),
            },
        )?;
        tx.commit()?;
        Ok(())
    }
}

fn is_age(path: &Path) -> bool {
    let mut head = [0u8; 34];
    std::fs::File::open(path)
        .and_then(|mut f| crate::private::read_up_to(&mut f, &mut head))
        .map(|n| {
            head[..n].starts_with(b"age-encryption.org/v1\n")
                || head[..n].starts_with(b"-----BEGIN AGE")
        })
        .unwrap_or(false)
}
