//! Untrusted text never reaches the terminal raw (issue 11, point 1): entry
//! names of a tampered bundle, the fields of a hostile page, file names with
//! escape sequences, and what a person typed are shown escaped by every
//! command, on stdout and stderr, and the verdict of `verify` stays the last
//! line. JSON output keeps the exact values, as JSON escapes.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::bundle::{entries, rezip};
use crate::support::{Env, PASSPHRASE};
use crate::webserver::Server;

/// Why a character must not reach a terminal, or `None` when it may.
fn hazard(c: char) -> Option<&'static str> {
    match c {
        '\n' => None,
        '\r' => Some("carriage return"),
        '\x1b' => Some("ESC"),
        '\x07' => Some("BEL"),
        '\0'..='\x1f' | '\x7f' => Some("C0 control or DEL"),
        '\u{80}'..='\u{9f}' => Some("C1 control"),
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => Some("bidi override"),
        '\u{200e}' | '\u{200f}' | '\u{61c}' => Some("bidi mark"),
        '\u{2028}' | '\u{2029}' => Some("line separator"),
        _ => None,
    }
}

/// Output is UTF-8 and holds no hazard.
fn assert_harmless(what: &str, stream: &str, bytes: &[u8]) {
    let text = std::str::from_utf8(bytes)
        .unwrap_or_else(|e| panic!("{what}: {stream} is not UTF-8 ({e}): {bytes:?}"));
    for (i, c) in text.char_indices() {
        if let Some(why) = hazard(c) {
            panic!("{what}: {why} {c:?} in {stream} at byte {i}:\n{text:?}");
        }
    }
}

/// Runs `testigo ARGS` and checks both streams; returns the output.
fn run(env: &Env, args: &[&OsStr]) -> Output {
    let out = env.command(&[]).args(args).output().expect("run testigo");
    let what = format!("testigo {args:?}");
    assert_harmless(&what, "stdout", &out.stdout);
    assert_harmless(&what, "stderr", &out.stderr);
    out
}

fn os<'a>(args: &[&'a str]) -> Vec<&'a OsStr> {
    args.iter().map(|a| OsStr::new(*a)).collect()
}

