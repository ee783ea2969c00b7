//! The documentation record: cases, items and their fields, with the closed
//! lists (categories, threat levels, Mexican federal entities) that the CLI and
//! the app both offer.
//!
//! Main types: [`Case`], [`Item`], [`Kind`], [`Category`], [`ThreatLevel`],
//! [`ReportedTo`] and [`Meta`], the set of fields a person gives on import or
//! edit. Parsing of user-typed values lives here so every client accepts the
//! same words (English and Spanish) and gives the same errors.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A case: one campaign, incident or person's file of evidence.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Case {
    /// Time-sortable id (ULID).
    pub id: String,
    /// Unique name, as the person typed it.
    pub name: String,
    /// Free text describing the case.
    pub description: String,
    /// When the case was created.
    pub created_at: DateTime<Utc>,
    /// Number of items in the case.
    pub item_count: u64,
}

/// What an item is.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A decoded image (PNG, JPEG, WebP, GIF or BMP).
    Screenshot,
    /// Any other file, stored without decoding.
    File,
    /// A URL of a post or page.
    Link,
    /// Text written by the person documenting.
    Note,
}

impl Kind {
    /// The stable identifier used in the database and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Screenshot => "screenshot",
            Kind::File => "file",
            Kind::Link => "link",
            Kind::Note => "note",
        }
    }

    /// In Spanish with its article, for messages: "una nota", "un enlace".
    pub fn with_article_es(self) -> &'static str {
        match self {
            Kind::Screenshot => "una captura de pantalla",
            Kind::File => "un archivo",
            Kind::Link => "un enlace",
            Kind::Note => "una nota",
        }
    }

    /// Parses the stable identifier.
    pub fn parse(s: &str) -> Result<Kind> {
        Ok(match s {
            "screenshot" => Kind::Screenshot,
            "file" => Kind::File,
            "link" => Kind::Link,
            "note" => Kind::Note,
            other => {
                return Err(Error::invalid(
                    format!("unknown item kind `{other}`; use screenshot, file, link or note"),
                    format!(
                        "tipo de elemento desconocido `{other}`; usa screenshot, file, link o note"
                    ),
                ));
            }
        })
    }
}

/// Declares a closed list of values with their stable id, English and Spanish
/// labels, and the extra words accepted when a person types one.
macro_rules! closed_list {
    ($(#[$doc:meta])* $name:ident, $what:literal, $unknown_es:literal, [$($(#[$vdoc:meta])* $variant:ident = $id:literal, $en:literal, $es:literal, [$($alias:literal),*];)*]) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $id)] $variant,)*
        }

        impl $name {
            /// Every value, in the order the UI offers them.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable identifier used in the database and JSON.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $id,)* }
            }

            /// The label in English.
            pub fn label_en(self) -> &'static str {
                match self { $($name::$variant => $en,)* }
            }

            /// The label in Spanish.
            pub fn label_es(self) -> &'static str {
                match self { $($name::$variant => $es,)* }
            }

            /// Parses what a person typed: the id, either label or an alias,
            /// ignoring case, accents, spaces, dashes and underscores.
            pub fn parse(input: &str) -> Result<$name> {
                let key = fold_key(input);
                $(
                    if key == fold_key($id) || key == fold_key($en) || key == fold_key($es)
                        $(|| key == fold_key($alias))* {
                        return Ok($name::$variant);
                    }
                )*
                let valid: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                Err(Error::invalid(
                    format!("unknown {} `{}`; use one of: {}", $what, input, valid.join(", ")),
                    format!("{} `{}`; usa uno de estos valores: {}", $unknown_es, input, valid.join(", ")),
                ))
            }
        }
    };
}

