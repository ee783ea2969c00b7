//! What a harasser's link can cost: the byte budget of a capture across its
//! redirects (bodies on disk, the cut recorded in the WARC and in `show`,
//! the child's peak memory, several links at once), metadata extraction on
//! hostile pages (linear work, measured by counting it; bounded memory; the
//! capture kept), and redirects from a public address into this computer or
//! its network (refused, with the reason in English and Spanish).
//!
//! Memory is read as the peak resident size of the `testigo` child, as GNU
//! time reports it (`/usr/bin/time -f %M`, from the kernel's accounting of
//! that one child). Every server is on 127.0.0.1 or 127.0.0.2; a test
//! declares 127.0.0.2 public (`FetchOptions::treat_as_public`) to play a
//! site on the internet.

use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;
use testigo_core::{FetchOptions, Vault};

use crate::capture::warcio_accepts;
use crate::support::{Env, PASSPHRASE};
use crate::webserver::{Server, hostile_page};

const MIB: u64 = 1024 * 1024;

/// Runs `testigo ARGS` under GNU time: its output, and its peak resident
/// memory in MiB.
fn run_measured(env: &Env, args: &[&str]) -> (Output, u64) {
    let time = "/usr/bin/time";
    assert!(
        std::path::Path::new(time).exists(),
        "these tests measure memory with GNU time: install it (Debian package `time`)"
    );
    let report = env.path("peak.txt");
    let inner = env.command(args);
    let mut c = Command::new(time);
    c.args(["-f", "%M", "-o"])
        .arg(&report)
        .arg(inner.get_program())
        .args(inner.get_args());
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    let out = c.output().unwrap();
    let text = std::fs::read_to_string(&report).unwrap();
    let kib: u64 = text
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("GNU time said {text:?}"));
    (out, kib / 1024)
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn setup() -> (Env, Server) {
    let env = Env::new();
    env.case("c");
    (env, Server::start())
}

#[test]
fn a_redirect_chain_with_big_bodies_stays_within_the_budget() {
    let (env, srv) = setup();
    // Ten redirects whose bodies are 50 MiB each, then a page over 50 MiB:
    // before the budget this kept 550 MiB in memory twice over and stored it.
    let url = srv.url("/fat-redirect/9?size=52428800");
    let (out, peak) = run_measured(&env, &["link", &url, "--case", "c", "--json"]);
    eprintln!("peak memory of `testigo link` on a fat redirect chain: {peak} MiB");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = json_of(&out)[0]["capture"].clone();
    let hops = c["hops"].as_array().unwrap();
    assert_eq!(hops.len(), 11, "{c}");
    for h in &hops[..10] {
        assert_eq!(h["status"], 302, "{h}");
        assert_eq!(h["truncated"], "length", "{h}");
        assert_eq!(h["body_size"], 64 * 1024, "{h}");
    }
    let final_size = 50 * MIB - 10 * 64 * 1024;
    assert_eq!(hops[10]["body_size"], final_size);
    assert_eq!(c["body_size"], final_size);
    assert_eq!(c["truncated"], "length");
    assert!(c["error"].as_str().unwrap().starts_with("too large"), "{c}");
    assert!(
        c["error_es"]
            .as_str()
            .unwrap()
            .starts_with("demasiado grande"),
        "{c}"
    );
    assert_eq!(c["metadata"]["title"], "Final");
    // What is on disk is the budget and a little more (headers, encryption).
    let on_disk: u64 = env
        .objects()
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
    assert!(on_disk < 50 * MIB + MIB, "{on_disk} bytes stored");
    let id = json_of(&out)[0]["id"].as_str().unwrap().to_string();
    let warc = env.cat(&[&id]);
    let text = String::from_utf8_lossy(&warc[..warc.len().min(2 << 20)]);
    assert_eq!(
        String::from_utf8_lossy(&warc)
            .matches("WARC-Truncated: length")
            .count(),
        11,
        "every cut body is marked"
    );
    assert!(text.contains("WARC-Type: response"));
    warcio_accepts(&env, &warc);
    let show = env.json(&["show", &id]);
    assert_eq!(show["captures"][0]["hops"][3]["truncated"], "length");
    assert_eq!(show["captures"][0]["error_es"], c["error_es"]);
    // The bodies kept are 50 MiB; the code before the budget peaked at 1.2 GB.
    assert!(peak < 200, "peak memory {peak} MiB");
}

