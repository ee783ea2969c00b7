//! Bulk posts and campaign analysis, from the command line: the example
//! files of docs/analysis.md import, bad rows are reported by line and
//! skipped, a planted campaign is found and explained, results are stored,
//! exported the same way every time, and safe in a spreadsheet.

use std::path::PathBuf;

use serde_json::Value;

use crate::support::Env;

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("docs/examples")
        .join(name)
}

fn import(env: &Env, file: &std::path::Path, format: &str) -> Value {
    env.json(&[
        "import-posts",
        file.to_str().unwrap(),
        "--case",
        "c",
        "--format",
        format,
    ])
}

#[test]
fn every_documented_example_imports_and_keeps_its_file() {
    let env = Env::new();
    env.case("c");
    for (file, format, posts, skipped) in [
        ("qut.csv", "qut", 11, 0),
        ("twarc2.jsonl", "twarc2", 5, 0),
        ("zeeschuimer.ndjson", "zeeschuimer", 3, 0),
        ("telegram.json", "telegram", 5, 0),
    ] {
        let v = import(&env, &example(file), format);
        assert_eq!(v["imported"], posts, "{file}: {v}");
        assert_eq!(v["skipped"], skipped, "{file}: {v}");
        assert_eq!(v["errors"], serde_json::json!([]), "{file}");
        let item = v["item"].as_str().unwrap();
        let kept = env.cat(&[item]);
        assert_eq!(
            kept,
            std::fs::read(example(file)).unwrap(),
            "{file}: the file is kept as it was"
        );
        // Again: nothing new.
        let again = import(&env, &example(file), format);
        assert_eq!(again["imported"], 0);
        assert_eq!(again["already_imported"], posts);
        assert_eq!(again["item"], item);
    }
    let entries = env.log_of("posts_imported");
    assert_eq!(entries.len(), 4);
    assert_eq!(entries[0]["detail"]["format"], "qut");
    assert_eq!(entries[0]["detail"]["imported"], 11);
    assert!(entries[0]["sha256"].is_string());
    let found = env.json(&["posts", "--case", "c", "--search", "plaza puebla"]);
    assert!(found.as_array().unwrap().len() >= 6, "{found}");
    let by = env.json(&["posts", "--case", "c", "--account", "@dani.pue"]);
    assert_eq!(by.as_array().unwrap().len(), 1);
    assert_eq!(by[0]["platform"], "tiktok");
    env.ok(&["check"]);
}

#[test]
fn bad_rows_are_reported_by_line_and_the_rest_imported() {
    let env = Env::new();
    env.case("c");
    let csv = env.path("posts.csv");
    std::fs::write(
        &csv,
        "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n\
         1,10,ana,,,hola,1700000000,\n\
         2,11,beto,,,sin hora,ayer,\n\
         ,12,carla,,,sin id,1700000002,\n\
         1,13,dora,,,repetido,1700000003,\n\
         5,14,eva,,,\"dos\nlíneas\",1700000004,\n\
         6,,,,,sin autor,1700000005,\n",
    )
    .unwrap();
    let v = import(&env, &csv, "qut");
    assert_eq!(v["imported"], 2, "{v}");
    assert_eq!(v["skipped"], 4, "{v}");
    let lines: Vec<u64> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4, 5, 8]);
    assert!(
        v["errors"][0]["reason_es"]
            .as_str()
            .unwrap()
            .contains("hora")
    );
    // The human form says the same on stderr, in Spanish when asked.
    let csv2 = env.path("otro.csv");
    std::fs::write(&csv2, "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n7,1,a,,,x,nunca,\n8,1,a,,,y,1700000000,\n").unwrap();
    let out = env
        .command(&[
            "import-posts",
            csv2.to_str().unwrap(),
            "--case",
            "c",
            "--format",
            "qut",
        ])
        .env("TESTIGO_LANG", "es")
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("línea 2"), "{err}");
}