closed_list!(
    /// The kind of attack, from the documentation practice in PRODUCT.md.
    Category, "category", "categoría desconocida", [
    /// A threat of harm.
    Threat = "threat", "Threat", "Amenaza", ["threats", "amenazas"];
    /// Harassment or insult.
    Harassment = "harassment", "Harassment or insult", "Acoso o insulto", ["insult", "acoso", "insulto", "insultos"];
    /// Exposed private data.
    Doxxing = "doxxing", "Doxxing (exposed private data)", "Doxeo (datos privados expuestos)", ["doxing", "doxeo", "dox"];
    /// Hate or discrimination.
    Hate = "hate", "Hate or discrimination", "Odio o discriminación", ["discrimination", "odio", "discriminacion", "racism", "racismo"];
    /// Incitement to violence or looting.
    Incitement = "incitement", "Incitement to violence or looting", "Incitación a la violencia o al saqueo", ["looting", "incitacion", "saqueo", "violence"];
    /// Digital sexual violence.
    SexualViolence = "sexual_violence", "Digital sexual violence", "Violencia sexual digital", ["sexual", "violencia_sexual"];
    /// Impersonation.
    Impersonation = "impersonation", "Impersonation", "Suplantación de identidad", ["suplantacion"];
    /// Disinformation or smear.
    Disinformation = "disinformation", "Disinformation or smear", "Desinformación o difamación", ["smear", "desinformacion", "difamacion"];
    /// Automated or bot activity.
    Bot = "bot", "Automated or bot activity", "Actividad automatizada o de bots", ["bots", "automated", "automatizada"];
    /// A coordinated campaign.
    Coordinated = "coordinated", "Coordinated campaign", "Campaña coordinada", ["coordinated_campaign", "campaign", "campana", "coordinada"];
    /// Anything else.
    Other = "other", "Other", "Otro", ["otra"];
]);

closed_list!(
    /// How serious the person documenting judges the item.
    ThreatLevel, "threat level", "nivel de amenaza desconocido", [
    /// Low.
    Low = "low", "Low", "Bajo", ["baja"];
    /// Medium.
    Medium = "medium", "Medium", "Medio", ["media"];
    /// High.
    High = "high", "High", "Alto", ["alta"];
    /// Critical: immediate danger.
    Critical = "critical", "Critical", "Crítico", ["critica"];
]);

/// The 32 Mexican federal entities by their official names.
pub const MEXICAN_STATES: [&str; 32] = [
    "Aguascalientes",
    "Baja California",
    "Baja California Sur",
    "Campeche",
    "Chiapas",
    "Chihuahua",
    "Ciudad de México",
    "Coahuila de Zaragoza",
    "Colima",
    "Durango",
    "Guanajuato",
    "Guerrero",
    "Hidalgo",
    "Jalisco",
    "México",
    "Michoacán de Ocampo",
    "Morelos",
    "Nayarit",
    "Nuevo León",
    "Oaxaca",
    "Puebla",
    "Querétaro",
    "Quintana Roo",
    "San Luis Potosí",
    "Sinaloa",
    "Sonora",
    "Tabasco",
    "Tamaulipas",
    "Tlaxcala",
    "Veracruz de Ignacio de la Llave",
    "Yucatán",
    "Zacatecas",
];

/// Common short names people type for a federal entity, mapped to the official name.
const STATE_ALIASES: &[(&str, &str)] = &[
    ("cdmx", "Ciudad de México"),
    ("df", "Ciudad de México"),
    ("distrito federal", "Ciudad de México"),
    ("mexico city", "Ciudad de México"),
    ("coahuila", "Coahuila de Zaragoza"),
    ("michoacan", "Michoacán de Ocampo"),
    ("veracruz", "Veracruz de Ignacio de la Llave"),
    ("estado de mexico", "México"),
    ("edomex", "México"),
    ("state of mexico", "México"),
    ("nuevo leon", "Nuevo León"),
];

/// Normalises a location: a federal entity typed loosely ("cdmx", "nuevo leon")
/// becomes its official name; anything else is kept as free text.
pub fn normalize_state(input: &str) -> String {
    let trimmed = input.trim();
    let key = fold_key(trimmed);
    if let Some(name) = MEXICAN_STATES.iter().find(|s| fold_key(s) == key) {
        return (*name).to_string();
    }
    if let Some((_, name)) = STATE_ALIASES.iter().find(|(a, _)| fold_key(a) == key) {
        return (*name).to_string();
    }
    trimmed.to_string()
}

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

/// Where an item was reported, with the ticket number and the response.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReportedTo {
    /// The platform, police, prosecutor, lawyer or organization.
    #[serde(rename = "where")]
    pub to: String,
    /// The ticket or case number they gave.
    pub ticket: Option<String>,
    /// What they answered.
    pub response: Option<String>,
}

impl ReportedTo {
    /// Parses `WHERE[; TICKET[; RESPONSE]]`.
    pub fn parse(input: &str) -> Result<ReportedTo> {
        let mut parts = input.splitn(3, ';').map(str::trim);
        let to = parts.next().unwrap_or_default().to_string();
        if to.is_empty() {
            return Err(Error::invalid(
                "--reported-to needs at least where it was reported, as `WHERE[; TICKET[; RESPONSE]]`",
                "--reported-to necesita al menos dónde se reportó, como `DÓNDE[; FOLIO[; RESPUESTA]]`",
            ));
        }
        let opt = |p: Option<&str>| p.filter(|s| !s.is_empty()).map(str::to_string);
        Ok(ReportedTo {
            to,
            ticket: opt(parts.next()),
            response: opt(parts.next()),
        })
    }
}

