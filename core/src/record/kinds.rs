//! The kinds of field the item record's table uses (`super::item_record!`):
//! each marker type's [`FieldType`] says how its fields are typed, parsed,
//! checked, normalised, stored, searched and shown.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::{
    Category, ReportedTo, ThreatLevel, format_time, normalize_hashtags, normalize_state,
    normalize_tags, parse_stored_time, parse_time,
};

/// How one kind of field behaves: the types it has in the record
/// ([`FieldType::Value`]), in an edit ([`FieldType::Change`]) and as typed
/// ([`FieldType::Typed`]), and how it goes from one to the other.
pub trait FieldType {
    /// In an [`Item`](super::Item).
    type Value;
    /// In a [`Meta`](super::Meta): what setting the field to a value means.
    type Change;
    /// In a [`MetaInput`](super::MetaInput): as a person typed it.
    type Typed;
    /// The kind's name in [`FIELDS`](super::FIELDS) and the generated TypeScript table.
    const KIND: &'static str;
    /// Whether the field holds a list (a CLI flag given several times).
    const LIST: bool = false;
    /// Parses what a person typed.
    fn parse(typed: &Self::Typed) -> Result<Self::Change>;
    /// The typed value from the strings of a command line (one per flag).
    fn typed(values: Vec<String>) -> Result<Self::Typed>;
    /// Checks a change built by any client (rules that parsing also applies).
    fn check(change: &Self::Change) -> Result<Self::Change>;
    /// The change that empties the field.
    fn cleared() -> Self::Change;
    /// Sets the field from a change, normalising it.
    fn apply(value: &mut Self::Value, change: &Self::Change);
    /// The stored text of the field (its column); `None` is SQL NULL.
    fn store(value: &Self::Value) -> Option<String>;
    /// The field from its stored text; unreadable text reads as empty.
    fn load(stored: Option<String>) -> Self::Value;
    /// The words the search index holds for the field.
    fn search(value: &Self::Value, out: &mut Vec<String>);
    /// The field in the custody log's record of an item's fields.
    fn json(value: &Self::Value) -> Value;
    /// The field as one line of text for a person, if it has a value.
    fn text(value: &Self::Value) -> Option<String>;
    /// The field's free text, for cleaning and cutting before it is
    /// printed; `None` for a field of closed values (times, categories).
    fn slot(_: &mut Self::Value) -> Option<TextSlot<'_>> {
        None
    }
}

/// How much of a text a printed page holds (see `packet::printable`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A name, handle, place or id.
    Short,
    /// A post's text or notes.
    Long,
    /// A URL, printed whole when valid.
    Url,
}

