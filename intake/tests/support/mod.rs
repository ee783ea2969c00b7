//! A real intake server in a temporary folder, and sealed reports made by
//! the core, for the tests.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine as _;
use sha2::Digest as _;
use testigo_core::{PacketOptions, SealRequest, Vault};

pub const BIN: &str = env!("CARGO_BIN_EXE_testigo-intake");

/// A sealed report to send.
pub struct Report {
    pub bytes: Vec<u8>,
    pub sha256: String,
    pub report_id: Option<String>,
    pub key_id: String,
}

/// Seals every item of a case into `out`, and reads it back.
fn sealed(vault: &Vault, case: &str, out: PathBuf, encrypt_to: Vec<String>) -> Report {
    let sealed = vault
        .seal(
            &SealRequest {
                case: case.to_string(),
                items: Vec::new(),
                out,
                encrypt_to,
                source_date_epoch: None,
                packet: PacketOptions::default(),
            },
            &mut |_| {},
        )
        .unwrap();
    let bytes = std::fs::read(&sealed.path).unwrap();
    Report {
        sha256: hex::encode(sha2::Sha256::digest(&bytes)),
        bytes,
        report_id: Some(sealed.report_id),
        key_id: vault.public_key().unwrap().key_id,
    }
}

impl Report {
    fn make(tmp: &tempfile::TempDir, name: &str, title: &str, encrypt_to: Vec<String>) -> Report {
        let dir = tmp.path().join(format!("{name}-vault"));
        let vault = Vault::create(&dir, "una frase de prueba bastante larga").unwrap();
        let case = vault.create_case(title, "").unwrap();
        vault
            .add_note(
                &case.id,
                "Amenaza <b>recibida</b> por mensaje directo",
                &Default::default(),
            )
            .unwrap();
        let out = tmp.path().join(format!("{name}.zip"));
        sealed(&vault, &case.id, out, encrypt_to)
    }

    /// A plain sealed report of one note.
    pub async fn seal(tmp: &tempfile::TempDir, name: &str) -> Report {
        Report::seal_titled(tmp, name, "Campaña de bots").await
    }

    /// The same, its case named `title`.
    pub async fn seal_titled(tmp: &tempfile::TempDir, name: &str, title: &str) -> Report {
        tokio::task::block_in_place(|| Report::make(tmp, name, title, Vec::new()))
    }

    /// The same, encrypted with age to `recipient`.
    pub async fn seal_to(tmp: &tempfile::TempDir, name: &str, recipient: &str) -> Report {
        tokio::task::block_in_place(|| {
            Report::make(tmp, name, "Campaña de bots", vec![recipient.to_string()])
        })
    }

    /// A plain report holding a file of `size` random bytes.
    pub fn seal_large(tmp: &tempfile::TempDir, size: usize) -> Report {
        let dir = tmp.path().join("large-vault");
        let vault = Vault::create(&dir, "una frase de prueba bastante larga").unwrap();
        let case = vault.create_case("Archivo grande", "").unwrap();
        let mut bytes = vec![0u8; size];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for b in bytes.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        vault
            .import_bytes(&case.id, "grabacion.bin", &bytes, &Default::default())
            .unwrap();
        sealed(
            &vault,
            &case.id,
            tmp.path().join("large-sealed.zip"),
            Vec::new(),
        )
    }

    /// `n` different plain reports from one vault: a case with one note each.
    pub fn seal_many(tmp: &tempfile::TempDir, n: usize) -> Vec<Report> {
        let dir = tmp.path().join("many-vault");
        let vault = Vault::create(&dir, "una frase de prueba bastante larga").unwrap();
        (0..n)
            .map(|i| {
                let case = vault.create_case(&format!("Caso {i}"), "").unwrap();
                vault
                    .add_note(&case.id, &format!("Mensaje {i}"), &Default::default())
                    .unwrap();
                sealed(
                    &vault,
                    &case.id,
                    tmp.path().join(format!("sealed-{i}.zip")),
                    Vec::new(),
                )
            })
            .collect()
    }

