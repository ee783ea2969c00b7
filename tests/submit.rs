//! Submitting sealed reports from the CLI to a real intake server started
//! on 127.0.0.1 (`testigo-intake`, built with the workspace): adding the
//! organization, waiting for the receipt, checking it with `minisign`, the
//! outbox keeping a report the server could not take yet.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::Env;

/// `testigo-intake`, beside `testigo` in the target folder.
fn intake_bin() -> PathBuf {
    let p = Path::new(env!("CARGO_BIN_EXE_testigo"))
        .with_file_name(format!("testigo-intake{}", std::env::consts::EXE_SUFFIX));
    assert!(
        p.exists(),
        "{} is missing: build the whole workspace (cargo build --workspace)",
        p.display()
    );
    p
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A TCP relay on 127.0.0.1 that, while `stall` is set, stops passing the
/// client's bytes on once `after` bytes went through: a link that hangs
/// in the middle of an upload.
struct StallingRelay {
    listener: std::net::TcpListener,
    stall: std::sync::Arc<std::sync::atomic::AtomicBool>,
    stalled: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl StallingRelay {
    fn bind() -> StallingRelay {
        StallingRelay {
            listener: std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
            stall: Default::default(),
            stalled: Default::default(),
        }
    }

    fn port(&self) -> u16 {
        self.listener.local_addr().unwrap().port()
    }

    fn run(&self, upstream: u16, after: usize) {
        use std::io::{Read as _, Write as _};
        use std::sync::atomic::Ordering::SeqCst;
        let listener = self.listener.try_clone().unwrap();
        let (stall, stalled) = (self.stall.clone(), self.stalled.clone());
        stall.store(true, SeqCst);
        std::thread::spawn(move || {
            let total = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            for client in listener.incoming() {
                let Ok(mut client) = client else { return };
                let Ok(mut server) = std::net::TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                let (mut back_from, mut back_to) =
                    (server.try_clone().unwrap(), client.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut back_from, &mut back_to);
                });
                let (stall, stalled, total) = (stall.clone(), stalled.clone(), total.clone());
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16 * 1024];
                    loop {
                        let n = match client.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        if total.fetch_add(n, SeqCst) + n > after {
                            while stall.load(SeqCst) {
                                stalled.store(true, SeqCst);
                                std::thread::sleep(Duration::from_millis(50));
                            }
                        }
                        if server.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = server.shutdown(std::net::Shutdown::Write);
                });
            }
        });
    }
}

