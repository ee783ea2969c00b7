//! Link capture against web servers the tests start on 127.0.0.1: redirects
//! and loops, timeouts, size caps, non-HTML, gzip, metadata, errors, broken
//! connections, bad bytes, the WARC file (checked by `warcio` when
//! installed), custody and `check`. No test talks to any other host.

use std::process::Command;

use serde_json::Value;

use crate::support::{Env, sha256};
use crate::webserver::{PAGE, Server, gzip};

/// Adds one link with `extra` flags and returns its JSON outcome.
fn link(env: &Env, url: &str, extra: &[&str]) -> Value {
    let mut args = vec!["link", url, "--case", "c"];
    args.extend_from_slice(extra);
    let out = env.json(&args);
    out[0].clone()
}

fn setup() -> (Env, Server) {
    let env = Env::new();
    env.case("c");
    (env, Server::start())
}

fn capture(v: &Value) -> &Value {
    &v["capture"]
}

#[test]
fn a_page_is_captured_with_all_its_metadata() {
    let (env, srv) = setup();
    let v = link(&env, &srv.url("/page"), &[]);
    assert_eq!(v["status"], "added", "{v}");
    let c = capture(&v);
    assert_eq!(c["status"], 200, "{c}");
    assert_eq!(c["error"], Value::Null);
    assert_eq!(c["seq"], 1);
    assert_eq!(c["remote_ip"], "127.0.0.1");
    assert_eq!(v["sha256"], c["warc_sha256"]);
    let m = &c["metadata"];
    assert_eq!(m["title"], "Sabemos dónde vives");
    assert_eq!(m["description"], "Publicación de prueba");
    assert_eq!(m["open_graph"]["og:type"], "article");
    assert_eq!(m["twitter"]["twitter:site"], "@troll_01");
    assert_eq!(
        m["canonical_url"],
        srv.url("/troll_01/status/1050118621198921728")
    );
    assert_eq!(m["json_ld"]["authors"][0], "Troll Uno");
    assert_eq!(m["json_ld"]["date_published"], "2024-05-01T18:30:00-06:00");
    assert_eq!(m["oembed"][0]["url"], srv.url("/oembed?format=json"));
    // show --json lists it too, and `cat` gives the WARC bytes of the item's hash.
    let id = v["id"].as_str().unwrap();
    let show = env.json(&["show", id]);
    assert_eq!(
        show["captures"][0]["metadata"]["title"],
        "Sabemos dónde vives"
    );
    assert_eq!(show["captures"][0]["hops"][0]["status"], 200);
    let warc = env.cat(&[id]);
    assert_eq!(sha256(&warc), v["sha256"].as_str().unwrap());
    let text = String::from_utf8_lossy(&warc);
    assert!(
        text.starts_with("WARC/1.1\r\nWARC-Type: warcinfo"),
        "{text}"
    );
    assert!(text.contains("WARC-Type: request") && text.contains("WARC-Type: metadata"));
    assert!(
        !text.contains("never-requested.png HTTP"),
        "nothing else is fetched"
    );
    let log = env.json(&["log"]);
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "vault_created",
            "case_created",
            "item_added",
            "captured",
            "exported"
        ]
    );
    assert_eq!(log[3]["sha256"], v["sha256"]);
    assert!(env.ok(&["check"]).starts_with("ok:"));
}

#[test]
fn redirects_are_followed_by_hand_and_each_hop_recorded() {
    let (env, srv) = setup();
    // Ten redirects: /redirect/9 … /redirect/0, then the page.
    let c = link(&env, &srv.url("/redirect/9"), &[])["capture"].clone();
    let hops = c["hops"].as_array().unwrap();
    assert_eq!(hops.len(), 11, "{c}");
    assert_eq!(hops[0]["status"], 307);
    assert_eq!(hops[9]["status"], 303);
    assert_eq!(hops[10]["url"], srv.url("/page"));
    assert_eq!(c["final_url"], srv.url("/page"));
    assert_eq!(c["status"], 200);
    assert_eq!(c["error"], Value::Null);
    // Eleven redirects is one too many.
    let c = link(&env, &srv.url("/redirect/10"), &[])["capture"].clone();
    assert!(
        c["error"]
            .as_str()
            .unwrap()
            .contains("more than 10 redirects"),
        "{c}"
    );
}