#[test]
fn several_links_at_once_stay_within_their_budgets() {
    let (env, srv) = setup();
    let list = env.path("urls.txt");
    let urls: Vec<String> = (0..4)
        .map(|i| srv.url(&format!("/fat-redirect/9?size=8388608&link={i}")))
        .collect();
    std::fs::write(&list, urls.join("\n")).unwrap();
    let (out, peak) = run_measured(
        &env,
        &[
            "link",
            "--from-file",
            list.to_str().unwrap(),
            "--case",
            "c",
            "--max-size",
            "8388608",
            "--json",
        ],
    );
    eprintln!("peak memory of `testigo link` on four fat redirect chains: {peak} MiB");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out);
    for o in v.as_array().unwrap() {
        let c = &o["capture"];
        assert_eq!(c["hops"].as_array().unwrap().len(), 11, "{c}");
        assert_eq!(c["body_size"], 8 * MIB - 10 * 64 * 1024, "{c}");
    }
    // Four captures of 8 MiB each at most; before, each held 88 MiB of
    // bodies and its WARC besides, all four at once.
    assert!(peak < 150, "peak memory {peak} MiB");
    assert!(env.ok(&["check"]).starts_with("ok:"));
}

#[test]
fn hostile_pages_are_kept_with_bounded_metadata_and_memory() {
    let (env, srv) = setup();
    // 8 MB each: before, `attrs` did not finish in 5 minutes and `nul` took 838 MB.
    for (kind, limit) in [
        ("attrs", None),
        ("nul", None),
        ("nested", None),
        ("title", Some("text_cut")),
        ("metas", Some("fields_skipped")),
    ] {
        let url = srv.url(&format!("/hostile/{kind}?size=8000000"));
        let (out, peak) = run_measured(&env, &["link", &url, "--case", "c", "--json"]);
        eprintln!("peak memory of `testigo link` on the {kind} page: {peak} MiB");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{kind}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let o = &json_of(&out)[0];
        assert_eq!(o["status"], "added", "{kind}");
        let c = &o["capture"];
        assert_eq!(c["status"], 200, "{kind}: {c}");
        assert!(c["warc_sha256"].is_string(), "{kind}: the page is kept");
        let m = &c["metadata"];
        let title = m["title"].as_str().unwrap();
        if kind == "title" {
            assert_eq!(title.chars().count(), 4096, "{kind}");
            assert!(title.starts_with("sabemos dónde vives"));
        } else {
            assert_eq!(title, kind);
        }
        let limits: Vec<&str> = m["limits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        assert_eq!(limits, limit.into_iter().collect::<Vec<_>>(), "{kind}");
        if kind == "metas" {
            assert_eq!(m["open_graph"].as_object().unwrap().len(), 200);
        }
        // The page (8 MB), its decoded copy (8 MB) and the vault: far from
        // what a parse tree of the page would take.
        assert!(peak < 150, "{kind}: peak memory {peak} MiB");
    }
    assert!(env.ok(&["check"]).starts_with("ok:"));
}

#[test]
fn metadata_extraction_does_linear_work_on_hostile_pages() {
    use testigo_core::capture::meta::extract_counted;
    let n = 256 * 1024;
    for kind in ["attrs", "nul", "nested", "title", "metas"] {
        let (small, work_n) = extract_counted(&hostile_page(kind, n), None);
        let (big, work_4n) = extract_counted(&hostile_page(kind, 4 * n), None);
        assert!(small.title.is_some() && big.title.is_some(), "{kind}");
        // Four times the page is four times the work (and never much more
        // per byte): html5ever's attribute check made `attrs` sixteen times.
        let ratio = work_4n as f64 / work_n as f64;
        assert!(
            (3.8..=4.2).contains(&ratio),
            "{kind}: {work_n} then {work_4n}"
        );
        assert!(
            work_4n < 8 * 4 * n as u64,
            "{kind}: {work_4n} for {}",
            4 * n
        );
    }
    // Character references, comments, unclosed attributes and scripts too.
    for (kind, unit) in [
        ("refs", "&a&am&amp;&#x41;&#65;&notin;x"),
        ("comments", "<!-- a -- b --!><!--->"),
        ("quotes", "<a x=\"y z='"),
        (
            "scripts",
            "<script type=application/ld+json>{\"@type\":\"x\"}</script>",
        ),
        ("lt", "<<</<!<?"),
    ] {
        let page = |k: usize| unit.repeat(k).into_bytes();
        let k = n / unit.len();
        let (_, work_n) = extract_counted(&page(k), None);
        let (_, work_4n) = extract_counted(&page(4 * k), None);
        let ratio = work_4n as f64 / work_n as f64;
        assert!(
            (3.8..=4.2).contains(&ratio),
            "{kind}: {work_n} then {work_4n}"
        );
        assert!(work_4n < 16 * 4 * n as u64, "{kind}: {work_4n}");
    }
}

/// Records `url` as a link without fetching it, captures it through the
/// core with `opts`, and returns the capture as `show --json` gives it.
fn capture_with(env: &Env, url: &str, opts: &FetchOptions) -> Value {
    let v = env.json(&["link", url, "--case", "c", "--no-fetch"]);
    let id = v[0]["id"].as_str().unwrap().to_string();
    let vault = Vault::open(&env.vault(), PASSPHRASE).unwrap();
    let outcomes = vault
        .capture_items(std::slice::from_ref(&id), opts, &mut |_, _, _| {})
        .unwrap();
    assert!(outcomes[0].result.is_ok(), "{outcomes:?}");
    drop(vault);
    env.json(&["show", &id])["captures"][0].clone()
}

fn as_public() -> FetchOptions {
    FetchOptions {
        treat_as_public: vec!["127.0.0.2".parse().unwrap()],
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(20),
        ..FetchOptions::default()
    }
}

fn to(srv: &Server, target: &str) -> String {
    let q: String = target
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    srv.url(&format!("/to?url={q}"))
}

#[test]
fn redirects_from_a_public_address_into_local_ones_are_refused() {
    let env = Env::new();
    env.case("c");
    // The "site on the internet", and the person's own machine.
    let public = Server::start_at("127.0.0.2");
    let local = Server::start();
    let port = local.port();
    for target in [
        format!("http://127.0.0.1:{port}/page"),
        format!("http://127.1.2.3:{port}/page"),
        format!("http://localhost:{port}/page"),
        format!("http://[::1]:{port}/page"),
        format!("http://[::ffff:127.0.0.1]:{port}/page"),
        format!("http://0.0.0.0:{port}/page"),
        "http://10.0.0.1/admin".to_string(),
        "http://192.168.1.1/".to_string(),
        "http://100.64.0.1/".to_string(),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://[fd00::1]/".to_string(),
        "http://[fe80::1]/".to_string(),
        "http://[::ffff:10.0.0.1]/".to_string(),
    ] {
        let c = capture_with(&env, &to(&public, &target), &as_public());
        let err = c["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{target}: {c}"));
        assert!(
            err.starts_with("refused to follow the redirect to"),
            "{target}: {err}"
        );
        assert!(err.contains("127.0.0.2"), "{target}: {err}");
        let es = c["error_es"].as_str().unwrap();
        assert!(
            es.starts_with("no se siguió la redirección a"),
            "{target}: {es}"
        );
        let hops = c["hops"].as_array().unwrap();
        assert_eq!(hops.len(), 2, "{target}: {c}");
        assert_eq!(hops[0]["status"], 302);
        assert_eq!(hops[1]["status"], Value::Null);
        assert_eq!(hops[1]["error"], c["error"]);
        assert!(c["warc_sha256"].is_string(), "the redirect answer is kept");
    }
    assert!(
        local.requests().is_empty(),
        "nothing reached the local server: {:?}",
        local.requests()
    );
    // From public to public is followed.
    let c = capture_with(&env, &to(&public, &public.url("/page")), &as_public());
    assert_eq!(c["status"], 200, "{c}");
    assert_eq!(c["error"], Value::Null);
    assert!(env.ok(&["check"]).starts_with("ok:"));
}

