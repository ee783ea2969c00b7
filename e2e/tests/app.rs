//! End-to-end tests of the real desktop app: tauri-driver starts the built
//! binary under WebKitWebDriver, and these tests click, type and read like a
//! person would. Run by `scripts/e2e.sh` (which builds the app, starts Xvfb
//! and tauri-driver); ignored by a plain `cargo test`. Screenshots of every
//! main screen, in Spanish and English, go to `$TESTIGO_E2E_SHOTS`.

#![allow(clippy::unwrap_used)] // a failing step should stop the test loudly

#[allow(dead_code)] // each test binary uses a part of the harness
mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::key::Key;
use support::{App, png};

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
    app.wait_text("#cases-empty", "Empieza con un caso").await;
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

    // The evidence is what the person came for: at 1024x640, with the
    // import summary and the chart showing, the first row of cards is in
    // view without scrolling, its thumbnails drawn.
    app.resize(1024, 640).await;
    app.find("#case-chart canvas").await;
    app.first_thumbnail_shown().await;
    app.shot("es-1024-03-case-grid").await;
    let row = app.first_row().await;
    eprintln!("es, 1024x640, the first row of cards: {row:?}");
    assert!(row.in_view(), "es, 1024x640: {row:?}");
    app.resize(1280, 800).await;

    // The "Add" menu works by keyboard: Enter opens it on its first item,
    // arrows move, Escape closes it and gives focus back to its button.
    let active = async || {
        app.client
            .execute("return document.activeElement.id", vec![])
            .await
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    app.find("#add-menu")
        .await
        .send_keys(&Key::Enter)
        .await
        .unwrap();
    app.find("#add-menu-list").await;
    assert_eq!(active().await, "add-files");
    let expanded = app
        .find("#add-menu")
        .await
        .attr("aria-expanded")
        .await
        .unwrap();
    assert_eq!(expanded.as_deref(), Some("true"));
    let press = async |key: Key| {
        let focused = app.client.active_element().await.unwrap();
        focused.send_keys(&key).await.unwrap();
    };
    press(Key::Down).await;
    assert_eq!(active().await, "add-folder");
    press(Key::Up).await;
    press(Key::Up).await;
    assert_eq!(
        active().await,
        "add-note",
        "up from the first wraps to the last"
    );
    app.shot("es-1280-03-add-menu").await;
    press(Key::Escape).await;
    assert_eq!(app.count("#add-menu-list").await, 0);
    assert_eq!(active().await, "add-menu");

    // A note with accents, for searching.
    app.choose_add("#add-note").await;
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
    app.find("#f-threat-level")
        .await
        .select_by_value("high")
        .await
        .unwrap();
    app.type_in("#f-state", "Ciudad de México").await;
    // A field added through the core's field table (`reply_to`) is in the
    // form by itself, under its Spanish label.
    app.find("#f-reply-to").await;
    let label: String = app
        .client
        .execute(
            "return document.querySelector('#f-reply-to').parentElement.textContent",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(label.contains("En respuesta a"), "{label}");
    app.type_in("#f-reply-to", "1765432000000000001").await;
    app.click("#f-save").await;
    app.wait_text("#toast", "Cambios guardados").await;
    let kept: String = app
        .client
        .execute("return document.querySelector('#f-reply-to').value", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(kept, "1765432000000000001");
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
    app.choose_language("en").await;
    app.wait_text("#nav-cases", "Cases").await;
    app.shot("en-1280-07-settings").await;
    app.click("#nav-cases").await;
    app.shot("en-1280-02-cases").await;
    app.click("#case-list li:first-child button").await;
    app.wait_text("#item-count", "3 items").await;
    // The same screenshot pasted again: a summary in English, nothing added.
    app.paste_files(&[("uno.png", "image/png", png(3))]).await;
    app.wait_text("#import-summary", "1 duplicate").await;
    app.wait_text("#item-count", "3 items").await;
    app.shot("en-1280-03-case-grid").await;
    app.resize(1024, 640).await;
    app.find("#case-chart canvas").await;
    app.first_thumbnail_shown().await;
    app.shot("en-1024-03-case-grid").await;
    let row = app.first_row().await;
    eprintln!("en, 1024x640, the first row of cards: {row:?}");
    assert!(row.in_view(), "en, 1024x640: {row:?}");
    // Under each thumbnail, shown until it is decoded: the file's name. A
    // thumbnail that cannot be had says so instead of staying blank.
    let name = app
        .client
        .execute(
            "return document.querySelector('#item-grid .card .thumb .name').textContent",
            vec![],
        )
        .await
        .unwrap();
    let name = name.as_str().unwrap_or_default();
    assert!(name.ends_with(".png"), "{name}");
    app.client
        .execute(
            "document.querySelector('#item-grid .card img').src = 'testigo://localhost/thumb/none';",
            vec![],
        )
        .await
        .unwrap();
    app.wait_text("#item-grid .card .thumb", "No preview").await;
    app.shot("en-1024-03-no-preview").await;
    // More filters, with how many of them are on.
    app.click("#more-filters-toggle").await;
    app.find("#more-filters")
        .await
        .find(fantoccini::Locator::Css("select"))
        .await
        .unwrap()
        .select_by_value("X")
        .await
        .unwrap();
    app.wait_text("#item-count", "1 item").await;
    app.wait_text("#more-filters-toggle", "1").await;
    app.shot("en-1024-03-more-filters").await;
    app.click("#clear-filters").await;
    app.wait_text("#item-count", "3 items").await;
    app.click("#more-filters-toggle").await;
    // The chart folds away, and stays folded (checked after the restart).
    app.click("#chart-toggle").await;
    assert_eq!(app.count("#case-chart").await, 0);
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
    assert_eq!(app.count("#case-chart").await, 0, "the chart stays folded");
    app.click("#chart-toggle").await;
    app.find("#case-chart canvas").await;
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
    app.choose_language("es").await;
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
    app.choose_add("#add-folder").await;
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
    app.choose_add("#add-link").await;
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

/// `answer` is the refusal a path the person did not choose gets: the one
/// error the UI knows, `invalid`, saying to choose the file again.
#[track_caller]
fn assert_refused(what: &str, answer: &serde_json::Value) {
    let err = &answer["err"];
    assert_eq!(err["kind"], "invalid", "{what}: {answer}");
    let message = err["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("de nuevo") || message.contains("again"),
        "{what}: {answer}"
    );
}

/// Issue 11, point 11: a script in the web view (as an injection would run)
/// calls the commands that take a path with paths the person never chose:
/// every one is refused and nothing is read or written. What the person
/// chose in a dialog or dropped still works, once for a save.
#[tokio::test]
#[ignore = "needs the built app, tauri-driver and a display: run scripts/e2e.sh"]
async fn the_web_view_reaches_only_files_the_person_chose() {
    let home = PathBuf::from(std::env::var("TESTIGO_E2E_HOME").expect("TESTIGO_E2E_HOME"));
    let files = tempfile::tempdir().unwrap();
    let root = files.path().canonicalize().unwrap();
    let app = App::start(&home).await;
    app.resize(1280, 800).await;
    app.open_vault("una frase bastante larga para la bóveda")
        .await;
    app.click("#nav-cases").await;
    app.click("#new-case").await;
    app.type_in("#case-name", "Solo lo elegido").await;
    app.click("#case-create").await;
    app.wait_text("#case-title", "Solo lo elegido").await;
    let cases = app.invoke("list_cases", serde_json::json!({})).await;
    let case_id = cases["ok"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Solo lo elegido")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let no_fields = serde_json::json!({
        "platform": null, "url": null, "author": null, "author_name": null, "posted_at": null,
        "categories": null, "threat_level": null, "target": null, "state": null, "hashtags": null,
        "tags": null, "notes": null, "reported_to": null, "text": null
    });

    // Files the person never chose.
    let secret = root.join("secreto.txt");
    std::fs::write(&secret, "contraseñas").unwrap();
    let outside = root.join("fuera.png");
    std::fs::write(&outside, png(23)).unwrap();
    for path in ["/etc/passwd", outside.to_str().unwrap(), "fuera.png", ""] {
        let r = app
            .invoke(
                "import_paths",
                serde_json::json!({ "caseId": case_id, "paths": [path], "fields": no_fields, "followLinks": false }),
            )
            .await;
        assert_refused(&format!("import {path}"), &r);
    }

    // A folder chosen in the dialog is imported; a path under it is allowed,
    // but neither `..` nor a link leads out of it.
    let folder = root.join("elegida");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("dentro.png"), png(29)).unwrap();
    app.answer_dialog(serde_json::json!([folder.to_str().unwrap()]))
        .await;
    app.choose_add("#add-folder").await;
    app.wait_text("#import-summary", "1 agregado").await;
    app.wait_text("#item-count", "1 elemento").await;
    std::os::unix::fs::symlink(&outside, folder.join("enlace.png")).unwrap();
    for path in [
        format!("{}/../fuera.png", folder.display()),
        format!("{}/./dentro.png", folder.display()),
        format!("{}/enlace.png", folder.display()),
    ] {
        let r = app
            .invoke(
                "import_paths",
                serde_json::json!({ "caseId": case_id, "paths": [path], "fields": no_fields, "followLinks": false }),
            )
            .await;
        assert_refused(&format!("import {path}"), &r);
    }
    let inside = app
        .invoke(
            "import_paths",
            serde_json::json!({ "caseId": case_id, "paths": [folder.join("dentro.png")], "fields": no_fields, "followLinks": false }),
        )
        .await;
    assert!(inside.get("ok").is_some(), "{inside}");

    // Issue 11, point 3: the same folder chosen again, now with a link in it:
    // the link is skipped and listed with its reason, not followed.
    app.answer_dialog(serde_json::json!([folder.to_str().unwrap()]))
        .await;
    app.choose_add("#add-folder").await;
    let summary = app.wait_text("#import-summary", "1 omitido").await;
    assert!(summary.contains("enlace.png"), "{summary}");
    assert!(summary.contains("enlace simbólico"), "{summary}");
    app.shot("es-1280-21-import-skipped-link").await;
    app.wait_text("#item-count", "1 elemento").await;

    // A file chosen for one use (an age identity) is not allowed for another.
    app.answer_dialog(secret.to_str().unwrap().into()).await;
    let chosen = app
        .invoke("choose_open", serde_json::json!({ "purpose": "identity" }))
        .await;
    assert_eq!(chosen["ok"][0], secret.to_str().unwrap(), "{chosen}");
    let r = app
        .invoke(
            "import_paths",
            serde_json::json!({ "caseId": case_id, "paths": [secret], "fields": no_fields, "followLinks": false }),
        )
        .await;
    assert_refused("import the chosen identity", &r);

    // Writes to paths never chosen in a save dialog.
    let items = app
        .invoke(
            "list_items",
            serde_json::json!({ "filter": { "case_id": case_id, "category": null, "platform": null,
                "author": null, "kind": null, "threat_level": null, "state": null, "since": null,
                "until": null, "by_posted": false } }),
        )
        .await;
    let item_id = items["ok"][0]["id"].as_str().unwrap().to_string();
    let print =
        serde_json::json!({ "lang": "es", "time_zone": "America/Mexico_City", "paper": "letter" });
    let written = [
        root.join("x"),
        root.join("clave.pub"),
        root.join("reporte.zip"),
        root.join("expediente.pdf"),
        PathBuf::from("/tmp/x"),
    ];
    let _ = std::fs::remove_file("/tmp/x");
    for (command, args) in [
        (
            "save_original",
            serde_json::json!({ "itemId": item_id, "path": written[0] }),
        ),
        (
            "save_original",
            serde_json::json!({ "itemId": item_id, "path": "/tmp/x" }),
        ),
        (
            "save_warc",
            serde_json::json!({ "itemId": item_id, "seq": null, "path": written[0] }),
        ),
        (
            "export_public_key",
            serde_json::json!({ "path": written[1] }),
        ),
        (
            "seal",
            serde_json::json!({ "caseId": case_id, "items": [], "out": written[2], "recipients": [], "print": print }),
        ),
        (
            "packet",
            serde_json::json!({ "caseId": case_id, "items": [], "out": written[3], "print": print }),
        ),
    ] {
        assert_refused(command, &app.invoke(command, args).await);
    }
    for path in &written {
        assert!(!path.exists(), "{} was written", path.display());
    }

    // Reads of files never chosen: a bundle, a key file, an identity.
    for (what, args) in [
        (
            "bundle",
            serde_json::json!({ "path": outside, "trustedKey": null, "trustedKeyFile": null, "identity": null }),
        ),
        (
            "key file",
            serde_json::json!({ "path": outside, "trustedKey": null, "trustedKeyFile": "/etc/passwd", "identity": null }),
        ),
        (
            "identity",
            serde_json::json!({ "path": outside, "trustedKey": null, "trustedKeyFile": null, "identity": "/etc/shadow" }),
        ),
    ] {
        assert_refused(what, &app.invoke("verify_bundle", args).await);
    }

    // The vault folder is only one chosen in the dialog.
    let status = app.invoke("app_status", serde_json::json!({})).await;
    let mut prefs = status["ok"]["prefs"].clone();
    prefs["vault_dir"] = root.join("boveda").to_str().unwrap().into();
    assert_refused(
        "vault folder",
        &app.invoke("set_prefs", serde_json::json!({ "prefs": prefs }))
            .await,
    );
    let after = app.invoke("app_status", serde_json::json!({})).await;
    assert_eq!(after["ok"]["vault_dir"], status["ok"]["vault_dir"]);

    // Answers queued in the web view (the old test seam) are ignored: the
    // dialog is answered by the harness's file only, and nothing is queued
    // there now, so the dialog is cancelled.
    app.client
        .execute(
            "window.__testigoE2E = { answers: [[arguments[0]]] };",
            vec![outside.to_str().unwrap().into()],
        )
        .await
        .unwrap();
    app.choose_add("#add-files").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.wait_text("#item-count", "1 elemento").await;

    // A drop the web view makes up, as either event, imports nothing.
    app.client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const emit = (event, payload) => window.__TAURI_INTERNALS__.invoke('plugin:event|emit_to',
               { target: { kind: 'Webview', label: 'main' }, event, payload });
             emit('tauri://drag-drop', { paths: [arguments[0]], position: { x: 200, y: 200 } })
               .then(() => emit('files-dropped', { paths: [arguments[0]] }))
               .then(() => done('ok'), (e) => done(String(e)));",
            vec![outside.to_str().unwrap().into()],
        )
        .await
        .unwrap();
    app.wait_text("#toast", "elígelo de nuevo").await;
    app.shot("es-1280-19-refused-path").await;
    app.wait_text("#item-count", "1 elemento").await;

    // What the person does still works: a real drop,
    let dropped = root.join("soltada.png");
    std::fs::write(&dropped, png(31)).unwrap();
    app.drop_files(&[&dropped]).await;
    app.wait_text("#item-count", "2 elementos").await;

    // saving an original where they chose,
    app.click("#item-grid .card").await;
    app.find("#item-detail").await;
    let original = root.join("original.png");
    app.answer_dialog(original.to_str().unwrap().into()).await;
    app.click("#save-original").await;
    for _ in 0..600 {
        if original.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let saved = std::fs::read(&original).unwrap();
    assert!([png(29), png(31)].contains(&saved), "the original's bytes");
    app.client
        .execute("document.querySelector('.modal .close').click()", vec![])
        .await
        .unwrap();

    // exporting the key, once for each choice,
    app.click("#nav-settings").await;
    let key_file = root.join("clave.pub");
    app.answer_dialog(key_file.to_str().unwrap().into()).await;
    app.click("#key-export").await;
    for _ in 0..600 {
        if key_file.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let key_text = std::fs::read_to_string(&key_file).unwrap();
    assert!(key_text.starts_with("untrusted comment"), "{key_text}");
    std::fs::remove_file(&key_file).unwrap();
    assert_refused(
        "the same save path again",
        &app.invoke("export_public_key", serde_json::json!({ "path": key_file }))
            .await,
    );
    assert!(!key_file.exists());
    app.answer_dialog(key_file.to_str().unwrap().into()).await;
    app.click("#key-export").await;
    for _ in 0..600 {
        if key_file.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(key_file.exists());

    // and sealing, then verifying with the key file they chose.
    app.click("#nav-cases").await;
    app.wait_text("#case-list", "Solo lo elegido").await;
    app.client
        .execute(
            "[...document.querySelectorAll('#case-list button.case')].find((b) => b.textContent.includes('Solo lo elegido')).click()",
            vec![],
        )
        .await
        .unwrap();
    app.wait_text("#case-title", "Solo lo elegido").await;
    let bundle = root.join("reporte.zip");
    app.click("#seal-open").await;
    app.answer_dialog(bundle.to_str().unwrap().into()).await;
    app.click("#seal-go").await;
    app.wait_text("#sealed-path", "reporte.zip").await;
    app.client
        .execute("document.querySelector('.modal .close').click()", vec![])
        .await
        .unwrap();
    app.click("#nav-verify").await;
    app.answer_dialog(bundle.to_str().unwrap().into()).await;
    app.click("#verify-choose").await;
    app.wait_text("#verify-verdict", "no se ha confirmado")
        .await;
    app.answer_dialog(key_file.to_str().unwrap().into()).await;
    app.click("#verify-load-pub").await;
    app.wait_text(".opts", "clave.pub").await;
    app.click("#verify-run").await;
    app.wait_text("#verify-verdict", "Válido").await;
    app.shot("es-1280-20-verify-with-chosen-key").await;
    app.quit().await;
}