/// A field's free text, to be cleaned in place.
pub enum TextSlot<'a> {
    /// One text.
    One(&'a mut Option<String>, Shape),
    /// A list of short texts.
    Words(&'a mut Vec<String>),
    /// Where an item was reported.
    Reports(&'a mut Vec<ReportedTo>),
}

/// Free text on one line or several (trimmed; empty clears).
pub struct Text;
/// Longer free text (notes, a post's text): like [`Text`], shown as a block.
pub struct LongText;
/// A URL: it must pass [`validate_url`](crate::urls::validate_url).
pub struct Link;
/// Another post, by URL or by the platform's id for it: a URL must pass
/// [`validate_url`](crate::urls::validate_url); an id is kept as given.
pub struct PostRef;
/// A location: a Mexican federal entity typed loosely becomes its official
/// name ([`normalize_state`]); anything else is kept as free text.
pub struct Location;
/// A time (see [`parse_time`]); stored as RFC 3339 UTC.
pub struct Time;
/// Categories from the closed list, sorted, without repeats.
pub struct Categories;
/// A threat level from the closed list.
pub struct Threat;
/// Hashtags, without `#` and repeats.
pub struct Hashtags;
/// Free tags, without repeats.
pub struct Tags;
/// Where an item was reported.
pub struct Reports;

fn set_text(value: &mut Option<String>, change: &str) {
    let v = change.trim();
    *value = (!v.is_empty()).then(|| v.to_string());
}

fn last(values: Vec<String>) -> String {
    values.into_iter().last().unwrap_or_default()
}

fn json_list<T: Serialize>(v: &[T]) -> Option<String> {
    serde_json::to_string(v).ok()
}

fn from_json_list<T: serde::de::DeserializeOwned>(stored: Option<String>) -> Vec<T> {
    stored
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

macro_rules! text_field_type {
    ($t:ty, $kind:literal, $shape:expr, check = $check:expr, apply = $apply:expr) => {
        impl FieldType for $t {
            type Value = Option<String>;
            type Change = String;
            type Typed = String;
            const KIND: &'static str = $kind;
            fn parse(typed: &String) -> Result<String> {
                Self::check(typed)
            }
            fn typed(values: Vec<String>) -> Result<String> {
                Ok(last(values))
            }
            fn check(change: &String) -> Result<String> {
                let check: fn(&str) -> Result<String> = $check;
                match change.trim() {
                    "" => Ok(String::new()),
                    v => check(v),
                }
            }
            fn cleared() -> String {
                String::new()
            }
            fn apply(value: &mut Option<String>, change: &String) {
                let apply: fn(&mut Option<String>, &str) = $apply;
                apply(value, change)
            }
            fn store(value: &Option<String>) -> Option<String> {
                value.clone()
            }
            fn load(stored: Option<String>) -> Option<String> {
                stored
            }
            fn search(value: &Option<String>, out: &mut Vec<String>) {
                out.extend(value.clone());
            }
            fn json(value: &Option<String>) -> Value {
                value.clone().into()
            }
            fn text(value: &Option<String>) -> Option<String> {
                value.clone()
            }
            fn slot(value: &mut Option<String>) -> Option<TextSlot<'_>> {
                Some(TextSlot::One(value, $shape))
            }
        }
    };
}

text_field_type!(
    Text,
    "text",
    Shape::Short,
    check = |v| Ok(v.to_string()),
    apply = set_text
);
text_field_type!(
    LongText,
    "long_text",
    Shape::Long,
    check = |v| Ok(v.to_string()),
    apply = set_text
);
text_field_type!(
    Link,
    "url",
    Shape::Url,
    check = crate::urls::validate_url,
    apply = set_text
);
text_field_type!(
    PostRef,
    "post_ref",
    Shape::Url,
    check = check_post_ref,
    apply = set_text
);
text_field_type!(
    Location,
    "location",
    Shape::Short,
    check = |v| Ok(v.to_string()),
    apply = |value, change| set_text(value, &normalize_state(change))
);

/// The longest post id kept (ids on the platforms Testigo knows are under 40
/// characters; a longer text is almost certainly pasted by mistake).
pub const MAX_POST_ID: usize = 200;

/// A reference to another post: a URL (anything with a scheme) must pass
/// [`validate_url`](crate::urls::validate_url) (anything with `:` or `/` is
/// taken for a URL); an id is one word of at most [`MAX_POST_ID`]
/// characters, without control characters, and loses a leading `#`.
fn check_post_ref(v: &str) -> Result<String> {
    if v.contains(':') || v.contains('/') {
        return crate::urls::validate_url(v);
    }
    let id = v.trim_start_matches('#');
    if id.chars().count() > MAX_POST_ID || id.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Error::invalid(
            format!(
                "`{}` is neither a post's URL (https://...) nor its id (one word of at most {MAX_POST_ID} characters)",
                crate::urls::quoted(v)
            ),
            format!(
                "`{}` no es ni la URL de una publicación (https://...) ni su id (una palabra de a lo más {MAX_POST_ID} caracteres)",
                crate::urls::quoted(v)
            ),
        ));
    }
    Ok(id.to_string())
}

