//! Spanish: what `check` and `verify` find, and the core's errors, are said
//! in Spanish too: in the JSON's `_es` fields beside the English ones, and
//! on the terminal under `TESTIGO_LANG=es`.

use std::process::Output;

use image::ImageFormat;
use serde_json::Value;

use crate::bundle::{case_env, entries, one_entry_zip, rezip, seal, verify_bytes};
use crate::support::{Env, PASSPHRASE, write_image};

/// Runs a command in Spanish.
fn in_spanish(env: &Env, args: &[&str]) -> Output {
    env.command(args)
        .env("TESTIGO_LANG", "es")
        .output()
        .unwrap()
}

/// A JSON array of strings, as a vector.
fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// `check --json`, asserting that every problem and note has its Spanish
/// twin; returns the Spanish problems and notes.
fn check_es(env: &Env) -> (Vec<String>, Vec<String>) {
    let r = env.json(&["check"]);
    let (problems, problems_es) = (strings(&r["problems"]), strings(&r["problems_es"]));
    let (notes, notes_es) = (strings(&r["notes"]), strings(&r["notes_es"]));
    assert_eq!(problems.len(), problems_es.len(), "{r}");
    assert_eq!(notes.len(), notes_es.len(), "{r}");
    for (en, es) in problems.iter().zip(&problems_es) {
        assert_ne!(en, es, "untranslated: {r}");
    }
    (problems_es, notes_es)
}

