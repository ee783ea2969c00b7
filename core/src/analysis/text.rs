//! How a post's text is compared, pure: Unicode NFKC, lowercase, accents
//! stripped, emoji and their variation selectors dropped, mentions dropped,
//! URLs taken out (and kept as links), hashtags kept as words. What is left
//! is a list of word tokens; two posts are "the same text" when those are
//! equal, and near-identical when their shingle sets (the tokens, plus
//! in-word trigrams for short posts, so a changed word in a five-word post
//! still counts) have a Jaccard similarity at or above the threshold.
//!
//! Main type: [`Normalized`]. Also here: the keys under which links and
//! post references are compared ([`link_key`], [`post_ref_key`]) and the
//! Mexican federal entities a text names ([`entities_in`]).

use unicode_normalization::UnicodeNormalization as _;
use unicode_normalization::char::is_combining_mark;
use url::Url;

use crate::capture::platform::parse_post_url;
use crate::model::MEXICAN_STATES;
use crate::text::fold_key;

/// Posts with fewer word tokens than this also compare by in-word trigrams.
pub const SHORT_POST_TOKENS: usize = 8;

/// A stable 64-bit hash (XXH3), the same on every machine and in every
/// version: stored results and exports depend on it.
pub fn hash64(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

fn hash_seeded(bytes: &[u8], seed: u64) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(bytes, seed)
}

/// A post's text, made comparable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// The word tokens, in order.
    pub tokens: Vec<String>,
    /// Hash of the tokens joined by spaces: equal for "the same text".
    pub exact: u64,
    /// Sorted, distinct shingle hashes for the Jaccard similarity.
    pub shingles: Vec<u64>,
    /// The URLs found in the text, as written.
    pub urls: Vec<String>,
    /// The hashtags found in the text, folded (lowercase, no accents, no `#`).
    pub hashtags: Vec<String>,
}

impl Normalized {
    /// Normalizes a post's text.
    pub fn new(text: &str) -> Normalized {
        // Most posts are already NFKC (precomposed accents included): the
        // quick check spares building a copy of each.
        let nfkc: std::borrow::Cow<'_, str> =
            match unicode_normalization::is_nfkc_quick(text.chars()) {
                unicode_normalization::IsNormalized::Yes => std::borrow::Cow::Borrowed(text),
                _ => std::borrow::Cow::Owned(text.nfkc().collect()),
            };
        let mut tokens = Vec::new();
        let mut urls = Vec::new();
        let mut hashtags = Vec::new();
        let mut emoji_only = String::new();
        for chunk in nfkc.split_whitespace() {
            let starts = |prefix: &str| {
                chunk
                    .get(..prefix.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
            };
            if starts("http://") || starts("https://") || starts("www.") {
                urls.push(trim_url_end(chunk).to_string());
                continue;
            }
            if let Some(rest) = chunk.strip_prefix('@') {
                // A mention: the handle goes; punctuation glued after it stays.
                let tail =
                    rest.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_' || c == '.');
                push_words(tail, &mut tokens, &mut emoji_only);
                continue;
            }
            if let Some(rest) = chunk.strip_prefix('#') {
                let tag: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let folded = fold_word(&tag);
                if !folded.is_empty() {
                    hashtags.push(folded);
                }
            }
            push_words(chunk, &mut tokens, &mut emoji_only);
        }
        // A post of emoji alone is compared by its emoji (without variation
        // selectors or skin tones), not dropped.
        if tokens.is_empty() && !emoji_only.is_empty() {
            tokens.push(emoji_only);
        }
        // So is a post of links alone, by its links.
        if tokens.is_empty() {
            tokens.extend(urls.iter().map(|u| u.to_lowercase()));
        }
        let joined = tokens.join(" ");
        let exact = hash64(joined.as_bytes());
        let mut shingles: Vec<u64> = tokens.iter().map(|t| hash64(t.as_bytes())).collect();
        if tokens.len() < SHORT_POST_TOKENS {
            for t in &tokens {
                let chars: Vec<char> = t.chars().collect();
                if chars.len() >= 4 {
                    for w in chars.windows(3) {
                        // The trigram's UTF-8 bytes, without a String for each.
                        let mut buf = [0u8; 12];
                        let mut n = 0;
                        for c in w {
                            n += c.encode_utf8(&mut buf[n..]).len();
                        }
                        shingles.push(hash_seeded(&buf[..n], 3));
                    }
                }
            }
        }
        shingles.sort_unstable();
        shingles.dedup();
        hashtags.sort();
        hashtags.dedup();
        Normalized {
            tokens,
            exact,
            shingles,
            urls,
            hashtags,
        }
    }

    /// The tokens joined by spaces.
    pub fn joined(&self) -> String {
        self.tokens.join(" ")
    }
}

/// Lowercase, accents stripped, only letters, digits and `_`.
pub fn fold_word(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Splits a chunk into folded word tokens; emoji are collected apart.
fn push_words(chunk: &str, tokens: &mut Vec<String>, emoji: &mut String) {
    let mut word = String::new();
    if chunk.is_ascii() {
        // No marks to strip, no emoji: the same words, without decomposing.
        for c in chunk.chars() {
            if c.is_ascii_alphanumeric() {
                word.push(c.to_ascii_lowercase());
            } else if !word.is_empty() {
                tokens.push(std::mem::take(&mut word));
            }
        }
        if !word.is_empty() {
            tokens.push(word);
        }
        return;
    }
    for c in chunk.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
            continue;
        }
        if !word.is_empty() {
            tokens.push(std::mem::take(&mut word));
        }
        if is_emoji(c) {
            emoji.push(c);
        }
    }
    if !word.is_empty() {
        tokens.push(word);
    }
}

