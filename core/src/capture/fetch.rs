//! The imperative shell of capture: fetching a URL over the network with
//! reqwest (rustls with the `ring` provider), following redirects by hand and
//! recording every exchange as it happened.
//!
//! Main types: [`Fetched`] (one capture, redirects included) made of
//! [`Exchange`]s. [`fetch_many`] runs a small tokio runtime inside a plain
//! function, so callers (the CLI, a desktop shell) stay synchronous. Only the
//! URLs given are requested: no cookies are kept, nothing the page links to
//! is fetched, and environment proxy variables are ignored. Each URL gets
//! its own client, whose TLS verifier records the certificate chains its
//! connections present (see [`super::tls`]) and whose resolver refuses to
//! lead a capture that started on the internet into local addresses (see
//! [`super::address`]).
//!
//! Memory is bounded by the byte budget: one capture keeps at most
//! `max_bytes` of bodies, all its answers together (each redirect's body at
//! most `max_redirect_bytes`, the rest not read), in buffers that never grow
//! past what they may keep (see [`super::budget`]); [`fetch_many`] runs few
//! enough captures at once that their budgets add up to at most
//! [`MAX_IN_FLIGHT`], and a finished capture holds its place until the
//! caller has taken it.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::time::{Instant, timeout_at};

use super::address::{Guard, GuardedResolver};
use super::budget::{Budget, MAX_IN_FLIGHT, is_redirect, push_capped, too_large};
use super::options::FetchOptions;
use super::tls::{ChainLog, Tls, TlsFacts};
use crate::error::{Error, IoContext, Result};

/// Why a body is incomplete, as WARC's `WARC-Truncated` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truncated {
    /// Longer than the size cap.
    Length,
    /// The time ran out while reading.
    Time,
    /// The connection broke while reading.
    Disconnect,
}

impl Truncated {
    /// The WARC value.
    pub fn as_str(self) -> &'static str {
        match self {
            Truncated::Length => "length",
            Truncated::Time => "time",
            Truncated::Disconnect => "disconnect",
        }
    }
}

/// One request and what came back.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The URL requested.
    pub url: String,
    /// When the request was sent.
    pub requested_at: DateTime<Utc>,
    /// The headers sent, in order (Host first).
    pub request_headers: Vec<(String, String)>,
    /// The HTTP status, when a response came.
    pub status: Option<u16>,
    /// The response headers, in order, with raw values.
    pub response_headers: Vec<(String, Vec<u8>)>,
    /// The peer's IP address (the proxy's, through a proxy).
    pub remote_ip: Option<String>,
    /// TLS facts, for https.
    pub tls: Option<TlsFacts>,
    /// The body bytes as received (transfer coding removed, content coding kept).
    pub body: Vec<u8>,
    /// Why the body is incomplete.
    pub truncated: Option<Truncated>,
    /// What went wrong in this exchange, in the words of the libraries
    /// that saw it (kept in the capture's record).
    pub error: Option<String>,
    /// The same said for people, in English and Spanish, where it has been
    /// (a name not found, a refused connection, no answer in time...).
    pub said: Option<crate::error::Message>,
}

impl Exchange {
    /// A request to `url` made now, with no answer yet.
    fn unanswered(url: &str, request_headers: Vec<(String, String)>) -> Exchange {
        Exchange {
            url: url.to_string(),
            requested_at: now_ms(),
            request_headers,
            status: None,
            response_headers: Vec::new(),
            remote_ip: None,
            tls: None,
            body: Vec::new(),
            truncated: None,
            error: None,
            said: None,
        }
    }

    /// The first response header with this (lowercase) name, as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.response_headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }
}

/// One capture of a URL: every exchange, redirects included.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL asked for.
    pub requested_url: String,
    /// When the capture began and ended.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: DateTime<Utc>,
    /// Every request made, in order.
    pub exchanges: Vec<Exchange>,
    /// Why the capture failed, when it did.
    pub error: Option<String>,
    /// The same in Spanish, for the reasons that have been translated
    /// (a refused redirect, a body over the budget).
    pub error_es: Option<String>,
    /// The proxy used, without credentials.
    pub via_proxy: Option<String>,
    /// The User-Agent sent.
    pub user_agent: String,
}

