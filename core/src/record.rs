//! The item record, in one place: [`item_record!`] below lists every field a
//! person gives an item (platform, author, posted time, categories, ...) once,
//! with its kind, CLI flag and labels, and generates from that list:
//!
//! - [`Item`] (the record, as JSON prints it and as TypeScript types it),
//!   [`Meta`] (the fields of an add or edit: `None` leaves a field as it is)
//!   and [`MetaInput`] (the same, typed as text by a person);
//! - parsing ([`MetaInput::parse`], [`MetaInput::set_typed`]), checking
//!   ([`Meta::checked`]), clearing ([`Meta::clear`]) and applying
//!   ([`Meta::apply_to`]);
//! - the stored form (one text column per field, [`FIELD_COLUMNS`],
//!   [`Item::stored_fields`], [`Item::set_stored_fields`]), the search text
//!   ([`Item::search_text`]) and the custody log's record of the fields
//!   ([`Item::fields_json`]);
//! - [`FIELDS`], the table the CLI builds its flags and `--clear` from, the
//!   packet its field list from, and the app its form from
//!   (`ui/src/lib/fields.ts`, generated).
//!
//! What each kind of field does (how it is parsed, normalised, stored and
//! searched) is the [`FieldType`] of its marker type ([`Text`], [`Time`],
//! ...). Adding a field is one line in the table and a migration adding its
//! column; ARCHITECTURE.md ("Adding a field to items") has the steps.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::{
    Category, Kind, ReportedTo, ThreatLevel, format_time, normalize_hashtags, normalize_state,
    normalize_tags, parse_stored_time, parse_time,
};

/// How one kind of field behaves: the types it has in the record
/// ([`FieldType::Value`]), in an edit ([`FieldType::Change`]) and as typed
/// ([`FieldType::Typed`]), and how it goes from one to the other.
pub trait FieldType {
    /// In an [`Item`].
    type Value;
    /// In a [`Meta`]: what setting the field to a value means.
    type Change;
    /// In a [`MetaInput`]: as a person typed it.
    type Typed;
    /// The kind's name in [`FIELDS`] and the generated TypeScript table.
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

/// One row of the field table: what every client needs to know about a field.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, Serialize)]
pub struct FieldInfo {
    /// The field's name in JSON, TypeScript, the database and the custody log.
    pub name: &'static str,
    /// Its kind ([`FieldType::KIND`]): how it is typed and shown.
    pub kind: &'static str,
    /// Whether it holds a list.
    pub list: bool,
    /// The CLI's flag for it, without `--`.
    pub flag: &'static str,
    /// What the CLI's help says of the flag.
    pub help: &'static str,
    /// Its label in English (app, packet).
    pub en: &'static str,
    /// Its label in Spanish (app, packet).
    pub es: &'static str,
}

impl FieldInfo {
    /// The label in `lang`.
    pub fn label(&self, lang: crate::error::Lang) -> &'static str {
        match lang {
            crate::error::Lang::Es => self.es,
            crate::error::Lang::En => self.en,
        }
    }

    /// Whether `name` names this field: its name or its flag, with `-` or
    /// `_` and with or without a leading `--`.
    pub fn is_named(&self, name: &str) -> bool {
        let key = name.trim().trim_start_matches("--").replace('-', "_");
        key == self.name || key == self.flag.replace('-', "_")
    }
}

