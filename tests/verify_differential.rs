//! `testigo verify` and the manual procedure a bundle's `VERIFY.txt` gives
//! (`unzip`, `minisign -V`, `sha256sum -c`, the listing compared with the
//! manifests) agree on every mutated bundle: both say valid or both say not
//! valid. The procedure is read from the sealed `VERIFY.txt` itself (its
//! English command lines) and run with bash, `-e -o pipefail`, so the text
//! a person follows is what is tested. A few mutations only `testigo
//! verify` can see (a ZIP comment, data appended after the archive, an
//! extra field unzip ignores, a lying data descriptor): those are listed as such, and the
//! test checks that `verify` refuses them and that the manual procedure
//! indeed does not notice.

use std::io::{Cursor, Write};
use std::process::{Command, Stdio};

use unicode_normalization::UnicodeNormalization;
use zip::write::{FullFileOptions, SimpleFileOptions};

use crate::bundle::{case_env, entries, seal};
use crate::support::{Env, sha256};

/// What the manual procedure can see of a mutation.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Manual {
    /// It must reach the same verdict as `testigo verify`.
    Agrees,
    /// It cannot notice this; only `testigo verify` refuses it.
    CannotSee,
}

struct Mutation {
    name: String,
    bytes: Vec<u8>,
    /// Whether the mutated bundle is still valid (a harmless rebuild).
    valid: bool,
    manual: Manual,
}

fn need(tool: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(found, "`{tool}` is needed (scripts/test.sh installs it)");
}

/// Writes entries with the options each gets.
fn zip_with(
    entries: &[(String, Vec<u8>)],
    opts: impl Fn(&str) -> FullFileOptions<'static, 'static>,
) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        if name.ends_with('/') && bytes.is_empty() {
            z.add_directory(name.as_str(), opts(name)).unwrap();
        } else {
            z.start_file(name.as_str(), opts(name)).unwrap();
            z.write_all(bytes).unwrap();
        }
    }
    z.finish().unwrap().into_inner()
}

fn stored(_: &str) -> FullFileOptions<'static, 'static> {
    FullFileOptions::default().compression_method(zip::CompressionMethod::Stored)
}

/// Offsets of an entry's local and central headers.
fn headers(bytes: &[u8], name: &str) -> (usize, usize) {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let f = z.by_name(name).unwrap();
    (f.header_start() as usize, f.central_header_start() as usize)
}

/// The manual procedure: the command lines of steps 2 to 5 of the English
/// half of `VERIFY.txt`, for a sealed report called `REPORT.zip`.
fn manual_script(verify_txt: &str) -> String {
    let english = &verify_txt[verify_txt.find("HOW TO VERIFY THIS SEALED REPORT").unwrap()..];
    let steps = &english[english.find("\n2. ").unwrap()..english.find("With Testigo").unwrap()];
    let commands: Vec<&str> = steps
        .lines()
        .filter(|l| l.starts_with("     "))
        .map(str::trim)
        .collect();
    assert!(commands.len() >= 7, "{commands:?}");
    commands.join("\n")
}

