//! Issue 11, point 3: a folder handed over by someone else, full of
//! symbolic links to secrets, loops and special files. Nothing outside the
//! folder is imported unless the person chooses to follow links (and then
//! the custody log says which link led where); FIFOs and devices are never
//! read. Every entry not read is reported, in English and Spanish.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

use image::ImageFormat;
use serde_json::Value;

use crate::support::{Env, sha256, write_image};

/// What the hostile folder holds outside itself.
struct Hostile {
    shots: PathBuf,
    secret: Vec<u8>,
    passwd: Vec<u8>,
    outside_png: Vec<u8>,
}

/// `files/shots`: one genuine screenshot, and links to a secret key, a
/// passwd-like file and a folder outside; a broken link, a link to itself,
/// a link to a link, a link deep inside, a link to an ancestor folder, a
/// FIFO and a link to /dev/zero.
fn hostile_folder(env: &Env) -> Hostile {
    let secret = format!("-----BEGIN OPENSSH PRIVATE KEY----- {:?}", env.root.path()).into_bytes();
    let passwd =
        b"root:x:0:0:root:/root:/bin/bash\nmaria:x:1000:1000::/home/maria:/bin/sh\n".to_vec();
    std::fs::write(env.path("outside/.ssh/id_rsa"), &secret).unwrap();
    std::fs::write(env.path("outside/passwd"), &passwd).unwrap();
    let outside_png = write_image(env, "outside/album/foto.png", 120, 90, 7, ImageFormat::Png);
    write_image(env, "shots/real.png", 160, 120, 1, ImageFormat::Png);
    let shots = env.path("shots/real.png").parent().unwrap().to_path_buf();
    let outside = shots.parent().unwrap().join("outside");
    let link = |target: &Path, name: &str| {
        let at = shots.join(name);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        symlink(target, at).unwrap();
    };
    link(&outside.join(".ssh/id_rsa"), "screenshot_0042.png");
    link(Path::new("../outside/passwd"), "passwd.png");
    link(&outside.join("album"), "album");
    link(Path::new("nowhere.png"), "roto.png");
    link(Path::new("loop.png"), "loop.png");
    link(Path::new("screenshot_0042.png"), "chain.png");
    link(&outside.join(".ssh/id_rsa"), "nested/deeper/x.png");
    link(Path::new("../.."), "nested/deeper/up");
    link(Path::new("/dev/zero"), "zero.png");
    let fifo = shots.join("pipe.png");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo");
    Hostile {
        shots,
        secret,
        passwd,
        outside_png: std::fs::read(outside_png).unwrap(),
    }
}

fn by_name<'a>(v: &'a Value, name: &str) -> &'a Value {
    v.as_array()
        .unwrap()
        .iter()
        .find(|o| o["path"].as_str().unwrap().ends_with(name))
        .unwrap_or_else(|| panic!("no outcome for {name}: {v}"))
}