#[test]
fn a_redirect_loop_stops_and_the_link_is_kept() {
    let (env, srv) = setup();
    let out = env.run(&["link", &srv.url("/loop"), "--case", "c"]);
    assert_eq!(out.status.code(), Some(0), "the link was recorded");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("redirect loop"), "{err}");
    let items = env.json(&["list"]);
    let id = items[0]["id"].as_str().unwrap();
    let c = &env.json(&["show", id])["captures"][0];
    assert_eq!(c["hops"].as_array().unwrap().len(), 11);
    // Redirects to other schemes are not followed.
    let c = link(&env, &srv.url("/to-ftp"), &[])["capture"].clone();
    assert!(c["error"].as_str().unwrap().contains("ftp URL"), "{c}");
    assert!(env.ok(&["check"]).starts_with("ok:"));
}

#[test]
fn a_slow_server_times_out_and_the_failure_is_recorded() {
    let (env, srv) = setup();
    let v = link(&env, &srv.url("/slow"), &["--timeout", "0.5"]);
    let c = capture(&v);
    // Said for people; the libraries' words are kept in the request's record.
    assert!(
        c["error"].as_str().unwrap().contains("did not answer"),
        "{c}"
    );
    assert!(
        c["error_es"].as_str().unwrap().contains("no respondió"),
        "{c}"
    );
    assert!(
        c["hops"][0]["error"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{c}"
    );
    assert_eq!(c["warc_sha256"], Value::Null);
    assert_eq!(v["sha256"], Value::Null, "no WARC without an answer");
    // `cat` says why there is nothing to write.
    let id = v["id"].as_str().unwrap();
    let err = env.fails(&["cat", id], 2);
    assert!(err.contains("no stored capture"), "{err}");
    let err = env.fails(&["cat", id, "--capture", "1"], 2);
    assert!(err.contains("got no answer"), "{err}");
    assert!(env.ok(&["check"]).starts_with("ok:"));
}

#[test]
fn a_refused_connection_is_a_recorded_failure() {
    let env = Env::new();
    env.case("c");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let v = link(&env, &format!("http://127.0.0.1:{port}/gone"), &[]);
    assert_eq!(v["status"], "added");
    let c = &v["capture"];
    assert!(
        c["error"]
            .as_str()
            .unwrap()
            .contains("127.0.0.1 refused the connection"),
        "{v}"
    );
    assert!(
        c["error_es"]
            .as_str()
            .unwrap()
            .contains("rechazó la conexión"),
        "{v}"
    );
    assert!(
        c["hops"][0]["error"]
            .as_str()
            .unwrap()
            .contains("could not connect"),
        "{v}"
    );
    // The technical words are shown on the terminal with --verbose only.
    let said = |args: &[&str]| {
        let out = env.run(args);
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout)
    };
    let quiet = said(&["link", &format!("http://127.0.0.1:{port}/a"), "--case", "c"]);
    assert!(quiet.contains("refused the connection"), "{quiet}");
    assert!(!quiet.contains("technical details"), "{quiet}");
    let verbose = said(&[
        "link",
        &format!("http://127.0.0.1:{port}/b"),
        "--case",
        "c",
        "--verbose",
    ]);
    assert!(
        verbose.contains("technical details: could not connect"),
        "{verbose}"
    );
}

#[test]
fn a_huge_body_is_cut_at_the_cap() {
    let (env, srv) = setup();
    let v = link(&env, &srv.url("/huge"), &["--max-size", "100000"]);
    let c = capture(&v);
    assert!(c["error"].as_str().unwrap().starts_with("too large"), "{c}");
    assert_eq!(c["truncated"], "length");
    assert_eq!(c["body_size"], 100_000);
    let warc = env.cat(&[v["id"].as_str().unwrap()]);
    assert!(String::from_utf8_lossy(&warc).contains("WARC-Truncated: length"));
    warcio_accepts(&env, &warc);
}

#[test]
fn non_html_gzip_404_broken_and_bad_bytes() {
    let (env, srv) = setup();
    let pdf = link(&env, &srv.url("/pdf"), &[]);
    assert_eq!(pdf["capture"]["content_type"], "application/pdf");
    assert_eq!(pdf["capture"]["metadata"], Value::Null);

    let gz = link(&env, &srv.url("/gzip"), &[]);
    assert_eq!(
        gz["capture"]["metadata"]["title"], "Sabemos dónde vives",
        "{gz}"
    );
    let warc = env.cat(&[gz["id"].as_str().unwrap()]);
    let body = gzip(PAGE.as_bytes());
    assert!(
        warc.windows(body.len()).any(|w| w == body.as_slice()),
        "the WARC keeps the gzip bytes as sent"
    );
    warcio_accepts(&env, &warc);

    let missing = link(&env, &srv.url("/missing"), &[]);
    assert_eq!(missing["capture"]["status"], 404);
    assert!(
        missing["capture"]["error"]
            .as_str()
            .unwrap()
            .contains("404")
    );
    assert!(
        missing["capture"]["warc_sha256"].is_string(),
        "a 404 is kept"
    );

    let broken = link(&env, &srv.url("/broken"), &[]);
    let c = &broken["capture"];
    assert!(
        c["error"].as_str().unwrap().contains("connection broke"),
        "{c}"
    );
    assert_eq!(c["truncated"], "disconnect");

    let latin = link(&env, &srv.url("/latin1"), &[]);
    let m = &latin["capture"]["metadata"];
    assert_eq!(m["invalid_utf8"], true);
    assert!(m["title"].as_str().unwrap().starts_with("Caf"), "{m}");
    assert!(env.ok(&["check"]).starts_with("ok:"));
}

