//! URLs a person gives: the one rule for what the vault accepts
//! ([`validate_url`], used by `link`, `add --url`, `note --url`, `edit --url`,
//! the app's forms and any [`Meta`](crate::record::Meta) written through the
//! core), and what a printed packet may turn into a clickable link
//! ([`linkable`]), which also guards URLs that older versions stored
//! without checking.

use crate::error::{Error, Result};

/// Largest URL accepted, in bytes.
pub const MAX_URL: usize = 8 * 1024;

/// Longest link target the PDF engine (Typst) accepts, in bytes: a longer
/// one fails the whole document, so it is printed as text instead.
pub const MAX_LINK: usize = 8000;

/// Characters of a refused URL quoted back in its error message.
const QUOTED_CHARS: usize = 80;

/// The start of a refused URL, for an error message: at most
/// [`QUOTED_CHARS`] characters, then `…`.
pub(crate) fn quoted(s: &str) -> String {
    match s.char_indices().nth(QUOTED_CHARS) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

/// Checks that a URL is an absolute `http` or `https` URL with a host, of at
/// most [`MAX_URL`] bytes, and returns it trimmed, otherwise exactly as given.
pub fn validate_url(input: &str) -> Result<String> {
    let s = input.trim();
    if s.len() > MAX_URL {
        return Err(Error::invalid(
            format!(
                "the URL is {} bytes long; the limit is {MAX_URL}: give the post's address without extra text (a shortened or copied-twice URL), or keep the long one in the notes",
                s.len()
            ),
            format!(
                "la URL mide {} bytes; el límite es {MAX_URL}: escribe la dirección de la publicación sin texto de más (una URL acortada o copiada dos veces), o guarda la larga en las notas",
                s.len()
            ),
        ));
    }
    let shown = quoted(s);
    // The URL parser would quietly drop or percent-encode these, so a link
    // could read one way and lead another (U+202E reverses what follows).
    if s.chars().any(crate::text::is_hidden) {
        return Err(Error::invalid(
            format!(
                "`{}` holds control or invisible characters; type or paste the address again, without them",
                shown.escape_default()
            ),
            format!(
                "`{}` contiene caracteres de control o invisibles; escribe o pega la dirección de nuevo, sin ellos",
                shown.escape_default()
            ),
        ));
    }
    let parsed = url::Url::parse(s).map_err(|e| {
        Error::invalid(
            format!(
                "`{shown}` is not a valid URL ({e}); give the full address, starting with https://"
            ),
            format!(
                "`{shown}` no es una URL válida ({e}); escribe la dirección completa, empezando por https://"
            ),
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::invalid(
            format!(
                "`{shown}` is a {} URL; only http and https addresses can be recorded: give the post's web address, starting with https://",
                parsed.scheme()
            ),
            format!(
                "`{shown}` es una URL {}; solo se registran direcciones http y https: escribe la dirección web de la publicación, empezando por https://",
                parsed.scheme()
            ),
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid(
            format!("`{shown}` has no host; give the full address, starting with https://"),
            format!(
                "`{shown}` no tiene servidor; escribe la dirección completa, empezando por https://"
            ),
        ));
    }
    Ok(s.to_string())
}

/// Checks the URL of a field being set: `None` (left as it is) and an empty
/// text (which clears it) pass; anything else must pass [`validate_url`],
/// whose trimmed result replaces it.
pub fn validate_field(url: &Option<String>) -> Result<Option<String>> {
    match url.as_deref().map(str::trim) {
        None => Ok(None),
        Some("") => Ok(Some(String::new())),
        Some(u) => validate_url(u).map(Some),
    }
}

/// The address to hand to a person's web browser for `input`: it must pass
/// [`validate_url`] (an absolute `http` or `https` URL with a host; never
/// `file:`, `javascript:` or any other scheme), and is given back parsed and
/// ASCII-serialized, so what the browser opens is what was checked.
pub fn for_browser(input: &str) -> Result<String> {
    let valid = validate_url(input)?;
    url::Url::parse(&valid).map(|u| u.to_string()).map_err(|e| {
        Error::invalid(
            format!("`{}` is not a web address: {e}", quoted(input)),
            format!("`{}` no es una dirección web: {e}", quoted(input)),
        )
    })
}

/// The link target a packet may make clickable for a stored URL: the
/// parsed, ASCII-serialized form of an `http` or `https` URL that passes
/// [`validate_url`] and fits the PDF engine's limit. Anything else (another
/// scheme, a URL stored before URLs were checked, one too long) is printed
/// as plain text only.
pub fn linkable(stored: &str) -> Option<String> {
    let valid = validate_url(stored).ok()?;
    let target = url::Url::parse(&valid).ok()?.to_string();
    (target.len() <= MAX_LINK).then_some(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert_eq!(
            validate_url(" https://x.com/a/status/1 ").unwrap(),
            "https://x.com/a/status/1"
        );
        assert_eq!(
            validate_url("https://example.org").unwrap(),
            "https://example.org"
        );
        for bad in [
            "ftp://example.org/x",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "file:///etc/passwd",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "x.com/a",
            "https://",
        ] {
            assert!(validate_url(bad).is_err(), "{bad}");
        }
        let at_limit = format!("https://a.example/{}", "a".repeat(MAX_URL - 18));
        assert_eq!(at_limit.len(), MAX_URL);
        assert!(validate_url(&at_limit).is_ok());
        assert!(validate_url(&format!("{at_limit}a")).is_err());
    }

    #[test]
    fn refusals_quote_only_the_start_and_say_what_to_do() {
        let long = format!("javascript:{}", "x".repeat(5000));
        let e = validate_url(&long).unwrap_err();
        let (en, es) = (e.to_string(), e.localized(crate::error::Lang::Es));
        assert!(en.len() < 400 && en.contains("https://"), "{en}");
        assert!(
            es.contains("solo se registran direcciones http y https"),
            "{es}"
        );
        let e = validate_url(&"h".repeat(100_000)).unwrap_err();
        assert!(e.to_string().contains("100000 bytes"), "{e}");
        assert!(e.localized(crate::error::Lang::Es).contains("100000 bytes"));
    }

    #[test]
    fn fields_clear_or_validate() {
        assert_eq!(validate_field(&None).unwrap(), None);
        assert_eq!(validate_field(&Some("  ".into())).unwrap(), Some("".into()));
        assert_eq!(
            validate_field(&Some(" https://a.example/x ".into())).unwrap(),
            Some("https://a.example/x".into())
        );
        assert!(validate_field(&Some("file:///etc/shadow".into())).is_err());
    }

    #[test]
    fn only_valid_http_urls_that_fit_the_pdf_engine_are_linkable() {
        assert_eq!(
            linkable("https://x.com/a/status/1").as_deref(),
            Some("https://x.com/a/status/1")
        );
        assert_eq!(
            linkable("https://ejemplo.mx/año?q=ñ").as_deref(),
            Some("https://ejemplo.mx/a%C3%B1o?q=%C3%B1")
        );
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "data:text/html,x",
            "vbscript:x",
            "mailto:a@b.c",
            "not a url",
        ] {
            assert_eq!(linkable(bad), None, "{bad}");
        }
        // Valid for the vault, too long for the PDF engine: text only.
        let long = format!("https://a.example/{}", "a".repeat(MAX_LINK));
        assert!(validate_url(&long).is_ok());
        assert_eq!(linkable(&long), None);
        // Short, but longer than the limit once percent-encoded.
        let wide = format!("https://a.example/{}", "ñ".repeat(2000));
        assert!(validate_url(&wide).is_ok());
        assert_eq!(linkable(&wide), None);
    }
}
