//! Printable evidence packets: what `testigo packet` writes is read back with
//! poppler (`pdftotext`, `pdffonts`, `pdfinfo`): every character of the
//! posts, every SHA-256 and URL, both languages, both paper sizes, the time
//! zone, embedded fonts, determinism, errors; and the packet inside every
//! sealed bundle. Poppler is required (scripts/test.sh installs it).

use std::path::{Path, PathBuf};
use std::process::Command;

use image::ImageFormat;
use serde_json::Value;

use crate::support::{Env, sha256, write_image};

const SDE: &str = "1714521600";
const POST: &str =
    "¿Sabes dónde vives, Begoña? ¡Te vamos a encontrar! Niño, año, acción 😡🔥❤️ — مرحبا بكم";
const PHONE_URL: &str = "https://x.com/troll_01/status/1765432109876543210";
const LINK_URL: &str = "https://www.tiktok.com/@cuenta_falsa/video/7212345678901234567";

/// A case with a portrait phone screenshot, a very wide desktop screenshot,
/// a very long post, a note without image, a link and a plain file.
fn packet_env() -> Env {
    let env = Env::new();
    env.ok(&[
        "case",
        "new",
        "Campaña contra Begoña",
        "--description",
        "Ola de amenazas en marzo; señales de coordinación.",
    ]);
    env.ok(&[
        "key",
        "set-signer",
        "--name",
        "Ana Pérez",
        "--organization",
        "Artículo 19",
    ]);
    let case = "Campaña contra Begoña";
    let phone = write_image(&env, "telefono.png", 1080, 2340, 1, ImageFormat::Png);
    env.add(
        &phone,
        case,
        &[
            "--platform",
            "X",
            "--author",
            "@troll_01",
            "--author-name",
            "Trol Ñandú",
            "--posted-at",
            "2024-05-01T18:30:00-06:00",
            "--category",
            "threat",
            "--threat-level",
            "high",
            "--state",
            "cdmx",
            "--url",
            PHONE_URL,
            "--text",
            POST,
            "--tag",
            "ola de marzo",
            "--hashtag",
            "FueraBegoña",
            "--note",
            "Llegó por mensaje directo también.",
            "--reported-to",
            "X; 0123-ABC; sin respuesta",
        ],
    );
    let wide = write_image(&env, "escritorio.jpg", 5120, 1080, 2, ImageFormat::Jpeg);
    env.add(
        &wide,
        case,
        &[
            "--platform",
            "Facebook",
            "--author",
            "grupo_odio",
            "--category",
            "hate",
            "--posted-at",
            "2024-05-03 12:00",
        ],
    );
    let long: String = (0..60)
        .map(|i| {
            format!(
                "Párrafo {i}: la campaña continuó con insultos y amenazas; ¿quién está detrás? 🤖\n"
            )
        })
        .collect();
    env.ok(&[
        "note",
        long.as_str(),
        "--case",
        case,
        "--platform",
        "X",
        "--author",
        "@troll_01",
        "--category",
        "coordinated",
        "--text",
        long.as_str(),
        "--posted-at",
        "2024-05-04",
    ]);
    env.ok(&[
        "note",
        "Llamada anónima a las 3 a. m.",
        "--case",
        case,
        "--threat-level",
        "medium",
        "--posted-at",
        "2024-05-05T09:00:00Z",
    ]);
    env.ok(&[
        "link",
        LINK_URL,
        "--case",
        case,
        "--no-fetch",
        "--category",
        "harassment",
        "--posted-at",
        "2024-05-06T10:00:00Z",
    ]);
    std::fs::write(env.path("video.mp4"), vec![7u8; 50_000]).unwrap();
    env.add(
        &env.path("video.mp4"),
        case,
        &["--platform", "TikTok", "--posted-at", "2024-05-06"],
    );
    env
}

