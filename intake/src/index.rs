//! The index: uploads in progress and their chunks, reports received with
//! their receipts and status, staff accounts and sessions. Written once
//! over [`Db`], so SQLite and PostgreSQL hold the same rows.

use anyhow::Result;
use serde::Serialize;

use crate::db::{Db, Row, Value};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY,
    length BIGINT NOT NULL,
    upload_offset BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    filename TEXT NOT NULL,
    key_id TEXT NOT NULL,
    ip TEXT NOT NULL,
    created_at TEXT NOT NULL,
    touched_at TEXT NOT NULL,
    receipt_id TEXT
);
CREATE TABLE IF NOT EXISTS chunks (
    upload_id TEXT NOT NULL,
    start BIGINT NOT NULL,
    len BIGINT NOT NULL,
    PRIMARY KEY (upload_id, start)
);
CREATE TABLE IF NOT EXISTS reports (
    receipt_id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    size BIGINT NOT NULL,
    report_id TEXT,
    filename TEXT NOT NULL,
    key_id TEXT NOT NULL,
    ip TEXT NOT NULL,
    received_at TEXT NOT NULL,
    encrypted BIGINT NOT NULL,
    verification TEXT NOT NULL,
    summary TEXT NOT NULL,
    status TEXT NOT NULL,
    receipt_json TEXT NOT NULL,
    receipt_minisig TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS status_changes (
    receipt_id TEXT NOT NULL,
    at TEXT NOT NULL,
    user_name TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    user_name TEXT NOT NULL,
    csrf TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
";

/// An upload in progress.
#[derive(Debug, Clone, Serialize)]
pub struct Upload {
    /// Its id (a ULID), the last part of its URL.
    pub id: String,
    /// The report's announced length.
    pub length: u64,
    /// How much of it arrived.
    pub offset: u64,
    /// The SHA-256 the client announced (hex).
    pub sha256: String,
    /// The report's file name.
    pub filename: String,
    /// The sealing vault's key id, as announced.
    pub key_id: String,
    /// The client's address.
    pub ip: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// When a chunk last arrived.
    pub touched_at: String,
    /// Once finished and stored: its receipt's id.
    pub receipt_id: Option<String>,
}

/// A report received.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The receipt's id.
    pub receipt_id: String,
    /// SHA-256 of the bytes received.
    pub sha256: String,
    /// Their size.
    pub size: u64,
    /// The sealed report's id, when it could be read.
    pub report_id: Option<String>,
    /// The file name the reporter gave.
    pub filename: String,
    /// The sealing vault's key id.
    pub key_id: String,
    /// The reporter's address.
    pub ip: String,
    /// When it arrived.
    pub received_at: String,
    /// Whether it came encrypted.
    pub encrypted: bool,
    /// `verified` or `verify_on_staff_machine`.
    pub verification: String,
    /// What verifying found (case, items, signer), as JSON.
    pub summary: String,
    /// `received`, `in_review` or `closed`.
    pub status: String,
    /// The receipt's JSON.
    pub receipt_json: String,
    /// Its signature.
    pub receipt_minisig: String,
}

/// The statuses a report can have, in order.
pub const STATUSES: &[&str] = &["received", "in_review", "closed"];

// The columns `report_from` reads, in its order.
const REPORT_BY_SHA256: &str = "SELECT receipt_id, sha256, size, report_id, filename, key_id, ip,
    received_at, encrypted, verification, summary, status, receipt_json, receipt_minisig
    FROM reports WHERE sha256 = $1";
const REPORT_BY_RECEIPT: &str = "SELECT receipt_id, sha256, size, report_id, filename, key_id, ip,
    received_at, encrypted, verification, summary, status, receipt_json, receipt_minisig
    FROM reports WHERE receipt_id = $1";
const ALL_REPORTS: &str = "SELECT receipt_id, sha256, size, report_id, filename, key_id, ip,
    received_at, encrypted, verification, summary, status, receipt_json, receipt_minisig
    FROM reports ORDER BY received_at DESC, receipt_id DESC";

fn report_from(r: &Row) -> Report {
    Report {
        receipt_id: r.text(0),
        sha256: r.text(1),
        size: r.uint(2),
        report_id: r.opt_text(3),
        filename: r.text(4),
        key_id: r.text(5),
        ip: r.text(6),
        received_at: r.text(7),
        encrypted: r.int(8) != 0,
        verification: r.text(9),
        summary: r.text(10),
        status: r.text(11),
        receipt_json: r.text(12),
        receipt_minisig: r.text(13),
    }
}

fn upload_from(r: &Row) -> Upload {
    Upload {
        id: r.text(0),
        length: r.uint(1),
        offset: r.uint(2),
        sha256: r.text(3),
        filename: r.text(4),
        key_id: r.text(5),
        ip: r.text(6),
        created_at: r.text(7),
        touched_at: r.text(8),
        receipt_id: r.opt_text(9),
    }
}

/// The index.
#[derive(Clone)]
pub struct Index {
    db: Db,
}

/// The time now, as the index keeps it (RFC 3339, UTC, seconds).
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Index {
    /// Opens the index and brings its schema up to date.
    pub async fn open(db: Db) -> Result<Index> {
        db.batch(SCHEMA).await?;
        Ok(Index { db })
    }

    /// Records a new upload.
    pub async fn create_upload(&self, u: &Upload) -> Result<()> {
        self.db
            .execute(
                "INSERT INTO uploads (id, length, upload_offset, sha256, filename, key_id, ip, created_at, touched_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                vec![
                    (&u.id).into(),
                    u.length.into(),
                    u.offset.into(),
                    (&u.sha256).into(),
                    (&u.filename).into(),
                    (&u.key_id).into(),
                    (&u.ip).into(),
                    (&u.created_at).into(),
                    (&u.touched_at).into(),
                ],
            )
            .await?;
        Ok(())
    }

    /// An upload in progress.
    pub async fn upload(&self, id: &str) -> Result<Option<Upload>> {
        let rows = self
            .db
            .query(
                "SELECT id, length, upload_offset, sha256, filename, key_id, ip, created_at, touched_at, receipt_id
                 FROM uploads WHERE id = $1",
                vec![id.into()],
            )
            .await?;
        Ok(rows.first().map(upload_from))
    }

    /// Records a chunk of `len` bytes stored at `start`, if the upload's
    /// offset is still `start` (another request may have moved it).
    pub async fn advance(&self, id: &str, start: u64, len: u64) -> Result<bool> {
        let done = self
            .db
            .transaction(
                vec![
                    (
                        "UPDATE uploads SET upload_offset = $1, touched_at = $2 WHERE id = $3 AND upload_offset = $4",
                        vec![(start + len).into(), now().into(), id.into(), start.into()],
                    ),
                    (
                        "INSERT INTO chunks (upload_id, start, len) VALUES ($1, $2, $3)",
                        vec![id.into(), start.into(), len.into()],
                    ),
                ],
                true,
            )
            .await?;
        Ok(done.is_some())
    }

    /// The chunks of an upload, in order: (start, length).
    pub async fn chunks(&self, id: &str) -> Result<Vec<(u64, u64)>> {
        let rows = self
            .db
            .query(
                "SELECT start, len FROM chunks WHERE upload_id = $1 ORDER BY start",
                vec![id.into()],
            )
            .await?;
        Ok(rows.iter().map(|r| (r.uint(0), r.uint(1))).collect())
    }

    /// Marks an upload finished, with its receipt; its chunks are gone.
    pub async fn finish_upload(&self, id: &str, receipt_id: &str) -> Result<()> {
        self.db
            .transaction(
                vec![
                    (
                        "UPDATE uploads SET receipt_id = $1, touched_at = $2 WHERE id = $3",
                        vec![receipt_id.into(), now().into(), id.into()],
                    ),
                    ("DELETE FROM chunks WHERE upload_id = $1", vec![id.into()]),
                ],
                false,
            )
            .await?;
        Ok(())
    }

    /// Forgets an upload and its chunks.
    pub async fn delete_upload(&self, id: &str) -> Result<()> {
        self.db
            .transaction(
                vec![
                    ("DELETE FROM chunks WHERE upload_id = $1", vec![id.into()]),
                    ("DELETE FROM uploads WHERE id = $1", vec![id.into()]),
                ],
                false,
            )
            .await?;
        Ok(())
    }

    /// Unfinished uploads whose bytes have all arrived (the server stopped
    /// before finishing them).
    pub async fn complete_unfinished(&self) -> Result<Vec<Upload>> {
        let rows = self
            .db
            .query(
                "SELECT id, length, upload_offset, sha256, filename, key_id, ip, created_at, touched_at, receipt_id
                 FROM uploads WHERE upload_offset = length AND receipt_id IS NULL",
                vec![],
            )
            .await?;
        Ok(rows.iter().map(upload_from).collect())
    }

    /// Uploads not touched since `before`.
    pub async fn stale_uploads(&self, before: &str) -> Result<Vec<Upload>> {
        let rows = self
            .db
            .query(
                "SELECT id, length, upload_offset, sha256, filename, key_id, ip, created_at, touched_at, receipt_id
                 FROM uploads WHERE touched_at < $1",
                vec![before.into()],
            )
            .await?;
        Ok(rows.iter().map(upload_from).collect())
    }

    /// Bytes announced by the unfinished uploads of one address.
    pub async fn ip_bytes_in_progress(&self, ip: &str) -> Result<u64> {
        let rows = self
            .db
            .query(
                "SELECT CAST(coalesce(sum(length), 0) AS BIGINT) FROM uploads WHERE ip = $1 AND receipt_id IS NULL",
                vec![ip.into()],
            )
            .await?;
        Ok(rows.first().map(|r| r.uint(0)).unwrap_or(0))
    }

    /// Bytes of one reporter: unfinished uploads, and reports received since `since`.
    pub async fn reporter_bytes(&self, key_id: &str, since: &str) -> Result<u64> {
        let rows = self
            .db
            .query(
                "SELECT CAST(coalesce((SELECT sum(length) FROM uploads WHERE key_id = $1 AND receipt_id IS NULL), 0)
                          + coalesce((SELECT sum(size) FROM reports WHERE key_id = $1 AND received_at >= $2), 0) AS BIGINT)",
                vec![key_id.into(), since.into()],
            )
            .await?;
        Ok(rows.first().map(|r| r.uint(0)).unwrap_or(0))
    }

    /// Records a report received, with its receipt, unless one with the
    /// same bytes is there already; either way, the report kept.
    pub async fn insert_report(&self, r: &Report) -> Result<Report> {
        self.db
            .execute(
                "INSERT INTO reports (receipt_id, sha256, size, report_id, filename, key_id, ip, received_at,
                    encrypted, verification, summary, status, receipt_json, receipt_minisig)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                 ON CONFLICT (sha256) DO NOTHING",
                vec![
                    (&r.receipt_id).into(),
                    (&r.sha256).into(),
                    r.size.into(),
                    r.report_id.clone().into(),
                    (&r.filename).into(),
                    (&r.key_id).into(),
                    (&r.ip).into(),
                    (&r.received_at).into(),
                    i64::from(r.encrypted).into(),
                    (&r.verification).into(),
                    (&r.summary).into(),
                    (&r.status).into(),
                    (&r.receipt_json).into(),
                    (&r.receipt_minisig).into(),
                ],
            )
            .await?;
        self.report_by_sha256(&r.sha256)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the report just stored is not in the index"))
    }

    /// The report with these bytes.
    pub async fn report_by_sha256(&self, sha256: &str) -> Result<Option<Report>> {
        let rows = self.db.query(REPORT_BY_SHA256, vec![sha256.into()]).await?;
        Ok(rows.first().map(report_from))
    }

    /// The report with this receipt.
    pub async fn report(&self, receipt_id: &str) -> Result<Option<Report>> {
        let rows = self
            .db
            .query(REPORT_BY_RECEIPT, vec![receipt_id.into()])
            .await?;
        Ok(rows.first().map(report_from))
    }

    /// Every report, newest first.
    pub async fn reports(&self) -> Result<Vec<Report>> {
        let rows = self.db.query(ALL_REPORTS, vec![]).await?;
        Ok(rows.iter().map(report_from).collect())
    }

    /// Sets a report's status, recording who changed it from what.
    pub async fn set_status(&self, receipt_id: &str, status: &str, user: &str) -> Result<bool> {
        let Some(before) = self.report(receipt_id).await? else {
            return Ok(false);
        };
        let done = self
            .db
            .transaction(
                vec![
                    (
                        "UPDATE reports SET status = $1 WHERE receipt_id = $2 AND status = $3",
                        vec![status.into(), receipt_id.into(), (&before.status).into()],
                    ),
                    (
                        "INSERT INTO status_changes (receipt_id, at, user_name, from_status, to_status)
                         VALUES ($1, $2, $3, $4, $5)",
                        vec![receipt_id.into(), now().into(), user.into(), before.status.into(), status.into()],
                    ),
                ],
                true,
            )
            .await?;
        Ok(done.is_some())
    }

    /// Adds a staff account, or sets its password.
    pub async fn set_user(&self, name: &str, password_hash: &str) -> Result<()> {
        self.db
            .execute(
                "INSERT INTO users (name, password_hash, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash",
                vec![name.into(), password_hash.into(), now().into()],
            )
            .await?;
        Ok(())
    }

    /// A staff account's password hash.
    pub async fn password_hash(&self, name: &str) -> Result<Option<String>> {
        let rows = self
            .db
            .query(
                "SELECT password_hash FROM users WHERE name = $1",
                vec![name.into()],
            )
            .await?;
        Ok(rows.first().map(|r| r.text(0)))
    }

    /// Starts a session.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user: &str,
        csrf: &str,
        expires_at: &str,
    ) -> Result<()> {
        self.db
            .execute(
                "INSERT INTO sessions (token_hash, user_name, csrf, expires_at) VALUES ($1, $2, $3, $4)",
                vec![token_hash.into(), user.into(), csrf.into(), expires_at.into()],
            )
            .await?;
        Ok(())
    }

    /// A live session: its user and CSRF token.
    pub async fn session(&self, token_hash: &str) -> Result<Option<(String, String)>> {
        let rows = self
            .db
            .query(
                "SELECT user_name, csrf FROM sessions WHERE token_hash = $1 AND expires_at > $2",
                vec![token_hash.into(), now().into()],
            )
            .await?;
        Ok(rows.first().map(|r| (r.text(0), r.text(1))))
    }

    /// Ends a session, and any that expired.
    pub async fn end_session(&self, token_hash: &str) -> Result<()> {
        self.db
            .transaction(
                vec![
                    (
                        "DELETE FROM sessions WHERE token_hash = $1",
                        vec![token_hash.into()],
                    ),
                    (
                        "DELETE FROM sessions WHERE expires_at <= $1",
                        vec![Value::from(now())],
                    ),
                ],
                false,
            )
            .await?;
        Ok(())
    }
}
