//! The web server the capture tests fetch from: axum on 127.0.0.1, on its
//! own thread and runtime, with a route for every case (a page with every
//! kind of metadata, redirects and loops, a slow answer, a huge body, a PDF,
//! gzip, a 404, a connection broken mid-body, bytes that are not UTF-8).

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

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

fn app() -> Router {
    Router::new()
        .route("/page", get(|| async { html(PAGE) }))
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

/// A web server on 127.0.0.1 for one test, on its own runtime and thread.
pub struct Server {
    addr: SocketAddr,
}

impl Server {
    pub fn start() -> Server {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, app()).await.unwrap();
            });
        });
        Server {
            addr: rx.recv().unwrap(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}
