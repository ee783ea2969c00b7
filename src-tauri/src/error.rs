//! The one error that crosses to the UI: `{kind, message}`, with `kind` a
//! closed list mirrored in TypeScript (`ui/src/lib/bindings.ts`). The UI
//! shows a translated sentence for the kind and the message as detail; the
//! message is in the UI's language where the core has translated it (the
//! UI says which language it shows with `set_ui_language`).

use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use specta::Type;
use testigo_core::ErrorKind;
use testigo_core::error::Lang;

static SPANISH: AtomicBool = AtomicBool::new(false);

/// Sets the language of error messages to the one the UI shows.
pub fn set_language(lang: Lang) {
    SPANISH.store(lang == Lang::Es, Ordering::Relaxed);
}

/// The language of error messages.
pub fn language() -> Lang {
    if SPANISH.load(Ordering::Relaxed) {
        Lang::Es
    } else {
        Lang::En
    }
}

/// What went wrong, for the UI to choose its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum AppErrorKind {
    /// Input not acceptable.
    Invalid,
    /// The passphrase does not open the vault.
    WrongPassphrase,
    /// No vault yet.
    NoVault,
    /// A vault already exists there.
    VaultExists,
    /// No such case or item.
    NotFound,
    /// A prefix matched several.
    Ambiguous,
    /// A file could not be imported.
    Import,
    /// Stored data failed its check.
    Corrupt,
    /// Files could not be read or written.
    Io,
    /// The database failed.
    Database,
    /// The vault is locked: unlock it first.
    Locked,
    /// Something inside the app failed.
    Internal,
}

/// An error as the UI receives it.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AppError {
    /// The kind, for the UI's translated sentence.
    pub kind: AppErrorKind,
    /// Details from the core, in the UI's language where translated.
    pub message: String,
    /// The technical detail (a library's or the system's own words), shown
    /// behind "Detalles técnicos".
    pub detail: Option<String>,
}

impl AppError {
    /// The vault is locked.
    pub fn locked() -> AppError {
        AppError {
            kind: AppErrorKind::Locked,
            message: in_ui_language(
                "the vault is locked; unlock it first",
                "la bóveda está bloqueada; ábrela primero",
            ),
            detail: None,
        }
    }

    /// A failure inside the app itself, said in English and Spanish.
    pub fn internal(en: impl Into<String>, es: impl Into<String>) -> AppError {
        AppError {
            kind: AppErrorKind::Internal,
            message: in_ui_language(en, es),
            detail: None,
        }
    }

    /// The same error with a technical detail.
    #[must_use]
    pub fn with_detail(mut self, detail: impl std::fmt::Display) -> AppError {
        self.detail = Some(detail.to_string());
        self
    }
}

/// The English or Spanish text, as the UI shows.
pub(crate) fn in_ui_language(en: impl Into<String>, es: impl Into<String>) -> String {
    match language() {
        Lang::Es => es.into(),
        Lang::En => en.into(),
    }
}

impl From<testigo_core::Error> for AppError {
    fn from(e: testigo_core::Error) -> AppError {
        AppError::in_language(e, language())
    }
}

impl AppError {
    /// A core error, its message in `lang` where translated.
    pub fn in_language(e: testigo_core::Error, lang: Lang) -> AppError {
        let kind = match e.kind() {
            ErrorKind::Invalid => AppErrorKind::Invalid,
            ErrorKind::WrongPassphrase => AppErrorKind::WrongPassphrase,
            ErrorKind::NoVault => AppErrorKind::NoVault,
            ErrorKind::VaultExists => AppErrorKind::VaultExists,
            ErrorKind::NotFound => AppErrorKind::NotFound,
            ErrorKind::Ambiguous => AppErrorKind::Ambiguous,
            ErrorKind::Import => AppErrorKind::Import,
            ErrorKind::Corrupt => AppErrorKind::Corrupt,
            ErrorKind::Io => AppErrorKind::Io,
            ErrorKind::Database => AppErrorKind::Database,
        };
        AppError {
            kind,
            message: e.localized(lang),
            detail: e.detail(),
        }
    }
}

/// The result type of every command.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_follow_the_ui_language() {
        let e = || testigo_core::Error::invalid("bad", "mal");
        assert_eq!(AppError::in_language(e(), Lang::Es).message, "mal");
        assert_eq!(AppError::in_language(e(), Lang::En).message, "bad");
        let wrong = AppError::in_language(testigo_core::Error::WrongPassphrase, Lang::Es);
        assert!(wrong.message.starts_with("contraseña incorrecta"));
    }

    #[test]
    fn the_json_is_pinned() {
        let e: AppError = testigo_core::Error::WrongPassphrase.into();
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"kind":"wrong_passphrase","message":"wrong passphrase, or the vault's key file is damaged; check the passphrase and try again","detail":null}"#
        );
        assert_eq!(
            serde_json::to_string(&AppError::locked()).unwrap(),
            r#"{"kind":"locked","message":"the vault is locked; unlock it first","detail":null}"#
        );
    }
}
