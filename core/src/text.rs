//! Text folding, on the bottom floor: how Testigo compares words a person
//! types ("Crítico", "critico" and "CRITICO" are one word), for the closed
//! lists, languages, and anything else matched loosely. Pure; depends on
//! nothing else in the crate.

/// Lowercases, strips accents and drops spaces, dashes and underscores, so
/// "Crítico", "critico" and "CRITICO" compare equal.
pub fn fold_key(s: &str) -> String {
    fold_diacritics(s)
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '.' | '(' | ')'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Replaces the accented Latin letters of Spanish, Portuguese and French with
/// their base letters (`línea` → `linea`, `Noroña` → `Norona`).
pub fn fold_diacritics(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' => 'A',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'É' | 'È' | 'Ê' | 'Ë' => 'E',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'Í' | 'Ì' | 'Î' | 'Ï' => 'I',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => 'O',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'Ú' | 'Ù' | 'Û' | 'Ü' => 'U',
            'ñ' => 'n',
            'Ñ' => 'N',
            'ç' => 'c',
            'Ç' => 'C',
            other => other,
        })
        .collect()
}
/// Control characters, bidi embeddings, overrides, isolates and marks,
/// zero-width and other invisible characters, line separators: text that
/// could read one way and do another (U+202E reverses what follows; ESC
/// starts a terminal escape sequence).
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// Text from outside (a server's reason, say) made fit for a message: its
/// hidden characters become `?`, and it is cut at `max` characters.
pub fn untrusted_line(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .take(max)
        .map(|c| if is_hidden(c) { '?' } else { c })
        .collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
}
