//! Report bundles: sealing is deterministic, standard tools accept what
//! `seal` writes, and `verify` names every changed, added or removed file and
//! refuses hostile archives.

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use zip::write::SimpleFileOptions;

use crate::support::{Env, sha256};

const SDE: &str = "1714521600";

/// A vault with a case of two files and a note.
pub(crate) fn case_env() -> Env {
    let env = Env::new();
    env.case("Caso");
    std::fs::write(env.path("nota de voz.txt"), "hola, esto es evidencia").unwrap();
    std::fs::write(env.path("video.mp4"), vec![7u8; 70_000]).unwrap();
    env.add(&env.path("nota de voz.txt"), "Caso", &["--platform", "X"]);
    env.add(&env.path("video.mp4"), "Caso", &["--category", "threat"]);
    env.ok(&["note", "llamada anónima", "--case", "Caso"]);
    env
}

/// Seals the whole case with the fixed `SOURCE_DATE_EPOCH`; returns the seal JSON.
pub(crate) fn seal(env: &Env, out: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["seal", "--case", "Caso", "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push("--json");
    let o = env
        .command(&args)
        .env("SOURCE_DATE_EPOCH", SDE)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Runs `verify --json` on bytes written to a file; returns exit code and report.
pub(crate) fn verify_bytes(env: &Env, bytes: &[u8], extra: &[&str]) -> (i32, Value) {
    let p = env.path("check.zip");
    std::fs::write(&p, bytes).unwrap();
    verify(env, &p, extra)
}

fn verify(env: &Env, path: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["verify", path.to_str().unwrap(), "--json"];
    args.extend_from_slice(extra);
    let o = env.run(&args);
    let v = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stderr)));
    (o.status.code().unwrap(), v)
}

/// The files a report names, joined, for assertions.
fn named(report: &Value) -> Vec<String> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["files"].as_array().unwrap().clone())
        .map(|f| f.as_str().unwrap().to_string())
        .collect()
}

pub(crate) fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut b = Vec::new();
            f.read_to_end(&mut b).unwrap();
            (f.name().unwrap().to_string(), b)
        })
        .collect()
}

pub(crate) fn rezip(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        z.start_file(name.as_str(), SimpleFileOptions::default())
            .unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap().into_inner()
}

fn have(tool: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!(
            "SKIPPED part of this test: `{tool}` is not installed (scripts/test.sh installs it)"
        );
    }
    found
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

