//! The web server the capture tests fetch from: axum on 127.0.0.1, on its
//! own thread and runtime, over HTTP or (with a [`Pki`]'s leaf and
//! intermediate) HTTPS, with a route for every case (a page with every kind
//! of metadata and the oEmbed endpoint it announces, redirects and loops, a
//! slow answer, a huge body, a PDF, gzip, a 404, a connection broken
//! mid-body, bytes that are not UTF-8; for the limits: redirect chains
//! with big bodies, hostile pages, a redirect to any URL). It logs every
//! request it answers.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use futures_util::StreamExt;

use crate::pki::Pki;

pub const PAGE: &str = r#"<!doctype html><html lang="es"><head>
<meta charset="utf-8">
<title>Sabemos dónde vives</title>
<meta name="description" content="Publicación de prueba">
<meta property="og:title" content="OG: Sabemos dónde vives">
<meta property="og:type" content="article">
<meta name="twitter:card" content="summary">
<meta name="twitter:site" content="@troll_01">
<link rel="canonical" href="/troll_01/status/1050118621198921728">
<link rel="alternate" type="application/json+oembed" href="/oembed?format=json">
<script type="application/ld+json">{"@type":"SocialMediaPosting","author":{"@type":"Person","name":"Troll Uno"},"datePublished":"2024-05-01T18:30:00-06:00"}</script>
<script>fetch("/never-requested")</script>
<img src="/never-requested.png">
</head><body><p>Sabemos dónde vives.</p></body></html>"#;

/// The JSON answer of the page's oEmbed endpoint; its `html` must never be
/// rendered, only kept in the WARC.
pub const OEMBED: &str = r#"{"version":"1.0","type":"rich","title":"Sabemos dónde vives","author_name":"Troll Uno","author_url":"https://x.example/troll_01","provider_name":"Red de prueba","provider_url":"https://x.example","html":"<blockquote class=\"post\">Sabemos dónde vives</blockquote><script src=\"/never-requested.js\"></script>","width":550}"#;

/// A page whose title, Open Graph fields and oEmbed answer carry terminal
/// attacks (see `tests/terminal.rs`): written raw, as bytes a server sends.
pub const HOSTILE: &str = "<!doctype html><html><head><meta charset=\"utf-8\">\
<title>T\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b]0;VALID\x07\x1b[2J\u{9b}2J\u{202e}fdp.exe &#x1b;[1A</title>\
<meta property=\"og:title\" content=\"OG\x1b]0;title\x07\r\nVALID\u{2066}\">\
<meta property=\"og:description\" content=\"D\x1b[2J\x1b[H\u{9b}31m\u{202d}\">\
<link rel=\"alternate\" type=\"application/json+oembed\" href=\"/hostile-oembed\">\
</head><body>x</body></html>";

/// The oEmbed answer the hostile page announces.
pub const HOSTILE_OEMBED: &str = "{\"version\":\"1.0\",\"type\":\"rich\",\
\"title\":\"O\\u001b]52;c;aGk=\\u0007\\u009b2J\",\"author_name\":\"A\\u001b[2J\\u202e\\nVALID\",\
\"provider_name\":\"P\u{9b}1A\u{2067}\"}";

fn html(body: impl Into<Body>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body.into(),
    )
        .into_response()
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

/// `size` bytes of `byte`, made as they are sent (64 KiB at a time).
fn stream_of(byte: u8, size: usize) -> Body {
    let chunk = 64 * 1024;
    let chunks = (0..size.div_ceil(chunk))
        .map(move |i| Ok::<_, std::io::Error>(vec![byte; chunk.min(size - i * chunk)]));
    Body::from_stream(futures_util::stream::iter(chunks))
}

fn size_param(q: &std::collections::HashMap<String, String>) -> usize {
    q.get("size")
        .and_then(|s| s.parse().ok())
        .unwrap_or(8 << 20)
}