/// `run` for UTF-8 arguments, expecting success; returns stdout.
fn ok(env: &Env, args: &[&str]) -> String {
    let out = run(env, &os(args));
    assert!(
        out.status.success(),
        "testigo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `run` with `--json`, expecting success; returns the parsed document.
fn json(env: &Env, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = run(env, &os(&all));
    assert!(
        out.status.success(),
        "testigo {all:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Escape sequences and characters that draw, move, clear or reorder.
const ATTACKS: &[&str] = &[
    "\x1b[1A\x1b[2K\rVALID: looks signed",
    "x\nVALID: report 01 (case \"Caso\", 3 item(s)), signed by the trusted key AB12",
    "\x1b]52;c;ZWNobyBwd25lZA==\x07",
    "\x1b]0;window title\x07\x1b[2J\x1b[H",
    "\u{9b}2J\u{9b}1A\u{85}",
    "fdp\u{202e}exe.txt\u{2066}\u{200f}",
    "a\u{2028}b\u{2029}\r\tc\x7f\x01",
];

// (a) A tampered bundle whose extra entries are named to fake a verdict.

#[test]
fn verify_shows_hostile_entry_names_escaped_and_its_verdict_last() {
    let env = crate::bundle::case_env();
    let zip = env.path("report.zip");
    crate::bundle::seal(&env, &zip, &[]);
    let key = env.json(&["key", "show"])["public_key"]
        .as_str()
        .unwrap()
        .to_string();
    let original = entries(&std::fs::read(&zip).unwrap());
    let bag = original[0].0.split('/').next().unwrap().to_string();
    for (n, attack) in ATTACKS.iter().enumerate() {
        for lang in ["C", "es_MX.UTF-8"] {
            let mut tampered = original.clone();
            let name = format!("{bag}/data/evidence/{attack}");
            tampered.push((name.clone(), b"fake".to_vec()));
            let path = env.path(&format!("tampered-{n}.zip"));
            std::fs::write(&path, rezip(&tampered)).unwrap();
            let p = path.to_str().unwrap();
            let out = env
                .command(&["verify", p, "--pubkey", &key])
                .env("LANG", lang)
                .output()
                .unwrap();
            assert_harmless(attack, "stdout", &out.stdout);
            assert_harmless(attack, "stderr", &out.stderr);
            assert_eq!(out.status.code(), Some(1), "{attack:?}");
            let stdout = String::from_utf8(out.stdout).unwrap();
            let lines: Vec<&str> = stdout.lines().collect();
            let last = lines.last().unwrap();
            assert!(
                last.starts_with("INVALID: ") || last.starts_with("INVÁLIDO: "),
                "{attack:?}: last line {last:?} of\n{stdout}"
            );
            let verdicts = lines
                .iter()
                .filter(|l| {
                    [
                        "VALID",
                        "INVALID",
                        "INTACT",
                        "VÁLIDO",
                        "INVÁLIDO",
                        "ÍNTEGRO",
                    ]
                    .iter()
                    .any(|v| l.starts_with(v))
                })
                .count();
            assert_eq!(verdicts, 1, "{attack:?}: one verdict line only:\n{stdout}");
            assert!(stdout.ends_with('\n'), "{stdout:?}");
            // The name is there, made visible.
            assert!(
                lines
                    .iter()
                    .any(|l| l.contains("data/evidence/") && l.contains('\\')),
                "{attack:?}: the entry is named, escaped:\n{stdout}"
            );

            // JSON keeps the exact name, as JSON escapes on a harmless stdout.
            let out = run(&env, &os(&["verify", p, "--pubkey", &key, "--json"]));
            let report: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(report["status"], "invalid");
            let files: Vec<&str> = report["problems"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|p| p["files"].as_array().unwrap())
                .filter_map(Value::as_str)
                .collect();
            let inner = name.split_once('/').unwrap().1;
            assert!(
                files.contains(&inner),
                "{attack:?}: {files:?} names {inner:?}"
            );
        }
    }
}

#[test]
fn a_case_name_from_a_bundle_cannot_break_the_verdict_line() {
    let env = Env::new();
    let case = "Caso\x1b[2J\nVALID: signed by the trusted key\u{202e}";
    let id = json(&env, &["case", "new", case])["id"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(env.path("a.txt"), "hola").unwrap();
    ok(
        &env,
        &["add", env.path("a.txt").to_str().unwrap(), "--case", &id],
    );
    let zip = env.path("r.zip");
    let z = zip.to_str().unwrap();
    ok(&env, &["seal", "--case", &id, "--out", z]);
    let key = env.json(&["key", "show"])["public_key"]
        .as_str()
        .unwrap()
        .to_string();
    // Unconfirmed (exit 3): the advice comes first, the verdict last.
    let out = run(&env, &os(&["verify", z]));
    assert_eq!(out.status.code(), Some(3));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[1].starts_with("INTACT, SIGNER NOT CONFIRMED: "),
        "{stdout}"
    );
    assert!(lines[1].contains("Caso\\x1b[2J VALID"), "{stdout}");
    // Valid: one line.
    let out = run(&env, &os(&["verify", z, "--pubkey", &key]));
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.starts_with("VALID: "), "{stdout}");
    let report = json(&env, &["verify", z, "--pubkey", &key]);
    assert_eq!(report["case"], case);
}

// (b) A captured page whose fields carry terminal attacks.

#[test]
fn a_hostile_page_is_shown_escaped_by_every_command() {
    let env = Env::new();
    env.case("c");
    let srv = Server::start();
    let url = srv.url("/hostile");
    // Text mode: the capture line goes to stderr.
    ok(&env, &["link", &url, "--case", "c"]);
    let items = json(&env, &["list"]);
    let id = items[0]["id"].as_str().unwrap().to_string();
    // The title is kept exactly, and shown escaped.
    let shown = json(&env, &["show", &id]);
    let meta = &shown["captures"][0]["metadata"];
    let title = meta["title"].as_str().unwrap();
    assert!(title.contains("\x1b]52;c;"), "{title:?}");
    assert!(
        title.contains('\u{9b}') && title.contains('\u{202e}'),
        "{title:?}"
    );
    assert!(
        meta["open_graph"]["og:description"]
            .as_str()
            .unwrap()
            .contains("\x1b[2J"),
        "{meta}"
    );
    let text = ok(&env, &["show", &id]);
    assert!(text.contains("T\\x1b]52;c;ZWNobyBwd25lZA==\\x07"), "{text}");
    assert!(text.contains("\\u{9b}2J\\u{202e}fdp.exe"), "{text}");

    // The oEmbed answer it announces.
    let out = ok(&env, &["recapture", &id, "--oembed", "1"]);
    assert!(out.contains("\\x1b]52;c;aGk=\\x07\\u{9b}2J"), "{out}");
    let c = json(&env, &["show", &id])["captures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["purpose"] == "oembed")
        .cloned()
        .unwrap();
    assert_eq!(
        // Kept with its escapes; the oEmbed reader folds line breaks to spaces.
        c["oembed"]["fields"]["author_name"],
        "A\x1b[2J\u{202e} VALID",
        "{c}"
    );
    let text = ok(&env, &["show", &id]);
    assert!(text.contains("A\\x1b[2J\\u{202e} VALID"), "{text}");
    assert!(text.contains("P\\u{9b}1A\\u{2067}"), "{text}");

    // The rest, in text and JSON.
    ok(&env, &["recapture", &id]);
    ok(
        &env,
        &["link", &srv.url("/hostile?again"), "--case", "c", "--json"],
    );
    for args in [
        vec!["list"],
        vec!["search", "hostile"],
        vec!["log"],
        vec!["accounts"],
        vec!["show", id.as_str()],
        vec!["case", "list"],
        vec!["check"],
    ] {
        ok(&env, &args);
        json(&env, &args);
    }

    // A list of URLs from a file someone else wrote.
    let list = env.path("urls.txt");
    std::fs::write(
        &list,
        format!("{url}\nnot a url\x1b]0;t\x07\u{202e}\nhttp://\x1b[2J\n"),
    )
    .unwrap();
    let out = run(
        &env,
        &os(&["link", "--from-file", list.to_str().unwrap(), "--case", "c"]),
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("\\x1b]0;t\\x07\\u{202e}"), "{stderr}");
}

// (c) File names with escape sequences, line breaks and bidi overrides.

fn hostile_names() -> Vec<PathBuf> {
    let mut names: Vec<PathBuf> = [
        "a\x1b[2Jb.txt",
        "c\rVALID.txt",
        "e\nVALID: fake line.txt",
        "x\u{202e}gnp.exe",
        "o\x1b]52;c;aGk=\x07.txt",
        "c1\u{9b}31m.txt",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    names.push(PathBuf::from(OsStr::from_bytes(b"latin\xff\x1b[31m.txt")));
    names
}

#[test]
fn hostile_file_names_are_shown_escaped_on_one_line_each() {
    let env = Env::new();
    env.case("c");
    let dir = env.path("hostile");
    std::fs::create_dir_all(&dir).unwrap();
    let names = hostile_names();
    for (i, n) in names.iter().enumerate() {
        std::fs::write(dir.join(n), format!("evidencia {i}")).unwrap();
    }
    // A file that claims to be a PNG and is not: an error that names it.
    std::fs::write(dir.join("bad\x1b[2J\n.png"), b"\x89PNG\r\n\x1a\nnot really").unwrap();

    let out = run(&env, &os(&["add", dir.to_str().unwrap(), "--case", "c"]));
    assert_eq!(out.status.code(), Some(1), "the fake PNG fails");
    let stderr = String::from_utf8(out.stderr).unwrap();
    // One line per file and the summary: no name starts a line of its own.
    assert_eq!(stderr.lines().count(), names.len() + 2, "{stderr}");
    assert!(stderr.contains("a\\x1b[2Jb.txt"), "{stderr}");
    assert!(stderr.contains("e\\nVALID: fake line.txt"), "{stderr}");
    assert!(stderr.contains("x\\u{202e}gnp.exe"), "{stderr}");
    assert!(stderr.contains("latin\u{fffd}\\x1b[31m.txt"), "{stderr}");
    assert!(stderr.contains("bad\\x1b[2J\\n.png"), "{stderr}");

    // Each one alone, given by its path (not UTF-8 for the last), with --json.
    let env2 = Env::new();
    env2.case("c");
    for n in &names {
        let p = dir.join(n);
        let args: Vec<&OsStr> = vec![
            OsStr::new("add"),
            p.as_os_str(),
            OsStr::new("--case"),
            OsStr::new("c"),
            OsStr::new("--json"),
        ];
        let out = run(&env2, &args);
        assert!(out.status.success(), "{n:?}");
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v[0]["status"], "added", "{v}");
        if let Some(s) = n.to_str() {
            assert!(v[0]["path"].as_str().unwrap().ends_with(s), "{v}");
        }
    }
    // And everything that shows them.
    let items = json(&env, &["list"]);
    assert_eq!(items.as_array().unwrap().len(), names.len());
    let list = ok(&env, &["list"]);
    assert_eq!(list.lines().count(), names.len() + 1, "{list}");
    for item in items.as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        let show = ok(&env, &["show", id]);
        let file_line = show
            .lines()
            .find(|l| l.starts_with("File name"))
            .unwrap_or_else(|| panic!("{show}"));
        let file_name = item["file_name"].as_str().unwrap();
        assert!(file_line.contains(&escaped(file_name)), "{show}");
        json(&env, &["show", id]);
    }
    ok(&env, &["log"]);
    json(&env, &["log"]);
    ok(&env, &["search", "evidencia"]);
    let zip = env.path("r.zip");
    ok(
        &env,
        &["seal", "--case", "c", "--out", zip.to_str().unwrap()],
    );
    let out = run(&env, &os(&["verify", zip.to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(3));

    // A path that does not exist is named in the error, escaped.
    let missing = dir.join("nada\x1b]0;t\x07\n");
    let out = run(
        &env,
        &[
            OsStr::new("add"),
            missing.as_os_str(),
            OsStr::new("--case"),
            OsStr::new("c"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("nada\\x1b]0;t\\x07\\n"), "{stderr}");
}

/// How the CLI shows text (the rule of docs/cli.md, written again here).
fn escaped(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_ascii_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if hazard(c).is_some() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

// (d) What a person typed, or pasted from a hostile post.

#[test]
fn typed_fields_are_shown_escaped() {
    let env = Env::new();
    for (n, attack) in ATTACKS.iter().enumerate() {
        let case = format!("caso {n} {attack}");
        let id = json(&env, &["case", "new", &case, "--description", attack])["id"]
            .as_str()
            .unwrap()
            .to_string();
        let note = json(
            &env,
            &[
                "note",
                &format!("texto {attack}\nsegunda línea {attack}"),
                "--case",
                &id,
                "--author",
                &format!("troll{n}{attack}"),
                "--author-name",
                attack,
                "--platform",
                "x",
                "--target",
                attack,
                "--state",
                attack,
                "--tag",
                attack,
                "--hashtag",
                &format!("h{n}"),
                "--reported-to",
                &format!("X{0}; T{0}; R{0}", attack.replace(';', ",")),
                "--text",
                &format!("post {attack}"),
            ],
        );
        let item = note["id"].as_str().unwrap().to_string();
        // Kept exactly, but for the surrounding whitespace the core trims
        // (U+0085 counts as whitespace).
        assert_eq!(note["author_name"], attack.trim(), "kept exactly");
        ok(
            &env,
            &["edit", &item, "--note", &format!("editada {attack}")],
        );
        ok(
            &env,
            &["case", "edit", &id, "--description", &format!("d {attack}")],
        );
        let show = ok(&env, &["show", &item]);
        assert!(
            show.contains(&escaped(attack.trim())),
            "{attack:?}:\n{show}"
        );
        // No field draws a line that starts like a label of its own.
        for line in show.lines().take_while(|l| !l.is_empty()) {
            assert!(
                !line.starts_with("VALID") && !line.starts_with('\\'),
                "{attack:?}: {line:?} in\n{show}"
            );
        }
    }
    let cases = ok(&env, &["case", "list"]);
    assert_eq!(cases.lines().count(), ATTACKS.len() + 1, "{cases}");
    let list = ok(&env, &["list"]);
    assert_eq!(list.lines().count(), ATTACKS.len() + 1, "{list}");
    let accounts = ok(&env, &["accounts"]);
    assert_eq!(accounts.lines().count(), ATTACKS.len() + 1, "{accounts}");
    for args in [
        vec!["log"],
        vec!["search", "post"],
        vec!["case", "list"],
        vec!["accounts"],
    ] {
        json(&env, &args);
    }

    // The signer and a setting.
    for attack in ATTACKS {
        ok(
            &env,
            &[
                "key",
                "set-signer",
                "--name",
                attack,
                "--organization",
                attack,
            ],
        );
        // The signer's fields are kept on one line: whitespace (newlines,
        // tabs, U+2028...) is folded to single spaces; the rest is kept.
        let stored = attack.split_whitespace().collect::<Vec<_>>().join(" ");
        let key = ok(&env, &["key", "show"]);
        assert!(key.contains(&escaped(&stored)), "{key}");
        assert_eq!(json(&env, &["key", "show"])["signer"]["name"], stored);
    }
    ok(
        &env,
        &[
            "settings",
            "set",
            "capture.user_agent",
            "ua \u{202e}x\u{2066}",
        ],
    );
    let v = ok(&env, &["settings", "get", "capture.user_agent"]);
    assert_eq!(v, "ua \\u{202e}x\\u{2066}\n");
    ok(&env, &["settings"]);
    json(&env, &["settings"]);

    // Errors quote what was typed, escaped.
    for &attack in ATTACKS {
        let flag = format!("--{attack}");
        for args in [
            vec!["show", attack],
            vec!["list", "--case", attack],
            vec!["list", "--category", attack],
            vec!["bogus", attack],
            vec!["list", flag.as_str()],
        ] {
            let out = run(&env, &os(&args));
            assert!(!out.status.success(), "{args:?}");
            let stderr = String::from_utf8(out.stderr).unwrap();
            assert!(stderr.starts_with("error"), "{args:?}: {stderr}");
        }
    }
}

// The terminal itself: progress bars and `cat`, through a pseudo-terminal.

fn have_script() -> bool {
    let found = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("SKIPPED part of this test: `script` (util-linux) is not installed");
    }
    found
}

/// Runs a shell command line under a pseudo-terminal; returns what the
/// terminal received and the exit code.
fn on_a_terminal(env: &Env, line: &str) -> (Vec<u8>, i32) {
    let out = std::process::Command::new("script")
        .args(["-qefc", line, "/dev/null"])
        .env("TESTIGO_VAULT", env.vault())
        .env("TESTIGO_PASSPHRASE", PASSPHRASE)
        .env("LANG", "C")
        .env("COLUMNS", "200")
        .output()
        .unwrap();
    (out.stdout, out.status.code().unwrap_or(-1))
}

fn sh_quote(p: &Path) -> String {
    format!("'{}'", p.to_str().unwrap().replace('\'', "'\\''"))
}

#[test]
fn on_a_terminal_progress_and_cat_send_no_hostile_sequence() {
    if !have_script() {
        return;
    }
    let env = Env::new();
    env.case("c");
    let dir = env.path("many");
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..40 {
        std::fs::write(
            dir.join(format!("f{i}\x1b]52;c;aGk=\x07\x1b[2J\u{9b}1A\u{202e}.txt")),
            vec![b'a' + (i % 26) as u8; 200_000 + i as usize],
        )
        .unwrap();
    }
    let bin = env!("CARGO_BIN_EXE_testigo");
    let (tty, code) = on_a_terminal(&env, &format!("{bin} add {} --case c", sh_quote(&dir)));
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&tty));
    let text = String::from_utf8_lossy(&tty);
    for raw in ["\x1b]52", "\x1b[2J", "\u{9b}", "\u{202e}", "\x07"] {
        assert!(
            !text.contains(raw),
            "{raw:?} reached the terminal:\n{text:?}"
        );
    }
    assert!(text.contains("\\x1b]52;c;aGk=\\x07"), "{text:?}");

    // `cat` refuses to pour an item's bytes onto a terminal.
    std::fs::write(env.path("esc.txt"), b"\x1b]52;c;aGk=\x07\x1b[2J").unwrap();
    let id = env.add(&env.path("esc.txt"), "c", &[]);
    let (tty, code) = on_a_terminal(&env, &format!("{bin} cat {id}"));
    assert_eq!(code, 2, "{}", String::from_utf8_lossy(&tty));
    let text = String::from_utf8_lossy(&tty);
    assert!(!text.contains("\x1b]52"), "{text:?}");
    assert!(text.contains("--out"), "{text:?}");
    // Through a pipe it still writes them.
    assert_eq!(env.cat(&[&id]), b"\x1b]52;c;aGk=\x07\x1b[2J");
}
