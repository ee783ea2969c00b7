//! The item record, in one place: `item_record!` below lists every field a
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

mod kinds;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Result;
use crate::model::Kind;

pub use kinds::{
    Categories, FieldType, Hashtags, Link, Location, LongText, MAX_POST_ID, PostRef, Reports,
    Shape, Tags, Text, TextSlot, Threat, Time,
};

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
    use crate::model::ReportedTo;

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
}
