//! End-to-end tests of the real desktop app: tauri-driver starts the built
//! binary under WebKitWebDriver, and these tests click, type and read like a
//! person would. Run by `scripts/e2e.sh` (which builds the app, starts Xvfb
//! and tauri-driver); ignored by a plain `cargo test`. Screenshots of every
//! main screen, in Spanish and English, go to `$TESTIGO_E2E_SHOTS`.

#![allow(clippy::unwrap_used)] // a failing step should stop the test loudly

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

/// A running app with its own HOME (so its vault and settings are temporary).
struct App {
    client: Client,
}

fn app_binary() -> PathBuf {
    PathBuf::from(
        std::env::var("TESTIGO_E2E_APP")
            .expect("TESTIGO_E2E_APP: the built app binary (scripts/e2e.sh sets it)"),
    )
}

fn shots_dir() -> PathBuf {
    let dir =
        PathBuf::from(std::env::var("TESTIGO_E2E_SHOTS").unwrap_or_else(|_| "e2e-shots".into()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl App {
    async fn start(home: &Path) -> App {
        // tauri-driver passes the environment of its own process on; the app
        // reads HOME/XDG dirs from it, so scripts/e2e.sh points them at `home`
        // through TESTIGO_E2E_HOME, which we check here.
        assert_eq!(
            std::env::var("TESTIGO_E2E_HOME").ok().as_deref(),
            home.to_str(),
            "scripts/e2e.sh sets the app's HOME"
        );
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app_binary() }),
        );
        eprintln!("connecting to tauri-driver");
        let client = ClientBuilder::native()
            .capabilities(caps)
            .connect("http://127.0.0.1:4444")
            .await
            .expect("connect to tauri-driver on 127.0.0.1:4444");
        eprintln!("session started");
        App { client }
    }

    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    async fn click(&self, css: &str) {
        let el = self.find(css).await;
        // Bring it into view first, as a person would scroll to it.
        self.client
            .execute(
                "arguments[0].scrollIntoView({ block: 'center' });",
                vec![serde_json::to_value(&el).unwrap()],
            )
            .await
            .ok();
        if let Err(e) = el.click().await {
            self.shot("failed-click").await;
            panic!("click {css}: {e} (screenshot failed-click.png)");
        }
    }

    async fn type_in(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        el.clear().await.ok();
        if text.is_empty() {
            // Clearing alone may not tell the page; say it as an input would.
            self.client
                .execute(
                    "const e = document.querySelector(arguments[0]); e.value = ''; e.dispatchEvent(new Event('input', { bubbles: true }));",
                    vec![css.into()],
                )
                .await
                .unwrap_or_else(|e| panic!("clear {css}: {e}"));
        } else {
            el.send_keys(text)
                .await
                .unwrap_or_else(|e| panic!("type in {css}: {e}"));
        }
    }

    /// Waits until the element's text contains `needle`.
    async fn wait_text(&self, css: &str, needle: &str) -> String {
        for _ in 0..100 {
            if let Ok(el) = self.client.find(Locator::Css(css)).await
                && let Ok(t) = el.text().await
                && t.contains(needle)
            {
                return t;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!(
            "{css} never showed {needle:?}; page: {}",
            self.client.source().await.unwrap_or_default()
        );
    }

    async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0)
    }

    async fn shot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(shots_dir().join(format!("{name}.png")), png).unwrap();
    }

    async fn resize(&self, w: u32, h: u32) {
        let r =
            tokio::time::timeout(Duration::from_secs(5), self.client.set_window_size(w, h)).await;
        eprintln!("resize to {w}x{h}: {r:?}");
        tokio::time::sleep(Duration::from_millis(400)).await;
    }

    async fn quit(self) {
        self.client.close().await.ok();
        tokio::time::sleep(Duration::from_millis(800)).await;
    }

    /// Answers the next open or save dialog as the person would (the UI's
    /// `dialogs.ts` takes queued answers; the native GTK dialog cannot be
    /// driven through WebDriver).
    async fn answer_dialog(&self, answer: serde_json::Value) {
        self.client
            .execute(
                "window.__testigoE2E = window.__testigoE2E || { answers: [] }; window.__testigoE2E.answers.push(arguments[0]);",
                vec![answer],
            )
            .await
            .expect("queue a dialog answer");
    }

    /// Drops files on the window: the same `tauri://drag-drop` event the
    /// shell sends when files are dropped from the file manager.
    async fn drop_files(&self, paths: &[&Path]) {
        let paths: Vec<serde_json::Value> =
            paths.iter().map(|p| p.to_str().unwrap().into()).collect();
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 window.__TAURI_INTERNALS__.invoke('plugin:event|emit_to', {
                   target: { kind: 'Webview', label: 'main' }, event: 'tauri://drag-drop',
                   payload: { paths: arguments[0], position: { x: 200, y: 200 } },
                 }).then(() => done('ok'), (e) => done(String(e)));",
                vec![serde_json::Value::Array(paths)],
            )
            .await
            .expect("emit a drop");
    }

    /// Creates the vault (first run) or unlocks it.
    async fn open_vault(&self, passphrase: &str) {
        self.find("#passphrase").await;
        let creating = self.count("#confirm").await > 0;
        self.type_in("#passphrase", passphrase).await;
        if creating {
            self.type_in("#confirm", passphrase).await;
        }
        self.click("#unlock-submit").await;
        self.find("#nav-cases").await;
    }

    /// Pastes images into the window the way the clipboard would: a paste
    /// event carrying files, handled by the app's own paste handler.
    async fn paste_files(&self, files: &[(&str, &str, Vec<u8>)]) {
        let payload: Vec<serde_json::Value> = files
            .iter()
            .map(|(name, mime, bytes)| serde_json::json!({ "name": name, "type": mime, "bytes": bytes }))
            .collect();
        self.client
            .execute(
                "const dt = new DataTransfer();
                 for (const f of arguments[0]) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type }));
                 window.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt }));",
                vec![serde_json::Value::Array(payload)],
            )
            .await
            .expect("dispatch paste");
    }
}

