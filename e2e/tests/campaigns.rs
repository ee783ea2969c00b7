//! End to end: a person imports a file of posts (the QUT toolkit's CSV
//! example from docs/) into a case, runs the campaign analysis in Spanish,
//! opens the campaign found, reads why it was found and its accounts'
//! signals, opens a post's evidence, and starts sealing the campaign's
//! items; then the same screen in English.

#![allow(clippy::unwrap_used)] // a failing step should stop the test loudly

#[allow(dead_code)] // each test binary uses a part of the harness
mod support;

use std::path::PathBuf;

use support::App;

#[tokio::test]
#[ignore = "needs the built app, tauri-driver and a display: run scripts/e2e.sh"]
async fn an_imported_file_is_analysed_and_its_campaign_opened() {
    let home = PathBuf::from(std::env::var("TESTIGO_E2E_HOME").expect("TESTIGO_E2E_HOME"));
    // A dialog gives a full path without `..`: the app accepts nothing else.
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/examples/qut.csv")
        .canonicalize()
        .unwrap();
    let app = App::start(&home).await;
    app.resize(1280, 800).await;
    app.open_vault("una frase bastante larga para la bóveda")
        .await;
    app.click("#nav-settings").await;
    app.choose_language("es").await;
    app.wait_text("#nav-cases", "Casos").await;

    app.click("#nav-cases").await;
    app.click("#new-case").await;
    app.type_in("#case-name", "Saqueos en Puebla").await;
    app.click("#case-create").await;
    app.wait_text("#case-title", "Saqueos en Puebla").await;
    app.click("#analysis-open").await;
    app.wait_text("#analysis-title", "Análisis de campañas")
        .await;
    app.shot("es-1280-30-analysis-empty").await;

    // Import the file of posts: the dialog answers with the example.
    app.answer_dialog(example.to_str().unwrap().into()).await;
    app.click("#posts-import").await;
    app.wait_text("#toast", "Se importaron 11 publicaciones")
        .await;

    // Analyse with a one-minute window.
    app.click("#analysis-run").await;
    app.wait_text("#analysis-summary", "Se analizaron 11 publicaciones")
        .await;
    app.wait_text(
        "#campaign-list",
        "6 cuentas publicaron 3 variantes de este texto",
    )
    .await;
    app.find("#network circle").await;
    app.find("#entity-chart").await;
    app.wait_text("#campaign-reason", "6 cuentas publicaron")
        .await;
    assert_eq!(app.count(".accounts > li").await, 6);
    app.shot("es-1280-31-analysis-campaign").await;

    // A post's evidence: the kept file opens.
    app.click(".posts .evidence").await;
    app.wait_text("#toast", "línea").await;
    app.find("#item-detail #item-sha").await;
    app.shot("es-1280-32-analysis-evidence").await;
    app.click(".modal .close").await;

    // Seal the campaign's items: the dialog opens with them chosen.
    app.click("#campaign-seal").await;
    app.find(".modal").await;
    app.shot("es-1280-33-analysis-seal").await;
    app.click(".modal .actions button[type=button]").await;

    // The same screen in English, and at 1024x640.
    app.click("#nav-settings").await;
    app.choose_language("en").await;
    app.click("#nav-cases").await;
    app.click_text("#case-list button", "Saqueos en Puebla")
        .await;
    app.click("#analysis-open").await;
    app.wait_text("#analysis-title", "Campaign analysis").await;
    app.click("#campaign-list button").await;
    app.wait_text(
        "#campaign-reason",
        "6 accounts posted 3 variants of this text",
    )
    .await;
    app.shot("en-1280-31-analysis-campaign").await;
    app.resize(1024, 640).await;
    app.shot("en-1024-31-analysis-campaign").await;
    app.quit().await;
}

/// The network stays readable with hundreds of accounts: a generated week
/// of 60,000 posts with planted campaigns (bench/gen_posts.py).
#[tokio::test]
#[ignore = "needs the built app, tauri-driver and a display: run scripts/e2e.sh"]
async fn hundreds_of_accounts_in_the_network() {
    let home = PathBuf::from(std::env::var("TESTIGO_E2E_HOME").expect("TESTIGO_E2E_HOME"));
    let files = tempfile::tempdir().unwrap();
    let csv = files.path().join("semana.csv");
    let truth = files.path().join("verdad.json");
    let generator = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../bench/gen_posts.py");
    let out = std::process::Command::new("python3")
        .arg(&generator)
        .args(["60000", "3"])
        .arg(&csv)
        .arg(&truth)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let app = App::start(&home).await;
    app.resize(1280, 800).await;
    app.open_vault("una frase bastante larga para la bóveda")
        .await;
    app.click("#nav-settings").await;
    app.choose_language("es").await;
    app.click("#nav-cases").await;
    app.click("#new-case").await;
    app.type_in("#case-name", "Semana de saqueos").await;
    app.click("#case-create").await;
    app.wait_text("#case-title", "Semana de saqueos").await;
    app.click("#analysis-open").await;
    app.answer_dialog(csv.canonicalize().unwrap().to_str().unwrap().into())
        .await;
    app.click("#posts-import").await;
    app.wait_text_for("#toast", "Se importaron", 300).await;
    app.click("#analysis-run").await;
    app.wait_text_for("#analysis-summary", "Se analizaron", 300)
        .await;
    let nodes = app.count("#network circle").await;
    assert!(nodes >= 300, "{nodes} accounts in the network");
    app.scroll_to("#network").await;
    app.shot("es-1280-34-analysis-network-hundreds").await;
    app.quit().await;
}