struct Intake {
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Intake {
    fn init(env: &Env) -> Intake {
        let port = free_port();
        Intake::init_at(env, port, port)
    }

    /// A server listening on `port` that tells reporters to come by `public_port`.
    fn init_at(env: &Env, port: u16, public_port: u16) -> Intake {
        let dir = env.root.path().join("intake");
        let out = Command::new(intake_bin())
            .args([
                "init",
                "--dir",
                dir.to_str().unwrap(),
                "--name",
                "Red de Defensoras",
            ])
            .args([
                "--url",
                &format!("http://127.0.0.1:{public_port}"),
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
        Intake {
            dir,
            port,
            child: None,
        }
    }

    fn start(&mut self) {
        self.child = Some(
            Command::new(intake_bin())
                .args(["serve", "--dir", self.dir.to_str().unwrap()])
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the intake server did not start");
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn org_file(&self) -> PathBuf {
        self.dir.join("org.testigo-org")
    }

    fn key(&self) -> String {
        let out = Command::new(intake_bin())
            .args(["key", "--dir", self.dir.to_str().unwrap()])
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .last()
            .unwrap()
            .to_string()
    }
}

impl Drop for Intake {
    fn drop(&mut self) {
        self.stop();
    }
}

fn sealed(env: &Env) -> PathBuf {
    env.case("c");
    env.ok(&["note", "Amenaza por mensaje directo", "--case", "c"]);
    let out = env.path("reporte.zip");
    env.ok(&["seal", "--case", "c", "--out", out.to_str().unwrap()]);
    out
}

/// A sealed report of about 6 MB: a recording, as a file item.
fn sealed_large(env: &Env) -> PathBuf {
    env.case("c");
    let mut bytes = vec![0u8; 6 << 20];
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for b in bytes.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    let file = env.path("grabacion.bin");
    std::fs::write(&file, &bytes).unwrap();
    env.ok(&["add", file.to_str().unwrap(), "--case", "c"]);
    let report = env.path("grande.zip");
    env.ok(&["seal", "--case", "c", "--out", report.to_str().unwrap()]);
    report
}

/// A `testigo submit` of a 6 MB report whose link hangs after 3 MB.
struct Stalled {
    relay: StallingRelay,
    intake: Intake,
    report: PathBuf,
    submit: Child,
}

/// Starts a server behind a stalling relay, adds it, seals a large report
/// and submits it until the relay holds the upload.
fn submit_until_stalled(env: &Env) -> Stalled {
    let relay = StallingRelay::bind();
    let server_port = free_port();
    let mut intake = Intake::init_at(env, server_port, relay.port());
    intake.start();
    relay.run(server_port, 3 << 20);
    env.ok(&["org", "add", intake.org_file().to_str().unwrap()]);
    let report = sealed_large(env);
    let mut submit = env
        .command(&[
            "submit",
            report.to_str().unwrap(),
            "--to",
            "Red de Defensoras",
            "--json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..600 {
        if relay.stalled.load(std::sync::atomic::Ordering::SeqCst) {
            return Stalled {
                relay,
                intake,
                report,
                submit,
            };
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = submit.kill();
    let _ = submit.wait();
    panic!("the upload never reached the stall");
}

#[test]
fn a_report_is_submitted_and_its_receipt_verifies_with_minisign() {
    let env = Env::new();
    let mut intake = Intake::init(&env);
    intake.start();
    let added = env.json(&["org", "add", intake.org_file().to_str().unwrap()]);
    assert_eq!(added["id"].as_str().unwrap().len(), 16);
    let listed = env.ok(&["org", "list"]);
    assert!(listed.contains("Red de Defensoras"), "{listed}");
    let report = sealed(&env);
    // The start of its name is enough when no other organization shares it.
    let out = env.json(&["submit", report.to_str().unwrap(), "--to", "red"]);
    assert_eq!(out["status"], "done", "{out}");
    let receipt = PathBuf::from(out["receipt_path"].as_str().unwrap());
    assert_eq!(
        out["report_sha256"],
        crate::support::sha256(&std::fs::read(&report).unwrap())
    );
    let check = Command::new("minisign")
        .arg("-Vm")
        .arg(&receipt)
        .arg("-P")
        .arg(intake.key())
        .output()
        .expect("minisign (scripts/test.sh installs it)");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&receipt).unwrap()).unwrap();
    assert_eq!(r["receipt_id"], out["receipt_id"]);
    assert_eq!(r["verification"], "verified");
    // The outbox says so, and the custody log records it.
    let outbox = env.json(&["outbox"]);
    assert_eq!(outbox[0]["status"], "done");
    let logged = env.log_of("submitted");
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0]["detail"]["receipt_id"], out["receipt_id"]);
    // It belongs to the case sealed, and the case's packet prints the receipt.
    assert_eq!(logged[0]["case_id"], env.log_of("sealed")[0]["case_id"]);
    let pdf = env.path("expediente.pdf");
    env.ok(&["packet", "--case", "c", "--out", pdf.to_str().unwrap()]);
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (scripts/test.sh installs poppler-utils)");
    let text = String::from_utf8_lossy(&text.stdout).replace('\u{200b}', "");
    assert!(text.contains("Acuses de recibo"), "{text}");
    assert!(text.contains(out["receipt_id"].as_str().unwrap()), "{text}");
    assert!(text.contains("Red de Defensoras"), "{text}");
}

#[test]
fn a_report_waits_in_the_outbox_while_the_server_is_down_and_goes_when_it_is_back() {
    let env = Env::new();
    let mut intake = Intake::init(&env);
    env.ok(&["org", "add", intake.org_file().to_str().unwrap()]);
    let report = sealed(&env);
    let res = env.run(&[
        "submit",
        report.to_str().unwrap(),
        "--to",
        "Red de Defensoras",
        "--json",
    ]);
    assert_eq!(res.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&res.stdout).unwrap();
    assert_eq!(v["status"], "failed", "{v}");
    assert!(
        v["error_es"]
            .as_str()
            .unwrap()
            .contains("se intentará de nuevo"),
        "{v}"
    );
    intake.start();
    let run = env.json(&["outbox", "run"]);
    assert_eq!(run[0]["status"], "done", "{run}");
    assert!(PathBuf::from(format!("{}.receipt.json", report.display())).exists());
}

#[test]
fn a_changed_organization_file_is_refused() {
    let env = Env::new();
    let intake = Intake::init(&env);
    let text = std::fs::read_to_string(intake.org_file()).unwrap();
    let changed = env.path("otra.testigo-org");
    std::fs::write(&changed, text.replace("127.0.0.1", "127.0.0.2")).unwrap();
    let e = env.fails(&["org", "add", changed.to_str().unwrap()], 2);
    assert!(e.contains("changed after it was signed"), "{e}");
    let e = env.fails(&["submit", "nada.zip", "--to", "Otra"], 2);
    assert!(e.contains("no organization"), "{e}");
}

#[test]
fn a_client_killed_mid_upload_resumes_from_the_servers_offset_with_outbox_run() {
    use std::sync::atomic::Ordering::SeqCst;
    let env = Env::new();
    let Stalled {
        relay,
        intake,
        report,
        mut submit,
    } = submit_until_stalled(&env);
    submit.kill().unwrap();
    let _ = submit.wait();
    relay.stall.store(false, SeqCst);
    let before = env.json(&["outbox"]);
    let sent = before[0]["sent"].as_u64().unwrap();
    assert!(sent > 0, "{before}");
    assert_eq!(before[0]["status"], "uploading");
    let run = env.json(&["outbox", "run"]);
    assert_eq!(run[0]["status"], "done", "{run}");
    assert_eq!(run[0]["attempts"], 2, "{run}");
    let check = Command::new("minisign")
        .arg("-Vm")
        .arg(format!("{}.receipt.json", report.display()))
        .arg("-P")
        .arg(intake.key())
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn a_submission_paused_mid_upload_stops_after_its_chunk_and_goes_only_when_resumed() {
    use std::sync::atomic::Ordering::SeqCst;
    let env = Env::new();
    let Stalled {
        relay,
        intake: _intake,
        report,
        submit,
    } = submit_until_stalled(&env);
    // Paused from another process while a chunk hangs on the link.
    let id = env.json(&["outbox"])[0]["id"].as_str().unwrap().to_string();
    let paused = env.json(&["outbox", "pause", &id]);
    assert_eq!(paused[0]["status"], "paused", "{paused}");
    relay.stall.store(false, SeqCst);
    let out = submit.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "paused", "{v}");
    let size = std::fs::metadata(&report).unwrap().len();
    let sent = env.json(&["outbox"])[0]["sent"].as_u64().unwrap();
    assert!(sent > 0 && sent < size, "sent {sent} of {size}");
    // A run leaves it alone; resumed, it goes on from the server's offset.
    let run = env.json(&["outbox", "run"]);
    assert_eq!(run, serde_json::json!([]), "{run}");
    assert_eq!(env.json(&["outbox"])[0]["status"], "paused");
    env.json(&["outbox", "resume", &id]);
    let run = env.json(&["outbox", "run"]);
    assert_eq!(run[0]["status"], "done", "{run}");
    assert!(env.log_of("submitted").len() == 1);
}