fn item_hashes(env: &Env) -> Vec<String> {
    env.json(&["list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["sha256"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn links_and_special_files_in_a_folder_are_skipped_and_reported() {
    let env = Env::new();
    env.case("c");
    let h = hostile_folder(&env);
    let dir = h.shots.to_str().unwrap();
    let out = env.run(&["add", dir, "--case", "c", "--json"]);
    assert_eq!(out.status.code(), Some(0), "skipping is not a failure");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(by_name(&v, "real.png")["status"], "added", "{v}");
    let reasons = [
        ("screenshot_0042.png", "a symbolic link to /"),
        ("passwd.png", "a symbolic link to ../outside/passwd"),
        ("album", "a symbolic link to the folder"),
        ("roto.png", "a broken symbolic link"),
        ("loop.png", "a symbolic link that loops"),
        ("chain.png", "a symbolic link to screenshot_0042.png"),
        ("nested/deeper/x.png", "a symbolic link to"),
        ("nested/deeper/up", "a symbolic link to the folder ../.."),
        ("zero.png", "a symbolic link to /dev/zero, a device"),
        (
            "pipe.png",
            "a named pipe (FIFO); only regular files are imported",
        ),
    ];
    assert_eq!(v.as_array().unwrap().len(), reasons.len() + 1, "{v}");
    for (name, reason) in reasons {
        let o = by_name(&v, name);
        assert_eq!(o["status"], "skipped", "{name}: {o}");
        assert!(o["id"].is_null() && o["sha256"].is_null(), "{o}");
        let en = o["error"].as_str().unwrap();
        assert!(en.contains(reason), "{name}: {en}");
        let es = o["error_es"].as_str().unwrap();
        assert!(
            es.contains("no se leyó") || es.contains("no se siguen"),
            "{name}: {es}"
        );
    }
    assert!(
        by_name(&v, "screenshot_0042.png")["error"]
            .as_str()
            .unwrap()
            .contains("links are not followed"),
    );
    // Each is on stderr too, even with --json.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 added, 0 duplicates, 10 skipped, 0 errors"),
        "{stderr}"
    );
    // Nothing from outside reached the vault.
    let hashes = item_hashes(&env);
    assert_eq!(hashes.len(), 1);
    for outside in [&h.secret, &h.passwd, &h.outside_png] {
        assert!(!hashes.contains(&sha256(outside)));
    }
    assert!(env.ok(&["check"]).starts_with("ok:"));
}

#[test]
fn the_text_output_names_each_skipped_entry_in_english_and_spanish() {
    let env = Env::new();
    env.case("c");
    let h = hostile_folder(&env);
    let dir = h.shots.to_str().unwrap();
    let out = env.run(&["add", dir, "--case", "c"]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let skipped = stderr
        .lines()
        .filter(|l| l.starts_with("skipped  "))
        .count();
    assert_eq!(skipped, 10, "{stderr}");
    assert!(
        stderr.contains("screenshot_0042.png: a symbolic link to"),
        "{stderr}"
    );
    let es = env
        .command(&["add", dir, "--case", "c"])
        .env("TESTIGO_LANG", "es")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&es.stderr);
    let omitted: Vec<_> = stderr
        .lines()
        .filter(|l| l.starts_with("omitido  "))
        .collect();
    assert_eq!(omitted.len(), 10, "{stderr}");
    assert!(
        stderr.contains(
            "pipe.png: una tubería con nombre (FIFO); solo se importan archivos normales"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("roto.png: un enlace simbólico roto"),
        "{stderr}"
    );
    assert!(stderr.contains("10 omitidos"), "{stderr}");
}

#[test]
fn links_and_devices_named_on_the_command_line_are_skipped_too() {
    let env = Env::new();
    env.case("c");
    let h = hostile_folder(&env);
    // What `testigo add shots/*` hands over: the shell expands the links.
    let mut args = vec!["add".to_string()];
    for name in [
        "screenshot_0042.png",
        "chain.png",
        "zero.png",
        "pipe.png",
        "real.png",
    ] {
        args.push(h.shots.join(name).display().to_string());
    }
    // A trailing slash does not make a link to a folder followed.
    args.push(format!("{}/", h.shots.join("album").display()));
    args.extend(["/dev/zero".into(), "--case".into(), "c".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let v = env.json(&args);
    let statuses: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        [
            "skipped", "skipped", "skipped", "skipped", "added", "skipped", "skipped"
        ],
        "{v}"
    );
    assert!(v[6]["error"].as_str().unwrap().contains("a device"), "{v}");
    assert_eq!(item_hashes(&env).len(), 1);
}

#[test]
fn following_links_is_a_choice_recorded_in_custody_and_special_files_stay_unread() {
    let env = Env::new();
    env.case("c");
    let h = hostile_folder(&env);
    let dir = h.shots.to_str().unwrap();
    let out = env.run(&["add", dir, "--case", "c", "--follow-links", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Followed, the text files behind `*.png` links are read: they claim to
    // be images by name and are not, so they are errors (exit 1), which
    // shows their bytes were reached; the picture behind `album` is added.
    assert_eq!(out.status.code(), Some(1), "{v}");
    for (name, status) in [
        ("real.png", "added"),
        ("album/foto.png", "added"),
        ("chain.png", "error"),
        ("nested/deeper/x.png", "error"),
        ("passwd.png", "error"),
        ("screenshot_0042.png", "error"),
        ("roto.png", "skipped"),
        ("loop.png", "skipped"),
        ("nested/deeper/up", "skipped"),
        ("pipe.png", "skipped"),
        ("zero.png", "skipped"),
    ] {
        assert_eq!(by_name(&v, name)["status"], status, "{name}: {v}");
    }
    assert!(
        by_name(&v, "zero.png")["error"]
            .as_str()
            .unwrap()
            .contains("a device"),
        "{v}"
    );
    let hashes = item_hashes(&env);
    assert!(
        hashes.contains(&sha256(&h.outside_png)),
        "followed on purpose"
    );
    for text in [&h.secret, &h.passwd] {
        assert!(!hashes.contains(&sha256(text)), "not an image, not stored");
    }
    assert!(
        by_name(&v, "chain.png")["error"]
            .as_str()
            .unwrap()
            .contains("not a PNG"),
        "{v}"
    );
    // Each item read through a link names the link and the file it led to.
    let added = env.log_of("item_added");
    let through = |link_end: &str| -> Value {
        added
            .iter()
            .map(|e| e["detail"]["followed_link"].clone())
            .find(|f| f["link"].as_str().is_some_and(|l| l.ends_with(link_end)))
            .unwrap_or_else(|| panic!("no entry through {link_end}: {added:?}"))
    };
    let album = through("/album");
    assert!(
        album["target"]
            .as_str()
            .unwrap()
            .ends_with("outside/album/foto.png"),
        "{album}"
    );
    let real = added
        .iter()
        .find(|e| e["detail"]["file_name"] == "real.png")
        .unwrap();
    assert!(real["detail"].get("followed_link").is_none(), "{real}");
    assert!(env.ok(&["check"]).starts_with("ok:"));
}
