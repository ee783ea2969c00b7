//! oEmbed endpoints: a capture records the ones its page announces and
//! fetches none; `recapture ITEM --oembed [N]` fetches one as a new capture
//! of the link (its own WARC and `captured` entry, the answer's text fields,
//! the item's hash left as its page's), and refuses clearly when there is
//! nothing to fetch.

use serde_json::Value;

use crate::capture::warcio_accepts;
use crate::support::{Env, sha256};
use crate::webserver::Server;

fn setup() -> (Env, Server) {
    let env = Env::new();
    env.case("c");
    (env, Server::start())
}

/// Adds a link, fetched, and returns its JSON outcome.
fn link(env: &Env, url: &str) -> Value {
    env.json(&["link", url, "--case", "c"])[0].clone()
}

#[test]
fn a_capture_records_the_oembed_endpoint_and_fetches_nothing_else() {
    let (env, srv) = setup();
    let v = link(&env, &srv.url("/page"));
    assert_eq!(
        v["capture"]["metadata"]["oembed"][0]["url"],
        srv.url("/oembed?format=json")
    );
    assert_eq!(srv.requests(), ["/page"], "exactly one request: the page");
    env.ok(&["recapture", v["id"].as_str().unwrap()]);
    assert_eq!(srv.requests(), ["/page", "/page"], "a recapture neither");
}

#[test]
fn the_oembed_endpoint_is_fetched_when_asked_and_kept_as_a_capture() {
    let (env, srv) = setup();
    let v = link(&env, &srv.url("/page"));
    let id = v["id"].as_str().unwrap();
    let page_sha = v["sha256"].as_str().unwrap().to_string();

    let c = env.json(&["recapture", id, "--oembed"]);
    assert_eq!(
        srv.requests(),
        ["/page", "/oembed?format=json"],
        "the endpoint, once"
    );
    assert_eq!(c["seq"], 2, "{c}");
    assert_eq!(c["purpose"], "oembed");
    assert_eq!(c["status"], 200);
    assert_eq!(c["error"], Value::Null);
    assert_eq!(c["requested_url"], srv.url("/oembed?format=json"));
    let o = &c["oembed"];
    assert_eq!(o["announced_by"], 1);
    assert_eq!(o["endpoint"], 1);
    assert_eq!(o["format"], "json");
    assert_eq!(o["page_url"], srv.url("/page"));
    let f = &o["fields"];
    assert_eq!(f["type"], "rich");
    assert_eq!(f["title"], "Sabemos dónde vives");
    assert_eq!(f["author_name"], "Troll Uno");
    assert_eq!(f["author_url"], "https://x.example/troll_01");
    assert_eq!(f["provider_name"], "Red de prueba");
    assert!(
        !c.to_string().contains("blockquote"),
        "the embed's html is not among the facts: {c}"
    );

    // Its WARC holds the answer as sent, html included, and passes warcio.
    let warc = env.cat(&[id, "--capture", "2"]);
    assert_eq!(sha256(&warc), c["warc_sha256"].as_str().unwrap());
    let text = String::from_utf8_lossy(&warc);
    assert!(text.contains(r#"<blockquote class=\"post\">"#), "{text}");
    assert!(text.contains(r#""purpose": "oembed""#), "{text}");
    warcio_accepts(&env, &warc);

    // The item is still its page: its hash, and what `cat` writes.
    let show = env.json(&["show", id]);
    assert_eq!(show["sha256"], page_sha.as_str());
    assert_eq!(show["captures"][0]["purpose"], "page");
    assert_eq!(show["captures"][1]["purpose"], "oembed");
    let latest = env.cat(&[id]);
    assert_eq!(sha256(&latest), page_sha);

    // Custody: a `captured` entry for the oEmbed fetch, with its WARC's hash.
    let log = env.json(&["log"]);
    let entries = log.as_array().unwrap();
    let fetched = entries
        .iter()
        .find(|e| e["action"] == "captured" && e["detail"]["capture"] == 2)
        .unwrap();
    assert_eq!(fetched["sha256"], c["warc_sha256"]);
    assert_eq!(fetched["detail"]["purpose"], "oembed");
    assert_eq!(fetched["detail"]["oembed"]["announced_by"], 1);
    assert!(env.ok(&["check"]).starts_with("ok:"));

    // The text output says what was fetched.
    let out = env.ok(&["recapture", id, "--oembed=1"]);
    assert!(
        out.starts_with(&format!(
            "captured  {id}  capture 3 (oEmbed 1 of capture 1): 200"
        )),
        "{out}"
    );
    assert!(
        out.contains("author: Troll Uno <https://x.example/troll_01>"),
        "{out}"
    );
    let shown = env.ok(&["show", id]);
    assert!(shown.contains("oEmbed 1 of capture 1"), "{shown}");
    assert!(shown.contains("provider: Red de prueba"), "{shown}");
    // A later page capture is the one the next oEmbed fetch reads.
    env.ok(&["recapture", id]);
    let c = env.json(&["recapture", id, "--oembed"]);
    assert_eq!(c["oembed"]["announced_by"], 4);
    assert!(env.ok(&["check"]).starts_with("ok:"));
}

#[test]
fn oembed_without_an_endpoint_to_fetch_is_refused_clearly() {
    let (env, srv) = setup();
    let page = link(&env, &srv.url("/page"));
    let page = page["id"].as_str().unwrap();
    let err = env.fails(&["recapture", page, "--oembed", "2"], 2);
    assert!(
        err.contains(
            "announces 1 oEmbed endpoint(s), so there is no endpoint 2; choose a number from 1 to 1"
        ),
        "{err}"
    );
    env.fails(&["recapture", page, "--oembed=0"], 2);

    let pdf = link(&env, &srv.url("/pdf"));
    let pdf = pdf["id"].as_str().unwrap();
    let err = env.fails(&["recapture", pdf, "--oembed"], 2);
    assert!(
        err.contains("no capture of link") && err.contains("announces an oEmbed endpoint"),
        "{err}"
    );

    let note = env.json(&["note", "x", "--case", "c"]);
    let err = env.fails(&["recapture", note["id"].as_str().unwrap(), "--oembed"], 2);
    assert!(err.contains("not a link"), "{err}");
    assert_eq!(
        srv.requests(),
        ["/page", "/pdf"],
        "nothing was fetched for a refusal"
    );
    assert!(env.ok(&["check"]).starts_with("ok:"));
}
