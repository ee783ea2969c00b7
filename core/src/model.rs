//! The documentation record: cases, items and their fields, with the closed
//! lists (categories, threat levels, Mexican federal entities) that the CLI and
//! the app both offer.
//!
//! Main types: [`Case`], [`Kind`], [`Category`], [`ThreatLevel`],
//! [`ReportedTo`]. Parsing of user-typed values lives here so every client
//! accepts the same words (English and Spanish) and gives the same errors.
//! The item record built from these ([`crate::record::Item`], its fields'
//! table) is in [`crate::record`].

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::text::fold_key;

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
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A decoded image (PNG, JPEG, WebP, GIF or BMP).
    Screenshot,
    /// Any other file, stored without decoding.
    #[default]
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
                "a report needs at least where it was reported, as `WHERE[; TICKET[; RESPONSE]]`",
                "un reporte necesita al menos dónde se hizo, como `DÓNDE[; FOLIO[; RESPUESTA]]`",
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

/// Reads a time the vault stored ([`format_time`]); one that does not read
/// (never written by Testigo) reads as the Unix epoch.
pub fn parse_stored_time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
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
