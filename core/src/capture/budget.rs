//! A capture's byte budget: how much of each answer's body is kept, so
//! that a capture (and several at once) needs a bounded amount of memory
//! whatever the servers send. The final answer gets what the redirects
//! left; each redirect's body is kept only up to a small cap. Pure
//! functions; [`super::fetch`] applies them while reading.

/// Most body bytes the captures running at once may keep together: with a
/// large per-capture budget, fewer captures run at the same time.
pub const MAX_IN_FLIGHT: u64 = 256 * 1024 * 1024;

/// What is left of a capture's byte budget.
pub(crate) struct Budget {
    /// Body bytes the capture may still keep.
    pub(crate) left: u64,
}

/// True for the statuses that redirect (and are followed when they say where).
pub(crate) fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// Appends what fits of `chunk` under `cap` bytes; false when some did not
/// fit. The buffer grows by doubling but never past `cap`, so it never
/// holds (or reserves) more than it may keep.
pub(crate) fn push_capped(body: &mut Vec<u8>, chunk: &[u8], cap: usize) -> bool {
    let take = chunk.len().min(cap.saturating_sub(body.len()));
    if body.capacity() - body.len() < take {
        let want = (body.capacity() * 2)
            .max(body.len() + take)
            .max(16 * 1024)
            .min(cap);
        body.reserve_exact(want - body.len());
    }
    body.extend_from_slice(&chunk[..take]);
    take == chunk.len()
}

/// Why a final body was cut, in English and Spanish.
pub(crate) fn too_large(url: &url::Url, kept: usize, max: u64) -> (String, String) {
    (
        format!(
            "too large: the body of {url} is over the capture's limit of {max} bytes (its redirects included); the first {kept} bytes were kept"
        ),
        format!(
            "demasiado grande: el cuerpo de {url} pasa del límite de la captura, {max} bytes (con sus redirecciones); se guardaron los primeros {kept} bytes"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_buffer_never_holds_or_reserves_past_its_cap() {
        for cap in [0, 1, 1000, 64 * 1024, 3 * 1024 * 1024 + 7] {
            let mut body = Vec::new();
            let chunk = vec![7u8; 40_000];
            let mut fit = true;
            while fit {
                fit = push_capped(&mut body, &chunk, cap);
                assert!(body.capacity() <= cap, "{cap}: {}", body.capacity());
            }
            assert_eq!(body.len(), cap);
        }
        let mut body = Vec::new();
        assert!(push_capped(&mut body, b"abc", 10));
        assert!(!push_capped(&mut body, b"defghijkl", 10));
        assert_eq!(body, b"abcdefghij");
    }
}
