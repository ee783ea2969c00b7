//! The command-line surface: JSON shapes, exit codes, ids, editing,
//! removing, exporting, passphrases.

use image::ImageFormat;

use crate::support::{Env, PASSPHRASE, sha256, write_image};

#[test]
fn a_session_from_init_to_check() {
    let env = Env::new();
    let case = env.case("Campaña contra Ana");
    let listed = env.json(&["case", "list"]);
    assert_eq!(listed[0]["name"], "Campaña contra Ana");
    assert_eq!(listed[0]["id"], case.as_str());

    let img = write_image(&env, "post.png", 640, 360, 1, ImageFormat::Png);
    let id = env.add(
        &img,
        "campaña contra ana",
        &[
            "--platform",
            "X",
            "--url",
            "https://x.com/bot/status/1",
            "--author",
            "@bot_1",
            "--author-name",
            "Bot Uno",
            "--posted-at",
            "2024-05-01T18:30:00-06:00",
            "--category",
            "threat",
            "--category",
            "bot",
            "--threat-level",
            "high",
            "--target",
            "Ana",
            "--state",
            "nuevo leon",
            "--hashtag",
            "#Fuera",
            "--tag",
            "ola-1",
            "--note",
            "Llegó de madrugada",
            "--reported-to",
            "X; 12345; sin respuesta",
        ],
    );
    let item = env.json(&["show", &id]);
    for field in [
        "id",
        "kind",
        "case_id",
        "sha256",
        "captured_at",
        "posted_at",
        "platform",
        "url",
        "author",
        "author_name",
        "categories",
        "threat_level",
        "target",
        "state",
        "hashtags",
        "tags",
        "notes",
        "reported_to",
        "duplicate_of",
        "near_duplicates",
    ] {
        assert!(
            item.get(field).is_some(),
            "show --json lacks {field}: {item}"
        );
    }
    assert_eq!(item["kind"], "screenshot");
    assert_eq!(item["case_id"], case.as_str());
    assert_eq!(
        item["sha256"],
        sha256(&std::fs::read(&img).unwrap()).as_str()
    );
    assert_eq!(item["posted_at"], "2024-05-02T00:30:00Z");
    assert!(item["captured_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(item["categories"], serde_json::json!(["threat", "bot"]));
    assert_eq!(item["threat_level"], "high");
    assert_eq!(item["state"], "Nuevo León");
    assert_eq!(item["hashtags"], serde_json::json!(["Fuera"]));
    assert_eq!(item["reported_to"][0]["ticket"], "12345");
    assert_eq!(item["width"], 640);
    assert_eq!(item["custody"][0]["action"], "item_added");

    let check = env.ok(&["check"]);
    assert!(check.starts_with("ok:"), "{check}");
}

#[test]
fn add_json_reports_every_file() {
    let env = Env::new();
    env.case("c");
    let a = write_image(&env, "dir/a.png", 300, 200, 1, ImageFormat::Png);
    write_image(&env, "dir/sub/b.jpg", 300, 200, 2, ImageFormat::Jpeg);
    std::fs::write(env.path("dir/sub/notes.pdf"), b"%PDF-1.4 not really").unwrap();
    std::fs::write(
        env.path("dir/broken.png"),
        b"\x89PNG\r\n\x1a\nthis is not a png",
    )
    .unwrap();
    let dir = a.parent().unwrap().to_str().unwrap().to_string();
    let out = env.run(&["add", &dir, a.to_str().unwrap(), "--case", "c", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed file makes the exit code 1"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 5, "{v}");
    let by_name = |n: &str, status: &str| {
        rows.iter()
            .filter(|r| r["path"].as_str().unwrap().ends_with(n) && r["status"] == status)
            .count()
    };
    assert_eq!(by_name("a.png", "added"), 1, "{v}");
    assert_eq!(by_name("a.png", "duplicate"), 1, "{v}");
    assert_eq!(by_name("b.jpg", "added"), 1, "{v}");
    assert_eq!(by_name("notes.pdf", "added"), 1, "{v}");
    assert_eq!(by_name("broken.png", "error"), 1, "{v}");
    for r in rows {
        for f in ["path", "status", "id", "sha256", "error"] {
            assert!(r.get(f).is_some(), "{f} missing in {r}");
        }
    }
    let dup = rows.iter().find(|r| r["status"] == "duplicate").unwrap();
    let first = rows
        .iter()
        .find(|r| r["status"] == "added" && r["path"].as_str().unwrap().ends_with("a.png"))
        .unwrap();
    assert_eq!(dup["id"], first["id"]);
    let kinds: Vec<String> = env
        .json(&["list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds.iter().filter(|k| *k == "screenshot").count(), 2);
    assert_eq!(kinds.iter().filter(|k| *k == "file").count(), 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("broken.png") && stderr.contains("damaged"),
        "{stderr}"
    );
}

#[test]
fn links_and_notes() {
    let env = Env::new();
    env.case("c");
    let v = env.json(&[
        "link",
        "https://x.com/a/status/1",
        "https://www.tiktok.com/@b/video/2",
        "--case",
        "c",
        "--category",
        "hate",
    ]);
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[0]["kind"], "link");
    assert_eq!(v[0]["url"], "https://x.com/a/status/1");
    assert!(v[0]["sha256"].is_null());
    let again = env.json(&["link", "https://x.com/a/status/1", "--case", "c"]);
    assert_eq!(again[0]["status"], "duplicate");
    let err = env.fails(&["link", "ftp://example.org/x", "--case", "c"], 1);
    assert!(err.contains("only http and https"), "{err}");
    let note = env.json(&[
        "note",
        "Me llamaron a las 3am",
        "--case",
        "c",
        "--threat-level",
        "critical",
    ]);
    assert_eq!(note["kind"], "note");
    assert_eq!(note["notes"], "Me llamaron a las 3am");
    assert!(note["sha256"].is_null());
    assert_eq!(
        env.json(&["list", "--case", "c"]).as_array().unwrap().len(),
        3
    );
}

#[test]
fn usage_errors_exit_2_and_others_exit_1() {
    let env = Env::new();
    env.case("c");
    env.fails(&["add", "x.png"], 2);
    env.fails(&["bogus"], 2);
    let e = env.fails(&["note", "x", "--case", "c", "--category", "spam"], 2);
    assert!(
        e.contains("error: unknown category") && e.contains("threat, harassment"),
        "{e}"
    );
    let e = env.fails(&["note", "x", "--case", "nope"], 1);
    assert!(
        e.contains("no case matches `nope`") && e.contains("case list"),
        "{e}"
    );
    let e = env.fails(&["show", "ZZZZ"], 1);
    assert!(e.contains("no item matches"), "{e}");
    let fresh = Env::empty();
    let e = fresh.fails(&["list"], 1);
    assert!(e.contains("testigo init"), "{e}");
    let e = env.fails(&["init"], 1);
    assert!(e.contains("already exists"), "{e}");
}

#[test]
fn ids_accept_unique_prefixes() {
    let env = Env::new();
    env.case("c");
    let a = env.json(&["note", "uno", "--case", "c"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let b = env.json(&["note", "dos", "--case", "c"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let unique = &a[..common + 1];
    assert_eq!(
        env.json(&["show", &unique.to_lowercase()])["id"],
        a.as_str()
    );
    if common > 0 {
        let e = env.fails(&["show", &a[..common]], 1);
        assert!(e.contains("matches several"), "{e}");
    }
}

#[test]
fn edit_changes_fields_and_logs_the_change() {
    let env = Env::new();
    env.case("c");
    let id = env.json(&["note", "texto", "--case", "c", "--tag", "a"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    env.ok(&[
        "edit",
        &id[..20],
        "--category",
        "doxxing",
        "--threat-level",
        "medio",
        "--state",
        "CDMX",
        "--author",
        "@Troll",
    ]);
    let item = env.json(&["show", &id]);
    assert_eq!(item["categories"], serde_json::json!(["doxxing"]));
    assert_eq!(item["threat_level"], "medium");
    assert_eq!(item["state"], "Ciudad de México");
    env.ok(&["edit", &id, "--clear", "tags", "--clear", "threat-level"]);
    let item = env.json(&["show", &id]);
    assert_eq!(item["tags"], serde_json::json!([]));
    assert!(item["threat_level"].is_null());
    let log = env.json(&["log"]);
    let edits: Vec<_> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "item_edited")
        .collect();
    assert_eq!(edits.len(), 2);
    assert_eq!(
        edits[0]["detail"]["changes"]["threat_level"]["to"],
        "medium"
    );
    env.fails(&["edit", &id], 2);
    let e = env.fails(&["edit", &id, "--clear", "tags", "--tag", "b"], 2);
    assert!(e.contains("give one of them"), "{e}");
}

#[test]
fn cases_can_be_renamed_and_described() {
    let env = Env::new();
    let id = env.case("viejo");
    env.fails(&["case", "edit", "viejo"], 2);
    let v = env.json(&[
        "case",
        "edit",
        "viejo",
        "--name",
        "nuevo",
        "--description",
        "otra",
    ]);
    assert_eq!(
        (v["id"].as_str(), v["name"].as_str()),
        (Some(id.as_str()), Some("nuevo"))
    );
    env.case("otro");
    let e = env.fails(&["case", "edit", "nuevo", "--name", "OTRO"], 2);
    assert!(e.contains("already exists"), "{e}");
    let log = env.json(&["log", "--case", &id]);
    assert_eq!(
        log.as_array().unwrap().last().unwrap()["action"],
        "case_edited"
    );
}

#[test]
fn cat_gives_back_the_original_bytes_and_is_logged() {
    let env = Env::new();
    env.case("c");
    let img = write_image(&env, "a.webp", 200, 100, 3, ImageFormat::WebP);
    let id = env.add(&img, "c", &[]);
    let out = env.command(&["cat", &id]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, std::fs::read(&img).unwrap());
    let dest = env.path("out/copy.webp");
    env.ok(&["cat", &id, "--out", dest.to_str().unwrap()]);
    assert_eq!(std::fs::read(&dest).unwrap(), std::fs::read(&img).unwrap());
    let log = env.json(&["log"]);
    assert_eq!(
        log.as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "exported")
            .count(),
        2
    );
    let note = env.json(&["note", "n", "--case", "c"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let e = env.fails(&["cat", &note], 2);
    assert!(e.contains("no stored file"), "{e}");
}

#[test]
fn rm_deletes_the_bytes_but_the_log_remembers() {
    let env = Env::new();
    env.case("c");
    let img = write_image(&env, "a.png", 200, 100, 4, ImageFormat::Png);
    let id = env.add(&img, "c", &[]);
    assert_eq!(env.objects().len(), 2, "original and thumbnail");
    env.fails(&["rm", &id], 2);
    env.ok(&["rm", &id, "--reason", "publicado por error"]);
    assert_eq!(env.objects().len(), 0);
    env.fails(&["show", &id], 1);
    let log = env.json(&["log"]);
    let removed = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "item_removed")
        .unwrap();
    assert_eq!(removed["detail"]["reason"], "publicado por error");
    assert_eq!(removed["item_id"], id.as_str());
    assert_eq!(
        removed["sha256"],
        sha256(&std::fs::read(&img).unwrap()).as_str()
    );
    assert!(env.ok(&["check"]).starts_with("ok:"));
    // Importing it again is a fresh add, not a duplicate.
    env.add(&img, "c", &[]);
}

#[test]
fn the_same_file_in_two_cases_shares_its_bytes() {
    let env = Env::new();
    env.case("a");
    env.case("b");
    let img = write_image(&env, "a.png", 200, 100, 5, ImageFormat::Png);
    let first = env.add(&img, "a", &[]);
    let v = env.json(&["add", img.to_str().unwrap(), "--case", "b"]);
    assert_eq!(v[0]["status"], "added");
    assert_eq!(v[0]["duplicate_of"], first.as_str());
    let second = v[0]["id"].as_str().unwrap().to_string();
    assert_eq!(env.objects().len(), 2, "stored once");
    env.ok(&["rm", &first, "--reason", "duplicado"]);
    assert_eq!(env.objects().len(), 2, "still used by case b");
    assert!(env.json(&["show", &second])["duplicate_of"].is_null());
    assert!(env.ok(&["check"]).starts_with("ok:"));
}

#[test]
fn changing_the_passphrase_rewraps_without_touching_objects() {
    let env = Env::new();
    env.case("c");
    let img = write_image(&env, "a.png", 200, 100, 6, ImageFormat::Png);
    env.add(&img, "c", &[]);
    let objects_before: Vec<_> = env
        .objects()
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let out = env
        .command(&["passphrase"])
        .env("TESTIGO_NEW_PASSPHRASE", "otra frase mucho más larga")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let objects_after: Vec<_> = env
        .objects()
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    assert_eq!(objects_before, objects_after);
    env.fails(&["list"], 1);
    let out = env
        .command(&["list", "--json"])
        .env("TESTIGO_PASSPHRASE", "otra frase mucho más larga")
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    let _ = PASSPHRASE;
}

#[test]
fn a_wrong_passphrase_is_exit_1_and_touches_nothing() {
    let env = Env::new();
    env.case("c");
    let before = env.vault_files();
    for args in [
        &["list"][..],
        &["check"],
        &["case", "new", "x"],
        &["passphrase"],
    ] {
        let out = env
            .command(args)
            .env("TESTIGO_PASSPHRASE", "no es esta")
            .env("TESTIGO_NEW_PASSPHRASE", "x")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("wrong passphrase"));
    }
    assert_eq!(before, env.vault_files());
}

#[test]
fn spanish_messages_follow_the_locale() {
    let env = Env::new();
    let out = env
        .command(&["show", "ZZZ"])
        .env("LANG", "es_MX.UTF-8")
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("ningún elemento coincide"), "{e}");
    let out = env
        .command(&["case", "list"])
        .env("LANG", "es_MX.UTF-8")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("Aún no hay casos"));
}