/// Runs a poppler tool; fails the test when it is missing.
fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("`{tool}` cannot run ({e}): install poppler-utils (scripts/test.sh does)")
    });
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub(crate) fn pdf_text(pdf: &Path) -> String {
    poppler("pdftotext", &[pdf.to_str().unwrap(), "-"])
}

fn pdf_info(pdf: &Path) -> String {
    poppler("pdfinfo", &[pdf.to_str().unwrap()])
}

/// Prints a packet with `SOURCE_DATE_EPOCH` fixed; returns its JSON.
fn packet(env: &Env, out: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "packet",
        "--case",
        "Campaña contra Begoña",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ];
    args.extend_from_slice(extra);
    let o = env
        .command(&args)
        .env("SOURCE_DATE_EPOCH", SDE)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn items(env: &Env) -> Vec<Value> {
    env.json(&["list", "--case", "Campaña contra Begoña"])
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_spanish_packet_keeps_every_character_hash_and_url() {
    let env = packet_env();
    let out = env.path("expediente.pdf");
    let p = packet(&env, &out, &[]);
    let pdf = std::fs::read(&out).unwrap();
    assert_eq!(p["sha256"], sha256(&pdf));
    assert_eq!(p["lang"], "es");
    assert_eq!(p["paper"], "letter");
    let text = pdf_text(&out);

    // Accents, ñ, ¿¡, emoji and Arabic survive as text, not as placeholders.
    for s in [
        "¿Sabes dónde vives, Begoña?",
        "¡Te vamos a encontrar!",
        "Niño, año, acción",
        "😡",
        "🔥",
        "🤖",
        "Trol Ñandú",
        "Artículo 19",
        "Campaña contra Begoña",
    ] {
        assert!(text.contains(s), "{s:?} missing from the packet text");
    }
    assert!(
        text.contains("مرحبا") || text.contains("ابحرم"),
        "Arabic missing"
    );
    assert!(!text.contains("[emoji]"));
    // Every file's SHA-256, every URL, every item id.
    let items = items(&env);
    assert_eq!(items.len(), 6);
    for i in &items {
        if let Some(sha) = i["sha256"].as_str() {
            assert!(text.contains(sha), "SHA-256 {sha} missing");
        }
        assert!(text.contains(i["id"].as_str().unwrap()));
    }
    for url in [PHONE_URL, LINK_URL] {
        assert!(text.contains(url), "{url} missing");
    }
    // Spanish throughout; times in Mexico City and in UTC.
    for s in [
        "Expediente de evidencia",
        "Resumen",
        "Índice cronológico",
        "Cadena de custodia",
        "Elementos por día",
        "1 de mayo de 2024 al 6 de mayo de 2024",
        "2024-05-01 18:30:00",
        "2024-05-02 00:30:00 UTC",
        "America/Mexico_City",
        "Amenaza",
        "Alto",
        "Ciudad de México",
        "0123-ABC",
    ] {
        assert!(text.contains(s), "{s:?} missing");
    }
    // The report id in every page's footer, and page numbers.
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    let n = p["pages"].as_u64().unwrap() as usize;
    assert_eq!(pages.len(), n);
    let id = p["report_id"].as_str().unwrap();
    for (k, page) in pages.iter().enumerate() {
        assert!(page.contains(id), "page {} has no report id", k + 1);
        assert!(
            page.contains(&format!("Página {} de {n}", k + 1)),
            "page {}",
            k + 1
        );
    }
    // Cover, summary, index, two screenshot pages, the rest, the appendix.
    assert!((6..=12).contains(&n), "{n} pages");
    let info = pdf_info(&out);
    assert!(info.contains(&format!("Pages:           {n}")), "{info}");
    assert!(info.contains("612 x 792 pts (letter)"), "{info}");
    // Standalone packets say so, and carry no verification text.
    assert!(text.contains("no forma parte de un reporte sellado"));
    // The print is recorded in the custody log, about the case.
    let printed = env.log_of("printed");
    assert_eq!(printed.len(), 1);
    assert_eq!(printed[0]["detail"]["packet_sha256"], p["sha256"]);
    assert!(printed[0]["item_id"].is_null());
    env.ok(&["check"]);
}

#[test]
fn every_font_is_embedded() {
    let env = packet_env();
    let out = env.path("p.pdf");
    packet(&env, &out, &[]);
    let fonts = poppler("pdffonts", &[out.to_str().unwrap()]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(rows.len() >= 3, "{fonts}");
    for row in rows {
        // name type encoding emb sub uni object ID
        let cols: Vec<&str> = row.split_whitespace().collect();
        let emb = cols[cols.len() - 5];
        assert_eq!(emb, "yes", "font not embedded: {row}");
        assert_eq!(
            cols[cols.len() - 3],
            "yes",
            "font without a Unicode map: {row}"
        );
    }
    assert!(fonts.contains("NotoSans"), "{fonts}");
    assert!(fonts.contains("NotoSansMono"), "{fonts}");
}

#[test]
fn an_english_a4_packet_in_another_time_zone() {
    let env = packet_env();
    let out = env.path("packet-en.pdf");
    let p = packet(
        &env,
        &out,
        &["--lang", "en", "--paper", "a4", "--tz", "Asia/Tokyo"],
    );
    assert_eq!(p["paper"], "a4");
    assert_eq!(p["time_zone"], "Asia/Tokyo");
    let text = pdf_text(&out);
    for s in [
        "Evidence packet",
        "Summary",
        "Chronological index",
        "Chain of custody",
        "Items per day",
        "May 2, 2024",
        "2024-05-02 09:30:00",
        "JST",
        "2024-05-02 00:30:00 UTC",
        "Asia/Tokyo",
        "Threat",
        "High",
        "Page 1 of",
    ] {
        assert!(text.contains(s), "{s:?} missing");
    }
    assert!(!text.contains("Expediente de evidencia"));
    assert!(text.contains("¿Sabes dónde vives, Begoña?"));
    assert!(pdf_info(&out).contains("595.276 x 841.89 pts (A4)"));
}

#[test]
fn packets_are_byte_identical_with_source_date_epoch() {
    let env = packet_env();
    let (a, b) = (env.path("a.pdf"), env.path("b.pdf"));
    let pa = packet(&env, &a, &[]);
    let pb = packet(&env, &b, &[]);
    assert_eq!(pa["report_id"], pb["report_id"]);
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let info = pdf_info(&a);
    assert!(info.contains("2024"), "{info}");
}

#[test]
fn chosen_items_only_and_clear_errors() {
    let env = packet_env();
    let all = items(&env);
    let first = all[0]["id"].as_str().unwrap();
    let out = env.path("uno.pdf");
    let p = packet(&env, &out, &["--item", &first[..12]]);
    assert_eq!(p["items"].as_array().unwrap().len(), 1);

    let o = out.to_str().unwrap();
    let case = "Campaña contra Begoña";
    let e = env.fails(&["packet", "--case", "nadie", "--out", o], 1);
    assert!(e.contains("no case matches `nadie`"), "{e}");
    let e = env.fails(&["packet", "--case", case, "--item", "ZZZZ", "--out", o], 1);
    assert!(e.contains("no item matches"), "{e}");
    let e = env.fails(&["packet", "--case", case, "--lang", "fr", "--out", o], 2);
    assert!(e.contains("unknown language `fr`"), "{e}");
    let e = env.fails(
        &["packet", "--case", case, "--tz", "Mars/Olympus", "--out", o],
        2,
    );
    assert!(e.contains("unknown time zone `Mars/Olympus`"), "{e}");
    let e = env.fails(
        &["packet", "--case", case, "--paper", "legal", "--out", o],
        2,
    );
    assert!(e.contains("unknown paper size `legal`"), "{e}");
    env.ok(&["case", "new", "Otro"]);
    let e = env.fails(
        &["packet", "--case", "Otro", "--item", first, "--out", o],
        2,
    );
    assert!(e.contains("another case"), "{e}");
    let e = env.fails(&["packet", "--case", "Otro", "--out", o], 2);
    assert!(e.contains("no items"), "{e}");
    // In Spanish, the hint is Spanish too.
    let out_es = env
        .command(&["packet", "--case", case, "--paper", "legal", "--out", o])
        .env("TESTIGO_LANG", "es")
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&out_es.stderr);
    assert!(e.contains("sugerencia"), "{e}");
}

#[test]
fn a_hundred_items_get_a_page_each_and_every_hash() {
    let env = Env::new();
    env.case("Cien");
    let dir = env.path("cien/x").parent().unwrap().to_path_buf();
    for i in 0..100u64 {
        write_image(
            &env,
            &format!("cien/c{i:03}.png"),
            480,
            270,
            100 + i,
            ImageFormat::Png,
        );
    }
    let added = env.json(&[
        "add",
        dir.to_str().unwrap(),
        "--case",
        "Cien",
        "--platform",
        "X",
    ]);
    assert_eq!(added.as_array().unwrap().len(), 100);
    let out = env.path("cien.pdf");
    let o = env
        .command(&[
            "packet",
            "--case",
            "Cien",
            "--out",
            out.to_str().unwrap(),
            "--json",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p: Value = serde_json::from_slice(&o.stdout).unwrap();
    let pages = p["pages"].as_u64().unwrap();
    // Cover, summary, an index of several pages, 100 item pages, the appendix.
    assert!((105..=115).contains(&pages), "{pages} pages");
    let text = pdf_text(&out);
    for a in added.as_array().unwrap() {
        assert!(text.contains(a["sha256"].as_str().unwrap()));
    }
}

/// Extracts a bundle into `dir` with unzip-like code; returns the bag folder.
fn extract(zip_path: &Path, dir: &Path) -> PathBuf {
    let f = std::fs::File::open(zip_path).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    z.extract(dir).unwrap();
    std::fs::read_dir(dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
}

#[test]
fn every_bundle_carries_its_packet_and_verify_checks_it() {
    let env = packet_env();
    let zip = env.path("r.zip");
    let o = env
        .command(&[
            "seal",
            "--case",
            "Campaña contra Begoña",
            "--out",
            zip.to_str().unwrap(),
            "--lang",
            "en",
            "--json",
        ])
        .env("SOURCE_DATE_EPOCH", SDE)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sealed: Value = serde_json::from_slice(&o.stdout).unwrap();
    let id = sealed["report_id"].as_str().unwrap();
    let bag = extract(&zip, env.path("x/y").parent().unwrap());
    let report: Value =
        serde_json::from_slice(&std::fs::read(bag.join("data/report.json")).unwrap()).unwrap();
    assert_eq!(report["packet"]["path"], "data/report.pdf");
    assert_eq!(report["packet"]["lang"], "en");
    assert_eq!(report["packet"]["paper"], "letter");
    assert_eq!(report["packet"]["time_zone"], "America/Mexico_City");
    let manifest = std::fs::read_to_string(bag.join("manifest-sha256.txt")).unwrap();
    let pdf = std::fs::read(bag.join("data/report.pdf")).unwrap();
    assert!(manifest.contains(&format!("{}  data/report.pdf\n", sha256(&pdf))));
    // The cover's QR hash: the payload manifest without the packet's line.
    let others: String = manifest
        .lines()
        .filter(|l| !l.ends_with("  data/report.pdf"))
        .map(|l| format!("{l}\n"))
        .collect();
    let payload_sha = sha256(others.as_bytes());
    let text = pdf_text(&bag.join("data/report.pdf"));
    assert!(
        text.contains(&payload_sha),
        "payload hash {payload_sha} not on the cover"
    );
    assert!(text.contains(&format!("report:{id}")));
    assert!(text.contains(&format!("payload-sha256:{payload_sha}")));
    assert!(
        text.contains("HOW TO VERIFY THIS SEALED REPORT"),
        "VERIFY.txt text missing"
    );
    assert!(text.contains("Evidence packet"));

    let pk = env.json(&["key", "show"])["public_key"]
        .as_str()
        .unwrap()
        .to_string();
    let v = env.run(&["verify", zip.to_str().unwrap(), "--pubkey", &pk, "--json"]);
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stdout)
    );

    // A packet printed at the same time with the same options has the same id.
    let alone = env.path("alone.pdf");
    let p = packet(&env, &alone, &["--lang", "en"]);
    assert_eq!(p["report_id"], sealed["report_id"]);
}

#[test]
fn a_bundle_without_its_packet_or_with_a_changed_one_is_invalid() {
    let env = packet_env();
    let zip = env.path("r.zip");
    env.command(&[
        "seal",
        "--case",
        "Campaña contra Begoña",
        "--out",
        zip.to_str().unwrap(),
    ])
    .env("SOURCE_DATE_EPOCH", SDE)
    .output()
    .unwrap();
    let bytes = std::fs::read(&zip).unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
    let entries: Vec<(String, Vec<u8>)> = (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut data).unwrap();
            (f.name().unwrap().to_string(), data)
        })
        .collect();

    // Rewrite the archive without the packet, then with one byte changed.
    for change in ["drop", "flip"] {
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, data) in &entries {
            let mut data = data.clone();
            if name.ends_with("/data/report.pdf") {
                if change == "drop" {
                    continue;
                }
                let k = data.len() / 2;
                data[k] ^= 1;
            }
            out.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut out, &data).unwrap();
        }
        let changed = out.finish().unwrap().into_inner();
        let p = env.path(&format!("{change}.zip"));
        std::fs::write(&p, changed).unwrap();
        let v = env.run(&["verify", p.to_str().unwrap(), "--json"]);
        assert_eq!(v.status.code(), Some(1), "{change}");
        let r: Value = serde_json::from_slice(&v.stdout).unwrap();
        let files: Vec<String> = r["problems"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["files"].as_array().unwrap().clone())
            .map(|f| f.as_str().unwrap().to_string())
            .collect();
        assert!(
            files.contains(&"data/report.pdf".to_string()),
            "{change}: {r}"
        );
    }
}