impl FieldType for Time {
    type Value = Option<DateTime<Utc>>;
    type Change = Option<DateTime<Utc>>;
    type Typed = String;
    const KIND: &'static str = "time";
    fn parse(typed: &String) -> Result<Self::Change> {
        match typed.trim() {
            "" => Ok(None),
            t => parse_time(t).map(Some),
        }
    }
    fn typed(values: Vec<String>) -> Result<String> {
        Ok(last(values))
    }
    fn check(change: &Self::Change) -> Result<Self::Change> {
        Ok(*change)
    }
    fn cleared() -> Self::Change {
        None
    }
    fn apply(value: &mut Self::Value, change: &Self::Change) {
        *value = *change;
    }
    fn store(value: &Self::Value) -> Option<String> {
        value.as_ref().map(format_time)
    }
    fn load(stored: Option<String>) -> Self::Value {
        stored.as_deref().map(parse_stored_time)
    }
    fn search(_: &Self::Value, _: &mut Vec<String>) {}
    fn json(value: &Self::Value) -> Value {
        value.as_ref().map(format_time).into()
    }
    fn text(value: &Self::Value) -> Option<String> {
        value.as_ref().map(format_time)
    }
}

impl FieldType for Categories {
    type Value = Vec<Category>;
    type Change = Vec<Category>;
    type Typed = Vec<String>;
    const KIND: &'static str = "categories";
    const LIST: bool = true;
    fn parse(typed: &Vec<String>) -> Result<Self::Change> {
        typed.iter().map(|c| Category::parse(c)).collect()
    }
    fn typed(values: Vec<String>) -> Result<Vec<String>> {
        Ok(values)
    }
    fn check(change: &Self::Change) -> Result<Self::Change> {
        Ok(change.clone())
    }
    fn cleared() -> Self::Change {
        Vec::new()
    }
    fn apply(value: &mut Self::Value, change: &Self::Change) {
        let mut c = change.clone();
        c.sort();
        c.dedup();
        *value = c;
    }
    fn store(value: &Self::Value) -> Option<String> {
        json_list(value)
    }
    fn load(stored: Option<String>) -> Self::Value {
        from_json_list(stored)
    }
    fn search(_: &Self::Value, _: &mut Vec<String>) {}
    fn json(value: &Self::Value) -> Value {
        serde_json::to_value(value).unwrap_or_default()
    }
    fn text(value: &Self::Value) -> Option<String> {
        let ids: Vec<&str> = value.iter().map(|c| c.as_str()).collect();
        (!ids.is_empty()).then(|| ids.join(", "))
    }
}

impl FieldType for Threat {
    type Value = Option<ThreatLevel>;
    type Change = Option<ThreatLevel>;
    type Typed = String;
    const KIND: &'static str = "threat_level";
    fn parse(typed: &String) -> Result<Self::Change> {
        match typed.trim() {
            "" => Ok(None),
            t => ThreatLevel::parse(t).map(Some),
        }
    }
    fn typed(values: Vec<String>) -> Result<String> {
        Ok(last(values))
    }
    fn check(change: &Self::Change) -> Result<Self::Change> {
        Ok(*change)
    }
    fn cleared() -> Self::Change {
        None
    }
    fn apply(value: &mut Self::Value, change: &Self::Change) {
        *value = *change;
    }
    fn store(value: &Self::Value) -> Option<String> {
        value.map(|t| t.as_str().to_string())
    }
    fn load(stored: Option<String>) -> Self::Value {
        stored.and_then(|t| ThreatLevel::parse(&t).ok())
    }
    fn search(_: &Self::Value, _: &mut Vec<String>) {}
    fn json(value: &Self::Value) -> Value {
        serde_json::to_value(value).unwrap_or_default()
    }
    fn text(value: &Self::Value) -> Option<String> {
        value.map(|t| t.as_str().to_string())
    }
}

