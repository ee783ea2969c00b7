//! The server's folder and its configuration file, `intake.toml`.
//!
//! Layout of the folder (`testigo-intake init --dir DIR` makes it, 0700):
//! - `intake.toml`: this configuration;
//! - `receipt.key` (0600) and `receipt.pub`: the minisign key that signs
//!   receipts and the organization file;
//! - `identity.age` (0600): the age identity reports may be encrypted to.
//!   An organization may move it to an offline machine: reports encrypted
//!   to it are then kept as received and marked "verify on a staff machine";
//! - `org.testigo-org`: the signed file the organization publishes;
//! - `index.db`, `reports/`, `uploads/`, `tmp/`: the embedded storage
//!   (SQLite and a folder), unless `[storage]` names PostgreSQL and S3.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// The configuration file's name in the server's folder.
pub const CONFIG_FILE: &str = "intake.toml";
/// The receipt key's secret half.
pub const RECEIPT_KEY: &str = "receipt.key";
/// The receipt key's public half (minisign `.pub`).
pub const RECEIPT_PUB: &str = "receipt.pub";
/// The age identity.
pub const IDENTITY: &str = "identity.age";
/// The organization file.
pub const ORG_FILE: &str = "org.testigo-org";

/// `intake.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The organization's name, as receipts name the server.
    pub name: String,
    /// The address reporters reach the server at (what the organization
    /// file gives them).
    pub url: String,
    /// Where `serve` listens.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// TLS: a certificate chain and key in PEM. Without them the server
    /// speaks plain HTTP, for loopback or behind a reverse proxy that adds
    /// TLS (see docs/intake.md).
    #[serde(default)]
    pub tls: Option<Tls>,
    /// Trust `X-Forwarded-For` from the reverse proxy for the client's
    /// address (quotas and rate limits). Only behind a proxy you run.
    #[serde(default)]
    pub behind_proxy: bool,
    /// Where reports and the index are kept.
    #[serde(default)]
    pub storage: Storage,
    /// Limits.
    #[serde(default)]
    pub limits: Limits,
}

/// TLS settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tls {
    /// PEM certificate chain.
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
}

/// Where the index and the report files live.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Storage {
    /// PostgreSQL connection string for the index (`host=… user=… dbname=…`
    /// or `postgres://…`); SQLite in the folder when absent.
    #[serde(default)]
    pub postgres: Option<String>,
    /// An S3-compatible bucket for report files; a folder when absent.
    #[serde(default)]
    pub s3: Option<S3>,
}

/// An S3-compatible bucket.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3 {
    /// The endpoint (`https://s3.example.org`, `http://127.0.0.1:3900`).
    pub endpoint: String,
    /// The bucket.
    pub bucket: String,
    /// The region (`garage` for Garage).
    #[serde(default = "default_region")]
    pub region: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
}

/// Limits on what reporters may send.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// The largest report accepted, in bytes.
    pub max_report_bytes: u64,
    /// Bytes one reporter (one signing key) may have in progress and
    /// received over the last 24 hours.
    pub reporter_quota_bytes: u64,
    /// Bytes one address may have in uploads not yet finished.
    pub ip_quota_bytes: u64,
    /// Uploads not touched for this long are removed, in hours.
    pub upload_expiry_hours: u64,
    /// Requests per second per address (a burst of 4 times more is allowed).
    pub requests_per_second: u64,
    /// A request whose body has not arrived in this many seconds is cut.
    pub request_timeout_seconds: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_report_bytes: 4 << 30,
            reporter_quota_bytes: 8 << 30,
            ip_quota_bytes: 8 << 30,
            upload_expiry_hours: 72,
            requests_per_second: 20,
            request_timeout_seconds: 120,
        }
    }
}

fn default_listen() -> String {
    "127.0.0.1:8470".into()
}

fn default_region() -> String {
    "us-east-1".into()
}

impl Config {
    /// Reads `DIR/intake.toml`.
    pub fn read(dir: &Path) -> Result<Config> {
        let path = dir.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "cannot read {} / no se puede leer; run `testigo-intake init --dir {}` first",
                path.display(),
                dir.display()
            )
        })?;
        let c: Config =
            toml::from_str(&text).with_context(|| format!("{} is not valid", path.display()))?;
        if c.limits.max_report_bytes == 0 || c.limits.requests_per_second == 0 {
            bail!("{}: limits must be above zero", path.display());
        }
        Ok(c)
    }

    /// Writes `DIR/intake.toml`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let text = format!(
            "# testigo-intake configuration; see docs/intake.md\n{}",
            toml::to_string_pretty(self)?
        );
        crate::files::write_private(&dir.join(CONFIG_FILE), text.as_bytes())
    }
}
