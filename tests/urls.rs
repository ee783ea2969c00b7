//! URLs are checked wherever they enter (issue 11, point 7): `add`, `note`
//! and `edit --url` apply the rule `link` applies (absolute http or https
//! with a host, at most 8 KiB), refuse before anything changes, and say
//! what to do in English and in Spanish; the library refuses the same URLs
//! however its `Meta` was built, so the app cannot differ from the CLI.

use image::ImageFormat;

use crate::support::{Env, PASSPHRASE, write_image};

/// The largest URL accepted, in bytes.
const MAX_URL: usize = 8 * 1024;

/// An https URL of exactly `len` bytes.
fn url_of_len(len: usize) -> String {
    let head = "https://a.example/";
    format!("{head}{}", "a".repeat(len - head.len()))
}

/// Refused URLs, with what the English and the Spanish messages say.
fn refused() -> Vec<(String, String, String)> {
    let mut v: Vec<(String, String, String)> = [MAX_URL + 1, 100 * 1024]
        .iter()
        .map(|&n| {
            (
                url_of_len(n),
                format!("the URL is {n} bytes long; the limit is {MAX_URL}"),
                format!("la URL mide {n} bytes; el límite es {MAX_URL}"),
            )
        })
        .collect();
    for (url, scheme) in [
        ("javascript:alert(document.cookie)", "javascript"),
        ("JavaScript:alert(1)", "javascript"),
        ("file:///etc/shadow", "file"),
        ("data:text/html,<script>alert(1)</script>", "data"),
        ("vbscript:msgbox(1)", "vbscript"),
        ("ftp://example.org/x", "ftp"),
    ] {
        v.push((
            url.into(),
            format!("is a {scheme} URL; only http and https addresses can be recorded"),
            format!("es una URL {scheme}; solo se registran direcciones http y https"),
        ));
    }
    for url in ["x.com/troll_01/status/1", "https://", "not a url"] {
        v.push((
            url.into(),
            "is not a valid URL".into(),
            "no es una URL válida".into(),
        ));
    }
    v
}

#[test]
fn add_note_and_edit_refuse_bad_urls_in_both_languages() {
    let env = Env::new();
    env.case("c");
    let img = write_image(&env, "a.png", 200, 100, 1, ImageFormat::Png);
    let p = img.to_str().unwrap();
    let id = env.add(&img, "c", &["--url", "https://x.com/a/status/1"]);
    for (url, en, es) in refused() {
        let (url, id) = (url.as_str(), id.as_str());
        for args in [
            vec!["add", p, "--case", "c", "--url", url],
            vec!["note", "Me llamaron", "--case", "c", "--url", url],
            vec!["edit", id, "--url", url],
            vec!["edit", id, "--tag", "x", "--url", url],
        ] {
            let err = env.fails(&args, 2);
            assert!(err.contains(&en), "{}: {err}", &args[0]);
            // A long URL is not echoed back.
            assert!(err.len() < 1_000, "{} bytes: {err:.300}", err.len());
            let o = env
                .command(&args)
                .env("TESTIGO_LANG", "es")
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(2));
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(err.contains(&es), "{}: {err}", &args[0]);
        }
    }
    // Nothing was added or changed.
    let items = env.json(&["list", "--case", "c"]);
    assert_eq!(items.as_array().unwrap().len(), 1, "{items}");
    assert_eq!(items[0]["url"], "https://x.com/a/status/1");
    assert_eq!(items[0]["tags"], serde_json::json!([]));
    assert_eq!(env.log_of("item_edited").len(), 0);
}

#[test]
fn urls_up_to_the_limit_are_kept_trimmed_and_can_be_cleared() {
    let env = Env::new();
    env.case("c");
    let longest = url_of_len(MAX_URL);
    let note = env.json(&["note", "n", "--case", "c", "--url", &format!(" {longest} ")]);
    assert_eq!(note["url"], longest.as_str(), "trimmed, kept whole");
    let id = note["id"].as_str().unwrap();
    let img = write_image(&env, "a.png", 200, 100, 1, ImageFormat::Png);
    env.add(&img, "c", &["--url", "http://ejemplo.mx/año?q=ñ"]);
    env.ok(&["edit", id, "--url", "https://x.com/b/status/2"]);
    assert_eq!(env.json(&["show", id])["url"], "https://x.com/b/status/2");
    env.ok(&["edit", id, "--url", ""]);
    let cleared = env.json(&["show", id]);
    assert!(cleared["url"].is_null(), "{cleared}");
}

#[test]
fn the_library_refuses_bad_urls_however_the_fields_were_built() {
    // The app builds `Meta` through `MetaInput::parse`, an embedder by hand:
    // the core checks both where it writes.
    let env = Env::new();
    env.case("c");
    let note_id = env.json(&["note", "n", "--case", "c"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let vault = testigo_core::Vault::open(&env.vault(), PASSPHRASE).unwrap();
    for (url, en, _) in refused() {
        let meta = testigo_core::Meta {
            url: Some(url.clone()),
            ..Default::default()
        };
        let input = testigo_core::record::MetaInput {
            url: Some(url.clone()),
            ..Default::default()
        };
        assert!(input.parse().unwrap_err().to_string().contains(&en));
        let e = vault.add_note("c", "texto", &meta).unwrap_err();
        assert!(e.to_string().contains(&en), "{e}");
        assert_eq!(e.kind(), testigo_core::ErrorKind::Invalid);
        let e = vault.edit(&note_id, &meta).unwrap_err();
        assert!(e.to_string().contains(&en), "{e}");
        let o = vault.import_bytes("c", "a.txt", b"hola", &meta).unwrap();
        assert_eq!(o.status, testigo_core::AddStatus::Error);
        assert!(o.error.as_deref().unwrap_or("").contains(&en), "{o:?}");
    }
    drop(vault);
    let items = env.json(&["list", "--case", "c"]);
    assert_eq!(items.as_array().unwrap().len(), 1, "{items}");
    assert!(items[0]["url"].is_null());
}