#[test]
fn two_vaults_in_the_same_state_seal_byte_identical_bundles() {
    let a = case_env();
    let b = Env::empty();
    copy_dir(&a.vault(), &b.vault());
    let (pa, pb) = (a.path("a.zip"), b.path("b.zip"));
    let sa = seal(&a, &pa, &[]);
    let sb = seal(&b, &pb, &[]);
    let (ba, bb) = (std::fs::read(&pa).unwrap(), std::fs::read(&pb).unwrap());
    assert!(ba == bb, "bundles from two copies of a vault differ");
    assert_eq!(sa["report_id"], sb["report_id"]);
    assert_eq!(sa["sha256"], sha256(&ba));
    // The `sealed` entry the first seal added is not in the next bundle.
    let again = a.path("again.zip");
    seal(&a, &again, &[]);
    assert!(
        std::fs::read(&again).unwrap() == ba,
        "a second seal differs"
    );
    let sealed = a.log_of("sealed");
    assert_eq!(sealed.len(), 2);
    assert_eq!(sealed[0]["detail"]["bundle_sha256"], sha256(&ba));
    assert_eq!(sealed[0]["detail"]["report_id"], sa["report_id"]);
    assert!(a.ok(&["check"]).starts_with("ok:"));
    // Entry times and modes are fixed; entries are sorted.
    let z = zip::ZipArchive::new(Cursor::new(&ba)).unwrap();
    let names: Vec<String> = z.file_names().map(|n| n.unwrap().to_string()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(names.len(), 11, "{names:?}"); // two originals, report.json and report.pdf, 7 tag files
    let mut z = z;
    for i in 0..z.len() {
        let f = z.by_index_raw(i).unwrap();
        assert_eq!(f.unix_mode(), Some(0o100644), "{:?}", f.name());
        let t = f.last_modified().unwrap();
        assert_eq!((t.year(), t.month(), t.day()), (2024, 5, 1));
    }
}

#[test]
fn a_bundle_verifies_and_only_the_trusted_key_confirms_it() {
    let env = case_env();
    let out = env.path("r.zip");
    let s = seal(&env, &out, &[]);
    let key = env.json(&["key", "show"]);
    assert_eq!(key["key_id"].as_str().unwrap().len(), 16);
    let (code, r) = verify(&env, &out, &[]);
    assert_eq!(
        (code, r["status"].as_str()),
        (3, Some("unconfirmed")),
        "{r}"
    );
    assert_eq!(r["report_id"], s["report_id"]);
    assert!(r["problems"].as_array().unwrap().is_empty());
    let pk = key["public_key"].as_str().unwrap();
    let (code, r) = verify(&env, &out, &["--pubkey", pk]);
    assert_eq!((code, r["status"].as_str()), (0, Some("valid")), "{r}");
    assert_eq!(r["valid"], true);
    assert_eq!(r["items"], 3);
    // Another vault's key: the signer is not the one trusted.
    let other = Env::new();
    let other_pk = other.json(&["key", "show"])["public_key"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, r) = verify(&env, &out, &["--pubkey", &other_pk]);
    assert_eq!(code, 1, "{r}");
    assert_eq!(r["problems"][0]["kind"], "untrusted_key");
    assert!(named(&r).contains(&"tagmanifest-sha256.txt.minisig".to_string()));
    // Verifying needs no vault and no passphrase.
    let o = Command::new(env!("CARGO_BIN_EXE_testigo"))
        .args(["verify", out.to_str().unwrap(), "--pubkey", pk])
        .env("TESTIGO_VAULT", "/nonexistent/vault")
        .env_remove("TESTIGO_PASSPHRASE")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
}

#[test]
fn standard_tools_accept_a_bundle() {
    let env = case_env();
    let out = env.path("r.zip");
    seal(
        &env,
        &out,
        &[
            "--item",
            &env.json(&["list"])[0]["id"].as_str().unwrap()[..10],
        ],
    );
    seal(&env, &out, &[]);
    let dir = env.path("x");
    std::fs::create_dir_all(&dir).unwrap();
    let mut z = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    z.extract(&dir).unwrap();
    let bag = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let run = |cmd: &str| {
        let o = Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .current_dir(&bag)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{cmd}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    };
    run("sha256sum -c --quiet tagmanifest-sha256.txt && sha256sum -c --quiet manifest-sha256.txt");
    if have("unzip") {
        run(&format!("unzip -tq '{}'", out.display()));
    }
    if have("minisign") {
        run("minisign -Vm tagmanifest-sha256.txt -p signer.pub");
        let pub_file = env.path("k.pub");
        env.ok(&["key", "export", "--out", pub_file.to_str().unwrap()]);
        run(&format!(
            "minisign -Vm tagmanifest-sha256.txt -p '{}'",
            pub_file.display()
        ));
    }
    if have("bagit.py") {
        run("bagit.py --quiet --validate .");
    }
    if have("age") && have("age-keygen") {
        let id = env.path("id.txt");
        let o = Command::new("age-keygen")
            .args(["-o", id.to_str().unwrap()])
            .output()
            .unwrap();
        let text =
            String::from_utf8_lossy(&o.stderr).to_string() + &std::fs::read_to_string(&id).unwrap();
        let recipient = text
            .split_whitespace()
            .find(|w| w.starts_with("age1"))
            .unwrap()
            .to_string();
        let enc = env.path("e.zip");
        let s = seal(&env, &enc, &["--encrypt-to", &recipient]);
        assert!(!enc.exists(), "an unencrypted copy was left");
        let age_file = PathBuf::from(s["path"].as_str().unwrap());
        assert!(age_file.ends_with("e.zip.age"));
        let plain = env.path("d.zip");
        let o = Command::new("age")
            .args([
                "-d",
                "-i",
                id.to_str().unwrap(),
                "-o",
                plain.to_str().unwrap(),
            ])
            .arg(&age_file)
            .output()
            .unwrap();
        assert!(o.status.success(), "{o:?}");
        assert!(std::fs::read(&plain).unwrap() == std::fs::read(&out).unwrap());
        let (code, r) = verify(&env, &age_file, &["--identity", id.to_str().unwrap()]);
        assert_eq!(code, 3, "{r}");
        let o = env.run(&["verify", age_file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "no identity is a usage error");
    }
}

#[test]
fn every_changed_byte_added_or_removed_file_is_named() {
    let env = case_env();
    let out = env.path("r.zip");
    seal(&env, &out, &[]);
    let original = std::fs::read(&out).unwrap();
    let all = entries(&original);
    let base = all[0].0.split('/').next().unwrap().to_string();
    let inside = |name: &str| name.strip_prefix(&format!("{base}/")).unwrap().to_string();
    for i in 0..all.len() {
        let rel = inside(&all[i].0);
        // One byte of the file's content changed, the archive rebuilt.
        let mut changed = all.clone();
        let b = &mut changed[i].1;
        let at = b.len() / 2;
        b[at] = b[at].wrapping_add(1);
        let (code, r) = verify_bytes(&env, &rezip(&changed), &[]);
        assert_eq!(code, 1, "changing {rel} went unnoticed: {r}");
        assert!(named(&r).contains(&rel), "changing {rel}: {r}");
        // One byte flipped inside the archive itself.
        let mut z = zip::ZipArchive::new(Cursor::new(&original)).unwrap();
        let start = z.by_index_raw(i).unwrap().data_start().unwrap() as usize;
        let mut flipped = original.clone();
        flipped[start + all[i].1.len() / 2] ^= 0x01;
        let (code, r) = verify_bytes(&env, &flipped, &[]);
        assert_eq!(code, 1, "flipping a byte of {rel} went unnoticed: {r}");
        assert!(named(&r).contains(&rel), "flipping {rel}: {r}");
        // The file removed.
        let mut removed = all.clone();
        removed.remove(i);
        let (code, r) = verify_bytes(&env, &rezip(&removed), &[]);
        assert_eq!(code, 1, "removing {rel} went unnoticed: {r}");
        assert!(named(&r).contains(&rel), "removing {rel}: {r}");
    }
    for extra in ["data/evidence/extra.png", "data/extra.txt", "extra.txt"] {
        let mut added = all.clone();
        added.push((format!("{base}/{extra}"), b"extra".to_vec()));
        let (code, r) = verify_bytes(&env, &rezip(&added), &[]);
        assert_eq!(code, 1, "adding {extra} went unnoticed: {r}");
        assert!(
            named(&r).contains(&extra.to_string()),
            "adding {extra}: {r}"
        );
    }
    let mut outside = all.clone();
    outside.push(("README.txt".into(), b"hi".to_vec()));
    let (_, r) = verify_bytes(&env, &rezip(&outside), &[]);
    assert!(named(&r).contains(&"README.txt".to_string()), "{r}");
    // The signature names both files when it does not match.
    let mut tm = all.clone();
    let i = tm
        .iter()
        .position(|(n, _)| n.ends_with("/tagmanifest-sha256.txt"))
        .unwrap();
    tm[i].1.extend_from_slice(b"\n");
    let (_, r) = verify_bytes(&env, &rezip(&tm), &[]);
    let bad = &r["problems"][0];
    assert_eq!(bad["kind"], "bad_signature", "{r}");
    assert_eq!(
        bad["files"],
        serde_json::json!(["tagmanifest-sha256.txt.minisig", "tagmanifest-sha256.txt"])
    );
    // An unchanged rebuild still verifies.
    let (code, r) = verify_bytes(&env, &rezip(&all), &[]);
    assert_eq!(code, 3, "{r}");
}

/// Asserts `verify` refuses the archive and the message mentions `words`.
fn refused(env: &Env, bytes: &[u8], words: &str) {
    let (code, r) = verify_bytes(env, bytes, &[]);
    assert_eq!(code, 1, "{r}");
    let text = r["problems"].to_string();
    assert!(r["problems"][0]["kind"] == "unsafe_archive", "{r}");
    assert!(text.contains(words), "expected `{words}` in {text}");
    let o = env.run(&["verify", env.path("check.zip").to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("INVALID") && stdout.contains(words),
        "{stdout}"
    );
}

pub(crate) fn one_entry_zip(name: &str, bytes: &[u8], method: zip::CompressionMethod) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o = SimpleFileOptions::default().compression_method(method);
    z.start_file(name, o).unwrap();
    z.write_all(bytes).unwrap();
    z.finish().unwrap().into_inner()
}

#[test]
fn hostile_archives_are_refused_with_a_clear_reason() {
    let env = Env::empty();
    let stored = zip::CompressionMethod::Stored;
    refused(&env, &one_entry_zip("../evil.txt", b"x", stored), "`..`");
    refused(
        &env,
        &one_entry_zip("b/../../evil.txt", b"x", stored),
        "`..`",
    );
    refused(
        &env,
        &one_entry_zip("/etc/evil", b"x", stored),
        "absolute path",
    );
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    z.add_symlink("b/bagit.txt", "/etc/passwd", SimpleFileOptions::default())
        .unwrap();
    refused(&env, &z.finish().unwrap().into_inner(), "symbolic link");
    // A zip bomb: 64 MiB of zeros in about 64 KiB.
    let zeros = vec![0u8; 64 << 20];
    let bomb = one_entry_zip("b/data/zeros", &zeros, zip::CompressionMethod::Deflated);
    assert!(bomb.len() < 1 << 20);
    refused(&env, &bomb, "zip bomb");
    // A bomb that lies about its size in both headers: caught while reading.
    let mut liar = one_entry_zip(
        "b/bagit.txt",
        &zeros[..4 << 20],
        zip::CompressionMethod::Deflated,
    );
    patch_sizes(&mut liar, 1000);
    let (code, r) = verify_bytes(&env, &liar, &[]);
    assert_eq!(code, 1, "{r}");
    let text = r["problems"].to_string();
    assert!(text.contains("declare"), "{r}");
    // Truncated and garbage.
    let good = one_entry_zip("b/bagit.txt", b"BagIt-Version: 1.0\n", stored);
    refused(&env, &good[..good.len() / 2], "not a readable ZIP");
    refused(&env, b"\x00garbage, not a zip at all", "not a readable ZIP");
    refused(&env, b"", "not a readable ZIP");
    // Two entries with one name.
    let mut dup = rezip(&[
        ("b/bagit.txt".into(), b"one".to_vec()),
        ("b/bagit.tx2".into(), b"two".to_vec()),
    ]);
    for i in 0..dup.len() - 11 {
        if &dup[i..i + 11] == b"b/bagit.tx2" {
            dup[i + 10] = b't';
        }
    }
    refused(&env, &dup, "same name");
}

/// Rewrites the uncompressed size of the first entry in the local and
/// central headers.
fn patch_sizes(zip: &mut [u8], size: u32) {
    let le = size.to_le_bytes();
    assert_eq!(&zip[..4], b"PK\x03\x04");
    zip[22..26].copy_from_slice(&le);
    let cd = (0..zip.len() - 4)
        .rev()
        .find(|&i| zip[i..i + 4] == *b"PK\x01\x02")
        .unwrap();
    zip[cd + 24..cd + 28].copy_from_slice(&le);
}

#[test]
fn seal_refuses_bad_requests_before_writing() {
    let env = case_env();
    let out = env.path("r.zip");
    let e = env.fails(
        &[
            "seal",
            "--case",
            "Caso",
            "--out",
            out.to_str().unwrap(),
            "--encrypt-to",
            "age1nope",
        ],
        2,
    );
    assert!(e.contains("not an age recipient"), "{e}");
    env.case("Otro");
    let e = env.fails(
        &["seal", "--case", "Otro", "--out", out.to_str().unwrap()],
        2,
    );
    assert!(e.contains("no items to seal"), "{e}");
    let id = env.json(&["list"])[0]["id"].as_str().unwrap().to_string();
    let e = env.fails(
        &[
            "seal",
            "--case",
            "Otro",
            "--item",
            &id,
            "--out",
            out.to_str().unwrap(),
        ],
        2,
    );
    assert!(e.contains("another case"), "{e}");
    assert!(!out.exists());
    let signer = env.json(&[
        "key",
        "set-signer",
        "--name",
        "Ana",
        "--organization",
        "Red",
    ]);
    assert_eq!(signer["name"], "Ana");
    seal(&env, &out, &[]);
    let all = entries(&std::fs::read(&out).unwrap());
    let info = &all
        .iter()
        .find(|(n, _)| n.ends_with("/bag-info.txt"))
        .unwrap()
        .1;
    let info = String::from_utf8_lossy(info);
    assert!(info.contains("Source-Organization: Red\n"), "{info}");
    assert!(info.contains("Contact-Name: Ana\n"), "{info}");
    assert!(info.contains("Bagging-Date: 2024-05-01\n"), "{info}");
}