impl Fetched {
    /// The last exchange that got a response.
    pub fn final_response(&self) -> Option<&Exchange> {
        self.exchanges.iter().rev().find(|e| e.status.is_some())
    }
}

/// The time now, to the millisecond (as the vault keeps times).
fn now_ms() -> DateTime<Utc> {
    use chrono::SubsecRound;
    Utc::now().trunc_subsecs(3)
}

/// The proxy URL without user name or password, for the record.
fn proxy_shown(proxy: &str) -> String {
    match url::Url::parse(proxy) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) => "(unreadable proxy URL)".into(),
    }
}

/// One capture's client: its own connections, and the log of the
/// certificate chains they present.
struct Client {
    http: reqwest::Client,
    chains: Arc<ChainLog>,
    guard: Arc<Guard>,
}

fn client(opts: &FetchOptions, tls: &Tls) -> Result<Client> {
    let (config, chains) = tls.client_config()?;
    let guard = Arc::new(Guard::new(&opts.treat_as_public));
    let mut b = reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(opts.connect_timeout)
        .http1_only()
        .tls_info(true)
        .no_proxy();
    if let Some(p) = &opts.proxy {
        let proxy = reqwest::Proxy::all(p.as_str()).map_err(|e| {
            Error::invalid(
                format!("the proxy `{}` cannot be used: {e}", proxy_shown(p)),
                format!("no se puede usar el proxy `{}`: {e}", proxy_shown(p)),
            )
        })?;
        b = b.proxy(proxy);
    } else {
        // Names are resolved here, and their addresses checked, only when
        // connecting directly: a proxy resolves names itself.
        b = b.dns_resolver(GuardedResolver {
            guard: guard.clone(),
        });
    }
    let http = b.build().map_err(|e| {
        Error::invalid(
            format!("cannot set up the web client: {}", chain(&e)),
            format!("no se pudo preparar el cliente web: {}", chain(&e)),
        )
    })?;
    Ok(Client {
        http,
        chains,
        guard,
    })
}

/// An error with its causes, lowercase, for a person to read.
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = s.source();
    }
    let text = parts.join(": ");
    let mut c = text.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => text,
    }
}

/// Why a request failed: in the libraries' words (for the record), and said
/// for people in English and Spanish with what to do.
fn describe(e: &reqwest::Error, url: &url::Url) -> (String, crate::error::Message) {
    // reqwest's own message repeats the URL, and hyper's "client error (…)"
    // layer says nothing a person can use: start at the causes below them.
    let mut why = Vec::new();
    let mut cur = std::error::Error::source(e);
    while let Some(s) = cur {
        let t = s.to_string();
        if !t.starts_with("client error (") && !why.iter().any(|w: &String| w.contains(&t)) {
            why.push(t);
        }
        cur = s.source();
    }
    let why = if why.is_empty() {
        chain(e)
    } else {
        why.join(": ")
    };
    let technical = if e.is_timeout() {
        format!("timed out fetching {url}: {why}")
    } else if e.is_connect() {
        format!("could not connect to {url}: {why}")
    } else {
        format!("fetching {url} failed: {why}")
    };
    let host = url.host_str().unwrap_or_default();
    let lower = why.to_lowercase();
    let said = if e.is_timeout() {
        no_answer(host, None)
    } else if lower.contains("dns") || lower.contains("lookup address") {
        crate::error::Message::new(
            format!(
                "the name {host} was not found: check the address, and that this computer is connected to the internet"
            ),
            format!(
                "no se encontró el nombre {host}: revisa la dirección, y que esta computadora esté conectada a internet"
            ),
        )
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        crate::error::Message::new(
            format!(
                "the secure connection to {host} could not be checked (its certificate is not valid for it, or something is in between); nothing was kept from it"
            ),
            format!(
                "no se pudo comprobar la conexión segura con {host} (su certificado no es válido para ese sitio, o hay algo en medio); no se guardó nada de ahí"
            ),
        )
    } else if lower.contains("refused") {
        crate::error::Message::new(
            format!("{host} refused the connection; the site may be down: try again later"),
            format!(
                "{host} rechazó la conexión; puede que el sitio esté caído: inténtalo más tarde"
            ),
        )
    } else if e.is_connect() {
        crate::error::Message::new(
            format!(
                "could not connect to {host}; check that this computer is connected to the internet, and try again"
            ),
            format!(
                "no se pudo conectar con {host}; revisa que esta computadora esté conectada a internet e inténtalo de nuevo"
            ),
        )
    } else {
        crate::error::Message::new(
            format!("fetching the page from {host} failed partway; try again"),
            format!("la descarga de la página de {host} falló a medias; inténtalo de nuevo"),
        )
    };
    (technical, said)
}

