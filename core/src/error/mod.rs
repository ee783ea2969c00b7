//! The one error type of the core, and the closed list of its kinds that
//! clients (CLI exit codes, the desktop UI) switch on.
//!
//! Main types: [`Error`], [`ErrorKind`], [`Lang`], [`Message`] (a text in
//! English and Spanish, for reports that keep both) and [`IoContext`] (what
//! was being done when reading or writing failed, so [`Error::Io`] can be
//! said in Spanish too).

use std::io;
use std::path::PathBuf;

use serde::Serialize;

mod io_context;

pub use io_context::IoContext;
use io_context::io_reason_en;
pub(crate) use io_context::io_reason_es;

/// What went wrong, in a form a client can act on without parsing text.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The input was not acceptable (bad value, bad URL, unknown category).
    Invalid,
    /// The passphrase does not open the vault.
    WrongPassphrase,
    /// No vault where one was expected.
    NoVault,
    /// A vault already exists where one would be created.
    VaultExists,
    /// No case or item matches.
    NotFound,
    /// Several cases or items match a prefix.
    Ambiguous,
    /// A file could not be imported (decode failure, limits, unreadable).
    Import,
    /// Stored data failed its integrity check.
    Corrupt,
    /// Reading or writing files failed.
    Io,
    /// The database failed.
    Database,
}

/// An error of the core library. Messages are lowercase, say what was being
/// done, and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// See [`ErrorKind::WrongPassphrase`].
    #[error(
        "wrong passphrase, or the vault's key file is damaged; check the passphrase and try again"
    )]
    WrongPassphrase,
    /// See [`ErrorKind::NoVault`].
    #[error("no vault at {0}; create one there, or open the folder of an existing one")]
    NoVault(PathBuf),
    /// See [`ErrorKind::VaultExists`].
    #[error("a vault already exists at {0}; open it, or choose another folder")]
    VaultExists(PathBuf),
    /// See [`ErrorKind::NotFound`].
    #[error("no {what} matches `{query}`")]
    NotFound {
        /// "case" or "item".
        what: &'static str,
        /// What was asked for.
        query: String,
    },
    /// See [`ErrorKind::Ambiguous`].
    #[error("`{query}` matches several {what}s ({candidates}); give more characters of the id")]
    Ambiguous {
        /// "case" or "item".
        what: &'static str,
        /// What was asked for.
        query: String,
        /// Some of the ids it matches.
        candidates: String,
    },
    /// See [`ErrorKind::Io`].
    #[error("{context}: {reason}", reason = io_reason_en(.source))]
    Io {
        /// What was being done, naming the path.
        context: IoContext,
        /// The operating system's error.
        source: io::Error,
    },
    /// See [`ErrorKind::Database`].
    #[error("the vault's database failed; try again, and if it keeps failing, check the vault")]
    Database(#[source] rusqlite::Error),
    /// An error of another kind whose message has been written in Spanish
    /// too (see [`Error::bilingual`]); shown in English by `Display`.
    #[error("{en}")]
    Bilingual {
        /// Its kind.
        kind: ErrorKind,
        /// The message in English.
        en: String,
        /// The message in Spanish.
        es: String,
        /// The technical detail (a library's or the system's own words),
        /// kept out of the sentence for people: shown behind "Detalles
        /// técnicos" in the app and with `--verbose` in the CLI.
        detail: Option<String>,
    },
}

/// A language a person reads: of messages (English is that of `Display`
/// and of JSON output) and of printed packets.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Spanish.
    Es,
    /// English.
    En,
}

impl Lang {
    /// Spanish for locales starting with `es` (`es_MX.UTF-8`, `es-MX`), English otherwise.
    pub fn from_locale(locale: &str) -> Lang {
        if locale.trim().to_ascii_lowercase().starts_with("es") {
            Lang::Es
        } else {
            Lang::En
        }
    }

    /// `es` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }

    /// Reads `es` or `en` (also `español`, `spanish`, `english`, `inglés`,
    /// any letter case).
    pub fn parse(input: &str) -> Result<Lang> {
        match crate::text::fold_key(input).as_str() {
            "es" | "espanol" | "spanish" => Ok(Lang::Es),
            "en" | "ingles" | "english" => Ok(Lang::En),
            _ => Err(Error::invalid(
                format!("unknown language `{input}`; use es (español) or en (English)"),
                format!("idioma desconocido `{input}`; usa es (español) o en (inglés)"),
            )),
        }
    }
}