/// Parses a time as shown on a post: RFC 3339 with an offset, or a date and
/// time without one (taken as UTC), or a bare date (midnight UTC).
pub fn parse_time(input: &str) -> Result<DateTime<Utc>> {
    let s = input.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(t.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        && let Some(t) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(t.and_utc());
    }
    Err(Error::invalid(
        format!(
            "cannot read the time `{input}`; write it as 2024-05-01T18:30:00-06:00, 2024-05-01 18:30 (UTC) or 2024-05-01"
        ),
        format!(
            "no se entiende la hora `{input}`; escríbela como 2024-05-01T18:30:00-06:00, 2024-05-01 18:30 (UTC) o 2024-05-01"
        ),
    ))
}

/// Formats a time the way the vault stores and prints it: RFC 3339, UTC,
/// milliseconds, `Z` (fixed width, so text order is time order).
pub fn format_time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The fields a person gives when adding or editing an item. `None` leaves a
/// field as it is; an empty string or list clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    /// Platform the post is on (free text; compared without case).
    pub platform: Option<String>,
    /// URL of the post.
    pub url: Option<String>,
    /// Author's handle, as given.
    pub author: Option<String>,
    /// Author's display name.
    pub author_name: Option<String>,
    /// Time as shown on the post; `Some(None)` clears it.
    pub posted_at: Option<Option<DateTime<Utc>>>,
    /// Kinds of attack.
    pub categories: Option<Vec<Category>>,
    /// Threat assessment; `Some(None)` clears it.
    pub threat_level: Option<Option<ThreatLevel>>,
    /// Who was targeted.
    pub target: Option<String>,
    /// Location: a Mexican federal entity or free text.
    pub state: Option<String>,
    /// Hashtags, without `#`.
    pub hashtags: Option<Vec<String>>,
    /// Free tags.
    pub tags: Option<Vec<String>>,
    /// Context and notes.
    pub notes: Option<String>,
    /// Where the item was reported.
    pub reported_to: Option<Vec<ReportedTo>>,
    /// The post's text as shown.
    pub text: Option<String>,
}

impl Meta {
    /// True when no field is set.
    pub fn is_empty(&self) -> bool {
        *self == Meta::default()
    }
}

/// The fields of a record as a person types them (strings), before parsing:
/// what the CLI flags and the app's forms both produce. `None` leaves a field
/// as it is; an empty string or list clears it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct MetaInput {
    /// Platform.
    pub platform: Option<String>,
    /// URL of the post.
    pub url: Option<String>,
    /// Author's handle.
    pub author: Option<String>,
    /// Author's display name.
    pub author_name: Option<String>,
    /// Time shown on the post (see [`parse_time`]); empty clears.
    pub posted_at: Option<String>,
    /// Category ids or labels.
    pub categories: Option<Vec<String>>,
    /// Threat level id or label; empty clears.
    pub threat_level: Option<String>,
    /// Who was targeted.
    pub target: Option<String>,
    /// Location.
    pub state: Option<String>,
    /// Hashtags.
    pub hashtags: Option<Vec<String>>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Notes.
    pub notes: Option<String>,
    /// Where it was reported.
    pub reported_to: Option<Vec<ReportedTo>>,
    /// The post's text.
    pub text: Option<String>,
}

fn trimmed(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim)
}

impl MetaInput {
    /// Parses the typed values into a [`Meta`], with a clear error for the
    /// first value that cannot be read (a URL must pass
    /// [`validate_url`](crate::urls::validate_url)).
    pub fn parse(&self) -> Result<Meta> {
        Ok(Meta {
            platform: self.platform.clone(),
            url: crate::urls::validate_field(&self.url)?,
            author: self.author.clone(),
            author_name: self.author_name.clone(),
            posted_at: match trimmed(&self.posted_at) {
                None => None,
                Some("") => Some(None),
                Some(t) => Some(Some(parse_time(t)?)),
            },
            categories: self
                .categories
                .as_ref()
                .map(|c| {
                    c.iter()
                        .map(|c| Category::parse(c))
                        .collect::<Result<Vec<_>>>()
                })
                .transpose()?,
            threat_level: match trimmed(&self.threat_level) {
                None => None,
                Some("") => Some(None),
                Some(t) => Some(Some(ThreatLevel::parse(t)?)),
            },
            target: self.target.clone(),
            state: self.state.clone(),
            hashtags: self.hashtags.clone(),
            tags: self.tags.clone(),
            notes: self.notes.clone(),
            reported_to: self.reported_to.clone(),
            text: self.text.clone(),
        })
    }
}