/// A server that did not answer (within `secs` seconds, where known), said for people.
fn no_answer(host: &str, secs: Option<f64>) -> crate::error::Message {
    let (within_en, within_es) = match secs {
        Some(s) => (format!("within {s} s"), format!("en {s} s")),
        None => ("in time".to_string(), "a tiempo".to_string()),
    };
    crate::error::Message::new(
        format!("{host} did not answer {within_en}; try again later, or raise the timeout"),
        format!(
            "{host} no respondió {within_es}; inténtalo más tarde, o aumenta el tiempo de espera"
        ),
    )
}

fn request_headers(url: &url::Url, opts: &FetchOptions) -> Vec<(String, String)> {
    let host = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    };
    vec![
        ("host".into(), host),
        ("user-agent".into(), opts.user_agent.clone()),
        (
            "accept".into(),
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8".into(),
        ),
        ("accept-encoding".into(), "gzip, deflate, br".into()),
    ]
}

/// The TLS facts of the connection that answered: its leaf as reqwest
/// reports it, and the chain this capture's verifier saw with that leaf.
fn tls_facts(resp: &reqwest::Response, chains: &ChainLog) -> Option<TlsFacts> {
    let info = resp.extensions().get::<reqwest::tls::TlsInfo>()?;
    let leaf = info.peer_certificate();
    let seen = match (leaf, resp.url().host_str()) {
        (Some(leaf), Some(host)) => chains.chain_for(host, leaf),
        _ => None,
    };
    Some(TlsFacts::new(leaf, seen.as_ref()))
}