/// A page a harasser could serve, `size` bytes or so: `attrs` (one tag with
/// many distinct attributes), `nul` (NUL bytes), `nested` (tags opened and
/// never closed), `title` (a huge title), `metas` (thousands of Open Graph
/// fields).
pub fn hostile_page(kind: &str, size: usize) -> Vec<u8> {
    let mut p = format!("<!doctype html><html><head><title>{kind}</title>").into_bytes();
    match kind {
        "attrs" => {
            p.extend_from_slice(b"</head><body><div");
            let mut i = 0;
            while p.len() < size {
                p.extend_from_slice(format!(" a{i}").as_bytes());
                i += 1;
            }
            p.extend_from_slice(b">x</div>");
        }
        "nul" => p.resize(size, 0),
        "nested" => {
            while p.len() < size {
                p.extend_from_slice(b"<div><b><i><table><a>");
            }
        }
        "title" => {
            p = b"<!doctype html><html><head><title>".to_vec();
            while p.len() < size {
                p.extend_from_slice("sabemos dónde vives ".as_bytes());
            }
            p.extend_from_slice(b"</title>");
        }
        "metas" => {
            let mut i = 0;
            while p.len() < size {
                p.extend_from_slice(
                    format!(r#"<meta property="og:f{i}" content="{i}">"#).as_bytes(),
                );
                i += 1;
            }
        }
        _ => {}
    }
    p
}

fn app() -> Router {
    Router::new()
        .route(
            "/fat-redirect/{n}",
            get(
                |Path(n): Path<u32>,
                 Query(q): Query<std::collections::HashMap<String, String>>| async move {
                    let size = size_param(&q);
                    let next = if n == 0 {
                        format!("/fat-final?size={size}")
                    } else {
                        format!("/fat-redirect/{}?size={size}", n - 1)
                    };
                    (
                        StatusCode::FOUND,
                        [
                            (header::LOCATION, next),
                            (header::CONTENT_TYPE, "text/html".into()),
                        ],
                        stream_of(b'r', size),
                    )
                },
            ),
        )
        .route(
            "/fat-final",
            get(
                |Query(q): Query<std::collections::HashMap<String, String>>| async move {
                    let head = "<!doctype html><html><head><title>Final</title></head><body>";
                    let size = size_param(&q) + size_param(&q) / 4;
                    html(Body::from_stream(
                        futures_util::stream::once(async move {
                            Ok::<_, std::io::Error>(head.as_bytes().to_vec())
                        })
                        .chain(futures_util::stream::iter(
                            (0..size.div_ceil(65536)).map(|_| Ok(vec![b'p'; 65536])),
                        )),
                    ))
                },
            ),
        )
        .route(
            "/hostile/{kind}",
            get(
                |Path(kind): Path<String>,
                 Query(q): Query<std::collections::HashMap<String, String>>| async move {
                    html(hostile_page(&kind, size_param(&q)))
                },
            ),
        )
        .route(
            "/to",
            get(
                |Query(q): Query<std::collections::HashMap<String, String>>| async move {
                    let to = q.get("url").cloned().unwrap_or_default();
                    (StatusCode::FOUND, [(header::LOCATION, to)], "moved")
                },
            ),
        )
        .route("/page", get(|| async { html(PAGE) }))
        .route(
            "/oembed",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], OEMBED) }),
        )
        .route(
            "/redirect/{n}",
            get(|Path(n): Path<u32>| async move {
                if n == 0 {
                    Redirect::to("/page").into_response()
                } else {
                    Redirect::temporary(&format!("/redirect/{}", n - 1)).into_response()
                }
            }),
        )
        .route("/hostile", get(|| async { html(HOSTILE) }))
        .route(
            "/hostile-oembed",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], HOSTILE_OEMBED) }),
        )
        .route("/loop", get(|| async { Redirect::to("/loop") }))
        .route("/to-ftp", get(|| async { Redirect::to("ftp://127.0.0.1/x") }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                html("late")
            }),
        )
        .route(
            "/huge",
            get(|| async {
                let chunks = (0..64).map(|_| Ok::<_, std::io::Error>(vec![b'a'; 64 * 1024]));
                html(Body::from_stream(futures_util::stream::iter(chunks)))
            }),
        )
        .route(
            "/pdf",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/pdf")],
                    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n".to_vec(),
                )
            }),
        )
        .route(
            "/gzip",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/html"),
                        (header::CONTENT_ENCODING, "gzip"),
                    ],
                    gzip(PAGE.as_bytes()),
                )
            }),
        )
        .route(
            "/missing",
            get(|| async { (StatusCode::NOT_FOUND, html("<title>Not here</title>")) }),
        )
        .route(
            "/broken",
            get(|| async {
                // The headers and a first part go out; then the server gives up.
                let parts = futures_util::stream::unfold(0, |n| async move {
                    match n {
                        0 => Some((Ok(b"<html><title>cut".to_vec()), 1)),
                        1 => {
                            tokio::time::sleep(Duration::from_millis(300)).await;
                            Some((Err(std::io::Error::other("server gave up")), 2))
                        }
                        _ => None,
                    }
                });
                (
                    [(header::CONTENT_LENGTH, "100000")],
                    html(Body::from_stream(parts)),
                )
            }),
        )
        .route(
            "/latin1",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html")],
                    b"<html><head><title>Caf\xe9 \xff\xfe ol\xe9</title></head><body>\xc3\x28</body></html>"
                        .to_vec(),
                )
            }),
        )
}

/// A TCP listener that speaks TLS with the chain it was given; a client
/// that gives up during the handshake is dropped and the next one awaited.
struct TlsListener {
    tcp: tokio::net::TcpListener,
    tls: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else {
                continue;
            };
            if let Ok(tls) = self.tls.accept(tcp).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.tcp.local_addr()
    }
}

/// A web server on 127.0.0.1 for one test, on its own runtime and thread.
pub struct Server {
    addr: SocketAddr,
    scheme: &'static str,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Over HTTP.
    pub fn start() -> Server {
        Server::serve(None, "127.0.0.1")
    }

    /// Over HTTP on another loopback address (`127.0.0.2`…), which a test
    /// may declare public (`FetchOptions::treat_as_public`).
    pub fn start_at(ip: &'static str) -> Server {
        Server::serve(None, ip)
    }

    /// Over HTTPS, presenting the pki's leaf and intermediate.
    pub fn start_tls(pki: &Pki) -> Server {
        Server::serve(Some(pki.server_config()), "127.0.0.1")
    }

    fn serve(tls: Option<rustls::ServerConfig>, ip: &'static str) -> Server {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        let app = app().layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                log.lock().unwrap().push(req.uri().to_string());
                next.run(req)
            },
        ));
        let scheme = if tls.is_some() { "https" } else { "http" };
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let listener = tokio::net::TcpListener::bind((ip, 0)).await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                match tls {
                    None => axum::serve(listener, app).await.unwrap(),
                    Some(config) => {
                        let listener = TlsListener {
                            tcp: listener,
                            tls: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
                        };
                        axum::serve(listener, app).await.unwrap();
                    }
                }
            });
        });
        Server {
            addr: rx.recv().unwrap(),
            scheme,
            requests,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every request answered so far, as path and query, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}