fn png(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(640, 400, |x, y| {
        let v = ((x / 20 + y / 20) as u8).wrapping_mul(seed);
        image::Rgb([v, 255 - v, seed])
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

#[tokio::test]
#[ignore = "needs the built app, tauri-driver and a display: run scripts/e2e.sh"]
async fn a_person_documents_a_campaign() {
    let home = PathBuf::from(std::env::var("TESTIGO_E2E_HOME").expect("TESTIGO_E2E_HOME"));
    let app = App::start(&home).await;
    app.resize(1280, 800).await;

    // First run: create the vault, with the strength meter and confirmation.
    app.find("#passphrase").await;
    app.shot("es-1280-01-create-vault").await;
    app.type_in("#passphrase", "una frase bastante larga para la bóveda")
        .await;
    app.type_in("#confirm", "una frase bastante larga para la bóveda")
        .await;
    app.click("#unlock-submit").await;

    // Cases: empty, then create one.
    app.wait_text("#cases-empty", "Aún no hay casos").await;
    app.shot("es-1280-02-cases-empty").await;
    app.click("#new-case").await;
    app.type_in("#case-name", "Campaña contra Noroña").await;
    app.type_in("#case-description", "Bots en X, marzo").await;
    app.click("#case-create").await;
    app.wait_text("#case-title", "Campaña contra Noroña").await;

    // Two screenshots and a corrupt file: the error is shown, the others imported.
    app.paste_files(&[
        ("uno.png", "image/png", png(3)),
        ("dos.png", "image/png", png(7)),
        (
            "rota.png",
            "image/png",
            b"\x89PNG\r\n\x1a\nesto no es una imagen".to_vec(),
        ),
    ])
    .await;
    let summary = app.wait_text("#import-summary", "Error").await;
    // The reason, in Spanish like the rest of the screen.
    assert!(summary.contains("dañado"), "{summary}");
    app.wait_text("#item-count", "2 elementos").await;
    app.shot("es-1280-03-case-grid").await;

    // A note with accents, for searching.
    app.click("#add-note").await;
    app.type_in(
        "#note-text",
        "Llamada amenazante a la línea de la redacción",
    )
    .await;
    app.click("#note-add").await;
    app.wait_text("#item-count", "3 elementos").await;

    // Edit an item's fields.
    app.click("#item-grid .card").await;
    app.find("#item-detail").await;
    app.type_in("#f-author", "@bot_0231").await;
    app.type_in("#f-platform", "X").await;
    app.find("#f-threat")
        .await
        .select_by_value("high")
        .await
        .unwrap();
    app.type_in("#f-state", "Ciudad de México").await;
    app.click("#f-save").await;
    app.wait_text("#toast", "Cambios guardados").await;
    app.shot("es-1280-04-item-detail").await;
    app.client
        .execute("document.querySelector('.modal .close').click()", vec![])
        .await
        .unwrap();

    // Search with and without accents.
    app.type_in("#search", "linea").await;
    app.wait_text("#item-count", "1 elemento").await;
    app.type_in("#search", "línea").await;
    app.wait_text("#item-count", "1 elemento").await;
    app.type_in("#search", "bot_0231").await;
    app.wait_text("#item-count", "1 elemento").await;
    app.type_in("#search", "").await;
    app.wait_text("#item-count", "3 elementos").await;

    // Accounts and the custody log with check.
    app.click("#nav-accounts").await;
    app.wait_text("#accounts-table", "bot_0231").await;
    app.shot("es-1280-05-accounts").await;
    app.click("#nav-log").await;
    app.click("#check-vault").await;
    app.wait_text("#check-result", "Todo correcto").await;
    app.shot("es-1280-06-custody-log").await;

    // Switch language.
    app.click("#nav-settings").await;
    app.shot("es-1280-07-settings").await;
    app.find("#pref-language")
        .await
        .select_by_value("en")
        .await
        .unwrap();
    app.click("#pref-save").await;
    app.wait_text("#nav-cases", "Cases").await;
    app.shot("en-1280-07-settings").await;
    app.click("#nav-cases").await;
    app.shot("en-1280-02-cases").await;
    app.click("#case-list li:first-child button").await;
    app.wait_text("#item-count", "3 items").await;
    app.shot("en-1280-03-case-grid").await;
    app.resize(1024, 640).await;
    app.shot("en-1024-03-case-grid").await;
    app.click("#item-grid .card").await;
    app.find("#item-detail").await;
    app.shot("en-1024-04-item-detail").await;
    app.client
        .execute("document.querySelector('.modal .close').click()", vec![])
        .await
        .unwrap();
    app.click("#nav-log").await;
    app.click("#check-vault").await;
    app.wait_text("#check-result", "All good").await;
    app.shot("en-1024-06-custody-log").await;
    app.click("#nav-accounts").await;
    app.wait_text("#accounts-table", "bot_0231").await;
    app.shot("en-1024-05-accounts").await;

    // Lock and unlock: a wrong passphrase is refused.
    app.click("#lock-now").await;
    app.find("#passphrase").await;
    app.shot("en-1024-08-unlock").await;
    app.type_in("#passphrase", "no es esta").await;
    app.click("#unlock-submit").await;
    app.wait_text("#unlock-error", "Wrong passphrase").await;
    app.type_in("#passphrase", "una frase bastante larga para la bóveda")
        .await;
    app.click("#unlock-submit").await;
    app.wait_text("#case-list", "Campaña contra Noroña").await;
    app.quit().await;

    // Quit, restart, and find everything there (in English, as chosen).
    let app = App::start(&home).await;
    app.resize(1280, 800).await;
    app.type_in("#passphrase", "una frase bastante larga para la bóveda")
        .await;
    app.click("#unlock-submit").await;
    app.click("#case-list li:first-child button").await;
    app.wait_text("#item-count", "3 items").await;
    assert_eq!(app.count("#item-grid .card").await, 3);
    app.wait_text("#nav-cases", "Cases").await;
    app.quit().await;
}

/// A web server on 127.0.0.1 with one page that says who posted what, for
/// link capture. Answers every request with the same page.
fn page_server() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let mut seen = Vec::new();
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let oembed = String::from_utf8_lossy(&seen).starts_with("GET /oembed");
            let (kind, body) = if oembed {
                (
                    "application/json",
                    r#"{"type":"rich","version":"1.0","author_name":"Cuenta de bots 0231","provider_name":"Red social de prueba","html":"<script>alert(1)</script>"}"#,
                )
            } else {
                (
                    "text/html; charset=utf-8",
                    "<!doctype html><html><head><title>Publicación amenazante</title>\
                <meta property=\"og:title\" content=\"Te vamos a encontrar, ¿me oíste?\">\
                <meta property=\"og:description\" content=\"Publicado por @bot_0231 contra la redacción\">\
                <meta property=\"og:site_name\" content=\"Red social de prueba\">\
                <link rel=\"alternate\" type=\"application/json+oembed\" href=\"/oembed?format=json\">\
                <script>document.title = 'never run'</script></head>\
                <body><p>Te vamos a encontrar</p></body></html>",
                )
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
    });
    format!("http://{addr}/status/1790000000000000000")
}

/// One encrypted object file of the vault under `dir` (not a half-written one).
fn vault_object(dir: &Path) -> PathBuf {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() && !p.ends_with("tmp") {
                stack.push(p);
            } else if p.is_file() && p.components().any(|c| c.as_os_str() == "objects") {
                return p;
            }
        }
    }
    panic!("no object file under {}", dir.display());
}