/// Normalises a list of hashtags: trimmed, no leading `#`, no empties, no repeats.
pub fn normalize_hashtags(tags: &[String]) -> Vec<String> {
    normalize_list(tags.iter().map(|t| t.trim().trim_start_matches('#')))
}

/// Normalises a list of tags: trimmed, no empties, no repeats, order kept.
pub fn normalize_tags(tags: &[String]) -> Vec<String> {
    normalize_list(tags.iter().map(|t| t.trim()))
}

fn normalize_list<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in items {
        if !t.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(t)) {
            out.push(t.to_string());
        }
    }
    out
}

/// The key under which an author's items are grouped into one account:
/// lowercased platform and handle, without a leading `@`.
pub fn account_key(platform: Option<&str>, handle: &str) -> (String, String) {
    (
        platform.unwrap_or_default().trim().to_lowercase(),
        handle.trim().trim_start_matches('@').to_lowercase(),
    )
}

/// One item of evidence with all its fields, as the CLI prints it in JSON.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
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
    /// Time as shown on the post.
    pub posted_at: Option<DateTime<Utc>>,
    /// Platform.
    pub platform: Option<String>,
    /// URL of the post.
    pub url: Option<String>,
    /// Author handle.
    pub author: Option<String>,
    /// Author display name.
    pub author_name: Option<String>,
    /// The post's text.
    pub text: Option<String>,
    /// Kinds of attack.
    pub categories: Vec<Category>,
    /// Threat assessment.
    pub threat_level: Option<ThreatLevel>,
    /// Who was targeted.
    pub target: Option<String>,
    /// Location.
    pub state: Option<String>,
    /// Hashtags.
    pub hashtags: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Context and notes.
    pub notes: Option<String>,
    /// Where it was reported.
    pub reported_to: Vec<ReportedTo>,
    /// Another item with the same bytes in another case.
    pub duplicate_of: Option<String>,
    /// Items whose images look nearly the same (perceptual hash).
    pub near_duplicates: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_parse_in_both_languages_and_without_accents() {
        assert_eq!(Category::parse("threat").ok(), Some(Category::Threat));
        assert_eq!(Category::parse("Amenaza").ok(), Some(Category::Threat));
        assert_eq!(
            Category::parse("sexual-violence").ok(),
            Some(Category::SexualViolence)
        );
        assert_eq!(
            Category::parse("difamación").ok(),
            Some(Category::Disinformation)
        );
        let err = Category::parse("spam").unwrap_err().to_string();
        assert!(err.contains("threat, harassment"), "{err}");
    }

    #[test]
    fn threat_levels_parse() {
        assert_eq!(
            ThreatLevel::parse("CRÍTICO").ok(),
            Some(ThreatLevel::Critical)
        );
        assert_eq!(ThreatLevel::parse("low").ok(), Some(ThreatLevel::Low));
        assert!(ThreatLevel::parse("extreme").is_err());
    }

    #[test]
    fn states_take_official_names() {
        assert_eq!(normalize_state("cdmx"), "Ciudad de México");
        assert_eq!(normalize_state("nuevo leon"), "Nuevo León");
        assert_eq!(normalize_state("YUCATAN"), "Yucatán");
        assert_eq!(normalize_state("Texas"), "Texas");
    }

    #[test]
    fn times_parse_to_utc() {
        let t = parse_time("2024-05-01T18:30:00-06:00").unwrap();
        assert_eq!(format_time(&t), "2024-05-02T00:30:00.000Z");
        assert_eq!(
            format_time(&parse_time("2024-05-01 18:30").unwrap()),
            "2024-05-01T18:30:00.000Z"
        );
        assert!(parse_time("ayer").is_err());
    }

    #[test]
    fn reported_to_splits_on_semicolons() {
        let r = ReportedTo::parse("Fiscalía CDMX; CI-123; en trámite").unwrap();
        assert_eq!(r.to, "Fiscalía CDMX");
        assert_eq!(r.ticket.as_deref(), Some("CI-123"));
        assert_eq!(r.response.as_deref(), Some("en trámite"));
        assert!(ReportedTo::parse(" ; x").is_err());
    }

    #[test]
    fn hashtags_lose_their_hash_and_repeats() {
        let tags = vec!["#Fuera".into(), "fuera".into(), " ".into(), "#otro".into()];
        assert_eq!(normalize_hashtags(&tags), vec!["Fuera", "otro"]);
    }
}