/// One request: sends it, reads the body within the budget and the deadline.
async fn exchange(
    client: &Client,
    url: &url::Url,
    opts: &FetchOptions,
    deadline: Instant,
    budget: &mut Budget,
) -> Exchange {
    let headers = request_headers(url, opts);
    let mut ex = Exchange::unanswered(url.as_str(), headers.clone());
    let mut map = HeaderMap::new();
    for (k, v) in &headers {
        if let (Ok(k), Ok(v)) = (HeaderName::try_from(k.as_str()), HeaderValue::try_from(v)) {
            map.append(k, v);
        }
    }
    let sent = timeout_at(deadline, client.http.get(url.as_str()).headers(map).send()).await;
    let mut resp = match sent {
        Err(_) => {
            let secs = opts.timeout.as_secs_f64();
            let host = url.host_str().unwrap_or_default();
            ex.error = Some(format!(
                "timed out fetching {url}: no answer within {secs} s"
            ));
            ex.said = Some(no_answer(host, Some(secs)));
            return ex;
        }
        Ok(Err(e)) => {
            let (technical, said) = describe(&e, url);
            ex.error = Some(technical);
            ex.said = Some(said);
            return ex;
        }
        Ok(Ok(r)) => r,
    };
    ex.status = Some(resp.status().as_u16());
    ex.remote_ip = resp.remote_addr().map(|a| a.ip().to_string());
    ex.tls = tls_facts(&resp, &client.chains);
    ex.response_headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.as_bytes().to_vec()))
        .collect();
    // A redirect's body is kept only up to its small cap; the final
    // answer gets what is left of the budget.
    let redirect = is_redirect(resp.status().as_u16()) && ex.header("location").is_some();
    let allowed = if redirect {
        budget.left.min(opts.max_redirect_bytes)
    } else {
        budget.left
    };
    let cap = usize::try_from(allowed).unwrap_or(usize::MAX);
    loop {
        match timeout_at(deadline, resp.chunk()).await {
            Err(_) => {
                ex.truncated = Some(Truncated::Time);
                ex.error = Some(format!(
                    "timed out after {} bytes of the body of {url}",
                    ex.body.len()
                ));
                break;
            }
            Ok(Err(e)) => {
                ex.truncated = Some(Truncated::Disconnect);
                ex.error = Some(format!(
                    "the connection broke after {} bytes of the body of {url}: {}",
                    ex.body.len(),
                    chain(&e)
                ));
                break;
            }
            Ok(Ok(None)) => break,
            Ok(Ok(Some(chunk))) => {
                if !push_capped(&mut ex.body, &chunk, cap) {
                    // The rest is not read: the connection is dropped.
                    ex.truncated = Some(Truncated::Length);
                    if !redirect {
                        ex.error = Some(too_large(url, ex.body.len(), opts.max_bytes).0);
                    }
                    break;
                }
            }
        }
    }
    budget.left = budget.left.saturating_sub(ex.body.len() as u64);
    ex
}

/// Fetches one URL, following redirects by hand.
async fn capture(client: Client, requested: String, opts: FetchOptions) -> Fetched {
    let started = Instant::now();
    let deadline = started + opts.timeout;
    let mut f = Fetched {
        requested_url: requested.clone(),
        started_at: now_ms(),
        finished_at: now_ms(),
        exchanges: Vec::new(),
        error: None,
        error_es: None,
        via_proxy: opts.proxy.as_deref().map(proxy_shown),
        user_agent: opts.user_agent.clone(),
    };
    let mut url = match url::Url::parse(&requested) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u,
        _ => {
            f.error = Some(format!(
                "`{requested}` is not an http or https URL; nothing was fetched"
            ));
            return f;
        }
    };
    let mut redirects = 0;
    let mut budget = Budget {
        left: opts.max_bytes,
    };
    let via_proxy = opts.proxy.is_some();
    loop {
        let mut ex = exchange(&client, &url, &opts, deadline, &mut budget).await;
        if ex.status.is_none()
            && let Some(r) = client.guard.take_refusal(&url)
        {
            ex.error = Some(r.en.clone());
            // Already said for people: it replaces what the resolver's failure would say.
            ex.said = Some(crate::error::Message::new(r.en, r.es));
        }
        if f.exchanges.is_empty() && ex.status.is_some() {
            let remote = ex.remote_ip.as_deref().and_then(|ip| ip.parse().ok());
            client.guard.started(&url, remote, via_proxy);
        }
        let status = ex.status;
        let location = ex.header("location");
        let error = ex.error.clone();
        if ex.truncated == Some(Truncated::Length) && error.is_some() {
            f.error_es = Some(too_large(&url, ex.body.len(), opts.max_bytes).1);
        }
        let said = ex.said.take();
        f.exchanges.push(ex);
        if let Some(e) = error {
            // Said plainly where it can be; the libraries' words stay in
            // the exchange, which the record keeps.
            match said {
                Some(m) => {
                    f.error = Some(m.en);
                    f.error_es = Some(m.es);
                }
                None => f.error = Some(e),
            }
            break;
        }
        let Some(status) = status else { break };
        match (is_redirect(status), location) {
            (true, Some(loc)) => {
                let next = match url.join(loc.trim()) {
                    Ok(n) => n,
                    Err(e) => {
                        f.error = Some(format!(
                            "the server redirected to `{loc}`, which is not a valid URL ({e}); not followed"
                        ));
                        break;
                    }
                };
                if !matches!(next.scheme(), "http" | "https") {
                    f.error = Some(format!(
                        "the server redirected to a {} URL ({next}); only http and https are followed",
                        next.scheme()
                    ));
                    break;
                }
                if redirects >= opts.max_redirects {
                    f.error = Some(format!(
                        "more than {} redirects (a redirect loop?); stopped at {next}",
                        opts.max_redirects
                    ));
                    break;
                }
                if let Err(r) = client.guard.check_url(&next, via_proxy) {
                    // Not requested: recorded as a hop that got no answer.
                    f.exchanges.push(Exchange {
                        error: Some(r.en.clone()),
                        ..Exchange::unanswered(next.as_str(), Vec::new())
                    });
                    f.error = Some(r.en);
                    f.error_es = Some(r.es);
                    break;
                }
                redirects += 1;
                url = next;
            }
            _ => {
                if status >= 400 {
                    let reason = reqwest::StatusCode::from_u16(status)
                        .ok()
                        .and_then(|s| s.canonical_reason())
                        .unwrap_or("");
                    f.error = Some(
                        format!("the server answered {status} {reason}")
                            .trim_end()
                            .to_string(),
                    );
                }
                break;
            }
        }
    }
    f.finished_at = now_ms();
    f
}