macro_rules! word_list_field_type {
    ($t:ty, $kind:literal, $normalize:path) => {
        impl FieldType for $t {
            type Value = Vec<String>;
            type Change = Vec<String>;
            type Typed = Vec<String>;
            const KIND: &'static str = $kind;
            const LIST: bool = true;
            fn parse(typed: &Vec<String>) -> Result<Vec<String>> {
                Ok(typed.clone())
            }
            fn typed(values: Vec<String>) -> Result<Vec<String>> {
                Ok(values)
            }
            fn check(change: &Vec<String>) -> Result<Vec<String>> {
                Ok(change.clone())
            }
            fn cleared() -> Vec<String> {
                Vec::new()
            }
            fn apply(value: &mut Vec<String>, change: &Vec<String>) {
                *value = $normalize(change);
            }
            fn store(value: &Vec<String>) -> Option<String> {
                json_list(value)
            }
            fn load(stored: Option<String>) -> Vec<String> {
                from_json_list(stored)
            }
            fn search(value: &Vec<String>, out: &mut Vec<String>) {
                out.extend(value.iter().cloned());
            }
            fn json(value: &Vec<String>) -> Value {
                value.clone().into()
            }
            fn text(value: &Vec<String>) -> Option<String> {
                (!value.is_empty()).then(|| value.join(", "))
            }
            fn slot(value: &mut Vec<String>) -> Option<TextSlot<'_>> {
                Some(TextSlot::Words(value))
            }
        }
    };
}

word_list_field_type!(Hashtags, "hashtags", normalize_hashtags);
word_list_field_type!(Tags, "tags", normalize_tags);

impl FieldType for Reports {
    type Value = Vec<ReportedTo>;
    type Change = Vec<ReportedTo>;
    type Typed = Vec<ReportedTo>;
    const KIND: &'static str = "reports";
    const LIST: bool = true;
    fn parse(typed: &Vec<ReportedTo>) -> Result<Self::Change> {
        Ok(typed.clone())
    }
    fn typed(values: Vec<String>) -> Result<Vec<ReportedTo>> {
        values.iter().map(|r| ReportedTo::parse(r)).collect()
    }
    fn check(change: &Self::Change) -> Result<Self::Change> {
        Ok(change.clone())
    }
    fn cleared() -> Self::Change {
        Vec::new()
    }
    fn apply(value: &mut Self::Value, change: &Self::Change) {
        *value = change.clone();
    }
    fn store(value: &Self::Value) -> Option<String> {
        json_list(value)
    }
    fn load(stored: Option<String>) -> Self::Value {
        from_json_list(stored)
    }
    fn search(value: &Self::Value, out: &mut Vec<String>) {
        for r in value {
            out.push(r.to.clone());
            out.extend(r.ticket.clone());
            out.extend(r.response.clone());
        }
    }
    fn json(value: &Self::Value) -> Value {
        serde_json::to_value(value).unwrap_or_default()
    }
    fn text(value: &Self::Value) -> Option<String> {
        let lines: Vec<String> = value
            .iter()
            .map(|r| {
                [
                    Some(r.to.as_str()),
                    r.ticket.as_deref(),
                    r.response.as_deref(),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("; ")
            })
            .collect();
        (!lines.is_empty()).then(|| lines.join("\n"))
    }
    fn slot(value: &mut Self::Value) -> Option<TextSlot<'_>> {
        Some(TextSlot::Reports(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_references_are_urls_or_one_word_ids() {
        assert_eq!(
            check_post_ref("1765432109876543210").unwrap(),
            "1765432109876543210"
        );
        assert_eq!(check_post_ref("#abc_DEF-1").unwrap(), "abc_DEF-1");
        assert!(check_post_ref("https://x.com/a/status/1").is_ok());
        assert!(check_post_ref("javascript:alert(1)").is_err());
        assert!(check_post_ref("dos palabras").is_err());
        assert!(check_post_ref(&"9".repeat(MAX_POST_ID + 1)).is_err());
        assert!(check_post_ref("a\u{1b}[2J").is_err());
    }
}