/// Pictographs, symbols and dingbats people use as emoji. Variation
/// selectors, joiners, skin tones and keycaps are dropped, not kept.
fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1F3FA | 0x1F400..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF
            | 0x2300..=0x23FF | 0x3030 | 0x303D | 0x3297 | 0x3299)
}

fn trim_url_end(s: &str) -> &str {
    s.trim_end_matches([
        '.', ',', ';', ':', '!', '?', ')', ']', '}', '"', '\'', '»', '…',
    ])
}

/// Share and tracking parameters that do not change what a link points to.
const TRACKING: &[&str] = &[
    "fbclid", "gclid", "igshid", "igsh", "mc_cid", "mc_eid", "ref_src", "ref_url", "si", "s", "t",
    "mibextid",
];

/// The key under which two links count as the same: a post on a platform
/// the capture module knows is `platform:post id` whatever the URL form
/// (x.com or twitter.com, mobile, share parameters); any other URL is
/// lowercased in scheme and host, without `www.`, fragment, tracking
/// parameters or a final `/`. `None` for what is not an http(s) URL.
pub fn link_key(url: &str) -> Option<String> {
    let url = url.trim();
    let with_scheme = if url.to_ascii_lowercase().starts_with("www.") {
        format!("https://{url}")
    } else {
        url.to_string()
    };
    if let Some(post) = parse_post_url(&with_scheme)
        && let Some(id) = post.post_id
    {
        return Some(format!("{}:{}", post.platform, id));
    }
    let mut u = Url::parse(&with_scheme).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    let host = u.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    let kept: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| !k.starts_with("utm_") && !TRACKING.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    u.set_fragment(None);
    if kept.is_empty() {
        u.set_query(None);
    } else {
        u.query_pairs_mut().clear().extend_pairs(kept);
    }
    let path = u.path().trim_end_matches('/').to_string();
    let query = u.query().map(|q| format!("?{q}")).unwrap_or_default();
    Some(format!("{host}{path}{query}"))
}

/// The key of a reply-to or repost-of reference: a URL as [`link_key`];
/// a bare id is taken as a post on `platform` (the referring post's).
pub fn post_ref_key(reference: &str, platform: Option<&str>) -> Option<String> {
    let r = reference.trim();
    if r.is_empty() {
        return None;
    }
    if r.contains('/') || r.contains('.') {
        return link_key(r);
    }
    let platform = platform.map(fold_key).unwrap_or_default();
    let platform = match platform.as_str() {
        "twitter" => "x",
        other => other,
    };
    Some(format!("{platform}:{r}"))
}

/// Ways a text names a federal entity, folded, with the entity's official
/// name. The bare word "México" is the country far more often than the
/// State of Mexico, so only "estado de mexico" and "edomex" name that one.
fn entity_names() -> Vec<(Vec<String>, &'static str)> {
    let mut out: Vec<(Vec<String>, &'static str)> = Vec::new();
    let words = |s: &str| -> Vec<String> {
        s.split_whitespace()
            .map(fold_word)
            .filter(|w| !w.is_empty())
            .collect()
    };
    for name in MEXICAN_STATES {
        if name == "México" {
            continue;
        }
        out.push((words(name), name));
        // "Coahuila de Zaragoza" is said "Coahuila"; "Veracruz de Ignacio de la Llave", "Veracruz".
        if let Some((short, _)) = name.split_once(" de ")
            && !short.is_empty()
            && name != "Ciudad de México"
        {
            out.push((words(short), name));
        }
    }
    for (alias, name) in [
        ("cdmx", "Ciudad de México"),
        ("ciudad de mexico", "Ciudad de México"),
        ("distrito federal", "Ciudad de México"),
        ("estado de mexico", "México"),
        ("edomex", "México"),
        ("edo mex", "México"),
        ("nuevo leon", "Nuevo León"),
        ("nl", "Nuevo León"),
        ("slp", "San Luis Potosí"),
        ("qroo", "Quintana Roo"),
        ("bcs", "Baja California Sur"),
    ] {
        out.push((words(alias), name));
    }
    // Longest first, so "Baja California Sur" wins over "Baja California".
    out.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(b.1)));
    out
}