#[test]
fn a_file_in_another_format_is_refused_before_anything_is_kept() {
    let env = Env::new();
    env.case("c");
    let err = env.fails(
        &[
            "import-posts",
            example("telegram.json").to_str().unwrap(),
            "--case",
            "c",
            "--format",
            "qut",
        ],
        2,
    );
    assert!(err.contains("message_id"), "{err}");
    let err = env.fails(
        &[
            "import-posts",
            example("qut.csv").to_str().unwrap(),
            "--case",
            "c",
            "--format",
            "twarc2",
        ],
        2,
    );
    assert!(err.contains("in that format"), "{err}");
    let err = env.fails(
        &[
            "import-posts",
            example("qut.csv").to_str().unwrap(),
            "--case",
            "c",
            "--format",
            "mastodon",
        ],
        2,
    );
    assert!(
        err.contains("qut, twarc2, zeeschuimer or telegram"),
        "{err}"
    );
    assert!(
        env.json(&["list", "--case", "c"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_planted_campaign_is_found_explained_and_exported() {
    let env = Env::new();
    env.case("c");
    import(&env, &example("qut.csv"), "qut");
    let a = env.json(&["analyze", "--case", "c", "--window", "1m"]);
    assert_eq!(a["parameters"]["window"], 60);
    let campaigns = a["campaigns"].as_array().unwrap();
    assert_eq!(campaigns.len(), 1, "{a:#}");
    let c = &campaigns[0];
    let handles: Vec<&str> = c["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["handle"].as_str().unwrap())
        .collect();
    assert_eq!(handles.len(), 6, "{handles:?}");
    assert!(
        handles.iter().all(|h| h.starts_with("Patriota")),
        "{handles:?}"
    );
    assert_eq!(c["accounts"][0]["id"], "900");
    assert_eq!(c["posts"].as_array().unwrap().len(), 6);
    assert_eq!(c["posts"][0], "1785500");
    assert_eq!(
        c["reason"],
        "6 accounts posted 3 variants of this text within 35 seconds; 6 of them also used #saqueo within 35 seconds"
    );
    assert_eq!(
        c["reason_es"],
        "6 cuentas publicaron 3 variantes de este texto en 35 segundos; 6 de ellas también usaron #saqueo en 35 segundos"
    );
    assert_eq!(c["behaviours"][0], "co_post");
    assert!(c["strength"].as_u64().unwrap() > 0);
    assert_eq!(c["locations"][0]["name"], "Puebla");
    for key in [
        "id",
        "start",
        "end",
        "strength",
        "reason",
        "reason_es",
        "behaviours",
    ] {
        assert!(!c[key].is_null(), "{key}");
    }
    let accounts = a["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 6);
    let signals = accounts[0]["signals"].as_array().unwrap();
    assert!(
        signals.iter().any(|s| s["name"] == "default_handle"),
        "{signals:?}"
    );
    for s in signals {
        for key in [
            "name",
            "value",
            "means",
            "means_es",
            "does_not_mean",
            "does_not_mean_es",
        ] {
            assert!(!s[key].is_null(), "{key} in {s}");
        }
    }
    let logged = env.log_of("analysed");
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0]["detail"]["campaigns"], 1);

    // Exports: the same bytes for the same posts and parameters.
    let mut first = Vec::new();
    for format in ["csv", "graphml", "json"] {
        let out = env.path(&format!("a.{format}"));
        env.ok(&[
            "analyze",
            "--case",
            "c",
            "--export",
            format,
            "--out",
            out.to_str().unwrap(),
        ]);
        first.push(std::fs::read(&out).unwrap());
    }
    env.ok(&["analyze", "--case", "c", "--window", "1m"]);
    for (i, format) in ["csv", "graphml", "json"].iter().enumerate() {
        let out = env.path(&format!("b.{format}"));
        env.ok(&[
            "analyze",
            "--case",
            "c",
            "--export",
            format,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(
            std::fs::read(&out).unwrap(),
            first[i],
            "{format} differs between two runs"
        );
    }
    let csv = String::from_utf8(first[0].clone()).unwrap();
    assert!(
        csv.starts_with("campaign,strength,reason,reason_es,post,"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 7);
    let graph = String::from_utf8(first[1].clone()).unwrap();
    assert_eq!(graph.matches("<node ").count(), 6);
    assert!(graph.contains("<edge "));
    let json: Value = serde_json::from_slice(&first[2]).unwrap();
    assert_eq!(json["campaigns"], a["campaigns"]);
    // The custody log holds the SHA-256 of exactly these results.
    assert_eq!(
        logged.last().unwrap()["sha256"],
        crate::support::sha256(&first[2])
    );
    // The human form.
    let out = env.ok(&["analyze", "--case", "c"]);
    assert!(out.contains("6 accounts posted 3 variants"), "{out}");
    assert!(out.contains("@Patriota10000000"), "{out}");
    env.ok(&["check"]);
}

#[test]
fn the_packet_and_the_sealed_report_print_the_campaigns_of_their_items() {
    let env = Env::new();
    env.case("c");
    let v = import(&env, &example("qut.csv"), "qut");
    let source = v["item"].as_str().unwrap().to_string();
    env.ok(&["analyze", "--case", "c"]);
    let note = env.json(&["note", "otra cosa", "--case", "c"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    // A packet of the source file prints its campaign, in Spanish by default.
    let pdf = env.path("c.pdf");
    env.ok(&[
        "packet",
        "--case",
        "c",
        "--item",
        &source,
        "--out",
        pdf.to_str().unwrap(),
    ]);
    let text = crate::packet::pdf_text(&pdf);
    assert!(text.contains("Análisis de campañas"), "{text}");
    assert!(
        text.contains("6 cuentas publicaron 3 variantes de este texto"),
        "{text}"
    );
    assert!(text.contains("@Patriota10000000"), "{text}");
    assert!(
        text.contains("Anexo C · Cómo verificar") || text.contains("C · Cómo verificar"),
        "{text}"
    );
    // In English.
    let pdf_en = env.path("c-en.pdf");
    env.ok(&[
        "packet",
        "--case",
        "c",
        "--item",
        &source,
        "--lang",
        "en",
        "--out",
        pdf_en.to_str().unwrap(),
    ]);
    let text = crate::packet::pdf_text(&pdf_en);
    assert!(
        text.contains("Campaign analysis") && text.contains("6 accounts posted 3 variants"),
        "{text}"
    );
    // A packet of an unrelated note prints none.
    let other = env.path("n.pdf");
    env.ok(&[
        "packet",
        "--case",
        "c",
        "--item",
        &note,
        "--out",
        other.to_str().unwrap(),
    ]);
    assert!(!crate::packet::pdf_text(&other).contains("Análisis de campañas"));
    // The sealed report's packet carries it too.
    let zip = env.path("c.zip");
    env.ok(&[
        "seal",
        "--case",
        "c",
        "--item",
        &source,
        "--out",
        zip.to_str().unwrap(),
    ]);
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    let name = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().unwrap().to_string())
        .find(|n| n.ends_with("data/report.pdf"))
        .unwrap();
    let mut pdf_bytes = Vec::new();
    std::io::Read::read_to_end(&mut archive.by_name(&name).unwrap(), &mut pdf_bytes).unwrap();
    let inner = env.path("inner.pdf");
    std::fs::write(&inner, pdf_bytes).unwrap();
    assert!(crate::packet::pdf_text(&inner).contains("6 cuentas publicaron"));
}

#[test]
fn hostile_text_is_escaped_on_the_terminal_and_defused_in_spreadsheets() {
    let env = Env::new();
    env.case("c");
    let csv = env.path("posts.csv");
    let mut body =
        String::from("message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n");
    for i in 0..5 {
        body.push_str(&format!(
            "{i},{i},\"=cmd|' /C calc'!A0\x1b[31m{i}\",,,\"=HYPERLINK(\"\"http://example.com\"\") todos a la plaza ahora mismo\x1b]0;x\x07\",{},\n",
            1_700_000_000 + i
        ));
    }
    std::fs::write(&csv, body).unwrap();
    import(&env, &csv, "qut");
    let out = env.run(&["analyze", "--case", "c"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains('\x1b'), "{text}");
    assert!(text.contains("\\x1b"), "{text}");
    let out = env.path("a.csv");
    env.ok(&[
        "analyze",
        "--case",
        "c",
        "--export",
        "csv",
        "--out",
        out.to_str().unwrap(),
    ]);
    let mut reader = csv::Reader::from_path(&out).unwrap();
    let mut rows = 0;
    for r in reader.records() {
        let r = r.unwrap();
        rows += 1;
        for cell in r.iter() {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell:?}");
        }
        assert!(r.get(7).unwrap().starts_with("'=cmd"), "{r:?}");
        assert!(r.get(10).unwrap().starts_with("'=HYPERLINK"), "{r:?}");
    }
    assert_eq!(rows, 5);
    let graph = env.path("a.graphml");
    env.ok(&[
        "analyze",
        "--case",
        "c",
        "--export",
        "graphml",
        "--out",
        graph.to_str().unwrap(),
    ]);
    let g = std::fs::read_to_string(&graph).unwrap();
    assert!(!g.contains('\x1b') && g.contains("&apos;"), "{g}");
}

#[test]
fn items_take_part_and_nothing_to_analyse_is_said_plainly() {
    let env = Env::new();
    env.case("c");
    let err = env.fails(&["analyze", "--case", "c"], 2);
    assert!(err.contains("no posts to analyse"), "{err}");
    let err = env.fails(
        &[
            "analyze",
            "--case",
            "c",
            "--export",
            "csv",
            "--out",
            env.path("x.csv").to_str().unwrap(),
        ],
        2,
    );
    assert!(err.contains("not been analysed"), "{err}");
    assert!(!env.path("x.csv").exists());
    let err = env.fails(&["analyze", "--case", "c", "--window", "2d"], 2);
    assert!(err.contains("1m, 10m, 1h, auto"), "{err}");
    let mut ids = Vec::new();
    for (i, author) in ["uno", "dos", "tres"].iter().enumerate() {
        let v = env.json(&[
            "note",
            "captura",
            "--case",
            "c",
            "--author",
            author,
            "--platform",
            "x",
            "--text",
            "Vamos todos a la marcha de mañana en Guadalajara Jalisco, sin falta",
            "--posted-at",
            &format!("2024-05-01T18:00:{:02}Z", i * 3),
        ]);
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    let a = env.json(&["analyze", "--case", "c", "--window", "auto"]);
    assert_eq!(a["parameters"]["window_mode"]["mode"], "auto");
    assert_eq!(
        a["parameters"]["window"], 10,
        "3 s estimated, kept at the 10 s floor"
    );
    assert_eq!(a["input"]["items"], 3);
    let c = &a["campaigns"][0];
    let posts: Vec<&str> = c["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(posts, ids.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(c["timeline"][0]["item"], true);
    assert_eq!(c["locations"][0]["name"], "Jalisco");
}

#[test]
fn removing_the_source_file_removes_its_posts() {
    let env = Env::new();
    env.case("c");
    let v = import(&env, &example("zeeschuimer.ndjson"), "zeeschuimer");
    let item = v["item"].as_str().unwrap();
    assert_eq!(
        env.json(&["posts", "--case", "c"])
            .as_array()
            .unwrap()
            .len(),
        3
    );
    env.ok(&["rm", item, "--reason", "importado por error"]);
    assert!(
        env.json(&["posts", "--case", "c"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        env.json(&["posts", "--case", "c", "--search", "puebla"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    env.ok(&["check"]);
}