    /// Bytes that claim to be a report.
    pub fn raw(bytes: Vec<u8>, key_id: &str) -> Report {
        Report {
            sha256: hex::encode(sha2::Sha256::digest(&bytes)),
            bytes,
            report_id: None,
            key_id: key_id.into(),
        }
    }
}

/// `Upload-Metadata` for a report.
pub fn meta(sha256: &str, filename: &str, key_id: &str) -> String {
    let b = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    format!(
        "sha256 {},filename {},key_id {}",
        b(sha256),
        b(filename),
        b(key_id)
    )
}

/// The value of a hidden input in a page.
pub fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_string()
}

/// A port free on 127.0.0.1 (for a server about to start).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Where a test server keeps its index and files.
#[derive(Debug, Clone, Copy)]
pub enum Storage {
    /// SQLite and a folder, in the server's folder.
    Local,
    /// A database of its own in the PostgreSQL that `scripts/services.sh`
    /// started (`TESTIGO_TEST_POSTGRES`), and the folder.
    Postgres,
    /// A database of its own, and a bucket of its own in the Garage that
    /// `scripts/services.sh` started (`TESTIGO_TEST_S3_*`).
    PostgresS3,
}

/// Where a service `scripts/services.sh` started is, from its environment.
fn service(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!(
            "{var} is not set: run the tests with scripts/test.sh, or `source scripts/services.sh` first (it starts PostgreSQL and Garage on 127.0.0.1)"
        )
    })
}

