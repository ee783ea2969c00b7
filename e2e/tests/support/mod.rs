//! The harness the end-to-end tests share: the app started through
//! tauri-driver with its own HOME, and what a person does with it (find,
//! click, type, wait for text, answer a dialog, drop or paste files), plus
//! screenshots to `$TESTIGO_E2E_SHOTS`. Each test binary uses a part of it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

/// A running app with its own HOME (so its vault and settings are temporary).
pub struct App {
    pub client: Client,
}

pub fn app_binary() -> PathBuf {
    PathBuf::from(
        std::env::var("TESTIGO_E2E_APP")
            .expect("TESTIGO_E2E_APP: the built app binary (scripts/e2e.sh sets it)"),
    )
}

pub fn shots_dir() -> PathBuf {
    let dir =
        PathBuf::from(std::env::var("TESTIGO_E2E_SHOTS").unwrap_or_else(|_| "e2e-shots".into()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl App {
    pub async fn start(home: &Path) -> App {
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

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    /// Clicks the first element matching `css` whose text contains `needle`.
    pub async fn click_text(&self, css: &str, needle: &str) {
        for _ in 0..100 {
            let all = self
                .client
                .find_all(Locator::Css(css))
                .await
                .unwrap_or_default();
            for el in all {
                if el.text().await.is_ok_and(|t| t.contains(needle)) {
                    el.click()
                        .await
                        .unwrap_or_else(|e| panic!("click {css} ({needle}): {e}"));
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("no {css} shows {needle:?}");
    }

    /// Scrolls the element into view, as a person would to look at it.
    pub async fn scroll_to(&self, css: &str) {
        let el = self.find(css).await;
        self.client
            .execute(
                "arguments[0].scrollIntoView({ block: 'center' });",
                vec![serde_json::to_value(&el).unwrap()],
            )
            .await
            .ok();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    pub async fn click(&self, css: &str) {
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

    pub async fn type_in(&self, css: &str, text: &str) {
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
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        self.wait_text_for(css, needle, 20).await
    }

    /// Like [`App::wait_text`], for work that takes longer (a large import
    /// or analysis in a debug build): up to `seconds`.
    pub async fn wait_text_for(&self, css: &str, needle: &str, seconds: u32) -> String {
        for _ in 0..seconds * 5 {
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

    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0)
    }

    /// A screenshot of the window as `NAME.png`, and axe-core's check of
    /// the same screen (`axe-NAME.json`, see [`App::axe`]): a serious or
    /// critical violation fails the test.
    pub async fn shot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(shots_dir().join(format!("{name}.png")), png).unwrap();
        let grave: Vec<String> = self
            .axe(name)
            .await
            .into_iter()
            .filter(|l| l.contains(" serious ") || l.contains(" critical "))
            .collect();
        assert!(grave.is_empty(), "{name}: axe-core finds {grave:?}");
    }

    /// Runs axe-core (the UI's dev dependency) on the page as it is now,
    /// with the WCAG 2.0 and 2.1 A and AA rules; writes what it found to
    /// `axe-NAME.json` beside the screenshots and returns one line per rule
    /// broken: `rule impact nodes`.
    pub async fn axe(&self, name: &str) -> Vec<String> {
        let src = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/node_modules/axe-core/axe.min.js"),
        )
        .expect("axe-core is installed with the UI's packages (scripts/build-ui.sh)");
        self.client
            .execute(&src, vec![])
            .await
            .expect("inject axe-core");
        let found = self
            .client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                axe.run(document, {
                    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
                    resultTypes: ["violations"],
                }).then((r) => done(r.violations.map((v) => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map((n) => n.target.join(" ")),
                })))).catch((e) => done([{ id: "axe-error", impact: "critical", help: String(e), nodes: [] }]));"#,
                vec![],
            )
            .await
            .expect("run axe-core");
        std::fs::write(
            shots_dir().join(format!("axe-{name}.json")),
            serde_json::to_vec_pretty(&found).unwrap(),
        )
        .unwrap();
        let lines: Vec<String> = found
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| {
                format!(
                    "{} {} {}",
                    v["id"].as_str().unwrap_or(""),
                    v["impact"].as_str().unwrap_or(""),
                    v["nodes"].as_array().map_or(0, Vec::len)
                )
            })
            .collect();
        eprintln!("axe {name}: {lines:?}");
        lines
    }

    pub async fn resize(&self, w: u32, h: u32) {
        let r =
            tokio::time::timeout(Duration::from_secs(5), self.client.set_window_size(w, h)).await;
        eprintln!("resize to {w}x{h}: {r:?}");
        tokio::time::sleep(Duration::from_millis(400)).await;
    }

    pub async fn quit(self) {
        self.client.close().await.ok();
        tokio::time::sleep(Duration::from_millis(800)).await;
    }

    /// Answers the next open or save dialog as the person would. The native
    /// GTK dialog cannot be driven through WebDriver, so the app (a debug
    /// build started by scripts/e2e.sh) reads its answers from the file
    /// `TESTIGO_E2E_DIALOG_ANSWERS` names, one JSON line each; the web view
    /// cannot write it. The answer is then allowed like a person's choice.
    pub async fn answer_dialog(&self, answer: serde_json::Value) {
        append_line("TESTIGO_E2E_DIALOG_ANSWERS", &answer);
    }

    /// Drops files on the window: the app (debug build) handles each line
    /// of `TESTIGO_E2E_DROPS` as the window's drop event, which the web view
    /// cannot send.
    pub async fn drop_files(&self, paths: &[&Path]) {
        let paths: Vec<serde_json::Value> =
            paths.iter().map(|p| p.to_str().unwrap().into()).collect();
        append_line("TESTIGO_E2E_DROPS", &serde_json::Value::Array(paths));
    }

    /// Calls a command the way a script injected into the web view would:
    /// straight through Tauri's IPC, with any arguments. `{"ok": data}` or
    /// `{"err": error}`.
    pub async fn invoke(&self, command: &str, args: serde_json::Value) -> serde_json::Value {
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1])
                   .then((data) => done({ ok: data ?? null }), (e) => done({ err: e }));",
                vec![command.into(), args],
            )
            .await
            .unwrap_or_else(|e| panic!("invoke {command}: {e}"))
    }

    /// In a case: opens the "Add" menu and chooses `item` in it
    /// (`#add-files`, `#add-folder`, `#add-link`, `#add-note`).
    pub async fn choose_add(&self, item: &str) {
        self.click("#add-menu").await;
        self.click(item).await;
    }

    /// In a case, the page scrolled to its top: where the first row of
    /// evidence cards starts and ends, against the window's height, and
    /// how many cards the row holds.
    pub async fn first_row(&self) -> FirstRow {
        let found = self
            .client
            .execute(
                "const main = document.querySelector('main');
                 main.scrollTop = 0;
                 const cards = [...document.querySelectorAll('#item-grid .row[data-index=\"0\"] .card')];
                 const boxes = cards.map((c) => c.getBoundingClientRect());
                 return { top: Math.min(...boxes.map((b) => b.top)), bottom: Math.max(...boxes.map((b) => b.bottom)),
                          window: window.innerHeight, cards: cards.length };",
                vec![],
            )
            .await
            .expect("measure the first row of cards");
        let number = |k: &str| found[k].as_f64().unwrap_or(f64::NAN);
        FirstRow {
            top: number("top"),
            bottom: number("bottom"),
            window: number("window"),
            cards: found["cards"].as_u64().unwrap_or(0) as usize,
        }
    }

    /// Waits until the first card's thumbnail is decoded and shown.
    pub async fn first_thumbnail_shown(&self) {
        for _ in 0..100 {
            let shown = self
                .client
                .execute(
                    "const img = document.querySelector('#item-grid .card img');
                     return !!img && img.complete && img.naturalWidth > 0;",
                    vec![],
                )
                .await
                .unwrap_or_default();
            if shown == serde_json::Value::Bool(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("the first card's thumbnail never showed");
    }

    /// On the settings screen: chooses the language (`es`, `en`) and saves.
    pub async fn choose_language(&self, lang: &str) {
        self.find("#pref-language")
            .await
            .select_by_value(lang)
            .await
            .unwrap();
        self.click("#pref-save").await;
    }

    /// Creates the vault (first run) or unlocks it.
    pub async fn open_vault(&self, passphrase: &str) {
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
    pub async fn paste_files(&self, files: &[(&str, &str, Vec<u8>)]) {
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

/// The first row of evidence cards, in CSS pixels from the window's top.
#[derive(Debug)]
pub struct FirstRow {
    pub top: f64,
    pub bottom: f64,
    pub window: f64,
    pub cards: usize,
}

impl FirstRow {
    /// The whole row is inside the window.
    pub fn in_view(&self) -> bool {
        self.cards > 0 && self.top >= 0.0 && self.bottom <= self.window
    }
}

/// Appends one JSON line to the file the environment variable `var` names.
pub fn append_line(var: &str, value: &serde_json::Value) {
    use std::io::Write;
    let path = std::env::var(var).unwrap_or_else(|_| panic!("{var}: scripts/e2e.sh sets it"));
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .unwrap();
    writeln!(f, "{value}").unwrap();
}

pub fn png(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(640, 400, |x, y| {
        let v = ((x / 20 + y / 20) as u8).wrapping_mul(seed);
        image::Rgb([v, 255 - v, seed])
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}
