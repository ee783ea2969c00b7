//! Issue 11, point 8: decoding memory is one budget for the whole process.
//! Genuine, complete PNGs of under 1 MB that decode to 800 MB each are
//! imported by several workers, then printed in a packet by several
//! threads: the peak resident memory of `testigo` stays under a bound that
//! two decodes at once would exceed. Files whose headers claim more pixels
//! than their bytes could hold are refused before decoding.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use flate2::Compression;
use flate2::write::ZlibEncoder;
use image::ImageFormat;

use crate::support::{Env, png_bomb, screenshot, write_image};

/// The bound on peak memory: one 800 MB decode fits under it with room for
/// the rest of the program; two at once (1.6 GB) do not.
const BOUND_KIB: u64 = 1280 * 1024;

/// A valid PNG of one RGBA colour, `side`x`side`, streamed through zlib so
/// that neither this test nor the file holds the pixels: about 780 KB for
/// 14,142 pixels a side (800 MB decoded, under the 200-megapixel limit).
fn flat_png(path: &Path, side: u32, rgba: [u8; 4]) {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut h = crc32fast::Hasher::new();
        h.update(kind);
        h.update(data);
        out.extend_from_slice(&h.finalize().to_be_bytes());
    }
    let mut row = vec![0u8];
    for _ in 0..side {
        row.extend_from_slice(&rgba);
    }
    let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
    for _ in 0..side {
        z.write_all(&row).unwrap();
    }
    let idat = z.finish().unwrap();
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    std::fs::write(path, out).unwrap();
}

/// Runs `testigo ARGS` under GNU time; returns its output and peak
/// resident memory in KiB (the kernel's own count, from `wait4`).
fn run_measured(env: &Env, args: &[&str]) -> (Output, u64) {
    let time = Path::new("/usr/bin/time");
    assert!(
        time.exists(),
        "GNU time measures peak memory here: apt-get install time (scripts/test.sh does)"
    );
    let report = env.root.path().join("time.txt");
    let inner = env.command(args);
    let mut outer = Command::new(time);
    outer
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&report)
        .arg(inner.get_program())
        .args(inner.get_args());
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => outer.env(k, v),
            None => outer.env_remove(k),
        };
    }
    let out = outer.output().unwrap();
    let text = std::fs::read_to_string(&report).unwrap();
    let kib = text
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak in {text:?}"));
    (out, kib)
}

fn big_flat_folder(env: &Env, count: u8) -> PathBuf {
    let first = env.path("big/0.png");
    for i in 0..count {
        flat_png(
            &first.with_file_name(format!("{i}.png")),
            14_142,
            [250, 250 - i, 240, 255],
        );
    }
    first.parent().unwrap().to_path_buf()
}