/// Runs the test Garage's `garage` command; its output.
fn garage(args: &[&str]) -> String {
    let out = Command::new(service("TESTIGO_TEST_GARAGE"))
        .args(args)
        .env("GARAGE_CONFIG_FILE", service("TESTIGO_TEST_GARAGE_CONFIG"))
        .output()
        .expect("the garage command (scripts/test.sh builds it)");
    assert!(
        out.status.success(),
        "garage {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A test's bucket of its own in the test Garage, and a client of it
/// (the test's, not the server's) to see what the server keeps there.
struct Bucket {
    name: String,
    client: object_store::aws::AmazonS3,
}

impl Bucket {
    /// Makes a fresh bucket with the tests' key allowed to read and write it
    /// (with the `garage` command: the key may not make buckets through
    /// S3); the server's settings for it.
    fn fresh() -> (Bucket, testigo_intake::config::S3) {
        let key_id = service("TESTIGO_TEST_S3_KEY_ID");
        let name = format!("intake-{}", ulid::Ulid::new().to_string().to_lowercase());
        garage(&["bucket", "create", &name]);
        garage(&[
            "bucket", "allow", "--read", "--write", "--owner", &name, "--key", &key_id,
        ]);
        let s3 = testigo_intake::config::S3 {
            endpoint: service("TESTIGO_TEST_S3_ENDPOINT"),
            bucket: name.clone(),
            region: service("TESTIGO_TEST_S3_REGION"),
            access_key_id: key_id,
            secret_access_key: service("TESTIGO_TEST_S3_SECRET"),
        };
        let client = object_store::aws::AmazonS3Builder::new()
            .with_endpoint(&s3.endpoint)
            .with_bucket_name(&s3.bucket)
            .with_region(&s3.region)
            .with_access_key_id(&s3.access_key_id)
            .with_secret_access_key(&s3.secret_access_key)
            .with_allow_http(true)
            .build()
            .unwrap();
        (Bucket { name, client }, s3)
    }

    /// The keys of the objects under `prefix`, sorted.
    async fn keys(&self, prefix: &str) -> Vec<String> {
        use futures_util::TryStreamExt as _;
        use object_store::ObjectStore as _;
        let mut keys: Vec<String> = self
            .client
            .list(Some(&object_store::path::Path::from(prefix)))
            .map_ok(|m| m.location.to_string())
            .try_collect()
            .await
            .unwrap();
        keys.sort();
        keys
    }

    /// Writes begun and neither completed nor aborted (multipart uploads
    /// above all), which listing objects does not show: Garage counts them.
    fn unfinished_writes(&self) -> i64 {
        let info = garage(&[
            "json-api",
            "GetBucketInfo",
            &serde_json::json!({ "globalAlias": self.name }).to_string(),
        ]);
        let info: serde_json::Value = serde_json::from_str(&info).unwrap();
        info["unfinishedUploads"]
            .as_i64()
            .unwrap_or_else(|| panic!("no unfinishedUploads in {info}"))
    }
}

/// Makes a fresh database in the test PostgreSQL; its connection string.
async fn fresh_database() -> String {
    let base = service("TESTIGO_TEST_POSTGRES");
    let (client, conn) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
        .await
        .expect("connect to the test PostgreSQL");
    tokio::spawn(conn);
    let name = format!("intake_{}", ulid::Ulid::new().to_string().to_lowercase());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create a test database");
    let kept: Vec<&str> = base
        .split_whitespace()
        .filter(|kv| !kv.starts_with("dbname="))
        .collect();
    format!("{} dbname={name}", kept.join(" "))
}

/// A running `testigo-intake serve`.
pub struct Server {
    pub tmp: tempfile::TempDir,
    pub url: String,
    child: Option<Child>,
    /// The PostgreSQL database, when the index is there.
    postgres: Option<String>,
    /// The bucket, when report files and chunks are there.
    bucket: Option<Bucket>,
    pub last_receipt_id: Mutex<Option<String>>,
}

impl Server {
    pub async fn start(storage: Storage) -> Server {
        Server::start_with(storage, |c| c).await
    }

    /// Starts a server whose configuration `edit` changed.
    pub async fn start_with(storage: Storage, edit: impl FnOnce(String) -> String) -> Server {
        // reqwest shares the core's rustls, which names no provider itself.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let tmp = tempfile::tempdir().unwrap();
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}");
        let dir = tmp.path().join("srv");
        let out = Command::new(BIN)
            .args([
                "init",
                "--dir",
                dir.to_str().unwrap(),
                "--name",
                "Red de Defensoras",
                "--url",
                &url,
            ])
            .args([
                "--contact",
                "acompanamiento@example.org",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let config = dir.join("intake.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        // The tests send many requests from one address.
        let mut text = text.replace("requests_per_second = 20", "requests_per_second = 1000");
        let mut postgres = None;
        if let Storage::Postgres | Storage::PostgresS3 = storage {
            let db = fresh_database().await;
            text = text.replace("[storage]\n", &format!("[storage]\npostgres = {db:?}\n"));
            assert!(text.contains("postgres = "), "{text}");
            postgres = Some(db);
        }
        let mut bucket = None;
        if let Storage::PostgresS3 = storage {
            let (b, s3) = tokio::task::block_in_place(Bucket::fresh);
            text.push_str(&format!(
                "\n[storage.s3]\n{}",
                toml::to_string(&s3).unwrap()
            ));
            bucket = Some(b);
        }
        std::fs::write(&config, edit(text)).unwrap();
        let mut s = Server {
            tmp,
            url,
            child: None,
            postgres,
            bucket,
            last_receipt_id: Mutex::new(None),
        };
        s.spawn().await;
        s
    }

    pub fn dir(&self) -> PathBuf {
        self.tmp.path().join("srv")
    }

    async fn spawn(&mut self) {
        let child = Command::new(BIN)
            .args(["serve", "--dir", self.dir().to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let port = self
            .url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse::<u16>().ok())
            .expect("a port");
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not start");
    }

    /// Kills the server at once (SIGKILL: no chance to tidy up).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub async fn restart(&mut self) {
        self.kill();
        self.spawn().await;
    }

    /// Makes every staff session expired, in the index itself.
    pub async fn expire_sessions(&self) {
        let sql = "UPDATE sessions SET expires_at = '2000-01-01T00:00:00Z'";
        match &self.postgres {
            Some(db) => {
                let (client, conn) = tokio_postgres::connect(db, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(conn);
                client.batch_execute(sql).await.unwrap();
            }
            None => {
                let conn = rusqlite::Connection::open(self.dir().join("index.db")).unwrap();
                conn.execute_batch(sql).unwrap();
            }
        }
    }

    /// Makes the scratch folder unusable (a file in its place), or usable again.
    pub fn break_scratch(&self, broken: bool) {
        let tmp = self.dir().join("tmp");
        let _ = std::fs::remove_dir_all(&tmp);
        let _ = std::fs::remove_file(&tmp);
        if broken {
            std::fs::write(&tmp, b"not a folder").unwrap();
        }
    }

    pub fn cli_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let mut cmd = Command::new(BIN);
        cmd.args(&args[..1]);
        if args[0] == "user" {
            cmd.args(&args[1..2])
                .args(["--dir", self.dir().to_str().unwrap()])
                .args(&args[2..]);
        } else {
            cmd.args(["--dir", self.dir().to_str().unwrap()])
                .args(&args[1..]);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn cli(&self, args: &[&str]) -> String {
        self.cli_with_env(args, &[])
    }

    pub fn list(&self) -> serde_json::Value {
        serde_json::from_str(&self.cli(&["list", "--json"])).unwrap()
    }

    pub fn org(&self) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(self.dir().join("org.testigo-org")).unwrap()).unwrap()
    }

    /// The keys under `prefix` in the store, sorted: the files in the
    /// server's folder, or the objects in its bucket.
    async fn keys_under(&self, prefix: &str) -> Vec<String> {
        if let Some(bucket) = &self.bucket {
            return bucket.keys(prefix).await;
        }
        fn walk(p: &Path, out: &mut Vec<PathBuf>) {
            if let Ok(rd) = std::fs::read_dir(p) {
                for e in rd.flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        walk(&p, out);
                    } else {
                        out.push(p);
                    }
                }
            }
        }
        let store = self.dir().join("store");
        let mut files = Vec::new();
        walk(&store.join(prefix), &mut files);
        let mut keys: Vec<String> = files
            .iter()
            .map(|f| {
                f.strip_prefix(&store)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        keys.sort();
        keys
    }

    /// Report files kept.
    pub async fn stored_files(&self) -> Vec<String> {
        self.keys_under("reports").await
    }

    /// Chunks of unfinished uploads kept; in a bucket, also any write
    /// begun and neither completed nor aborted.
    pub async fn chunk_files(&self) -> Vec<String> {
        let mut kept = self.keys_under("uploads").await;
        if let Some(bucket) = &self.bucket {
            let n = tokio::task::block_in_place(|| bucket.unfinished_writes());
            if n > 0 {
                kept.push(format!("({n} unfinished writes in the bucket)"));
            }
        }
        kept
    }

    pub async fn receipt(&self, id: &str) -> serde_json::Value {
        reqwest::get(format!("{}/receipts/{id}", self.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub fn minisign_verifies(&self, json: &str, minisig: &str) {
        let dir = tempfile::tempdir().unwrap();
        let receipt = dir.path().join("RECEIPT");
        std::fs::write(&receipt, json).unwrap();
        std::fs::write(dir.path().join("RECEIPT.minisig"), minisig).unwrap();
        let key = self.cli(&["key"]);
        let out = Command::new("minisign")
            .arg("-Vm")
            .arg(&receipt)
            .arg("-P")
            .arg(key.lines().last().unwrap())
            .output()
            .expect("minisign (scripts/test.sh installs it)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Creates an upload for `report`; its URL.
    pub async fn create(&self, report: &Report) -> String {
        let r = reqwest::Client::new()
            .post(format!("{}/uploads", self.url))
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", report.bytes.len().to_string())
            .header(
                "Upload-Metadata",
                meta(&report.sha256, "report.zip", &report.key_id),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201, "{:?}", r.text().await);
        format!("{}{}", self.url, r.headers()["location"].to_str().unwrap())
    }

    pub async fn patch(
        &self,
        url: &str,
        offset: u64,
        body: Vec<u8>,
        checksum: Option<String>,
    ) -> reqwest::Response {
        let mut req = reqwest::Client::new()
            .patch(url)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", offset.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .body(body);
        if let Some(c) = checksum {
            req = req.header("Upload-Checksum", c);
        }
        req.send().await.unwrap()
    }

    pub async fn head(&self, url: &str) -> reqwest::Response {
        reqwest::Client::new()
            .head(url)
            .header("Tus-Resumable", "1.0.0")
            .send()
            .await
            .unwrap()
    }

    pub async fn offset(&self, url: &str) -> u64 {
        let r = self.head(url).await;
        assert_eq!(r.status().as_u16(), 200);
        r.headers()["upload-offset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// Creates and sends a report in one PATCH: the final status and body.
    pub async fn upload_whole(&self, report: &Report) -> (u16, String) {
        let url = self.create(report).await;
        let r = self.patch(&url, 0, report.bytes.clone(), None).await;
        let status = r.status().as_u16();
        *self.last_receipt_id.lock().unwrap() = r
            .headers()
            .get("testigo-receipt-id")
            .map(|v| v.to_str().unwrap().to_string());
        (status, r.text().await.unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Sends a report with tuspy, the tus project's Python client, in chunks
/// of `chunk` bytes (with its sha1 `Upload-Checksum` when `checksum`).
pub fn tuspy(srv: &Server, report: &Report, chunk: usize, checksum: bool) -> serde_json::Value {
    let path = srv.tmp.path().join("tuspy-report.zip");
    std::fs::write(&path, &report.bytes).unwrap();
    let script = r#"
import json, sys
from tusclient import client
url, path, sha, key_id, chunk, checksum = sys.argv[1:7]
u = client.TusClient(url).uploader(path, chunk_size=int(chunk),
    metadata={"sha256": sha, "filename": "report.zip", "key_id": key_id},
    upload_checksum=checksum == "1")
u.upload()
print(json.dumps({"url": u.url, "receipt_id": u.request.response_headers.get("testigo-receipt-id")}))
"#;
    let out = Command::new("python3")
        .args([
            "-c",
            script,
            &format!("{}/uploads", srv.url),
            path.to_str().unwrap(),
        ])
        .args([&report.sha256, &report.key_id, &chunk.to_string()])
        .arg(if checksum { "1" } else { "0" })
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "tuspy failed (scripts/test.sh installs it with pip): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// What a [`FlippingProxy`] does to the client's bytes, once.
#[derive(Clone, Copy)]
pub enum Harm {
    /// Flips one bit of the byte at this offset of a connection's stream:
    /// a chunk damaged in flight.
    Flip(usize),
    /// Drops the connection once this many bytes went through it: the
    /// link cut in the middle of a chunk.
    Cut(usize),
}

/// A TCP proxy on 127.0.0.1 in front of a server that harms what the client
/// sends, once (see [`Harm`]), and passes everything else through.
pub struct FlippingProxy {
    pub url: String,
    flipped: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl FlippingProxy {
    pub async fn start(upstream: &str, at: usize) -> FlippingProxy {
        FlippingProxy::start_with(upstream, Harm::Flip(at)).await
    }

    pub async fn start_with(upstream: &str, harm: Harm) -> FlippingProxy {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").to_string();
        let flipped = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let done = flipped.clone();
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let server = tokio::net::TcpStream::connect(&upstream).await.unwrap();
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let done = done.clone();
                let back = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut sr, &mut cw).await;
                    let _ = cw.shutdown().await;
                });
                tokio::spawn(async move {
                    let mut seen = 0usize;
                    let mut buf = vec![0u8; 16 * 1024];
                    loop {
                        let n = match cr.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        if !done.load(std::sync::atomic::Ordering::SeqCst) {
                            match harm {
                                Harm::Flip(at) if seen <= at && at < seen + n => {
                                    buf[at - seen] ^= 0x20;
                                    done.store(true, std::sync::atomic::Ordering::SeqCst);
                                }
                                Harm::Cut(at) if seen + n > at => {
                                    done.store(true, std::sync::atomic::Ordering::SeqCst);
                                    let keep = at.saturating_sub(seen);
                                    let _ = sw.write_all(&buf[..keep]).await;
                                    // Both ways: the client sees its request fail.
                                    back.abort();
                                    return;
                                }
                                _ => {}
                            }
                        }
                        seen += n;
                        if sw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = sw.shutdown().await;
                });
            }
        });
        FlippingProxy { url, flipped }
    }

    pub fn flipped(&self) -> bool {
        self.flipped.load(std::sync::atomic::Ordering::SeqCst)
    }
}
