//! A real full disk: a small tmpfs is mounted for each test, a vault is put
//! on it and the disk is filled to a few bytes of room; then a passphrase
//! change, an import and opening the vault must fail saying the disk is
//! full, change nothing that matters, and leave a vault that opens and
//! checks clean once room is made. Each test tries several amounts of room
//! so the failure lands at different steps.
//!
//! Mounting needs root or `CAP_SYS_ADMIN` (CI runs as root); without it the
//! tests fail, unless `TESTIGO_SKIP_TMPFS_TESTS=1` skips them explicitly.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use image::ImageFormat;
use serde_json::Value;

use crate::support::{Env, PASSPHRASE, copy_dir, write_image};

/// The passphrase the changes try to set.
const NEW: &str = "una frase nueva bastante larga";

/// A tmpfs of a fixed size mounted on a temporary folder; unmounted when
/// dropped.
pub struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` bytes, or `None` when the tests that need
    /// one are skipped explicitly (`TESTIGO_SKIP_TMPFS_TESTS=1`).
    pub fn mount(size: u64) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let options = format!("size={size},mode=0700");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options.as_str()])
            .arg("tmpfs")
            .arg(dir.path())
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs { dir }),
            other => {
                let why = match other {
                    Ok(o) => String::from_utf8_lossy(&o.stderr).trim().to_string(),
                    Err(e) => e.to_string(),
                };
                if std::env::var("TESTIGO_SKIP_TMPFS_TESTS").as_deref() == Ok("1") {
                    eprintln!("skipped: cannot mount a tmpfs ({why}); TESTIGO_SKIP_TMPFS_TESTS=1");
                    return None;
                }
                panic!(
                    "this test fills a real disk, a small tmpfs it mounts: that needs root or CAP_SYS_ADMIN \
                     (mount said: {why}); run the tests as root, or set TESTIGO_SKIP_TMPFS_TESTS=1 to skip it"
                );
            }
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Bytes free on the tmpfs.
    pub fn free(&self) -> u64 {
        testigo_core::private::free_space(self.path()).unwrap()
    }

    /// Fills the disk, then gives back about `leave` bytes (tmpfs counts
    /// whole 4 KiB pages). The filler is removed when the result is dropped.
    pub fn fill(&self, leave: u64) -> Filler {
        let path = self.path().join("filler");
        let mut f = fs::File::create(&path).unwrap();
        for chunk in [1 << 20, 4096, 1] {
            let block = vec![0xA5u8; chunk];
            while f.write_all(&block).is_ok() {}
        }
        let len = f.metadata().unwrap().len();
        f.set_len(len.saturating_sub(leave)).unwrap();
        f.sync_all().unwrap();
        Filler(path)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let ok = Command::new("umount")
            .arg(self.dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let _ = Command::new("umount")
                .arg("-l")
                .arg(self.dir.path())
                .status();
        }
    }
}

/// The file that fills a [`Tmpfs`]; removed when dropped.
pub struct Filler(PathBuf);

impl Drop for Filler {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Runs `testigo ARGS` on the vault in `vault` with `passphrase`.
fn run_on(env: &Env, vault: &Path, passphrase: &str, args: &[&str]) -> Output {
    env.command(args)
        .env("TESTIGO_VAULT", vault)
        .env("TESTIGO_PASSPHRASE", passphrase)
        .env("TESTIGO_NEW_PASSPHRASE", NEW)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The vault in `vault` opens with `passphrase`, and `check` finds it clean.
fn opens_and_checks_clean(env: &Env, vault: &Path, passphrase: &str) -> Value {
    let out = run_on(env, vault, passphrase, &["check", "--json"]);
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("check: {e}: {}", text(&out.stderr)));
    assert!(out.status.success(), "check: {report}");
    assert_eq!(report["ok"], true, "{report}");
    report
}

fn log_actions(env: &Env, vault: &Path, passphrase: &str) -> Vec<Value> {
    let out = run_on(env, vault, passphrase, &["log", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array().unwrap().clone()
}

/// A vault with a case and a screenshot, made outside the tmpfs.
fn small_vault() -> Env {
    let env = Env::new();
    env.case("Caso");
    let img = write_image(&env, "a.png", 300, 200, 1, ImageFormat::Png);
    env.add(&img, "Caso", &[]);
    env
}

/// Which step a failure reached, by what its message names.
fn step(stderr: &str) -> &'static str {
    if stderr.contains("opening the vault database") {
        "open"
    } else if stderr.contains("vault.json.new") {
        "key file"
    } else if stderr.contains("writing the vault database") {
        "commit"
    } else if stderr.contains("an encrypted object") {
        "object"
    } else {
        "other"
    }
}

#[test]
fn a_passphrase_change_on_a_full_disk_changes_nothing_and_says_so() {
    let env = small_vault();
    let Some(disk) = Tmpfs::mount(2 << 20) else {
        return;
    };
    let mut seen = Vec::new();
    for leave in (0..=30).map(|i| i * 4096).chain([160 << 10, 256 << 10]) {
        let vault = disk.path().join("vault");
        copy_dir(&env.vault(), &vault);
        let filler = disk.fill(leave);
        let free = disk.free();
        let out = run_on(&env, &vault, PASSPHRASE, &["passphrase"]);
        drop(filler);
        let stderr = text(&out.stderr);
        let changed = log_actions(
            &env,
            &vault,
            if out.status.success() {
                NEW
            } else {
                PASSPHRASE
            },
        )
        .into_iter()
        .filter(|e| e["action"] == "passphrase_changed")
        .collect::<Vec<_>>();
        if out.status.success() {
            seen.push((leave, free, "changed"));
            assert_eq!(changed.len(), 1);
            let key_file = fs::read(vault.join("vault.json")).unwrap();
            assert_eq!(
                changed[0]["detail"]["key_file_sha256"],
                testigo_core::crypto::sha256_hex(&key_file),
                "the entry names the key file in force"
            );
            assert_eq!(
                run_on(&env, &vault, PASSPHRASE, &["list"]).status.code(),
                Some(1)
            );
            opens_and_checks_clean(&env, &vault, NEW);
        } else {
            let at = step(&stderr);
            seen.push((leave, free, at));
            assert_eq!(out.status.code(), Some(1), "{stderr}");
            assert!(
                stderr.contains("the disk is full; free some space and try again"),
                "{leave} bytes left: {stderr}"
            );
            if at != "open" {
                assert!(
                    stderr.contains(
                        "your passphrase was not changed; the old one still opens the vault"
                    ),
                    "{stderr}"
                );
            }
            assert!(changed.is_empty(), "{changed:?}");
            assert!(!vault.join("vault.json.new").exists());
            let new = run_on(&env, &vault, NEW, &["list"]);
            assert_eq!(
                new.status.code(),
                Some(1),
                "the new passphrase opens the vault"
            );
            assert!(text(&new.stderr).contains("wrong passphrase"));
            opens_and_checks_clean(&env, &vault, PASSPHRASE);
        }
        fs::remove_dir_all(&vault).unwrap();
    }
    eprintln!("room left (asked, measured) and outcome: {seen:?}");
    for wanted in ["open", "key file", "commit", "changed"] {
        assert!(
            seen.iter().any(|s| s.2 == wanted),
            "no attempt ended at `{wanted}`: {seen:?}"
        );
    }
    assert!(!seen.iter().any(|s| s.2 == "other"), "{seen:?}");
}

#[test]
fn the_spanish_message_of_a_failed_change_says_the_old_passphrase_still_works() {
    let env = small_vault();
    let Some(disk) = Tmpfs::mount(2 << 20) else {
        return;
    };
    // Enough room to open the vault, not to finish the change: found by
    // trying, since SQLite's needs are not ours to fix.
    for leave in (8..=20).map(|i| i * 4096) {
        let vault = disk.path().join("vault");
        copy_dir(&env.vault(), &vault);
        let filler = disk.fill(leave);
        let out = env
            .command(&["passphrase"])
            .env("TESTIGO_VAULT", &vault)
            .env("TESTIGO_NEW_PASSPHRASE", NEW)
            .env("TESTIGO_LANG", "es")
            .output()
            .unwrap();
        drop(filler);
        let stderr = text(&out.stderr);
        fs::remove_dir_all(&vault).unwrap();
        if stderr.contains("no se pudo cambiar la contraseña") {
            assert!(
                stderr.contains("tu contraseña no cambió: la anterior sigue abriendo la bóveda")
                    && stderr.contains("el disco está lleno; libera espacio"),
                "{stderr}"
            );
            return;
        }
    }
    panic!("no amount of room made the change itself fail");
}

/// Bytes that do not compress and are not an image.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut s = seed | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s as u8
        })
        .collect()
}

#[test]
fn an_import_on_a_full_disk_says_the_disk_is_full_and_the_vault_stays_sound() {
    let env = small_vault();
    let Some(disk) = Tmpfs::mount(4 << 20) else {
        return;
    };
    let big = env.path("grande.bin");
    fs::write(&big, noise(1 << 20, 7)).unwrap();
    let small = env.path("chico.bin");
    fs::write(&small, noise(6000, 9)).unwrap();
    let shot = write_image(&env, "captura.png", 1200, 900, 3, ImageFormat::Png);
    let mut seen = Vec::new();
    let cases = [(&big, 0..=24u64), (&small, 8..=24), (&shot, 8..=24)];
    for (file, pages) in cases {
        for leave in pages.map(|p| p * 4096) {
            let vault = disk.path().join("vault");
            copy_dir(&env.vault(), &vault);
            let filler = disk.fill(leave);
            let out = run_on(
                &env,
                &vault,
                PASSPHRASE,
                &["add", file.to_str().unwrap(), "--case", "Caso", "--json"],
            );
            drop(filler);
            let stderr = text(&out.stderr);
            let outcome = if out.status.success() {
                "added".to_string()
            } else if let Ok(v) = serde_json::from_slice::<Value>(&out.stdout) {
                let error = v[0]["error"].as_str().unwrap_or_default().to_string();
                assert_eq!(v[0]["status"], "error", "{v}");
                assert!(
                    error.contains("the disk is full; free some space and try again"),
                    "{leave} bytes left: {error}"
                );
                assert!(!error.contains("reading the file failed"), "{error}");
                let es = v[0]["error_es"].as_str().unwrap_or_default();
                assert!(es.contains("el disco está lleno"), "{es}");
                step(&error).to_string()
            } else {
                assert!(
                    stderr.contains("the disk is full; free some space and try again"),
                    "{leave} bytes left: {stderr}"
                );
                step(&stderr).to_string()
            };
            seen.push((
                file.file_name().unwrap().to_string_lossy().into_owned(),
                leave,
                outcome,
            ));
            let report = opens_and_checks_clean(&env, &vault, PASSPHRASE);
            assert_eq!(
                report["items"],
                if out.status.success() { 2 } else { 1 },
                "{report}"
            );
            fs::remove_dir_all(&vault).unwrap();
        }
    }
    eprintln!("file, room left and outcome: {seen:?}");
    let outcomes: Vec<&str> = seen.iter().map(|s| s.2.as_str()).collect();
    // The object could not be written, or the database could not commit.
    assert!(!outcomes.contains(&"other"), "{seen:?}");
    assert!(outcomes.contains(&"object"), "{seen:?}");
    assert!(outcomes.contains(&"commit"), "{seen:?}");
    assert!(outcomes.contains(&"added"), "{seen:?}");
}

#[test]
fn opening_a_vault_on_a_full_disk_says_the_disk_is_full_not_damaged() {
    let env = small_vault();
    let Some(disk) = Tmpfs::mount(2 << 20) else {
        return;
    };
    let mut failed = 0;
    for leave in (0..=12).map(|i| i * 4096) {
        let vault = disk.path().join("vault");
        copy_dir(&env.vault(), &vault);
        let filler = disk.fill(leave);
        let out = run_on(&env, &vault, PASSPHRASE, &["list"]);
        let es = env
            .command(&["list"])
            .env("TESTIGO_VAULT", &vault)
            .env("TESTIGO_LANG", "es")
            .output()
            .unwrap();
        drop(filler);
        if !out.status.success() {
            failed += 1;
            let stderr = text(&out.stderr);
            assert!(
                stderr.contains("the disk is full; free some space and try again"),
                "{leave} bytes left: {stderr}"
            );
            assert!(!stderr.contains("damaged"), "{stderr}");
            let es = text(&es.stderr);
            assert!(es.contains("el disco está lleno"), "{es}");
            assert!(!es.contains("dañada"), "{es}");
        }
        opens_and_checks_clean(&env, &vault, PASSPHRASE);
        fs::remove_dir_all(&vault).unwrap();
    }
    assert!(failed > 0, "the vault opened even on a full disk");
}
