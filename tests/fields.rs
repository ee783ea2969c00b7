//! The item record's fields end to end, proved on the two added through the
//! field table (`reply_to`, `repost_of`): set and cleared from the CLI,
//! checked, shown, searched, recorded in the custody log, kept in a sealed
//! report's `report.json` and printed in its packet under their labels.

use std::io::{Cursor, Read};

use serde_json::Value;

use crate::support::Env;

const SDE: &str = "1714521600";

#[test]
fn reply_to_and_repost_of_go_everywhere_a_field_goes() {
    let env = Env::new();
    env.case("c");
    let v = env.json(&[
        "link",
        "https://x.com/troll_01/status/1765432109876543210",
        "--case",
        "c",
        "--no-fetch",
        "--reply-to",
        "https://x.com/ana/status/1765432000000000001",
        "--repost-of",
        "#1765431999999999999",
    ]);
    let id = v[0]["id"].as_str().unwrap().to_string();
    let shown = env.json(&["show", &id]);
    assert_eq!(
        shown["reply_to"],
        "https://x.com/ana/status/1765432000000000001"
    );
    assert_eq!(
        shown["repost_of"], "1765431999999999999",
        "a leading # is dropped"
    );
    let added = env.log_of("item_added");
    assert_eq!(
        added[0]["detail"]["fields"]["repost_of"],
        "1765431999999999999"
    );

    // Text output labels them in the person's language.
    let text = env.ok(&["show", &id]);
    assert!(
        text.contains("In reply to") && text.contains("Repost of"),
        "{text}"
    );
    let es = env
        .command(&["show", &id])
        .env("LANG", "es_MX.UTF-8")
        .output()
        .unwrap();
    let es = String::from_utf8_lossy(&es.stdout);
    assert!(
        es.contains("En respuesta a") && es.contains("Republicación de"),
        "{es}"
    );

    // Searchable, and listed in `edit --help`.
    let found = env.json(&["search", "1765431999999999999"]);
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    let help = env.ok(&["edit", "--help"]);
    assert!(
        help.contains("--reply-to") && help.contains("--repost-of"),
        "{help}"
    );

    // Checked like any URL; an id is one word.
    let e = env.fails(&["edit", &id, "--reply-to", "javascript:alert(1)"], 2);
    assert!(e.contains("http"), "{e}");
    env.fails(&["edit", &id, "--repost-of", "dos palabras"], 2);

    // Kept in a sealed report, printed in its packet.
    let zip = env.path("r.zip");
    let sealed = env
        .command(&[
            "seal",
            "--case",
            "c",
            "--out",
            zip.to_str().unwrap(),
            "--json",
        ])
        .env("SOURCE_DATE_EPOCH", SDE)
        .output()
        .unwrap();
    assert!(
        sealed.status.success(),
        "{}",
        String::from_utf8_lossy(&sealed.stderr)
    );
    let bytes = std::fs::read(&zip).unwrap();
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let name = z
        .file_names()
        .filter_map(|n| n.ok())
        .find(|n| n.ends_with("data/report.json"))
        .unwrap()
        .to_string();
    let mut report = String::new();
    z.by_name(&name)
        .unwrap()
        .read_to_string(&mut report)
        .unwrap();
    let report: Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["items"][0]["repost_of"], "1765431999999999999");
    let pdf_name = name.replace("report.json", "report.pdf");
    let mut pdf = Vec::new();
    z.by_name(&pdf_name).unwrap().read_to_end(&mut pdf).unwrap();
    let pdf_path = env.path("r.pdf");
    std::fs::write(&pdf_path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args([pdf_path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("En respuesta a") || text.contains("In reply to"),
        "{text}"
    );
    assert!(text.contains("1765431999999999999"), "{text}");

    // Cleared by name or flag; clearing and setting at once is refused.
    env.ok(&["edit", &id, "--clear", "reply-to", "--clear", "repost_of"]);
    let shown = env.json(&["show", &id]);
    assert_eq!(shown["reply_to"], Value::Null);
    assert_eq!(shown["repost_of"], Value::Null);
    env.fails(&["edit", &id, "--clear", "reply-to", "--reply-to", "1"], 2);
}