/// Runs the manual procedure on `bytes` in a fresh folder: valid when every
/// command succeeds.
fn manual_valid(env: &Env, script: &str, bytes: &[u8], label: &str) -> (bool, String) {
    let dir = env.path(&format!("manual/{label}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("REPORT.zip"), bytes).unwrap();
    let o = Command::new("bash")
        .args(["-e", "-o", "pipefail", "-c", script])
        .current_dir(&dir)
        .env("LANG", "C.UTF-8")
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
    (o.status.success(), out)
}

fn testigo_valid(env: &Env, bytes: &[u8], pk: &str) -> (bool, String) {
    let p = env.path("mutated.zip");
    std::fs::write(&p, bytes).unwrap();
    let o = env.run(&["verify", p.to_str().unwrap(), "--pubkey", pk, "--json"]);
    let code = o.status.code().unwrap();
    assert!(matches!(code, 0 | 1), "{o:?}");
    (code == 0, String::from_utf8_lossy(&o.stdout).into_owned())
}

/// Re-signs the bag with a fresh minisign key after `change`, as someone
/// without the signer's key would: manifests recomputed, `signer.pub`
/// replaced. Returns the bundle and the new public key.
fn resigned(
    env: &Env,
    all: &[(String, Vec<u8>)],
    base: &str,
    change: impl Fn(&mut Vec<(String, Vec<u8>)>),
) -> (Vec<u8>, String) {
    let dir = env.path("forger");
    let (pub_file, key_file) = (dir.join("k.pub"), dir.join("k.key"));
    let _ = std::fs::remove_file(&pub_file);
    let _ = std::fs::remove_file(&key_file);
    let o = Command::new("minisign")
        .args(["-G", "-W", "-p"])
        .arg(&pub_file)
        .arg("-s")
        .arg(&key_file)
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    let mut e = all.to_vec();
    change(&mut e);
    let get = |e: &[(String, Vec<u8>)], rel: &str| {
        e.iter()
            .position(|(n, _)| *n == format!("{base}/{rel}"))
            .unwrap()
    };
    let new_pub = std::fs::read(&pub_file).unwrap();
    let i = get(&e, "signer.pub");
    e[i].1 = new_pub.clone();
    // The payload manifest, then the tag manifest, from the new contents.
    let manifest: String = e
        .iter()
        .filter_map(|(n, b)| {
            let rel = n.strip_prefix(&format!("{base}/"))?;
            rel.starts_with("data/")
                .then(|| (rel.to_string(), sha256(b)))
        })
        .map(|(rel, sha)| format!("{sha}  {rel}\n"))
        .collect();
    let i = get(&e, "manifest-sha256.txt");
    e[i].1 = manifest.into_bytes();
    let tags = [
        "VERIFY.txt",
        "bag-info.txt",
        "bagit.txt",
        "manifest-sha256.txt",
        "signer.pub",
    ];
    let tm: String = tags
        .iter()
        .map(|t| format!("{}  {t}\n", sha256(&e[get(&e, t)].1)))
        .collect();
    let tm_path = dir.join("tagmanifest-sha256.txt");
    std::fs::write(&tm_path, &tm).unwrap();
    let comment = format!(
        "testigo-report/1 tagmanifest-sha256:{}",
        sha256(tm.as_bytes())
    );
    let o = Command::new("minisign")
        .args(["-S", "-s"])
        .arg(&key_file)
        .arg("-m")
        .arg(&tm_path)
        .args(["-t", &comment])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    let i = get(&e, "tagmanifest-sha256.txt");
    e[i].1 = tm.into_bytes();
    let i = get(&e, "tagmanifest-sha256.txt.minisig");
    e[i].1 = std::fs::read(dir.join("tagmanifest-sha256.txt.minisig")).unwrap();
    let pk = String::from_utf8(new_pub)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    (zip_with(&e, stored), pk)
}

#[test]
fn verify_and_the_manual_procedure_agree_on_every_mutated_bundle() {
    for tool in ["unzip", "sha256sum", "minisign", "bash", "diff", "cut"] {
        need(tool);
    }
    let env = case_env();
    // A name with an accent, to check UTF-8 names survive both ways.
    std::fs::write(env.path("señal.txt"), "mensaje").unwrap();
    env.add(&env.path("señal.txt"), "Caso", &[]);
    let out = env.path("r.zip");
    seal(&env, &out, &[]);
    let orig = std::fs::read(&out).unwrap();
    let all = entries(&orig);
    let base = all[0].0.split('/').next().unwrap().to_string();
    let at = |rel: &str| format!("{base}/{rel}");
    let pk = env.json(&["key", "show"])["public_key"]
        .as_str()
        .unwrap()
        .to_string();
    let verify_txt = String::from_utf8(
        all.iter()
            .find(|(n, _)| *n == at("VERIFY.txt"))
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    let script = manual_script(&verify_txt);
    let evidence: Vec<String> = all
        .iter()
        .map(|(n, _)| n.clone())
        .filter(|n| n.contains("/data/evidence/"))
        .collect();
    let first = evidence[0].clone();
    let accented = evidence.iter().find(|n| !n.is_ascii()).unwrap().clone();
    let index_of = |name: &str| all.iter().position(|(n, _)| n == name).unwrap();

    let mut cases: Vec<Mutation> = Vec::new();
    let mut add = |name: &str, bytes: Vec<u8>, valid: bool, manual: Manual| {
        cases.push(Mutation {
            name: name.to_string(),
            bytes,
            valid,
            manual,
        })
    };
    use Manual::*;
    // Harmless rebuilds: still valid for both.
    add("as sealed", orig.clone(), true, Agrees);
    add("rebuilt, stored", zip_with(&all, stored), true, Agrees);
    add(
        "rebuilt, deflated",
        zip_with(&all, |_| FullFileOptions::default()),
        true,
        Agrees,
    );
    let mut reversed = all.clone();
    reversed.reverse();
    add(
        "rebuilt in reverse order",
        zip_with(&reversed, stored),
        true,
        Agrees,
    );

    // Changed, missing and extra files.
    let mut z = zip::ZipArchive::new(Cursor::new(&orig)).unwrap();
    let start = z.by_name(&first).unwrap().data_start().unwrap() as usize;
    drop(z);
    let mut flipped = orig.clone();
    flipped[start + 3] ^= 0x01;
    add("a payload byte flipped in place", flipped, false, Agrees);
    let mut changed = all.clone();
    changed[index_of(&first)].1.push(b'!');
    add(
        "a payload file changed, rebuilt",
        zip_with(&changed, stored),
        false,
        Agrees,
    );
    for rel in ["data/evidence/extra.png", "data/extra.txt", "extra.txt"] {
        let mut e = all.clone();
        e.push((at(rel), b"extra".to_vec()));
        add(
            &format!("extra file {rel}"),
            zip_with(&e, stored),
            false,
            Agrees,
        );
    }
    let mut e = all.clone();
    e.push(("README.txt".into(), b"hola".to_vec()));
    add(
        "extra file outside the bag",
        zip_with(&e, stored),
        false,
        Agrees,
    );
    for gone in [first.clone(), at("bag-info.txt"), at("data/report.json")] {
        let mut e = all.clone();
        e.remove(index_of(&gone));
        add(
            &format!("missing {gone}"),
            zip_with(&e, stored),
            false,
            Agrees,
        );
    }

    // Folder entries of every kind.
    for dir in [
        format!("{base}/"),
        at("data/"),
        at("data/evidence/"),
        at("data/empty/"),
        "elsewhere/".to_string(),
        format!("{first}/"),
    ] {
        let mut e = all.clone();
        e.push((dir.clone(), Vec::new()));
        add(
            &format!("folder entry {dir}"),
            zip_with(&e, stored),
            false,
            Agrees,
        );
        let mut e = all.clone();
        e.insert(0, (dir.clone(), Vec::new()));
        add(
            &format!("folder entry {dir} first"),
            zip_with(&e, stored),
            false,
            Agrees,
        );
    }
    let mut e = all.clone();
    e.push((at("data/evidence/"), b"hidden data".to_vec()));
    add(
        "a folder entry carrying data",
        zip_with(&e, stored),
        false,
        Agrees,
    );

    // Names that clash once extracted, and unsafe names.
    let clashes = [
        ("letter case", first.to_lowercase()),
        ("NFD form", accented.nfd().collect::<String>()),
        ("trailing dot", format!("{first}.")),
        ("file inside a file", format!("{first}/inner.txt")),
        ("zip slip", "../evil.txt".to_string()),
        ("zip slip inside", at("../../evil.txt")),
        ("absolute", "/tmp/testigo-evil.txt".to_string()),
        ("backslashes", format!("{base}\\data\\evil.txt")),
    ];
    for (what, name) in clashes {
        assert_ne!(name, first);
        let mut e = all.clone();
        e.push((name, b"other".to_vec()));
        add(what, zip_with(&e, stored), false, Agrees);
    }
    // A second bagit.txt, named bagit.tx_ and then patched in place.
    let mut e = all.clone();
    e.push((at("bagit.tx_"), b"BagIt-Version: 1.0\n".to_vec()));
    let mut dup = zip_with(&e, stored);
    let needle = at("bagit.tx_").into_bytes();
    let mut patched = 0;
    for i in 0..dup.len() - needle.len() {
        if dup[i..i + needle.len()] == needle[..] {
            let last = i + needle.len() - 1;
            dup[last] = b't';
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "local and central names");
    add("two entries with one name", dup, false, Agrees);
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (n, b) in &all {
        z.start_file(n.as_str(), SimpleFileOptions::default())
            .unwrap();
        z.write_all(b).unwrap();
    }
    z.add_symlink(
        at("data/evidence/link"),
        "/etc/passwd",
        SimpleFileOptions::default(),
    )
    .unwrap();
    add(
        "a symbolic link",
        z.finish().unwrap().into_inner(),
        false,
        Agrees,
    );

    // Flags and methods.
    let patch = |bytes: &[u8], name: &str, f: &dyn Fn(&mut [u8], usize, usize)| {
        let mut b = bytes.to_vec();
        let (l, c) = headers(&b, name);
        f(&mut b, l, c);
        b
    };
    let plain = zip_with(&all, stored);
    add(
        "an entry marked encrypted",
        patch(&plain, &first, &|b, l, c| {
            b[l + 6] |= 1;
            b[c + 8] |= 1;
        }),
        false,
        Agrees,
    );
    add(
        "an unsupported compression method",
        patch(&plain, &first, &|b, l, c| {
            b[l + 8] = 14;
            b[c + 10] = 14;
        }),
        false,
        Agrees,
    );
    add(
        "a UTF-8 name not marked as UTF-8",
        patch(&plain, &accented, &|b, l, c| {
            b[l + 7] &= !0x08;
            b[c + 9] &= !0x08;
        }),
        false,
        // Info-ZIP on Linux writes the name's bytes as they are, so the
        // manual procedure passes; other unzippers read such names as
        // CP437 and would write different names.
        CannotSee,
    );

    // Bytes outside the entries.
    let mut prepended = b"#!/bin/sh\necho hola\nexit 0\n".to_vec();
    prepended.extend_from_slice(&orig);
    add("data prepended", prepended, false, Agrees);
    let mut twice = orig.clone();
    twice.extend_from_slice(&orig);
    add("two archives back to back", twice, false, Agrees);
    // unzip says nothing about bytes after the end record (exit code 0).
    let mut appended = orig.clone();
    appended.extend_from_slice(b"appended data");
    add("data appended", appended, false, CannotSee);

    // Re-signed by someone else: valid only for the forger's key. The
    // packet is changed (report.json does not hold its hash, so the forgery
    // is complete).
    let pdf = at("data/report.pdf");
    let (forged, forger_pk) = resigned(&env, &all, &base, |e| {
        let i = e.iter().position(|(n, _)| *n == pdf).unwrap();
        let mid = e[i].1.len() / 2;
        e[i].1[mid] ^= 0x20;
    });
    let (ok, r) = testigo_valid(&env, &forged, &forger_pk);
    assert!(
        ok,
        "the forged bundle is well made (valid for the forger's key): {r}"
    );
    add(
        "changed and re-signed with another key",
        forged,
        false,
        Agrees,
    );

    // What only `testigo verify` sees.
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (n, b) in &all {
        z.start_file(n.as_str(), stored(n)).unwrap();
        z.write_all(b).unwrap();
    }
    z.set_comment("VALID: checked by Testigo").unwrap();
    add(
        "a ZIP comment",
        z.finish().unwrap().into_inner(),
        false,
        CannotSee,
    );
    // Info-ZIP's Unicode path field, which unzip prefers to the name (here
    // the same name, so unzip extracts the same files).
    let odd = zip_with(&all, |n| {
        let mut o = stored(n);
        let mut d = vec![1u8];
        d.extend_from_slice(&crc32fast::hash(n.as_bytes()).to_le_bytes());
        d.extend_from_slice(n.as_bytes());
        o.add_extra_field(0x7075, d, false).unwrap();
        o
    });
    add("a Unicode path extra field", odd, false, CannotSee);
    // The sealer writes data descriptors: one of them made to lie.
    let mut z = zip::ZipArchive::new(Cursor::new(&orig)).unwrap();
    let f = z.by_name(&at("bagit.txt")).unwrap();
    let end = (f.data_start().unwrap() + f.compressed_size()) as usize;
    drop(f);
    drop(z);
    assert_eq!(
        &orig[end..end + 4],
        b"PK\x07\x08",
        "the sealer writes signed descriptors"
    );
    let mut lying = orig.clone();
    lying[end + 4] ^= 0xFF;
    add("a data descriptor that lies", lying, false, CannotSee);

    let mut failures = Vec::new();
    for (i, m) in cases.iter().enumerate() {
        let (t, t_out) = testigo_valid(&env, &m.bytes, &pk);
        let (h, h_out) = manual_valid(&env, &script, &m.bytes, &i.to_string());
        let expected_manual = match m.manual {
            Agrees => m.valid,
            CannotSee => true,
        };
        if t != m.valid || h != expected_manual {
            failures.push(format!(
                "{}: testigo verify says {}, the manual procedure {} (expected {} and {})\n  testigo: {}\n  manual: {}",
                m.name,
                if t { "valid" } else { "invalid" },
                if h { "valid" } else { "invalid" },
                m.valid,
                expected_manual,
                t_out.chars().take(600).collect::<String>(),
                h_out.chars().take(600).collect::<String>(),
            ));
        }
        // Every entry of a mutated bundle that verify refuses is named.
        if !t {
            let v: serde_json::Value = serde_json::from_str(&t_out).unwrap();
            assert!(
                !v["problems"].as_array().unwrap().is_empty(),
                "{}: {v}",
                m.name
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
