//! The vault is its owner's alone: the folder 0700, every file in it 0600
//! (the database's `-wal` and `-shm` too), and the plaintext written out
//! (sealed reports, encrypted or not, packets, exported originals) 0600;
//! opening takes back rights given since, and `check` tells (issue 11,
//! point 9).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use image::ImageFormat;
use serde_json::Value;

use crate::support::{Env, PASSPHRASE, write_image};

fn mode(p: &Path) -> u32 {
    fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

fn chmod(p: &Path, m: u32) {
    fs::set_permissions(p, fs::Permissions::from_mode(m)).unwrap();
}

/// Every file and folder under `dir`, `dir` included.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(entries(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn assert_private(vault: &Path) {
    assert_eq!(mode(vault), 0o700, "{}", vault.display());
    for p in entries(vault) {
        let m = mode(&p);
        assert_eq!(m & 0o077, 0, "{} is {m:o}", p.display());
        if p.is_dir() {
            assert_eq!(m, 0o700, "{}", p.display());
        }
    }
}

/// A vault with a screenshot, a file, a note, a sealed report (plain and
/// encrypted), a packet and an exported original.
fn busy_vault() -> (Env, Vec<PathBuf>) {
    let env = Env::new();
    env.case("Caso");
    let img = write_image(&env, "a.png", 300, 200, 1, ImageFormat::Png);
    let id = env.add(&img, "Caso", &[]);
    let doc = env.path("nota.txt");
    fs::write(&doc, "texto").unwrap();
    env.add(&doc, "Caso", &[]);
    env.ok(&["note", "--case", "Caso", "una nota"]);
    // An output file that was there before, readable by all: replaced by a
    // private one.
    let zip = env.path("r.zip");
    fs::write(&zip, b"viejo").unwrap();
    chmod(&zip, 0o644);
    env.ok(&["seal", "--case", "Caso", "--out", zip.to_str().unwrap()]);
    let recipient = age::x25519::Identity::generate().to_public().to_string();
    let enc = env.path("e.zip");
    env.ok(&[
        "seal",
        "--case",
        "Caso",
        "--out",
        enc.to_str().unwrap(),
        "--encrypt-to",
        &recipient,
    ]);
    let pdf = env.path("p.pdf");
    env.ok(&["packet", "--case", "Caso", "--out", pdf.to_str().unwrap()]);
    let original = env.path("original.png");
    env.ok(&["cat", &id, "--out", original.to_str().unwrap()]);
    let outputs = vec![zip, env.path("e.zip.age"), pdf, original];
    (env, outputs)
}

#[test]
fn the_vault_and_everything_written_out_are_private() {
    let (env, outputs) = busy_vault();
    assert_private(&env.vault());
    for out in &outputs {
        assert!(out.exists(), "{}", out.display());
        assert_eq!(mode(out), 0o600, "{}", out.display());
    }
    // While the vault is open, SQLite's own files follow the database's rights.
    let vault = testigo_core::Vault::open(&env.vault(), PASSPHRASE).unwrap();
    vault.cases().unwrap();
    for name in ["testigo.db-wal", "testigo.db-shm"] {
        let p = env.vault().join(name);
        assert!(p.exists(), "{name}");
        assert_eq!(mode(&p), 0o600, "{name}");
    }
    assert_private(&env.vault());
    drop(vault);
}

#[test]
fn a_vault_made_in_an_existing_open_folder_is_made_private() {
    let env = Env::empty();
    fs::create_dir_all(env.vault()).unwrap();
    chmod(&env.vault(), 0o777);
    env.ok(&["init"]);
    assert_private(&env.vault());
}

#[test]
fn opening_takes_back_rights_given_since_and_check_tells() {
    let (env, _) = busy_vault();
    let vault = env.vault();
    let object = env.objects()[0].clone();
    let shard = object.parent().unwrap().to_path_buf();
    // As a vault made before this rule, or loosened by hand or by a tool.
    chmod(&vault, 0o755);
    chmod(&vault.join("vault.json"), 0o644);
    chmod(&vault.join("testigo.db"), 0o664);
    chmod(&shard, 0o751);
    chmod(&object, 0o604);
    let report = env.json(&["check"]);
    assert_eq!(report["ok"], true, "{report}");
    let note = report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .find(|n| n.contains("other users of this computer could read"))
        .unwrap_or_else(|| panic!("no note: {report}"))
        .to_string();
    for named in [
        "the vault folder (0755)",
        "vault.json (0644)",
        "testigo.db (0664)",
    ] {
        assert!(note.contains(named), "{named}: {note}");
    }
    assert!(note.contains("5 in all"), "{note}");
    let note_es = report["notes_es"].to_string();
    assert!(
        note_es.contains("la carpeta de la bóveda (0755)") && note_es.contains("5 en total"),
        "{note_es}"
    );
    assert_private(&vault);
    // The next check has nothing to say about it.
    let again = env.json(&["check"]);
    assert!(
        !again["notes"].to_string().contains("other users"),
        "{again}"
    );
}

#[test]
fn check_reports_rights_given_while_the_vault_is_open_with_the_fix() {
    let env = Env::new();
    env.case("Caso");
    let vault = testigo_core::Vault::open(&env.vault(), PASSPHRASE).unwrap();
    for (path, m) in [
        (env.vault(), 0o750),
        (env.vault().join("vault.json"), 0o640),
        (env.vault().join("objects"), 0o705),
    ] {
        chmod(&path, m);
        let r = vault.check().unwrap();
        assert!(!r.ok, "{r:?}");
        let problem = r.problems.last().unwrap();
        assert!(
            problem.contains("other users of this computer can read or change")
                && problem.contains(&format!("chmod -R go-rwx '{}'", env.vault().display())),
            "{problem}"
        );
        let es = r.problems_es.last().unwrap();
        assert!(
            es.contains("vuelve a hacerla privada con `chmod -R go-rwx"),
            "{es}"
        );
        chmod(&path, if path.is_dir() { 0o700 } else { 0o600 });
        assert!(vault.check().unwrap().ok);
    }
}
