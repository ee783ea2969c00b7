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

/// Which module of the core owns each table: the only one that writes it.
const TABLE_OWNERS: &[(&str, &str)] = &[
    ("settings", "settings.rs"),
    ("cases", "cases.rs"),
    ("accounts", "accounts.rs"),
    ("items", "items.rs"),
    ("near_duplicates", "items.rs"),
    ("items_fts", "items.rs"),
    ("artifacts", "artifacts.rs"),
    ("custody", "custody.rs"),
    ("captures", "capture/record.rs"),
    ("orgs", "submission/orgs.rs"),
    ("submissions", "submission/outbox.rs"),
    ("posts", "posts/mod.rs"),
    ("posts_fts", "posts/mod.rs"),
    ("analyses", "analysis/stored.rs"),
];

/// The code of a Rust source without its tests and comments.
fn code_of(source: &str) -> String {
    let code = source.split("#[cfg(test)]").next().unwrap_or("");
    code.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The tables a piece of code writes (`INSERT [OR x] INTO t`, `UPDATE t`,
/// `DELETE FROM t`).
fn tables_written(code: &str) -> Vec<String> {
    let words: Vec<&str> = code
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let table = match *w {
            "INTO"
                if i > 0
                    && (words[i - 1] == "INSERT"
                        || words.get(i.wrapping_sub(3)) == Some(&"INSERT")) =>
            {
                words.get(i + 1)
            }
            "UPDATE" if words.get(i + 1) != Some(&"SET") => words.get(i + 1),
            "FROM" if i > 0 && words[i - 1] == "DELETE" => words.get(i + 1),
            _ => None,
        };
        out.extend(table.map(|t| t.to_string()));
    }
    out
}

#[test]
fn each_table_is_written_only_by_its_module_and_the_rest_call_functions() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("core/src");
    let mut files = Vec::new();
    rust_files(&core, &mut files);
    let owner_of = |t: &str| TABLE_OWNERS.iter().find(|(n, _)| *n == t).map(|(_, f)| *f);
    let mut wrong = Vec::new();
    let mut written = std::collections::BTreeSet::new();
    for file in &files {
        let rel = file
            .strip_prefix(&core)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        // The migrations create and change every table.
        if rel == "db.rs" {
            continue;
        }
        for t in tables_written(&code) {
            match owner_of(&t) {
                Some(owner) if owner == rel => {
                    written.insert(t);
                }
                Some(owner) => wrong.push(format!("{rel} writes `{t}`, which {owner} owns")),
                None => wrong.push(format!("{rel} writes `{t}`, a table with no owner here")),
            }
        }
        let owns_a_table = TABLE_OWNERS.iter().any(|(_, f)| *f == rel);
        for call in [".prepare(", ".query_row(", ".execute(", ".execute_batch("] {
            if code.contains(call) && !owns_a_table {
                wrong.push(format!(
                    "{rel} runs SQL itself (`{call}`) but owns no table"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The scan sees the writes it is meant to see.
    for (table, _) in TABLE_OWNERS {
        assert!(
            written.contains(*table),
            "no write to `{table}` found: {written:?}"
        );
    }
}

#[test]
fn the_table_scan_finds_writes_in_every_form() {
    let code = r#"conn.execute("INSERT OR IGNORE INTO near_duplicates (a) VALUES (?1)")
        tx.execute("UPDATE items SET x = 1"); "INSERT INTO settings (key) VALUES (1)
        ON CONFLICT (key) DO UPDATE SET value = 2"; "DELETE FROM items_fts WHERE 1""#;
    assert_eq!(
        tables_written(code),
        ["near_duplicates", "items", "settings", "items_fts"]
    );
}