/// A port nothing listens on (bound, then released).
fn closed_port_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}/borrado")
}

#[tokio::test]
#[ignore = "needs the built app, tauri-driver and a display: run scripts/e2e.sh"]
async fn evidence_is_added_every_way_sealed_and_verified() {
    let home = PathBuf::from(std::env::var("TESTIGO_E2E_HOME").expect("TESTIGO_E2E_HOME"));
    let files = tempfile::tempdir().unwrap();
    let app = App::start(&home).await;
    app.resize(1280, 800).await;
    app.open_vault("una frase bastante larga para la bóveda")
        .await;

    // In Spanish, a new case.
    app.click("#nav-settings").await;
    app.find("#pref-language")
        .await
        .select_by_value("es")
        .await
        .unwrap();
    app.click("#pref-save").await;
    app.wait_text("#nav-cases", "Casos").await;
    app.find("#signing-key").await;
    app.find("#capture-settings").await;
    app.shot("es-1280-09-settings-key-capture").await;
    let public_key = app.find("#key-public").await.text().await.unwrap();
    assert!(public_key.starts_with("RW"), "{public_key}");
    app.click("#nav-cases").await;
    app.click("#new-case").await;
    app.type_in("#case-name", "Reporte para la fiscalía").await;
    app.click("#case-create").await;
    app.wait_text("#case-title", "Reporte para la fiscalía")
        .await;

    // A folder through the picker: three screenshots and a file that is not one.
    let folder = files.path().join("capturas");
    std::fs::create_dir(&folder).unwrap();
    for seed in [11u8, 13, 17] {
        std::fs::write(folder.join(format!("captura-{seed}.png")), png(seed)).unwrap();
    }
    std::fs::write(folder.join("rota.png"), b"\x89PNG\r\n\x1a\nno").unwrap();
    app.answer_dialog(serde_json::json!([folder.to_str().unwrap()]))
        .await;
    app.click("#add-folder").await;
    let summary = app.wait_text("#import-summary", "3 agregados").await;
    assert!(summary.contains("1 error"), "{summary}");
    app.wait_text("#item-count", "3 elementos").await;

    // A file dropped on the window.
    let dropped = files.path().join("soltada.png");
    std::fs::write(&dropped, png(19)).unwrap();
    app.drop_files(&[&dropped]).await;
    app.wait_text("#item-count", "4 elementos").await;

    // Two links: one page is captured and previewed as text; the other
    // cannot be fetched, and the link is kept with the reason.
    let good = page_server();
    let gone = closed_port_url();
    app.click("#add-link").await;
    // Two lines, as pasted from a list (WebDriver's typing drops newlines).
    app.find("#link-url").await;
    app.client
        .execute(
            "const e = document.querySelector('#link-url'); e.value = arguments[0]; e.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![format!("{good}\n{gone}").into()],
        )
        .await
        .unwrap();
    app.shot("es-1280-10-add-links").await;
    app.click("#link-add").await;
    let results = app.wait_text("#link-results", "Te vamos a encontrar").await;
    assert!(
        results.to_lowercase().contains("red social de prueba"),
        "{results}"
    );
    let results = app.wait_text("#link-results", "La captura falló").await;
    assert!(results.contains("El enlace se guardó"), "{results}");
    app.wait_text("#item-count", "6 elementos").await;
    app.shot("es-1280-11-link-results").await;
    // The captured page's script never ran in the app.
    let title = app.client.title().await.unwrap();
    assert_ne!(title, "never run");

    // The captured link's detail: captures, capture again, WARC.
    app.type_in("#search", "1790000000000000000").await;
    app.wait_text("#item-count", "1 elemento").await;
    app.click("#item-grid .card").await;
    app.wait_text("#captures", "Capturado").await;
    app.click("#capture-again").await;
    app.wait_text("#captures", "#2").await;
    // oEmbed only when asked: its answer is shown as text, its html never run.
    app.click("#captures .oembed").await;
    app.wait_text("#captures", "Cuenta de bots 0231").await;
    app.shot("es-1280-12-link-detail").await;
    let warc = files.path().join("captura.warc");
    app.answer_dialog(warc.to_str().unwrap().into()).await;
    app.click("#captures + button.warc, #captures button.warc")
        .await;
    app.wait_text("#toast", "WARC").await;
    assert!(std::fs::read(&warc).unwrap().starts_with(b"WARC/1.1"));
    app.client
        .execute("document.querySelector('.modal .close').click()", vec![])
        .await
        .unwrap();
    app.type_in("#search", "").await;
    app.wait_text("#item-count", "6 elementos").await;

    // Seal everything into a signed ZIP.
    let bundle = files.path().join("reporte.zip");
    app.click("#seal-open").await;
    app.wait_text(".modal fieldset .count", "6 elementos").await;
    app.shot("es-1280-13-seal").await;
    app.answer_dialog(bundle.to_str().unwrap().into()).await;
    app.click("#seal-go").await;
    let report_id = app.find("#sealed-report").await.text().await.unwrap();
    app.wait_text("#sealed-path", "reporte.zip").await;
    app.shot("es-1280-14-sealed").await;
    assert!(bundle.exists());
    app.client
        .execute("document.querySelector('.modal .close').click()", vec![])
        .await
        .unwrap();

    // The bundle carries its printable packet.
    let zip = std::fs::read(&bundle).unwrap();
    assert!(zip.windows(15).any(|w| w == b"data/report.pdf"));

    // Print a packet of the case, in Spanish on Letter paper.
    let pdf = files.path().join("expediente.pdf");
    app.click("#packet-open").await;
    app.find("#print-paper").await;
    app.shot("es-1280-14b-packet").await;
    app.answer_dialog(pdf.to_str().unwrap().into()).await;
    app.click("#packet-go").await;
    app.wait_text("#packet-done", "expediente.pdf").await;
    app.shot("es-1280-14c-packet-done").await;
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    app.client
        .execute("document.querySelector('.modal .close').click()", vec![])
        .await
        .unwrap();

    // Verify it: without the key the signer is unconfirmed; with it, valid.
    app.click("#nav-verify").await;
    app.answer_dialog(bundle.to_str().unwrap().into()).await;
    app.click("#verify-choose").await;
    app.wait_text("#verify-verdict", "no se ha confirmado")
        .await;
    app.type_in("#verify-key", &public_key).await;
    app.click("#verify-run").await;
    app.wait_text("#verify-verdict", "Válido").await;
    let checks = app.find("#verify-result").await.text().await.unwrap();
    assert!(checks.contains(&report_id), "{checks}");
    app.shot("es-1280-15-verify-valid").await;

    // One byte changed inside a screenshot: not valid, and the file is named.
    let mut bytes = std::fs::read(&bundle).unwrap();
    let at = bytes.windows(4).position(|w| w == b"IDAT").unwrap() + 40;
    bytes[at] ^= 0x01;
    let tampered = files.path().join("alterado.zip");
    std::fs::write(&tampered, bytes).unwrap();
    app.answer_dialog(tampered.to_str().unwrap().into()).await;
    app.click("#verify-choose").await;
    app.wait_text("#verify-verdict", "NO es válido").await;
    let problems = app.wait_text("#verify-problems", "Alterado").await;
    assert!(problems.contains("data/evidence/"), "{problems}");
    assert!(
        problems.contains("está dañado"),
        "detail in Spanish: {problems}"
    );
    app.shot("es-1280-16-verify-altered").await;

    // One byte changed in a file of the vault: the check finds it and says
    // so in Spanish, naming the file.
    let object = vault_object(&home.join("data"));
    let mut bytes = std::fs::read(&object).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&object, bytes).unwrap();
    app.click("#nav-log").await;
    app.click("#check-vault").await;
    let result = app
        .wait_text("#check-result", "Se encontró 1 problema")
        .await;
    assert!(result.contains("alterado o dañado"), "{result}");
    assert!(result.contains("objects/"), "{result}");
    app.shot("es-1280-18-check-damaged").await;

    // Verifying needs no vault: from the lock screen too.
    app.click("#lock-now").await;
    app.click("#verify-without-vault").await;
    app.answer_dialog(bundle.to_str().unwrap().into()).await;
    app.click("#verify-choose").await;
    app.wait_text("#verify-verdict", "no se ha confirmado")
        .await;
    app.shot("es-1280-17-verify-locked").await;
    app.click("#back-to-unlock").await;
    app.find("#passphrase").await;
    app.quit().await;
}
