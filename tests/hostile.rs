//! Hostile input: decompression bombs, truncated and lying images, files
//! that cannot be read. Each fails alone, fast, with a clear reason.

use image::ImageFormat;

use crate::support::{Env, png_bomb, write_image};

fn import_error(env: &Env, name: &str, bytes: &[u8]) -> String {
    let p = env.path(name);
    std::fs::write(&p, bytes).unwrap();
    let v = env.json(&["add", p.to_str().unwrap(), "--case", "c"]);
    assert_eq!(v[0]["status"], "error", "{v}");
    assert!(v[0]["id"].is_null());
    v[0]["error"].as_str().unwrap().to_string()
}

#[test]
fn decompression_bombs_fail_on_their_header() {
    let env = Env::new();
    env.case("c");
    let e = import_error(&env, "wide.png", &png_bomb(100_000, 100_000));
    assert!(
        e.contains("100000x100000") || e.contains("too large"),
        "{e}"
    );
    let e = import_error(&env, "square.png", &png_bomb(20_000, 20_000));
    assert!(
        e.contains("20000x20000") && e.contains("decompression bomb"),
        "{e}"
    );
    assert!(env.json(&["list"]).as_array().unwrap().is_empty());
    assert!(env.objects().is_empty(), "nothing partial left");
}

#[test]
fn truncated_and_lying_images_are_errors_not_files() {
    let env = Env::new();
    env.case("c");
    let good = write_image(&env, "good.png", 400, 300, 1, ImageFormat::Png);
    let bytes = std::fs::read(&good).unwrap();
    let e = import_error(&env, "half.png", &bytes[..bytes.len() / 2]);
    assert!(e.contains("damaged or incomplete"), "{e}");
    let e = import_error(&env, "fake.jpg", b"\xff\xd8\xff\xe0 definitely not a jpeg");
    assert!(e.contains("JPEG"), "{e}");
    let e = import_error(&env, "text.png", b"hola, no soy una imagen");
    assert!(e.contains("not a PNG, JPEG"), "{e}");
    assert!(env.objects().is_empty());
    assert!(env.ok(&["check"]).starts_with("ok:"));
}

#[test]
fn a_bad_file_in_a_batch_fails_alone() {
    let env = Env::new();
    env.case("c");
    for i in 0..20 {
        write_image(
            &env,
            &format!("batch/{i:02}.png"),
            200,
            150,
            i,
            ImageFormat::Png,
        );
    }
    std::fs::write(env.path("batch/07.png"), png_bomb(90_000, 90_000)).unwrap();
    std::fs::write(env.path("batch/13.png"), b"\x89PNG\r\n\x1a\ngarbage").unwrap();
    let dir = env.path("batch");
    let out = env.run(&["add", dir.to_str().unwrap(), "--case", "c", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "error")
        .collect();
    assert_eq!(errors.len(), 2, "{v}");
    assert_eq!(env.json(&["list"]).as_array().unwrap().len(), 18);
    assert!(env.ok(&["check"]).starts_with("ok:"));
}

#[test]
fn missing_and_unreadable_paths_are_reported() {
    let env = Env::new();
    env.case("c");
    let v = env.json(&["add", "/no/such/file.png", "--case", "c"]);
    assert_eq!(v[0]["status"], "error");
    assert!(v[0]["error"].as_str().unwrap().contains("no such file"));
}

#[test]
fn hostile_search_syntax_is_taken_literally() {
    let env = Env::new();
    env.case("c");
    env.ok(&["note", "texto normal", "--case", "c"]);
    for q in [
        "\"",
        "NEAR(",
        "a OR",
        "*",
        "col:x",
        "^",
        "(((",
        "'; DROP TABLE items; --",
    ] {
        env.ok(&["search", q]);
    }
    assert_eq!(env.json(&["list"]).as_array().unwrap().len(), 1);
}

#[test]
fn text_that_starts_like_a_bmp_is_a_plain_file() {
    let env = Env::new();
    env.case("c");
    let p = env.path("placas.txt");
    std::fs::write(&p, "BMW negro, placas ABC-123, nos siguió dos cuadras").unwrap();
    let id = env.add(&p, "c", &[]);
    assert_eq!(env.json(&["show", &id])["kind"], "file");
}

#[test]
fn stray_entries_in_objects_do_not_break_imports_and_are_reported() {
    let env = Env::new();
    env.case("c");
    std::fs::create_dir_all(env.vault().join("objects/ab/carpeta")).unwrap();
    std::fs::write(env.vault().join("objects/ff_junk"), b"x").unwrap();
    let img = write_image(&env, "a.png", 100, 80, 1, ImageFormat::Png);
    env.add(&img, "c", &[]);
    let report = env.json(&["check"]);
    let problems = report["problems"].to_string();
    assert!(
        problems.contains("objects/ab/carpeta: unexpected folder"),
        "{problems}"
    );
    assert!(
        problems.contains("objects/ff_junk: unexpected file"),
        "{problems}"
    );
}
