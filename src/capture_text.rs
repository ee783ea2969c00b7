//! How a capture reads in text: a few lines for `show` (number, time,
//! status, title, TLS chain, oEmbed fields, WARC or failure) and one line
//! for `link` and `recapture`. JSON output does not come through here.
//! Everything a capture holds came from the page or its server: URLs, title,
//! oEmbed fields and failure reasons are shown escaped (`Shown`).

use testigo_core::Capture;
use testigo_core::capture::{OEmbedFetch, Purpose, TlsFacts};

use super::shown::{Shown, short};
use super::term::tr;

/// `oEmbed 2 of capture 1` for an oEmbed fetch; nothing for a page.
fn oembed_label(o: Option<&OEmbedFetch>) -> Option<String> {
    o.map(|o| {
        format!(
            "oEmbed {} {} {}",
            o.endpoint,
            tr("of capture", "de la captura"),
            o.announced_by
        )
    })
}

/// Why the capture failed, in Spanish when the core translated the reason.
fn error_text(c: &Capture) -> Option<&str> {
    let en = c.error.as_deref()?;
    Some(c.error_es.as_deref().map_or(en, |es| tr(en, es)))
}

/// The chain in one line: how many certificates, and the start of each hash.
fn tls_line(t: &TlsFacts) -> Option<String> {
    if t.chain.is_empty() {
        return t
            .peer_certificate_sha256
            .as_ref()
            .map(|sha| format!("TLS: {} {}", tr("leaf", "hoja"), &sha[..12.min(sha.len())]));
    }
    let hashes: Vec<&str> = t
        .chain
        .iter()
        .map(|c| &c.sha256[..12.min(c.sha256.len())])
        .collect();
    Some(format!(
        "TLS: {} {} ({})",
        t.chain.len(),
        tr(
            "certificate(s), leaf first",
            "certificado(s), la hoja primero"
        ),
        hashes.join(" ")
    ))
}

/// The text fields of an oEmbed answer, one per line (`author: …`).
pub fn oembed_lines(c: &Capture) -> Vec<String> {
    let Some(f) = c.oembed.as_ref().and_then(|o| o.fields.as_ref()) else {
        return Vec::new();
    };
    let author = match (&f.author_name, &f.author_url) {
        (Some(n), Some(u)) => Some(format!("{n} <{u}>")),
        (n, u) => n.clone().or_else(|| u.clone()),
    };
    let provider = f.provider_name.clone().or_else(|| f.provider_url.clone());
    [
        (tr("type", "tipo"), f.kind.clone()),
        (tr("title", "título"), f.title.clone()),
        (tr("author", "autor"), author),
        (tr("provider", "proveedor"), provider),
    ]
    .into_iter()
    .filter_map(|(label, v)| v.map(|v| format!("{label}: {}", Shown(&short(&v, 80)))))
    .collect()
}

/// A capture in a few lines: number, time, status and final URL, what it
/// was (for an oEmbed fetch), title, TLS chain, oEmbed fields, the WARC's
/// hash, or the failure.
pub fn summary(c: &Capture) -> String {
    let mut lines = vec![format!(
        "{}  {}  {} {}",
        c.seq,
        testigo_core::model::format_time(&c.started_at),
        c.status.map_or("-".to_string(), |s| s.to_string()),
        Shown(c.final_url.as_deref().unwrap_or(&c.requested_url))
    )];
    lines.extend(oembed_label(c.oembed.as_ref()));
    if c.hops.len() > 1 {
        lines.push(format!(
            "{} {}",
            c.hops.len() - 1,
            tr("redirect(s)", "redirección(es)")
        ));
    }
    if let Some(t) = c.metadata.as_ref().and_then(|m| m.title.as_deref()) {
        lines.push(format!(
            "{}: {}",
            tr("title", "título"),
            Shown(&short(t, 80))
        ));
    }
    lines.extend(c.tls.as_ref().and_then(tls_line));
    lines.extend(oembed_lines(c));
    if let Some(sha) = &c.warc_sha256 {
        lines.push(format!(
            "WARC {sha} ({} bytes)",
            c.warc_size.unwrap_or_default()
        ));
    }
    if let Some(e) = error_text(c) {
        lines.push(format!("{}: {}", tr("failed", "falló"), Shown(e)));
    }
    lines.join("\n")
}

/// One line about a finished capture (stderr for `link`, stdout for
/// `recapture`); an oEmbed fetch says so after its number.
pub fn line(id: &str, c: &Capture) -> String {
    let status = c.status.map(|s| s.to_string()).unwrap_or_default();
    let url = Shown(c.final_url.as_deref().unwrap_or(&c.requested_url));
    let what = match (c.purpose, oembed_label(c.oembed.as_ref())) {
        (Purpose::Oembed, Some(label)) => {
            format!("{} {} ({label})", tr("capture", "captura"), c.seq)
        }
        _ => format!("{} {}", tr("capture", "captura"), c.seq),
    };
    match (error_text(c), &c.warc_sha256) {
        (None, Some(sha)) => format!(
            "{}  {id}  {what}: {status} {url} ({} bytes, WARC {})",
            tr("captured", "capturado"),
            c.body_size,
            &sha[..12.min(sha.len())]
        ),
        (Some(e), Some(_)) => format!(
            "{}  {id}  {what}: {status} {url}: {} ({})",
            tr("captured with a problem", "capturado con un problema"),
            Shown(e),
            tr(
                "the answer is kept in the WARC",
                "la respuesta se guardó en el WARC"
            )
        ),
        (e, None) => {
            let mut line = format!(
                "{}  {id}  {}: {} ({})",
                tr("not captured", "sin capturar"),
                Shown(&c.requested_url),
                Shown(e.unwrap_or("")),
                tr(
                    "the link is kept; `testigo recapture ID` tries again",
                    "el enlace se guardó; `testigo recapture ID` lo intenta de nuevo"
                )
                .replace("ID", id)
            );
            for d in c
                .hops
                .iter()
                .filter_map(|h| super::term::detail_line(h.error.as_deref()))
            {
                line.push('\n');
                line.push_str(&d);
            }
            line
        }
    }
}