#[test]
fn the_library_reports_progress_and_can_be_cancelled() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use testigo_core::packet::{PacketOptions, PacketRequest, PacketStage};

    let env = packet_env();
    let vault = testigo_core::Vault::open(&env.vault(), crate::support::PASSPHRASE).unwrap();
    let out = env.path("lib.pdf");
    let req = PacketRequest {
        case: "Campaña contra Begoña".into(),
        items: vec![],
        out: out.clone(),
        options: PacketOptions::parse(Some("en"), Some("UTC"), Some("a4")).unwrap(),
        source_date_epoch: Some(1_714_521_600),
    };
    // Cancelled at the first picture: nothing written, nothing logged.
    let cancel = AtomicBool::new(false);
    let none = vault
        .packet(
            &req,
            &mut |_| cancel.store(true, Ordering::Relaxed),
            &cancel,
        )
        .unwrap();
    assert!(none.is_none());
    assert!(!out.exists());
    assert!(env.log_of("printed").is_empty());
    // Not cancelled: every step is heard, in order, ending with the file written.
    let mut stages = Vec::new();
    let p = vault
        .packet(
            &req,
            &mut |p| stages.push((p.stage, p.done, p.total)),
            &AtomicBool::new(false),
        )
        .unwrap()
        .unwrap();
    assert_eq!(stages.first(), Some(&(PacketStage::Images, 0, 2)));
    assert!(stages.contains(&(PacketStage::Images, 2, 2)));
    assert!(stages.contains(&(PacketStage::Typesetting, 1, 1)));
    assert_eq!(stages.last(), Some(&(PacketStage::Writing, 1, 1)));
    assert!(p.pdf_a);
    assert_eq!(std::fs::read(&out).unwrap().len() as u64, p.size);
}
