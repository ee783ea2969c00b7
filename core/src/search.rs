//! Full-text search over the `items_fts` index, which the items module
//! keeps (each item's search text, rewritten whenever its fields change).
//!
//! Search runs SQLite FTS5 with the `unicode61 remove_diacritics 2`
//! tokenizer over post text, notes, handles, names, URLs, file names and
//! tags, so `linea` finds `línea` and `norona` finds `Noroña`. A person's
//! query is turned into quoted prefix terms ([`fts_query`]): FTS5 syntax in
//! it is never interpreted.

use crate::error::Result;
use crate::items::{self, load_items};
use crate::record::Item;
use crate::vault::Vault;

/// Turns what a person typed into an FTS5 query: every word must match, as a
/// prefix, in any order; quotes and operators are taken literally.
pub fn fts_query(input: &str) -> Option<String> {
    let terms: Vec<String> = input
        .split_whitespace()
        .map(|w| w.replace('"', ""))
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

impl Vault {
    /// Items matching a query, best first, optionally within one case.
    pub fn search(&self, query: &str, case_id: Option<&str>) -> Result<Vec<Item>> {
        let Some(q) = fts_query(query) else {
            return Ok(Vec::new());
        };
        let ids = items::matching(&self.db, &q, case_id)?;
        load_items(&self.db, &ids)
    }
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn queries_are_quoted_prefix_terms() {
        assert_eq!(
            fts_query("línea roja").as_deref(),
            Some("\"línea\"* \"roja\"*")
        );
        assert_eq!(
            fts_query("a\" OR \"b").as_deref(),
            Some("\"a\"* \"OR\"* \"b\"*")
        );
        assert_eq!(fts_query(" * - "), None);
    }
}
