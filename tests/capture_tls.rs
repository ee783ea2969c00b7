//! Capture over HTTPS from a server on 127.0.0.1 whose certificates a test
//! makes (see `pki.rs`): the chain the server presents (leaf, then
//! intermediate) is recorded with its hashes, through redirects on a reused
//! connection and in concurrent captures; a server the client does not
//! trust is a recorded TLS failure, and the link is kept.
//!
//! The CLI cannot add a trusted root, so these tests fetch through the core
//! (`FetchOptions::extra_roots`) and read the result back with the CLI.

use serde_json::Value;
use testigo_core::{FetchOptions, Vault};

use crate::capture::warcio_accepts;
use crate::pki::Pki;
use crate::support::{Env, PASSPHRASE, sha256};
use crate::webserver::Server;

/// Records `urls` as links without fetching them; returns their ids.
fn links(env: &Env, urls: &[String]) -> Vec<String> {
    let mut args = vec!["link", "--case", "c", "--no-fetch"];
    args.extend(urls.iter().map(String::as_str));
    env.json(&args)
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}

/// Captures the links in the vault, trusting `root` besides the system's roots.
fn capture_trusting(env: &Env, ids: &[String], root: &[u8]) {
    let vault = Vault::open(&env.vault(), PASSPHRASE).unwrap();
    let opts = FetchOptions {
        extra_roots: vec![root.to_vec()],
        ..FetchOptions::default()
    };
    let outcomes = vault.capture_items(ids, &opts, &mut |_, _, _| {}).unwrap();
    assert!(outcomes.iter().all(|o| o.result.is_ok()), "{outcomes:?}");
}

/// The chain as `show --json` gives it: `(sha256, der)` of each certificate.
fn chain(capture: &Value) -> Vec<(String, String)> {
    capture["tls"]["chain"]
        .as_array()
        .unwrap_or_else(|| panic!("no chain: {capture}"))
        .iter()
        .map(|c| {
            (
                c["sha256"].as_str().unwrap().to_string(),
                c["der"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn expected_chain(pki: &Pki) -> Vec<(String, String)> {
    use base64::Engine as _;
    [&pki.leaf, &pki.intermediate]
        .iter()
        .map(|der| {
            (
                sha256(der),
                base64::engine::general_purpose::STANDARD.encode(der),
            )
        })
        .collect()
}

fn setup() -> (Env, Pki, Server) {
    let env = Env::new();
    env.case("c");
    let pki = Pki::new("Testigo test");
    let srv = Server::start_tls(&pki);
    (env, pki, srv)
}

#[test]
fn the_certificate_chain_the_server_presents_is_recorded() {
    let (env, pki, srv) = setup();
    // Two redirects on one kept-alive connection, then the page.
    let url = srv.url("/redirect/1");
    let ids = links(&env, std::slice::from_ref(&url));
    capture_trusting(&env, &ids, &pki.root);
    let show = env.json(&["show", &ids[0]]);
    let c = &show["captures"][0];
    assert_eq!(c["status"], 200, "{c}");
    assert_eq!(c["error"], Value::Null);
    assert_eq!(c["hops"].as_array().unwrap().len(), 3);
    let want = expected_chain(&pki);
    assert_eq!(chain(c), want, "leaf first, then the intermediate");
    assert_eq!(c["tls"]["peer_certificate_sha256"], want[0].0.as_str());
    assert!(
        !chain(c).iter().any(|(sha, _)| *sha == sha256(&pki.root)),
        "the root is not sent"
    );
    // The WARC's metadata record holds the chain too.
    let warc = env.cat(&[&ids[0]]);
    let text = String::from_utf8_lossy(&warc);
    assert!(
        text.contains(&want[1].0),
        "the intermediate's hash is in the WARC"
    );
    warcio_accepts(&env, &warc);
    // The text of `show` says it briefly.
    let shown = env.ok(&["show", &ids[0]]);
    assert!(
        shown.contains(&format!(
            "TLS: 2 certificate(s), leaf first ({} {})",
            &want[0].0[..12],
            &want[1].0[..12]
        )),
        "{shown}"
    );
    assert!(env.ok(&["check"]).starts_with("ok:"));
}

#[test]
fn concurrent_captures_of_one_host_each_record_the_chain() {
    let (env, pki, srv) = setup();
    let urls: Vec<String> = ["/page", "/pdf", "/gzip", "/redirect/0"]
        .iter()
        .map(|p| srv.url(p))
        .collect();
    let ids = links(&env, &urls);
    capture_trusting(&env, &ids, &pki.root);
    for id in &ids {
        let c = &env.json(&["show", id])["captures"][0];
        assert_eq!(c["error"], Value::Null, "{c}");
        assert_eq!(chain(c), expected_chain(&pki), "{id}");
    }
}

#[test]
fn an_untrusted_certificate_is_a_recorded_tls_failure() {
    let (env, _pki, srv) = setup();
    // The client trusts another made-up root, not the one the server's chain leads to.
    let other = Pki::new("Someone else");
    let url = srv.url("/page");
    let ids = links(&env, std::slice::from_ref(&url));
    capture_trusting(&env, &ids, &other.root);
    let show = env.json(&["show", &ids[0]]);
    assert_eq!(show["url"], url.as_str(), "the link is kept");
    let c = &show["captures"][0];
    let error = c["error"].as_str().unwrap();
    assert!(error.contains("certificate"), "{error}");
    assert_eq!(c["status"], Value::Null);
    assert_eq!(c["tls"], Value::Null);
    assert_eq!(c["warc_sha256"], Value::Null, "no answer, no WARC");
    assert!(srv.requests().is_empty(), "no request got through");
    let log = env.json(&["log"]);
    let last = log.as_array().unwrap().last().unwrap();
    assert_eq!(last["action"], "captured");
    assert_eq!(last["detail"]["error"], error);
    assert!(env.ok(&["check"]).starts_with("ok:"));
}
