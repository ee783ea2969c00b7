//! The staff inbox in a real browser: Debian's Chromium, headless, driven
//! through its chromedriver (WebDriver) with fantoccini, against the real
//! server, in Spanish. Screenshots of the list and of a report go to
//! `target/tmp/intake-shots/`, for a person to look at.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::support::{Report, Server, Storage, free_port};

/// A headless Chromium with a profile of its own, and the chromedriver
/// that started it.
struct Browser {
    client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start() -> Browser {
        use std::os::unix::process::CommandExt as _;
        let port = free_port();
        // In a process group of its own, so that the browser it starts
        // goes with it even when a test fails half way.
        let mut driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("chromedriver (scripts/test.sh installs Debian's chromium-driver)");
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(driver.try_wait().unwrap().is_none(), "chromedriver stopped");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--window-size=1280,900",
                    "--lang=es-MX",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                "prefs": { "intl.accept_languages": "es-MX,es" },
            },
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        let client = ClientBuilder::native()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session through chromedriver");
        Browser {
            client,
            driver,
            _profile: profile,
        }
    }

    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => panic!(
                "no {css} ({e}) in {}",
                self.client.source().await.unwrap_or_default()
            ),
        }
    }

    async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    async fn js(&self, script: &str) -> Value {
        self.client.execute(script, Vec::new()).await.unwrap()
    }

    /// The HTTP status the page came with (Navigation Timing).
    async fn status(&self) -> Value {
        self.js("return performance.getEntriesByType('navigation')[0].responseStatus")
            .await
    }

    async fn type_in(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// Clicks `css` and waits for the page it leads to: a new document,
    /// loaded (the old one is marked first).
    async fn click_to_next_page(&self, css: &str) {
        self.js("document.documentElement.dataset.left = 'yes'")
            .await;
        self.find(css).await.click().await.unwrap();
        let loaded = "return document.documentElement.dataset.left !== 'yes' \
                      && document.readyState === 'complete'";
        while self.client.execute(loaded, Vec::new()).await.ok() != Some(Value::Bool(true)) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn shot(&self, name: &str) -> PathBuf {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("intake-shots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, self.client.screenshot().await.unwrap()).unwrap();
        path
    }

    async fn quit(self) {
        self.client.clone().close().await.unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The driver and whatever it started: its process group.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_use_the_inbox_in_chromium_in_spanish() {
    let srv = Server::start(Storage::Local).await;
    srv.cli_with_env(
        &["user", "add", "ana"],
        &[("TESTIGO_INTAKE_PASSWORD", "una contraseña larga")],
    );
    // A case title that is markup, from the sealed report: shown as text.
    let title = "Campaña <script>window.pwned = 1</script> de bots";
    let report = Report::seal_titled(&srv.tmp, "browser", title).await;
    let (status, body) = srv.upload_whole(&report).await;
    assert_eq!(status, 204, "{body}");
    let receipt_id = srv.last_receipt_id.lock().unwrap().clone().unwrap();
    let b = Browser::start().await;

    // Not logged in: the login page, in Spanish.
    b.client.goto(&format!("{}/inbox", srv.url)).await.unwrap();
    assert_eq!(b.client.current_url().await.unwrap().path(), "/inbox/login");
    assert_eq!(b.js("return document.documentElement.lang").await, "es");
    assert_eq!(b.text("h2").await, "Entrar a la bandeja");

    // A wrong password: refused, said in Spanish.
    b.type_in("#user", "ana").await;
    b.type_in("#password", "otra contraseña").await;
    b.click_to_next_page("#login").await;
    assert_eq!(b.status().await, 401);
    assert_eq!(
        b.text("#login-error").await,
        "Usuario o contraseña incorrectos."
    );
    assert_eq!(
        b.find("#user")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("ana"),
        "the name typed is kept"
    );
    b.shot("inbox-login-refused").await;

    // The right one: the list, with the report and its verification.
    b.type_in("#user", "ana").await;
    b.type_in("#password", "una contraseña larga").await;
    b.click_to_next_page("#login").await;
    assert_eq!(b.client.current_url().await.unwrap().path(), "/inbox");
    assert_eq!(b.status().await, 200);
    let rows = b
        .client
        .find_all(Locator::Css("#reports tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "a header and one report");
    let row = rows[1].text().await.unwrap();
    assert!(row.contains(title), "{row}");
    assert!(row.contains("verificado"), "{row}");
    assert!(row.contains("recibido"), "{row}");
    assert!(row.contains(&receipt_id), "{row}");
    assert!(row.contains(" UTC"), "a time people read: {row}");
    b.shot("inbox-list").await;

    // The report: its facts and items, its markup as text, no script run.
    b.click_to_next_page("#reports a").await;
    assert_eq!(
        b.client.current_url().await.unwrap().path(),
        format!("/inbox/reports/{receipt_id}")
    );
    assert_eq!(b.text("main h2").await, title);
    assert_eq!(b.text("#verification").await, "verificado");
    let facts = b.text("dl").await;
    assert!(facts.contains(&report.sha256), "{facts}");
    assert!(
        facts.contains(report.report_id.as_deref().unwrap()),
        "{facts}"
    );
    let mut cells = Vec::new();
    for td in b
        .client
        .find_all(Locator::Css("#items tr:nth-child(2) td"))
        .await
        .unwrap()
    {
        cells.push(td.text().await.unwrap());
    }
    assert_eq!(
        cells,
        [
            "1",
            "nota",
            "—",
            "",
            "Amenaza <b>recibida</b> por mensaje directo"
        ]
    );
    assert_eq!(
        b.js("return document.querySelectorAll('script, #items b').length")
            .await,
        0
    );
    assert_eq!(b.js("return typeof window.pwned").await, "undefined");
    b.find("#packet").await;
    b.shot("inbox-report").await;

    // A status change through the form: kept, and shown.
    b.find("#status")
        .await
        .select_by_value("in_review")
        .await
        .unwrap();
    b.click_to_next_page("#save-status").await;
    assert_eq!(
        b.js("return document.querySelector('#status').value").await,
        "in_review"
    );
    assert_eq!(srv.receipt(&receipt_id).await["status"], "in_review");

    // The same form without its CSRF token: refused, and nothing changes.
    b.js("document.querySelector('#status-form input[name=csrf]').remove()")
        .await;
    b.find("#status")
        .await
        .select_by_value("closed")
        .await
        .unwrap();
    b.click_to_next_page("#save-status").await;
    assert_eq!(b.status().await, 403);
    assert_eq!(b.text("#refused h2").await, "No se aceptó el formulario");
    let refusal = b.text("#refused").await;
    assert!(
        refusal.contains("Este formulario caducó o no vino de esta página"),
        "{refusal}"
    );
    b.shot("inbox-refused-form").await;
    assert_eq!(srv.receipt(&receipt_id).await["status"], "in_review");

    // Back in the list, the new status.
    b.client.goto(&format!("{}/inbox", srv.url)).await.unwrap();
    assert!(b.text("#reports").await.contains("en revisión"));
    b.quit().await;
}