/// The federal entities named in a text (official names, sorted, once each).
pub fn entities_in(tokens: &[String]) -> Vec<&'static str> {
    thread_local! {
        static NAMES: Vec<(Vec<String>, &'static str)> = entity_names();
    }
    NAMES.with(|names| {
        let mut found = Vec::new();
        let mut i = 0;
        'outer: while i < tokens.len() {
            for (words, name) in names {
                let n = words.len();
                if n > 0 && i + n <= tokens.len() && tokens[i..i + n] == words[..] {
                    found.push(*name);
                    i += n;
                    continue 'outer;
                }
            }
            i += 1;
        }
        found.sort_unstable();
        found.dedup();
        found
    })
}

/// Jaccard similarity of two sorted, distinct hash lists.
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common as f64 / (a.len() + b.len() - common) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Normalized {
        Normalized::new(s)
    }

    #[test]
    fn case_accents_mentions_urls_and_emoji_do_not_change_the_text() {
        let a = n("Vamos a SAQUEAR el Oxxo de la esquina #Saqueo @fulano https://t.co/abc");
        let b = n("@otro vamos a saquear el oxxo de la esquina 🔥🔥 #saqueo");
        let c = n("Vámos a saqueár el Oxxo de la esquina️ #SAQUEO");
        assert_eq!(a.exact, b.exact);
        assert_eq!(a.exact, c.exact);
        assert_eq!(a.joined(), "vamos a saquear el oxxo de la esquina saqueo");
        assert_eq!(a.urls, ["https://t.co/abc"]);
        assert_eq!(a.hashtags, ["saqueo"]);
        // Full-width letters fold under NFKC.
        assert_eq!(n("ＨＯＬＡ mundo").exact, n("hola mundo").exact);
    }

    #[test]
    fn a_changed_word_or_hashtag_order_stays_near() {
        let a = n("Todos a la plaza central a las 5, que no quede nada #Saqueo #Puebla");
        let b = n("Todos a la plaza central a las 6, que no quede nada #Puebla #Saqueo");
        assert_ne!(a.exact, b.exact);
        assert!(
            jaccard(&a.shingles, &b.shingles) >= 0.75,
            "{}",
            jaccard(&a.shingles, &b.shingles)
        );
        let other = n("Hoy hubo lluvia fuerte en el centro de la ciudad");
        assert!(jaccard(&a.shingles, &other.shingles) < 0.2);
    }

    #[test]
    fn short_posts_compare_by_trigrams_too() {
        let a = n("te vamos a encontrar");
        let b = n("te vamos a encontrar!!");
        let c = n("te vamos a encontrarr");
        assert_eq!(a.exact, b.exact);
        assert!(jaccard(&a.shingles, &c.shingles) > 0.6);
        assert_eq!(n("🔥🔥🔥").joined(), "🔥🔥🔥");
        assert_eq!(n("🔥️🔥🔥").exact, n("🔥🔥🔥").exact);
    }

    #[test]
    fn links_compare_by_what_they_point_to() {
        assert_eq!(
            link_key("https://twitter.com/fulano/status/1234567890123456789?s=20").as_deref(),
            Some("x:1234567890123456789")
        );
        assert_eq!(
            link_key("https://mobile.x.com/otro/status/1234567890123456789"),
            link_key("https://x.com/fulano/status/1234567890123456789/photo/1")
        );
        assert_eq!(
            link_key("HTTPS://WWW.Example.com/nota/?utm_source=tw&id=3#top").as_deref(),
            Some("example.com/nota?id=3")
        );
        assert_eq!(
            link_key("www.example.com/a/"),
            link_key("http://example.com/a")
        );
        assert_eq!(link_key("javascript:alert(1)"), None);
        assert_eq!(
            post_ref_key("123", Some("Twitter")).as_deref(),
            Some("x:123")
        );
        assert_eq!(
            post_ref_key("https://x.com/a/status/123", None).as_deref(),
            Some("x:123")
        );
    }

    #[test]
    fn entities_are_found_by_their_names_and_common_short_forms() {
        let t = n("Saqueos en CDMX, Nuevo León y Baja California Sur; también en el Edomex").tokens;
        assert_eq!(
            entities_in(&t),
            [
                "Baja California Sur",
                "Ciudad de México",
                "México",
                "Nuevo León"
            ]
        );
        assert!(entities_in(&n("Viva México").tokens).is_empty());
        assert_eq!(
            entities_in(&n("en veracruz").tokens),
            ["Veracruz de Ignacio de la Llave"]
        );
    }
}
