//! Architecture invariants that a test can hold (ARCHITECTURE.md): the
//! core's messages name no CLI flag or command, and a file a person asks
//! for is written whole or not at all.

use std::path::{Path, PathBuf};

use crate::support::{Env, write_image};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literals of a Rust source, without its tests, comments and
/// doc comments (a rough scan that is enough for messages).
fn literals(source: &str) -> Vec<String> {
    let code = source.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = Vec::new();
    for line in code.lines() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        let mut rest = line;
        while let Some(start) = rest.find('"') {
            let after = &rest[start + 1..];
            let Some(end) = after.find('"') else { break };
            out.push(after[..end].to_string());
            rest = &after[end + 1..];
        }
    }
    out
}

#[test]
fn the_cores_messages_name_no_cli_flag_or_command() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("core/src");
    let mut files = Vec::new();
    rust_files(&core, &mut files);
    assert!(files.len() > 30, "{files:?}");
    let mut found = Vec::new();
    for file in &files {
        // VERIFY.txt tells people checking a bundle by hand which commands to run.
        if file.ends_with("bundle/tag_files.rs") {
            continue;
        }
        for lit in literals(&std::fs::read_to_string(file).unwrap()) {
            let flag = lit.split_whitespace().any(|w| {
                let w = w.trim_start_matches(['(', '`']);
                w.len() > 3
                    && w.starts_with("--")
                    && w[2..].starts_with(|c: char| c.is_ascii_lowercase())
            });
            if flag || lit.contains("`testigo ") {
                found.push(format!("{}: {lit}", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "core messages naming the CLI:\n{}",
        found.join("\n")
    );
}

#[test]
fn a_failed_export_leaves_no_file_and_records_nothing() {
    let env = Env::new();
    env.case("c");
    let png = write_image(&env, "a.png", 300, 200, 1, image::ImageFormat::Png);
    let id = env.add(&png, "c", &[]);
    // Damage the original's object file: the export notices at the end.
    for object in env.objects() {
        let mut bytes = std::fs::read(&object).unwrap();
        let n = bytes.len();
        bytes[n - 20] ^= 0x55;
        std::fs::write(&object, bytes).unwrap();
    }
    let out = env.path("fuera/original.png");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let e = env.fails(&["cat", &id, "--out", out.to_str().unwrap()], 1);
    assert!(e.contains("object for"), "{e}");
    let left: Vec<_> = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    assert!(env.log_of("exported").is_empty());

    // And a good export is recorded once, with the absolute path.
    let env = Env::new();
    env.case("c");
    let id = env.add(&png, "c", &[]);
    let out = env.path("original.png");
    env.ok(&["cat", &id, "--out", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&png).unwrap());
    let exported = env.log_of("exported");
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0]["detail"]["to"], out.display().to_string());
    assert!(!env.path("original.png.part").exists());
}
