//! End to end: a person seals a report in the app, adds the organization
//! from its `.testigo-org` file, submits the report to the organization's
//! real intake server (`testigo-intake`, started here on 127.0.0.1), sees
//! it fail while the server is down, pauses and resumes it, and reads the
//! signed receipt, all in Spanish; the exported receipt verifies with the
//! `minisign` CLI and the case's packet prints it.

#![allow(clippy::unwrap_used)] // a failing step should stop the test loudly

#[allow(dead_code)] // each test binary uses a part of the harness
mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use support::{App, app_binary};

/// A `testigo-intake` server on 127.0.0.1.
struct Intake {
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

fn intake_bin() -> PathBuf {
    app_binary().with_file_name("testigo-intake")
}

impl Intake {
    fn init(root: &Path) -> Intake {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = root.join("intake");
        let out = Command::new(intake_bin())
            .args(["init", "--dir", dir.to_str().unwrap()])
            .args(["--name", "Red de Defensoras Digitales"])
            .args(["--url", &format!("http://127.0.0.1:{port}")])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .output()
            .expect("testigo-intake (built with the workspace)");
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

    /// The receipt key, as `testigo-intake key` prints it for minisign.
    fn key(&self) -> String {
        let out = Command::new(intake_bin())
            .args(["key", "--dir", self.dir.to_str().unwrap()])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        text.lines().last().unwrap().to_string()
    }

    /// What the server holds: `testigo-intake list --json`.
    fn list(&self) -> serde_json::Value {
        let out = Command::new(intake_bin())
            .args(["list", "--dir", self.dir.to_str().unwrap(), "--json"])
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

impl Drop for Intake {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test]
#[ignore = "needs the built app, tauri-driver and a display: run scripts/e2e.sh"]
async fn a_sealed_report_is_submitted_and_its_receipt_shown_in_spanish() {
    let home = PathBuf::from(std::env::var("TESTIGO_E2E_HOME").expect("TESTIGO_E2E_HOME"));
    let files = tempfile::tempdir().unwrap();
    let mut intake = Intake::init(files.path());
    let app = App::start(&home).await;
    app.resize(1280, 800).await;
    app.open_vault("una frase bastante larga para la bóveda")
        .await;
    app.click("#nav-settings").await;
    app.choose_language("es").await;
    app.wait_text("#nav-outbox", "Bandeja de salida").await;

    // A case with a note, sealed.
    app.click("#nav-cases").await;
    app.click("#new-case").await;
    app.type_in("#case-name", "Amenazas a la defensora").await;
    app.click("#case-create").await;
    app.wait_text("#case-title", "Amenazas a la defensora")
        .await;
    app.choose_add("#add-note").await;
    app.type_in("#note-text", "Mensaje directo: «sabemos dónde vives»")
        .await;
    app.click("#note-add").await;
    app.wait_text("#item-count", "1 elemento").await;
    let report = files.path().join("reporte-defensora.zip");
    app.click("#seal-open").await;
    app.answer_dialog(report.to_str().unwrap().into()).await;
    app.click("#seal-go").await;
    app.wait_text("#sealed-path", "reporte-defensora.zip").await;

    // Right after sealing: submit. No organization yet, so the app says
    // where to add one.
    app.click("#seal-submit").await;
    app.wait_text("#submit-no-orgs", "Primero agrega la organización")
        .await;
    app.shot("es-1280-22-submit-no-orgs").await;
    app.click(".modal .actions .primary").await;

    // Settings: the organization from its file, with the fingerprint to compare.
    app.find("#orgs").await;
    app.answer_dialog(intake.dir.join("org.testigo-org").to_str().unwrap().into())
        .await;
    app.click("#org-add").await;
    let added = app.wait_text("#org-added", "Compara esta huella").await;
    let orgs = app.invoke("orgs", serde_json::json!({})).await;
    let fingerprint = orgs["ok"][0]["fingerprint"].as_str().unwrap().to_string();
    let grouped: Vec<String> = fingerprint
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    assert!(added.contains(&grouped.join(" ")), "{added}");
    app.wait_text("#orgs", "Red de Defensoras Digitales").await;
    app.client
        .execute(
            "document.querySelector('#orgs').scrollIntoView({ block: 'start' })",
            vec![],
        )
        .await
        .unwrap();
    app.shot("es-1280-23-settings-orgs").await;

    // The outbox: the sealed report is listed; submitted while the server
    // is down, it keeps trying with the reason in Spanish.
    app.click("#nav-outbox").await;
    app.wait_text("#outbox-empty", "No hay envíos").await;
    app.wait_text("#sealed-list", "reporte-defensora.zip").await;
    app.shot("es-1280-24-outbox-empty").await;
    app.click("#sealed-list .submit-report").await;
    app.wait_text(".modal", "Red de Defensoras Digitales").await;
    app.shot("es-1280-25-submit").await;
    app.click("#submit-go").await;
    app.wait_text("#outbox-list .reason", "se intentará de nuevo")
        .await;
    app.shot("es-1280-26-outbox-retrying").await;

    // Paused, it stays paused; resumed with the server up, it arrives.
    app.click("#outbox-list .pause").await;
    app.wait_text("#outbox-list .badge", "En pausa").await;
    intake.start();
    tokio::time::sleep(Duration::from_secs(2)).await;
    app.wait_text("#outbox-list .badge", "En pausa").await;
    app.shot("es-1280-27-outbox-paused").await;
    assert!(intake.list().as_array().unwrap().is_empty());
    app.click("#outbox-list .resume").await;
    app.wait_text("#outbox-list .badge", "Recibido").await;
    app.wait_text("#sealed-list", "Recibido").await;
    app.shot("es-1280-28-outbox-received").await;

    // The receipt, as the organization signed it.
    let held = intake.list();
    let receipt_id = held[0]["receipt_id"].as_str().unwrap().to_string();
    app.click("#outbox-list .show-receipt").await;
    app.wait_text("#receipt-id", &receipt_id).await;
    app.wait_text("#receipt-verification", "verificado").await;
    app.wait_text("#receipt", "Red de Defensoras Digitales recibió el reporte")
        .await;
    app.shot("es-1280-29-receipt").await;
    let exported = files.path().join("acuse.json");
    app.answer_dialog(exported.to_str().unwrap().into()).await;
    app.click("#receipt-export").await;
    app.wait_text("#toast", "Acuse exportado").await;
    let check = Command::new("minisign")
        .arg("-Vm")
        .arg(&exported)
        .arg("-P")
        .arg(intake.key())
        .output()
        .expect("minisign (scripts/test.sh installs it)");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    app.client
        .execute("document.querySelector('.modal .close').click()", vec![])
        .await
        .unwrap();

    // The case's packet prints the receipt.
    app.click("#nav-cases").await;
    app.wait_text("#case-list", "Amenazas a la defensora").await;
    app.client
        .execute(
            "[...document.querySelectorAll('#case-list button.case')].find((b) => b.textContent.includes('Amenazas a la defensora')).click()",
            vec![],
        )
        .await
        .unwrap();
    app.wait_text("#case-title", "Amenazas a la defensora")
        .await;
    let pdf = files.path().join("expediente-defensora.pdf");
    app.click("#packet-open").await;
    app.answer_dialog(pdf.to_str().unwrap().into()).await;
    app.click("#packet-go").await;
    app.wait_text("#packet-done", "expediente-defensora.pdf")
        .await;
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    let text = String::from_utf8_lossy(&text.stdout).replace('\u{200b}', "");
    assert!(text.contains("Acuses de recibo"), "{text}");
    assert!(text.contains(&receipt_id), "{text}");
    app.quit().await;
}
