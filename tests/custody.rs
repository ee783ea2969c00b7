//! The custody log and `check`: the chain, and every way stored data can be
//! damaged or tampered with, each named.

use image::ImageFormat;

use crate::support::{Env, write_image};

fn vault_with_items(n: u64) -> (Env, Vec<String>) {
    let env = Env::new();
    env.case("c");
    let ids = (0..n)
        .map(|i| {
            let p = write_image(&env, &format!("{i}.png"), 300, 200, i, ImageFormat::Png);
            env.add(&p, "c", &[])
        })
        .collect();
    (env, ids)
}

#[test]
fn the_log_is_a_chain_of_every_action() {
    let (env, ids) = vault_with_items(2);
    env.ok(&["edit", &ids[0], "--tag", "x"]);
    env.ok(&["rm", &ids[1], "--reason", "error"]);
    let log = env.json(&["log"]);
    let entries = log.as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "vault_created",
            "case_created",
            "item_added",
            "item_added",
            "item_edited",
            "item_removed"
        ]
    );
    assert_eq!(entries[0]["prev_hash"], "0".repeat(64).as_str());
    for pair in entries.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
        assert_eq!(
            pair[1]["seq"].as_i64().unwrap(),
            pair[0]["seq"].as_i64().unwrap() + 1
        );
    }
    let case_log = env.json(&["log", "--case", "c"]);
    assert_eq!(
        case_log.as_array().unwrap().len(),
        5,
        "all but vault_created"
    );
}

#[test]
fn a_changed_byte_in_any_object_is_named() {
    let (env, _) = vault_with_items(2);
    let objects = env.objects();
    assert_eq!(objects.len(), 4);
    for obj in &objects {
        let original = std::fs::read(obj).unwrap();
        for pos in [0, 30, original.len() / 2, original.len() - 1] {
            let mut bad = original.clone();
            bad[pos] ^= 0x40;
            std::fs::write(obj, &bad).unwrap();
            let out = env.run(&["check"]);
            assert_eq!(out.status.code(), Some(1), "{} at {pos}", obj.display());
            let text = String::from_utf8_lossy(&out.stdout);
            let name = obj.file_name().unwrap().to_string_lossy();
            assert!(text.contains(&*name) && text.contains("altered"), "{text}");
        }
        std::fs::write(obj, &original).unwrap();
    }
    assert!(env.ok(&["check"]).starts_with("ok:"));
}

#[test]
fn swapped_missing_and_foreign_objects_are_named() {
    let (env, ids) = vault_with_items(2);
    let objects = env.objects();
    // Swap two objects: each still decrypts, but holds the other's content.
    let (a, b) = (
        std::fs::read(&objects[0]).unwrap(),
        std::fs::read(&objects[1]).unwrap(),
    );
    std::fs::write(&objects[0], &b).unwrap();
    std::fs::write(&objects[1], &a).unwrap();
    let report = env.json(&["check"]);
    assert_eq!(report["ok"], false);
    let problems = report["problems"].to_string();
    assert!(
        problems.contains("holds content with SHA-256"),
        "{problems}"
    );
    std::fs::write(&objects[0], &a).unwrap();
    std::fs::write(&objects[1], &b).unwrap();

    std::fs::remove_file(&objects[2]).unwrap();
    let report = env.json(&["check"]);
    let problems = report["problems"].to_string();
    assert!(problems.contains("is missing"), "{problems}");
    assert!(
        ids.iter().any(|id| problems.contains(id.as_str())),
        "names the item: {problems}"
    );
    std::fs::write(&objects[2], b"").unwrap();

    let foreign = env.vault().join("objects/ff/planted");
    std::fs::create_dir_all(foreign.parent().unwrap()).unwrap();
    std::fs::write(&foreign, b"not an object").unwrap();
    let report = env.json(&["check"]);
    let problems = report["problems"].to_string();
    assert!(
        problems.contains("objects/ff/planted") && problems.contains("unexpected"),
        "{problems}"
    );
}

#[test]
fn a_changed_byte_in_the_database_is_caught() {
    let (env, _) = vault_with_items(1);
    let db = env.vault().join("testigo.db");
    let original = std::fs::read(&db).unwrap();
    let mut bad = original.clone();
    let pos = bad.len() - 100;
    bad[pos] ^= 1;
    std::fs::write(&db, &bad).unwrap();
    let out = env.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("database"), "{all}");
}

#[test]
fn a_damaged_key_file_is_a_clear_error() {
    let (env, _) = vault_with_items(1);
    let key = env.vault().join("vault.json");
    let text = std::fs::read_to_string(&key).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let wrapped = v["wrapped_key"].as_str().unwrap();
    let flipped = format!(
        "{}{}",
        if wrapped.starts_with('0') { "1" } else { "0" },
        &wrapped[1..]
    );
    std::fs::write(&key, text.replace(wrapped, &flipped)).unwrap();
    let e = env.fails(&["list"], 1);
    assert!(
        e.contains("wrong passphrase, or the vault's key file is damaged"),
        "{e}"
    );
    std::fs::write(&key, "{ not json").unwrap();
    let e = env.fails(&["list"], 1);
    assert!(e.contains("key file") && e.contains("damaged"), "{e}");
}
