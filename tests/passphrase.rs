//! Changing the passphrase is all or nothing: the states a crash can leave
//! between writing `vault.json.new`, committing its custody entry and
//! renaming it over `vault.json`, made by hand, and what opening does with
//! each (issue 11, point 2). A real full disk is in `fulldisk.rs`.

use std::fs;
use std::path::Path;
use std::process::Output;

use image::ImageFormat;
use serde_json::Value;

use crate::support::{Env, PASSPHRASE, copy_dir, write_image};

const NEW: &str = "una frase nueva bastante larga";

fn run_on(env: &Env, vault: &Path, passphrase: &str, args: &[&str]) -> Output {
    env.command(args)
        .env("TESTIGO_VAULT", vault)
        .env("TESTIGO_PASSPHRASE", passphrase)
        .env("TESTIGO_NEW_PASSPHRASE", NEW)
        .output()
        .unwrap()
}

fn opens(env: &Env, vault: &Path, passphrase: &str) -> bool {
    let out = run_on(env, vault, passphrase, &["list"]);
    match out.status.code() {
        Some(0) => true,
        Some(1) => {
            let e = String::from_utf8_lossy(&out.stderr);
            assert!(e.contains("wrong passphrase"), "{e}");
            false
        }
        other => panic!("{other:?}: {}", String::from_utf8_lossy(&out.stderr)),
    }
}

fn checks_clean(env: &Env, vault: &Path, passphrase: &str) {
    let out = run_on(env, vault, passphrase, &["check", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], true, "{v}");
}

fn changes(env: &Env, vault: &Path, passphrase: &str) -> Vec<Value> {
    let out = run_on(env, vault, passphrase, &["log", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "passphrase_changed")
        .cloned()
        .collect()
}

fn sha256_of(path: &Path) -> String {
    testigo_core::crypto::sha256_hex(&fs::read(path).unwrap())
}

/// A vault with one item, and a copy of it whose passphrase was changed to
/// [`NEW`] by `testigo passphrase` (same vault key, its own custody entry).
fn vault_and_changed_copy() -> (Env, std::path::PathBuf) {
    let env = Env::new();
    env.case("Caso");
    let img = write_image(&env, "a.png", 200, 120, 4, ImageFormat::Png);
    env.add(&img, "Caso", &[]);
    let copy = env.root.path().join("changed");
    copy_dir(&env.vault(), &copy);
    let out = run_on(&env, &copy, PASSPHRASE, &["passphrase"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (env, copy)
}

#[test]
fn a_change_records_the_hash_of_the_key_file_it_puts_in_force() {
    let (env, copy) = vault_and_changed_copy();
    let logged = changes(&env, &copy, NEW);
    assert_eq!(logged.len(), 1);
    assert_eq!(
        logged[0]["detail"]["key_file_sha256"],
        sha256_of(&copy.join("vault.json"))
    );
    assert!(!copy.join("vault.json.new").exists());
    assert!(!opens(&env, &copy, PASSPHRASE));
    checks_clean(&env, &copy, NEW);
}

#[test]
fn an_unrecorded_new_key_file_is_discarded_at_open_and_the_old_passphrase_stays() {
    let (env, copy) = vault_and_changed_copy();
    let new_key_file = fs::read(copy.join("vault.json")).unwrap();
    // A crash after writing `vault.json.new`, before its entry committed:
    // whole, cut short, or garbage.
    let variants: [(&str, Vec<u8>); 3] = [
        ("whole", new_key_file.clone()),
        ("cut", new_key_file[..new_key_file.len() / 2].to_vec()),
        ("empty", Vec::new()),
    ];
    for (name, bytes) in variants {
        for first in [NEW, PASSPHRASE] {
            let vault = env.root.path().join(format!("v-{name}-{}", first.len()));
            copy_dir(&env.vault(), &vault);
            fs::write(vault.join("vault.json.new"), &bytes).unwrap();
            let before = fs::read(vault.join("vault.json")).unwrap();
            let out = run_on(&env, &vault, first, &["list"]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            if first == NEW {
                assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
                if name == "whole" {
                    // The new passphrase did unwrap the key: say why it is refused.
                    assert!(
                        stderr.contains("interrupted before it was recorded")
                            && stderr.contains("open the vault with the old passphrase"),
                        "{stderr}"
                    );
                } else {
                    assert!(stderr.contains("wrong passphrase"), "{stderr}");
                }
            } else {
                assert!(out.status.success(), "{name}: {stderr}");
            }
            if name == "whole" || first == PASSPHRASE {
                assert!(
                    !vault.join("vault.json.new").exists(),
                    "{name}: left behind"
                );
            }
            assert_eq!(fs::read(vault.join("vault.json")).unwrap(), before);
            assert!(opens(&env, &vault, PASSPHRASE), "{name}");
            assert!(
                !vault.join("vault.json.new").exists(),
                "{name}: left behind"
            );
            assert!(!opens(&env, &vault, NEW), "{name}");
            assert!(changes(&env, &vault, PASSPHRASE).is_empty());
            checks_clean(&env, &vault, PASSPHRASE);
        }
    }
}

#[test]
fn a_recorded_change_whose_rename_did_not_happen_is_finished_at_open() {
    let (env, copy) = vault_and_changed_copy();
    let new_key_file = copy.join("vault.json");
    let recorded = sha256_of(&new_key_file);
    // A crash after the commit, before the rename: the log names the new
    // key file, which is still `vault.json.new`; `vault.json` is the old one.
    for first in [PASSPHRASE, NEW] {
        let vault = env.root.path().join(format!("v-{}", first.len()));
        copy_dir(&copy, &vault);
        fs::rename(vault.join("vault.json"), vault.join("vault.json.new")).unwrap();
        fs::copy(env.vault().join("vault.json"), vault.join("vault.json")).unwrap();
        // Either passphrase opens it, and opening finishes the change.
        assert!(opens(&env, &vault, first));
        assert!(!vault.join("vault.json.new").exists());
        assert_eq!(sha256_of(&vault.join("vault.json")), recorded);
        assert!(opens(&env, &vault, NEW));
        assert!(!opens(&env, &vault, PASSPHRASE));
        assert_eq!(changes(&env, &vault, NEW).len(), 1);
        checks_clean(&env, &vault, NEW);
    }
}

#[test]
fn a_change_settles_one_left_half_done_before_it_starts() {
    let (env, copy) = vault_and_changed_copy();
    // An unrecorded `vault.json.new` that opening would discard: a change
    // started meanwhile must not mistake it for its own.
    let vault = env.root.path().join("v");
    copy_dir(&env.vault(), &vault);
    fs::copy(copy.join("vault.json"), vault.join("vault.json.new")).unwrap();
    let out = env
        .command(&["passphrase"])
        .env("TESTIGO_VAULT", &vault)
        .env("TESTIGO_NEW_PASSPHRASE", "y otra más, la tercera")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!vault.join("vault.json.new").exists());
    assert!(opens(&env, &vault, "y otra más, la tercera"));
    assert!(!opens(&env, &vault, NEW));
    assert!(!opens(&env, &vault, PASSPHRASE));
}
