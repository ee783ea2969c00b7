//! Helpers that make a test read like a session at the terminal: a fresh
//! vault, a command, its output; and generated fixture images.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use image::{ImageFormat, Rgb, RgbImage};
use serde_json::Value;

/// The passphrase every test vault uses.
pub const PASSPHRASE: &str = "caballo correcto batería grapa";

/// A temporary folder with a vault in `vault/` and room for files.
pub struct Env {
    pub root: tempfile::TempDir,
}

impl Env {
    /// A new, initialised vault.
    pub fn new() -> Env {
        let env = Env::empty();
        env.ok(&["init"]);
        env
    }

    /// A temporary folder without a vault yet.
    pub fn empty() -> Env {
        Env {
            root: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn vault(&self) -> PathBuf {
        self.root.path().join("vault")
    }

    /// A path inside the test's folder (not the vault).
    pub fn path(&self, name: &str) -> PathBuf {
        let p = self.root.path().join("files").join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        p
    }

    /// The `testigo` command with the vault and passphrase set.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_testigo"));
        c.args(args)
            .env("TESTIGO_VAULT", self.vault())
            .env("TESTIGO_PASSPHRASE", PASSPHRASE)
            .env("TMPDIR", self.root.path().join("tmp"))
            .env("LANG", "C")
            .env_remove("LC_ALL")
            .env_remove("TESTIGO_LANG");
        std::fs::create_dir_all(self.root.path().join("tmp")).unwrap();
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run testigo")
    }

    /// `testigo cat ARGS…`, which must succeed: the bytes it wrote.
    pub fn cat(&self, args: &[&str]) -> Vec<u8> {
        let mut all = vec!["cat"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert!(
            out.status.success(),
            "testigo {all:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "testigo {args:?} failed ({:?}):\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs and expects the exit code; returns stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "testigo {args:?}: stdout {} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// Runs with `--json` and parses stdout (whatever the exit code).
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.run(&all);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "testigo {all:?}: not JSON ({e}): {}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }

    /// Creates a case and returns its id.
    pub fn case(&self, name: &str) -> String {
        self.json(&["case", "new", name])["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Imports one file and returns its item id.
    pub fn add(&self, path: &Path, case: &str, extra: &[&str]) -> String {
        let p = path.to_str().unwrap();
        let mut args = vec!["add", p, "--case", case];
        args.extend_from_slice(extra);
        let v = self.json(&args);
        assert_eq!(v[0]["status"], "added", "{v}");
        v[0]["id"].as_str().unwrap().to_string()
    }

    /// The custody log's entries of one action (`sealed`, `printed`, …).
    pub fn log_of(&self, action: &str) -> Vec<Value> {
        self.json(&["log"])
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == action)
            .cloned()
            .collect()
    }

    /// Every file under the vault folder, with its bytes.
    pub fn vault_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        walk(&self.vault())
    }

    /// Object files under `objects/` (not unfinished writes).
    pub fn objects(&self) -> Vec<PathBuf> {
        walk(&self.vault().join("objects"))
            .into_iter()
            .map(|(p, _)| p)
            .filter(|p| !p.to_string_lossy().contains("/objects/tmp/"))
            .collect()
    }
}

/// Copies a folder (a vault, say), keeping permissions.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

pub fn walk(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            let bytes = std::fs::read(&p).unwrap();
            out.push((p, bytes));
        }
    }
    out.sort();
    out
}

/// A screenshot-like image: light background, dark "text lines" whose
/// lengths and positions come from `seed`, so different seeds look different.
pub fn screenshot(w: u32, h: u32, seed: u64) -> RgbImage {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut img = RgbImage::from_pixel(w, h, Rgb([250, 250, 250]));
    let line_h = (h / 20).max(2);
    let mut y = line_h;
    while y + line_h < h {
        let start = (next() % u64::from(w / 3)) as u32;
        let len = (next() % u64::from(w - start)) as u32;
        let shade = (next() % 120) as u8;
        for yy in y..y + line_h / 2 {
            for xx in start..start + len {
                img.put_pixel(xx, yy, Rgb([shade, shade, shade / 2]));
            }
        }
        y += line_h + (next() % u64::from(line_h * 2)) as u32;
    }
    img
}

/// Writes a screenshot in the given format and returns its path.
pub fn write_image(
    env: &Env,
    name: &str,
    w: u32,
    h: u32,
    seed: u64,
    format: ImageFormat,
) -> PathBuf {
    let path = env.path(name);
    screenshot(w, h, seed)
        .save_with_format(&path, format)
        .unwrap();
    path
}

/// A PNG of `w`x`h` whose header says so but whose pixel data is a few bytes:
/// a decompression bomb if a decoder trusted it.
pub fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut h = crc32fast::Hasher::new();
        h.update(kind);
        h.update(data);
        out.extend_from_slice(&h.finalize().to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    // An empty zlib stream: nothing real behind the claimed size.
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

/// SHA-256 of bytes, hex.
pub fn sha256(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}