#[test]
fn recaptures_are_kept_and_each_can_be_written_out() {
    let (env, srv) = setup();
    let v = link(&env, &srv.url("/page"), &[]);
    let id = v["id"].as_str().unwrap();
    let again = env.json(&["recapture", id]);
    assert_eq!(again["seq"], 2);
    let item = env.json(&["show", id]);
    assert_eq!(item["captures"].as_array().unwrap().len(), 2);
    assert_eq!(item["sha256"], again["warc_sha256"], "the latest capture");
    let first = env.cat(&[id, "--capture", "1"]);
    assert_eq!(sha256(&first), v["sha256"].as_str().unwrap());
    let latest = env.cat(&[id]);
    assert_eq!(sha256(&latest), again["warc_sha256"].as_str().unwrap());
    env.fails(&["cat", id, "--capture", "3"], 2);
    let artifacts: Vec<&str> = item["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["role"].as_str().unwrap())
        .collect();
    assert_eq!(artifacts, ["capture", "capture"]);
    assert!(env.ok(&["check"]).starts_with("ok:"));
    // A failed recapture is recorded, exits 1, and leaves the item's hash alone.
    let out = env.run(&["recapture", id, "--proxy", "http://127.0.0.1:1"]);
    assert_eq!(out.status.code(), Some(1));
    let item2 = env.json(&["show", id]);
    assert_eq!(item2["captures"][2]["warc_sha256"], Value::Null);
    assert_eq!(item2["sha256"], item["sha256"]);
    assert!(env.ok(&["check"]).starts_with("ok:"));
    // Notes are not links.
    let note = env.json(&["note", "x", "--case", "c"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    env.fails(&["recapture", &note], 2);
    // Removing the link removes its WARC files and captures; the log keeps the record.
    let removed = env.json(&["rm", id, "--reason", "prueba"]);
    assert_eq!(removed["id"], id);
    assert!(env.objects().is_empty(), "{:?}", env.objects());
    assert!(env.ok(&["check"]).starts_with("ok:"));
    let log = env.json(&["log"]);
    let last = log.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "item_removed");
    assert_eq!(last["detail"]["artifacts"].as_array().unwrap().len(), 2);
}

#[test]
fn a_tampered_warc_is_named_by_check() {
    let (env, srv) = setup();
    let v = link(&env, &srv.url("/page"), &[]);
    let objects = env.objects();
    assert_eq!(objects.len(), 1, "the WARC is the link's only object");
    let mut bytes = std::fs::read(&objects[0]).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&objects[0], &bytes).unwrap();
    let out = env.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    let name = objects[0].file_name().unwrap().to_string_lossy();
    assert!(text.contains(&*name), "{text}");
    assert!(
        text.contains(&format!("capture of item {}", v["id"].as_str().unwrap())),
        "{text}"
    );
}

#[test]
fn no_fetch_records_the_link_and_fills_fields_from_the_url() {
    let env = Env::new();
    env.case("c");
    let v = link(
        &env,
        "https://x.com/troll_01/status/1050118621198921728",
        &["--no-fetch"],
    );
    assert_eq!(v["capture"], Value::Null);
    assert_eq!(v["sha256"], Value::Null);
    assert_eq!(v["platform"], "x");
    assert_eq!(v["author"], "troll_01");
    assert_eq!(v["posted_at"], "2018-10-10T20:19:24.211Z");
    let id = v["id"].as_str().unwrap();
    let show = env.json(&["show", id]);
    let filled = &show["custody"][0]["detail"]["filled_from_url"];
    assert!(
        filled["posted_at"]["method"]
            .as_str()
            .unwrap()
            .contains("snowflake")
    );
    assert_eq!(show["post"]["post_id"], "1050118621198921728");
    // What the person typed wins.
    let v = link(
        &env,
        "https://www.tiktok.com/@cuenta/video/6718335390845095173",
        &[
            "--no-fetch",
            "--platform",
            "TikTok",
            "--posted-at",
            "2019-07-28",
        ],
    );
    assert_eq!(v["platform"], "TikTok");
    assert_eq!(v["author"], "cuenta");
    assert_eq!(v["posted_at"], "2019-07-28T00:00:00Z");
    // The setting turns fetching off too.
    env.ok(&["settings", "set", "capture.fetch_on_add", "false"]);
    let v = link(&env, "http://127.0.0.1:1/never", &[]);
    assert_eq!(v["capture"], Value::Null);
}

#[test]
fn settings_are_checked_and_kept() {
    let env = Env::new();
    let all = env.json(&["settings"]);
    assert_eq!(all["capture.fetch_on_add"], "true");
    env.ok(&[
        "settings",
        "set",
        "capture.proxy",
        "socks5h://127.0.0.1:9050",
    ]);
    assert_eq!(
        env.ok(&["settings", "get", "capture.proxy"]).trim(),
        "socks5h://127.0.0.1:9050"
    );
    env.ok(&["settings", "unset", "capture.proxy"]);
    assert_eq!(env.ok(&["settings", "get", "capture.proxy"]).trim(), "");
    let err = env.fails(&["settings", "set", "capture.proxy", "ftp://x"], 2);
    assert!(err.contains("socks5h://"), "{err}");
    env.fails(&["settings", "set", "capture.nope", "1"], 2);
    env.fails(
        &[
            "link",
            "http://127.0.0.1:1/",
            "--case",
            "c",
            "--timeout",
            "soon",
        ],
        2,
    );
}

#[test]
fn a_list_from_a_file_is_fetched_concurrently() {
    let (env, srv) = setup();
    let list = env.path("urls.txt");
    let mut text = String::from("# enlaces del caso\n\n");
    for p in [
        "/page",
        "/pdf",
        "/missing",
        "/redirect/2",
        "/gzip",
        "/latin1",
    ] {
        text.push_str(&format!("{}\n", srv.url(p)));
    }
    text.push_str("ftp://127.0.0.1/refused  # not http\n");
    std::fs::write(&list, text).unwrap();
    let out = env.run(&[
        "link",
        "--from-file",
        list.to_str().unwrap(),
        "--case",
        "c",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1), "the ftp URL was refused");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let v = v.as_array().unwrap();
    assert_eq!(v.len(), 7);
    for (i, o) in v[..6].iter().enumerate() {
        assert_eq!(o["status"], "added", "{i}: {o}");
        assert!(o["capture"]["warc_sha256"].is_string(), "{i}: {o}");
    }
    assert_eq!(v[6]["status"], "error");
    assert!(env.ok(&["check"]).starts_with("ok:"));
}

/// Runs warcio's command line from the Python module (its `warcio` script may not be on PATH).
const WARCIO: &str = "import sys; from warcio.cli import main; sys.exit(main(sys.argv[1:]))";

/// Runs `warcio check` and `warcio index` on a WARC; skipped (with a
/// message) when warcio is not installed.
pub fn warcio_accepts(env: &Env, warc: &[u8]) {
    let has = Command::new("python3")
        .args(["-c", "import warcio"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has {
        eprintln!("SKIPPED: warcio is not installed (pip install warcio); WARC not checked by it");
        return;
    }
    let path = env.path("capture.warc");
    std::fs::write(&path, warc).unwrap();
    let check = Command::new("python3")
        .args(["-c", WARCIO, "check", "-v", path.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success(),
        "warcio check: {text}{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(!text.contains("digest failed"), "{text}");
    let index = Command::new("python3")
        .args([
            "-c",
            WARCIO,
            "index",
            "-f",
            "warc-type,warc-target-uri,http:status",
            path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        index.status.success(),
        "warcio index: {}",
        String::from_utf8_lossy(&index.stderr)
    );
    let lines = String::from_utf8_lossy(&index.stdout);
    assert!(lines.contains(r#""warc-type": "response""#), "{lines}");
    assert!(lines.contains(r#""warc-type": "metadata""#), "{lines}");
}

#[test]
fn the_warc_passes_warcio() {
    let (env, srv) = setup();
    let v = link(&env, &srv.url("/redirect/2"), &[]);
    let warc = env.cat(&[v["id"].as_str().unwrap()]);
    let text = String::from_utf8_lossy(&warc);
    assert_eq!(
        text.matches("WARC-Type: response").count(),
        4,
        "three redirects and the page"
    );
    warcio_accepts(&env, &warc);
}