/// Fetches every URL, at most `opts.concurrency` at a time, each with its
/// own client, and calls `on_done(index, capture)` on the calling thread as
/// each finishes (so it may write to the vault). Fails only when the clients
/// cannot be set up (a bad proxy, no trusted roots); a URL that cannot be
/// fetched gives a [`Fetched`] with its `error`.
pub fn fetch_many(
    urls: &[String],
    opts: &FetchOptions,
    on_done: &mut dyn FnMut(usize, Fetched),
) -> Result<()> {
    // Captures running at once, each holding at most its budget.
    let by_budget = usize::try_from(MAX_IN_FLIGHT / opts.max_bytes.max(1)).unwrap_or(usize::MAX);
    let concurrency = opts.concurrency.min(by_budget).max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(Error::io(IoContext::StartingNetwork))?;
    let tls = Tls::new(&opts.extra_roots)?;
    let clients = rt.block_on(async {
        urls.iter()
            .map(|_| client(opts, &tls))
            .collect::<Result<Vec<_>>>()
    })?;
    rt.block_on(async {
        let sem = Arc::new(tokio::sync::Semaphore::new(concurrency));
        let mut set = tokio::task::JoinSet::new();
        for ((i, url), client) in urls.iter().enumerate().zip(clients) {
            let (url, opts, sem) = (url.clone(), opts.clone(), sem.clone());
            set.spawn(async move {
                let permit = sem.acquire_owned().await;
                // The permit goes with the result: a finished capture keeps
                // its place (and its memory) until `on_done` has taken it.
                (i, capture(client, url, opts).await, permit)
            });
        }
        let mut delivered = vec![false; urls.len()];
        while let Some(done) = set.join_next().await {
            if let Ok((i, f, permit)) = done {
                delivered[i] = true;
                on_done(i, f);
                drop(permit);
            }
        }
        // A task that panicked still gets an outcome, so no URL goes unanswered.
        for (i, _) in delivered.iter().enumerate().filter(|(_, d)| !**d) {
            let now = now_ms();
            on_done(
                i,
                Fetched {
                    requested_url: urls[i].clone(),
                    started_at: now,
                    finished_at: now,
                    exchanges: Vec::new(),
                    error: Some(
                        "the capture stopped on an internal error; capture the link again".into(),
                    ),
                    error_es: Some(
                        "la captura se detuvo por un error interno; captura el enlace de nuevo"
                            .into(),
                    ),
                    via_proxy: opts.proxy.as_deref().map(proxy_shown),
                    user_agent: opts.user_agent.clone(),
                },
            );
        }
    });
    rt.shutdown_timeout(Duration::from_millis(100));
    Ok(())
}