/// The item record's one definition; see the module documentation.
macro_rules! item_record {
    ($(
        $(#[doc = $doc:literal])*
        $field:ident: $ty:ident, flag $flag:literal, $en:literal, $es:literal, help $help:literal;
    )*) => {
        /// One item of evidence with all its fields, as the CLI prints it in JSON.
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        #[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
        pub struct Item {
            /// Time-sortable id (ULID).
            pub id: String,
            /// What the item is.
            pub kind: Kind,
            /// The case it belongs to.
            pub case_id: String,
            /// SHA-256 of the original bytes (the capture for links); null for notes
            /// and unfetched links.
            pub sha256: Option<String>,
            /// Size of the original in bytes.
            pub size: Option<u64>,
            /// Media type of the original.
            pub media_type: Option<String>,
            /// File name the original had when imported.
            pub file_name: Option<String>,
            /// Image width in pixels.
            pub width: Option<u32>,
            /// Image height in pixels.
            pub height: Option<u32>,
            /// When it entered the vault (UTC).
            pub captured_at: DateTime<Utc>,
            $(
                $(#[doc = $doc])*
                pub $field: <$ty as FieldType>::Value,
            )*
            /// Another item with the same bytes in another case.
            pub duplicate_of: Option<String>,
            /// Items whose images look nearly the same (perceptual hash).
            pub near_duplicates: Vec<String>,
        }

        /// The fields a person gives when adding or editing an item. `None`
        /// leaves a field as it is; an empty string or list clears it.
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct Meta {
            $(
                $(#[doc = $doc])*
                pub $field: Option<<$ty as FieldType>::Change>,
            )*
        }

        /// The fields of a record as a person types them (strings), before
        /// parsing: what the CLI flags and the app's forms both produce.
        /// `None` (or a missing key) leaves a field as it is; an empty
        /// string or list clears it.
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        #[serde(default)]
        pub struct MetaInput {
            $(
                $(#[doc = $doc])*
                #[serde(skip_serializing_if = "Option::is_none")]
                #[cfg_attr(feature = "specta", specta(optional))]
                pub $field: Option<<$ty as FieldType>::Typed>,
            )*
        }

        /// The field table: every field a person gives an item, in the order
        /// the record, the app's form and the packet list them.
        pub const FIELDS: &[FieldInfo] = &[$(
            FieldInfo {
                name: stringify!($field),
                kind: <$ty as FieldType>::KIND,
                list: <$ty as FieldType>::LIST,
                flag: $flag,
                help: $help,
                en: $en,
                es: $es,
            },
        )*];

        /// The database column of each field, in [`FIELDS`] order.
        pub const FIELD_COLUMNS: &[&str] = &[$(stringify!($field)),*];

        impl MetaInput {
            /// Parses the typed values into a [`Meta`], with a clear error
            /// for the first value that cannot be read.
            pub fn parse(&self) -> Result<Meta> {
                Ok(Meta {$(
                    $field: self.$field.as_ref().map(<$ty as FieldType>::parse).transpose()?,
                )*})
            }

            /// Sets the field `name` (see [`FieldInfo::is_named`]) from the
            /// values a command line gave for it (one per flag). `false` when
            /// there is no such field.
            pub fn set_typed(&mut self, name: &str, values: Vec<String>) -> Result<bool> {
                $(
                    if FIELDS.iter().any(|f| f.name == stringify!($field) && f.is_named(name)) {
                        self.$field = Some(<$ty as FieldType>::typed(values)?);
                        return Ok(true);
                    }
                )*
                Ok(false)
            }
        }

        impl Meta {
            /// True when no field is set.
            pub fn is_empty(&self) -> bool {
                *self == Meta::default()
            }

            /// `self` with the rules of every field checked, whoever built
            /// it (the CLI, the app, an embedder): no client can store what
            /// another would refuse.
            pub fn checked(&self) -> Result<Meta> {
                Ok(Meta {$(
                    $field: self.$field.as_ref().map(<$ty as FieldType>::check).transpose()?,
                )*})
            }

            /// Makes the field `name` (see [`FieldInfo::is_named`]) empty.
            /// `None` when there is no such field; otherwise whether a value
            /// had been given for it (which the clearing replaced).
            pub fn clear(&mut self, name: &str) -> Option<bool> {
                $(
                    if FIELDS.iter().any(|f| f.name == stringify!($field) && f.is_named(name)) {
                        let given = self.$field.is_some();
                        self.$field = Some(<$ty as FieldType>::cleared());
                        return Some(given);
                    }
                )*
                None
            }

            /// Sets on `item` the fields this gives, normalised.
            pub fn apply_to(&self, item: &mut Item) {
                $(
                    if let Some(change) = &self.$field {
                        <$ty as FieldType>::apply(&mut item.$field, change);
                    }
                )*
            }
        }

        impl Item {
            /// The time an item is placed at: as posted when known, else
            /// as captured.
            pub fn when(&self) -> DateTime<Utc> {
                self.posted_at.unwrap_or(self.captured_at)
            }

            /// The stored text of each field, in [`FIELD_COLUMNS`] order.
            pub fn stored_fields(&self) -> Vec<Option<String>> {
                vec![$(<$ty as FieldType>::store(&self.$field)),*]
            }

            /// Sets every field from its stored text; `stored` gives the text
            /// of the column at each index of [`FIELD_COLUMNS`].
            pub fn set_stored_fields<E>(
                &mut self,
                mut stored: impl FnMut(usize) -> std::result::Result<Option<String>, E>,
            ) -> std::result::Result<(), E> {
                let mut i = 0;
                $(
                    self.$field = <$ty as FieldType>::load(stored(i)?);
                    i += 1;
                )*
                let _ = i;
                Ok(())
            }

            /// The words the search index holds for the item: every field's
            /// and the original's file name.
            pub fn search_text(&self) -> String {
                let mut out: Vec<String> = Vec::new();
                $(<$ty as FieldType>::search(&self.$field, &mut out);)*
                out.extend(self.file_name.clone());
                out.join("\n")
            }

            /// The person-given fields, as the custody log records them.
            pub fn fields_json(&self) -> Value {
                let mut m = serde_json::Map::new();
                $(m.insert(stringify!($field).into(), <$ty as FieldType>::json(&self.$field));)*
                Value::Object(m)
            }

            /// The free text of every field that has some, by field name,
            /// for cleaning in place.
            pub fn text_slots(&mut self) -> Vec<(&'static str, TextSlot<'_>)> {
                let mut out = Vec::new();
                $(
                    if let Some(slot) = <$ty as FieldType>::slot(&mut self.$field) {
                        out.push((stringify!($field), slot));
                    }
                )*
                out
            }

            /// Each field with a value, as one text for a person (categories
            /// and threat levels by their ids), in [`FIELDS`] order.
            pub fn field_texts(&self) -> Vec<(&'static FieldInfo, String)> {
                let mut out = Vec::new();
                let mut i = 0;
                $(
                    if let Some(t) = <$ty as FieldType>::text(&self.$field) {
                        out.push((&FIELDS[i], t));
                    }
                    i += 1;
                )*
                let _ = i;
                out
            }
        }
    };
}

item_record! {
    /// Time as shown on the post.
    posted_at: Time, flag "posted-at", "Posted (as shown)", "Publicado (como aparece)",
        help "Time shown on the post (2024-05-01T18:30:00-06:00; without offset, UTC)";
    /// Platform the post is on (free text; compared without case).
    platform: Text, flag "platform", "Platform", "Plataforma",
        help "Platform (x, facebook, instagram, tiktok, ...)";
    /// URL of the post.
    url: Link, flag "url", "Post URL", "URL de la publicación",
        help "URL of the post";
    /// Author's handle, as given.
    author: Text, flag "author", "Author handle", "Usuario del autor",
        help "Author's handle";
    /// Author's display name.
    author_name: Text, flag "author-name", "Author display name", "Nombre visible del autor",
        help "Author's display name";
    /// The post's text as shown.
    text: LongText, flag "text", "Post text", "Texto de la publicación",
        help "The post's text as shown";
    /// Kinds of attack.
    categories: Categories, flag "category", "Categories", "Categorías",
        help "Kind of attack, repeatable: threat, harassment, doxxing, hate, incitement, sexual_violence, impersonation, disinformation, bot, coordinated, other";
    /// Threat assessment.
    threat_level: Threat, flag "threat-level", "Threat level", "Nivel de amenaza",
        help "low, medium, high, critical";
    /// Who was targeted.
    target: Text, flag "target", "Person or group targeted", "Persona o grupo atacado",
        help "Who was targeted";
    /// Location: a Mexican federal entity or free text.
    state: Location, flag "state", "Location", "Ubicación",
        help "Location: a Mexican federal entity (official name or e.g. cdmx) or free text";
    /// Hashtags, without `#`.
    hashtags: Hashtags, flag "hashtag", "Hashtags", "Hashtags",
        help "Hashtag, repeatable";
    /// Free tags.
    tags: Tags, flag "tag", "Tags", "Etiquetas",
        help "Tag, repeatable";
    /// Context and notes.
    notes: LongText, flag "note", "Notes and context", "Notas y contexto",
        help "Context and notes";
    /// Where it was reported.
    reported_to: Reports, flag "reported-to", "Reported to", "Reportado a",
        help "Where it was reported, repeatable: \"WHERE[; TICKET[; RESPONSE]]\"";
    /// The post this one answers: its URL or the platform's id for it.
    reply_to: PostRef, flag "reply-to", "In reply to", "En respuesta a",
        help "The post this one answers: its URL or id";
    /// The post this one reposts (retweet, share): its URL or id.
    repost_of: PostRef, flag "repost-of", "Repost of", "Republicación de",
        help "The post this one reposts or shares: its URL or id";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_names_each_field_once_and_every_flag_differs() {
        let mut names: Vec<&str> = FIELDS.iter().map(|f| f.name).collect();
        let mut flags: Vec<&str> = FIELDS.iter().map(|f| f.flag).collect();
        names.sort();
        flags.sort();
        names.dedup();
        flags.dedup();
        assert_eq!(names.len(), FIELDS.len());
        assert_eq!(flags.len(), FIELDS.len());
        assert_eq!(FIELD_COLUMNS.len(), FIELDS.len());
    }

    #[test]
    fn every_field_round_trips_through_its_stored_form() {
        let input = MetaInput {
            posted_at: Some("2024-05-01 18:30".into()),
            platform: Some("X".into()),
            url: Some("https://x.com/a/status/1".into()),
            author: Some("@a".into()),
            author_name: Some("A".into()),
            text: Some("hola".into()),
            categories: Some(vec!["amenaza".into()]),
            threat_level: Some("alto".into()),
            target: Some("Ana".into()),
            state: Some("cdmx".into()),
            hashtags: Some(vec!["#fuera".into()]),
            tags: Some(vec!["t".into()]),
            notes: Some("n".into()),
            reported_to: Some(vec![ReportedTo::parse("X; 1").unwrap()]),
            reply_to: Some("https://x.com/b/status/2".into()),
            repost_of: Some("1765432109876543210".into()),
        };
        let mut item = Item::default();
        input.parse().unwrap().apply_to(&mut item);
        assert_eq!(item.state.as_deref(), Some("Ciudad de México"));
        assert_eq!(item.hashtags, vec!["fuera"]);
        let stored = item.stored_fields();
        let mut back = Item::default();
        back.set_stored_fields::<()>(|i| Ok(stored[i].clone()))
            .unwrap();
        assert_eq!(back, item);
        let texts = item.field_texts();
        assert_eq!(texts.len(), FIELDS.len(), "{texts:?}");
        assert!(item.search_text().contains("1765432109876543210"));
    }

    #[test]
    fn clearing_names_fields_by_name_or_flag() {
        let mut meta = Meta {
            reply_to: Some("1".into()),
            ..Meta::default()
        };
        assert_eq!(meta.clear("--reply-to"), Some(true));
        assert_eq!(meta.reply_to.as_deref(), Some(""));
        assert_eq!(meta.clear("category"), Some(false));
        assert_eq!(meta.categories, Some(Vec::new()));
        assert_eq!(meta.clear("author_name"), Some(false));
        assert_eq!(meta.clear("nope"), None);
    }

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