#[test]
fn check_names_tampering_in_spanish() {
    let env = Env::new();
    env.case("c");
    let img = write_image(&env, "a.png", 300, 200, 1, ImageFormat::Png);
    let id = env.add(&img, "c", &[]);
    let (problems, notes) = check_es(&env);
    assert!(problems.is_empty() && notes.is_empty(), "{problems:?}");

    // One byte of an object flipped, another object deleted, a leftover write.
    let objects = env.objects();
    let original = std::fs::read(&objects[0]).unwrap();
    let mut bad = original.clone();
    bad[40] ^= 0x40;
    std::fs::write(&objects[0], &bad).unwrap();
    std::fs::remove_file(&objects[1]).unwrap();
    let part = env.vault().join("objects/tmp/x.part");
    std::fs::write(&part, b"half").unwrap();
    // Private like every vault file, so the only note is the leftover.
    std::os::unix::fs::PermissionsExt::set_mode(
        &mut std::fs::metadata(&part).unwrap().permissions(),
        0o600,
    );
    std::fs::set_permissions(&part, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let (problems, notes) = check_es(&env);
    let all = problems.join("\n");
    assert_eq!(problems.len(), 2, "{all}");
    assert!(all.contains("alterado o dañado"), "{all}");
    assert!(all.contains("falta su objeto"), "{all}");
    assert!(all.contains(&format!("del elemento {id}")), "{all}");
    assert_eq!(notes.len(), 1);
    assert!(notes[0].contains("escritura(s) sin terminar"), "{notes:?}");

    // The terminal: Spanish under TESTIGO_LANG=es, English otherwise.
    let out = in_spanish(&env, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("PROBLEMA: ") && text.contains("alterado o dañado"),
        "{text}"
    );
    assert!(text.contains("nota: 1 escritura(s) sin terminar"), "{text}");
    assert!(text.contains("FALLÓ: 2 problema(s)"), "{text}");
    let text = String::from_utf8_lossy(&env.run(&["check"]).stdout).into_owned();
    assert!(
        text.contains("altered or damaged") && !text.contains("dañado"),
        "{text}"
    );
}

#[test]
fn check_names_a_broken_custody_chain_in_spanish() {
    let env = Env::new();
    env.case("c");
    // Change a written entry behind the log's back, as someone holding the
    // key could.
    let key: testigo_core::crypto::KeyFile =
        serde_json::from_slice(&std::fs::read(env.vault().join("vault.json")).unwrap()).unwrap();
    let key = key.unwrap_key(PASSPHRASE).unwrap();
    let db =
        testigo_core::db::open(&env.vault().join("testigo.db"), &key.subkey("database")).unwrap();
    db.execute_batch(
        "DROP TRIGGER custody_append_only_update;
         UPDATE custody SET detail = '{\"name\":\"otro\"}' WHERE seq = 2;",
    )
    .unwrap();
    drop(db);
    let r = env.json(&["check"]);
    assert_eq!(r["ok"], false);
    assert!(
        r["problems"][0]
            .as_str()
            .unwrap()
            .contains("custody log: entry 2 (case_created) was altered"),
        "{r}"
    );
    let (problems, _) = check_es(&env);
    assert_eq!(
        problems,
        ["registro de custodia: la entrada 2 (case_created) fue alterada después de escribirse"]
    );
    let text = String::from_utf8_lossy(&in_spanish(&env, &["check"]).stdout).into_owned();
    assert!(
        text.contains("PROBLEMA: registro de custodia: la entrada 2"),
        "{text}"
    );
}

/// `verify --json` of a tampered archive: its one problem of `kind`, whose
/// Spanish message must contain `es`.
fn problem_in_spanish(env: &Env, bytes: &[u8], kind: &str, es: &str) -> Value {
    let (code, r) = verify_bytes(env, bytes, &[]);
    assert_eq!(code, 1, "{r}");
    let problems = r["problems"].as_array().unwrap();
    for p in problems {
        let (en, spanish) = (p["message"].as_str().unwrap(), p["message_es"].as_str());
        assert!(spanish.is_some_and(|s| !s.is_empty() && s != en), "{p}");
    }
    let p = problems
        .iter()
        .find(|p| p["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} problem: {r}"));
    let message_es = p["message_es"].as_str().unwrap();
    assert!(message_es.contains(es), "expected `{es}` in {message_es}");
    p.clone()
}

#[test]
fn verify_problems_are_said_in_spanish() {
    let env = case_env();
    let out = env.path("r.zip");
    seal(&env, &out, &[]);
    let all = entries(&std::fs::read(&out).unwrap());
    let base = all[0].0.split('/').next().unwrap().to_string();
    let evidence = all
        .iter()
        .position(|(n, _)| n.contains("/data/evidence/"))
        .unwrap();

    let mut altered = all.clone();
    altered[evidence].1[0] ^= 1;
    let p = problem_in_spanish(&env, &rezip(&altered), "altered", "fue alterado");
    assert!(
        p["message"].as_str().unwrap().contains("its SHA-256 is"),
        "{p}"
    );
    // The terminal shows the Spanish message under the Spanish label.
    let shown = in_spanish(&env, &["verify", env.path("check.zip").to_str().unwrap()]);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.contains("alterado: data/evidence/") && text.contains("fue alterado: su SHA-256 es"),
        "{text}"
    );
    assert!(text.contains("INVÁLIDO: 2 problema(s)"), "{text}");

    let mut missing = all.clone();
    missing.remove(evidence);
    problem_in_spanish(&env, &rezip(&missing), "missing", "falta en el reporte");

    let mut extra = all.clone();
    extra.push((format!("{base}/data/extra.txt"), b"extra".to_vec()));
    problem_in_spanish(&env, &rezip(&extra), "unexpected", "no figura en");

    let mut resigned = all.clone();
    let tm = resigned
        .iter()
        .position(|(n, _)| n.ends_with("/tagmanifest-sha256.txt"))
        .unwrap();
    resigned[tm].1.extend_from_slice(b"\n");
    problem_in_spanish(
        &env,
        &rezip(&resigned),
        "bad_signature",
        "la firma no corresponde",
    );

    // Zip slip: refused before anything is read.
    let stored = zip::CompressionMethod::Stored;
    let p = problem_in_spanish(
        &env,
        &one_entry_zip("../evil.txt", b"x", stored),
        "unsafe_archive",
        "entrada peligrosa: `..` en su ruta",
    );
    assert!(
        p["message"].as_str().unwrap().contains("unsafe entry"),
        "{p}"
    );
    problem_in_spanish(&env, b"not a zip", "unsafe_archive", "no es un ZIP legible");
}

#[test]
fn file_errors_are_explained_in_spanish() {
    let env = Env::empty();
    let missing = env.path("no-existe.zip");
    let out = in_spanish(&env, &["verify", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains(&format!(
            "no se pudo leer {}: no existe; revisa la ruta",
            missing.display()
        )),
        "{e}"
    );
    let e = env.fails(&["verify", missing.to_str().unwrap()], 1);
    assert!(e.contains(&format!("reading {}", missing.display())), "{e}");
}