#[test]
fn several_workers_share_one_decoding_budget_on_import_and_in_packets() {
    let env = Env::new();
    env.case("c");
    let dir = big_flat_folder(&env, 3);
    let (out, kib) = run_measured(
        &env,
        &["add", dir.to_str().unwrap(), "--case", "c", "--json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for o in v.as_array().unwrap() {
        assert_eq!(o["status"], "added", "genuine images import: {v}");
        assert_eq!(o["kind"], "screenshot");
    }
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert!(
        kib > 700 * 1024,
        "an 800 MB decode happened ({kib} KiB), so the bound means something"
    );
    assert!(
        kib < BOUND_KIB,
        "import peaked at {kib} KiB, over {BOUND_KIB}: decodes overlapped"
    );
    // The packet decodes every screenshot again, on several threads.
    let pdf = env.path("packet.pdf");
    let (out, kib) = run_measured(
        &env,
        &["packet", "--case", "c", "--out", pdf.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(kib > 700 * 1024, "{kib} KiB");
    assert!(
        kib < BOUND_KIB,
        "packet peaked at {kib} KiB, over {BOUND_KIB}: decodes overlapped"
    );
}

/// A PNG header claiming `w`x`h` RGBA with `idat_len` bytes of (garbage)
/// data: the size a lying file would have.
fn lying_png(w: u32, h: u32, idat_len: usize) -> Vec<u8> {
    let mut bytes = png_bomb(w, h);
    bytes.truncate(bytes.len() - 12 - 20);
    let mut full = bytes;
    let idat = vec![0u8; idat_len];
    full.extend_from_slice(&(idat_len as u32).to_be_bytes());
    full.extend_from_slice(b"IDAT");
    full.extend_from_slice(&idat);
    let mut c = crc32fast::Hasher::new();
    c.update(b"IDAT");
    c.update(&idat);
    full.extend_from_slice(&c.finalize().to_be_bytes());
    full.extend_from_slice(&[0, 0, 0, 0]);
    full.extend_from_slice(b"IEND");
    full.extend_from_slice(&[0xAE, 0x42, 0x60, 0x82]);
    full
}

/// A JPEG whose frame header claims `w`x`h`, with the scan of a small one.
fn lying_jpeg(env: &Env, w: u16, h: u16) -> Vec<u8> {
    let small = write_image(env, "small.jpg", 64, 48, 3, ImageFormat::Jpeg);
    let mut bytes = std::fs::read(small).unwrap();
    let sof = bytes.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bytes[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
    bytes
}

#[test]
fn headers_claiming_more_than_their_bytes_can_hold_are_refused_up_front() {
    let env = Env::new();
    env.case("c");
    let lies: Vec<(&str, Vec<u8>)> = vec![
        ("wide.jpg", lying_jpeg(&env, 40_000, 5_000)),
        ("tall.jpg", lying_jpeg(&env, 8_000, 9_000)),
        ("truncated.png", lying_png(14_000, 14_000, 4096)),
        ("gray.png", {
            let mut b = lying_png(20_000, 9_000, 2048);
            b[25] = 0; // greyscale: 180 MB of scanlines in 2 KB
            // the IHDR's CRC must follow the change
            let mut c = crc32fast::Hasher::new();
            c.update(&b[12..29]);
            b[29..33].copy_from_slice(&c.finalize().to_be_bytes());
            b
        }),
    ];
    for (name, bytes) in &lies {
        std::fs::write(env.path(&format!("lies/{name}")), bytes).unwrap();
    }
    // A genuine image beside them still imports.
    write_image(&env, "lies/ok.png", 300, 200, 5, ImageFormat::Png);
    let dir = env.path("lies/ok.png").parent().unwrap().to_path_buf();
    let (out, kib) = run_measured(
        &env,
        &["add", dir.to_str().unwrap(), "--case", "c", "--json"],
    );
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for o in v.as_array().unwrap() {
        let path = o["path"].as_str().unwrap();
        if path.ends_with("ok.png") {
            assert_eq!(o["status"], "added", "{o}");
            continue;
        }
        assert_eq!(o["status"], "error", "{o}");
        let en = o["error"].as_str().unwrap();
        assert!(en.contains("it was not decoded"), "{path}: {en}");
        assert!(en.contains("but its file is only"), "{path}: {en}");
        let es = o["error_es"].as_str().unwrap();
        assert!(es.contains("no se decodificó"), "{path}: {es}");
    }
    assert!(kib < 256 * 1024, "refused before decoding: {kib} KiB");
    // And under the pixel limit, a lie that is small is merely damaged.
    let p = env.path("small-lie.png");
    std::fs::write(&p, lying_png(2_000, 2_000, 64)).unwrap();
    let v = env.json(&["add", p.to_str().unwrap(), "--case", "c"]);
    assert_eq!(v[0]["status"], "error", "{v}");
    assert!(
        v[0]["error"]
            .as_str()
            .unwrap()
            .contains("damaged or incomplete"),
        "{v}"
    );
}

#[test]
fn real_screenshots_that_compress_very_well_are_not_refused() {
    // Big enough for the ratio check to apply (over 64 MiB decoded), with a
    // few lines of "text" on a flat background, in every format.
    let env = Env::new();
    env.case("c");
    for (name, format) in [
        ("page.png", ImageFormat::Png),
        ("page.jpg", ImageFormat::Jpeg),
        ("page.webp", ImageFormat::WebP),
        ("page.bmp", ImageFormat::Bmp),
    ] {
        let img = screenshot(4_000, 6_000, 11);
        let path = env.path(name);
        img.save_with_format(&path, format).unwrap();
        let id = env.add(&path, "c", &[]);
        assert_eq!(env.json(&["show", &id])["height"], 6_000, "{name}");
    }
    // The flattest a PNG gets: one colour, compressed as well as deflate can.
    let flat = env.path("flat.png");
    flat_png(&flat, 6_000, [255, 255, 255, 255]);
    env.add(&flat, "c", &[]);
}