impl Error {
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::WrongPassphrase => ErrorKind::WrongPassphrase,
            Error::NoVault(_) => ErrorKind::NoVault,
            Error::VaultExists(_) => ErrorKind::VaultExists,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Ambiguous { .. } => ErrorKind::Ambiguous,
            Error::Io { .. } => ErrorKind::Io,
            Error::Database(_) => ErrorKind::Database,
            Error::Bilingual { kind, .. } => *kind,
        }
    }

    /// An error with its message in English and in Spanish.
    pub fn bilingual(kind: ErrorKind, en: impl Into<String>, es: impl Into<String>) -> Error {
        Error::Bilingual {
            kind,
            en: en.into(),
            es: es.into(),
            detail: None,
        }
    }

    /// The same error with a technical detail: what a library or the
    /// system said, for whoever wants it (see [`Error::detail`]). Only
    /// bilingual errors take one; the others have their own.
    #[must_use]
    pub fn with_detail(self, detail: impl std::fmt::Display) -> Error {
        match self {
            Error::Bilingual { kind, en, es, .. } => Error::Bilingual {
                kind,
                en,
                es,
                detail: Some(detail.to_string()),
            },
            other => other,
        }
    }

    /// The technical detail behind the message, if any: a library's own
    /// words, the operating system's error, the database's.
    pub fn detail(&self) -> Option<String> {
        match self {
            Error::Bilingual { detail, .. } => detail.clone(),
            Error::Io { source, .. } => Some(source.to_string()),
            Error::Database(e) => Some(e.to_string()),
            _ => None,
        }
    }

    /// Input not acceptable, said in English and Spanish.
    pub fn invalid(en: impl Into<String>, es: impl Into<String>) -> Error {
        Error::bilingual(ErrorKind::Invalid, en, es)
    }

    /// The message in `lang`, where it has been translated (English otherwise).
    pub fn localized(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            Error::Bilingual { es, .. } => es.clone(),
            Error::WrongPassphrase => {
                "contraseña incorrecta, o el archivo de claves de la bóveda está dañado; revisa la contraseña e inténtalo de nuevo".into()
            }
            Error::NoVault(p) => format!(
                "no hay una bóveda en {}; crea una ahí, o abre la carpeta de una existente",
                p.display()
            ),
            Error::VaultExists(p) => format!(
                "ya existe una bóveda en {}; ábrela, o elige otra carpeta",
                p.display()
            ),
            Error::NotFound { what, query } => format!(
                "ningún {} coincide con `{query}`",
                if *what == "case" { "caso" } else { "elemento" }
            ),
            Error::Ambiguous {
                query, candidates, ..
            } => format!(
                "`{query}` coincide con varios ({candidates}); escribe más caracteres del id"
            ),
            Error::Io { context, source } => {
                format!("no se pudo {}: {}", context.es(), io_reason_es(source))
            }
            Error::Database(_) => "falló la base de datos de la bóveda; inténtalo de nuevo y, si sigue fallando, revisa la bóveda".into(),
        }
    }

    /// Stored data failed its integrity check, said in English and Spanish.
    pub fn corrupt(en: impl Into<String>, es: impl Into<String>) -> Error {
        Error::bilingual(ErrorKind::Corrupt, en, es)
    }

    /// The disk was full while doing `context`: says so, and what to do,
    /// in both languages (an [`ErrorKind::Io`] error).
    pub fn disk_full(context: IoContext) -> Error {
        Error::Io {
            context,
            source: io::Error::from(io::ErrorKind::StorageFull),
        }
    }

    /// True when this error comes from a full disk (or a used-up quota).
    pub fn is_disk_full(&self) -> bool {
        match self {
            Error::Io { source, .. } => io_context::is_disk_full(source),
            Error::Database(e) => e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull),
            _ => false,
        }
    }

    /// Wraps an I/O error with what was being done:
    /// `.map_err(Error::io(IoContext::Reading(path.into())))`.
    pub fn io(context: IoContext) -> impl FnOnce(io::Error) -> Error {
        move |source| Error::Io { context, source }
    }
}

impl From<rusqlite::Error> for Error {
    /// A database error; a full disk (`SQLITE_FULL`) is said as such.
    fn from(e: rusqlite::Error) -> Self {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
            Error::disk_full(IoContext::WritingDatabase)
        } else {
            Error::Database(e)
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::corrupt(
            "data kept in the vault could not be read; the vault may be damaged: check it",
            "no se pudieron leer datos guardados en la bóveda; puede estar dañada: revísala",
        )
        .with_detail(e)
    }
}

/// A text in English and Spanish: what `verify` and `check` keep for each
/// problem, so a client can show either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// In English.
    pub en: String,
    /// In Spanish.
    pub es: String,
}

impl Message {
    /// A message from its two texts.
    pub fn new(en: impl Into<String>, es: impl Into<String>) -> Message {
        Message {
            en: en.into(),
            es: es.into(),
        }
    }

    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Es => &self.es,
        }
    }
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_database_disk_is_said_as_such_in_both_languages() {
        let full = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        );
        let e: Error = full.into();
        assert_eq!(e.kind(), ErrorKind::Io);
        assert!(e.is_disk_full());
        assert_eq!(
            e.to_string(),
            "writing the vault database: the disk is full; free some space and try again"
        );
        assert_eq!(
            e.localized(Lang::Es),
            "no se pudo escribir la base de datos de la bóveda: el disco está lleno; libera espacio y vuelve a intentarlo"
        );
        let other: Error = rusqlite::Error::QueryReturnedNoRows.into();
        assert_eq!(other.kind(), ErrorKind::Database);
        assert!(!other.is_disk_full());
    }

    #[test]
    fn stored_json_errors_are_corrupt_in_both_languages() {
        let e: Error = serde_json::from_str::<u8>("{").unwrap_err().into();
        assert_eq!(e.kind(), ErrorKind::Corrupt);
        assert!(
            e.to_string()
                .starts_with("data kept in the vault could not be read")
        );
        assert!(
            e.localized(Lang::Es)
                .starts_with("no se pudieron leer datos guardados")
        );
        // The parser's words are the detail, not part of the sentence.
        let words = serde_json::from_str::<u8>("{").unwrap_err().to_string();
        assert!(!e.to_string().contains(&words), "{e}");
        assert_eq!(e.detail(), Some(words));
    }

    #[test]
    fn technical_detail_stays_out_of_the_sentence() {
        let e = Error::invalid("the image is damaged", "la imagen está dañada")
            .with_detail("Format error decoding Png: ChunkType");
        assert_eq!(e.to_string(), "the image is damaged");
        assert_eq!(e.localized(Lang::Es), "la imagen está dañada");
        assert_eq!(
            e.detail().as_deref(),
            Some("Format error decoding Png: ChunkType")
        );
        let db: Error = rusqlite::Error::QueryReturnedNoRows.into();
        assert!(!db.to_string().contains("Query returned no rows"), "{db}");
        assert!(
            db.detail()
                .is_some_and(|d| d.contains("Query returned no rows"))
        );
    }
}