#[test]
fn a_local_first_url_is_the_persons_choice_and_its_redirects_are_followed() {
    let (env, srv) = setup();
    let other = Server::start_at("127.0.0.2");
    // Started on 127.0.0.1 (not public): redirects to other local
    // addresses and names are followed, through the CLI as through the core.
    for target in [
        other.url("/page"),
        // `localhost` is 127.0.0.1 here, where `srv` listens.
        format!("http://localhost:{}/page", srv.port()),
    ] {
        let v = env.json(&["link", &to(&srv, &target), "--case", "c"]);
        let c = &v[0]["capture"];
        assert_eq!(c["status"], 200, "{target}: {c}");
        assert_eq!(c["error"], Value::Null);
        assert_eq!(c["metadata"]["title"], "Sabemos dónde vives");
    }
    let opts = FetchOptions {
        connect_timeout: Duration::from_secs(2),
        ..FetchOptions::default()
    };
    let c = capture_with(&env, &to(&srv, &other.url("/page")), &opts);
    assert_eq!(c["status"], 200, "{c}");
}

#[test]
fn through_a_proxy_local_names_and_addresses_are_refused() {
    let env = Env::new();
    env.case("c");
    // The test server answers proxy requests too (it routes on the path),
    // so names that do not exist anywhere are "fetched" through it.
    let proxy = Server::start();
    let opts = FetchOptions {
        proxy: Some(proxy.url("")),
        connect_timeout: Duration::from_secs(2),
        ..FetchOptions::default()
    };
    let start = |target: &str| {
        let q = to(&proxy, target);
        q.replacen(&proxy.url(""), "http://sitio.example", 1)
    };
    for target in [
        "http://localhost/page",
        "http://router/page",
        "http://impresora.local/page",
        "http://metadata.google.internal/page",
        "http://10.0.0.1/page",
        "http://[::1]/page",
    ] {
        let c = capture_with(&env, &start(target), &opts);
        let err = c["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{target}: {c}"));
        assert!(err.starts_with("refused to follow"), "{target}: {err}");
        assert!(err.contains("sitio.example"), "{target}: {err}");
    }
    // A public name through the proxy is followed.
    let c = capture_with(&env, &start("http://otro.example/page"), &opts);
    assert_eq!(c["status"], 200, "{c}");
    // The only page requested through the proxy is the public one.
    let pages: Vec<String> = proxy
        .requests()
        .into_iter()
        .filter(|r| !r.contains("/to?"))
        .collect();
    assert_eq!(pages, ["http://otro.example/page"]);
}

#[test]
fn a_cut_page_and_a_refused_redirect_read_in_spanish() {
    let (env, srv) = setup();
    let out = env
        .command(&[
            "link",
            &srv.url("/huge"),
            "--case",
            "c",
            "--max-size",
            "100000",
        ])
        .env("TESTIGO_LANG", "es")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("demasiado grande"), "{err}");
    // `show` in Spanish gives the Spanish reason of a refused redirect.
    let public = Server::start_at("127.0.0.2");
    let c = capture_with(&env, &to(&public, "http://10.0.0.1/"), &as_public());
    assert!(c["error_es"].is_string(), "{c}");
    let items = env.json(&["list"]);
    let id = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["url"].as_str().unwrap().contains("/to?"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let out = env
        .command(&["show", &id])
        .env("TESTIGO_LANG", "es")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("no se siguió la redirección a http://10.0.0.1/"),
        "{text}"
    );
}
