//! The one error that crosses to the UI: `{kind, message}`, with `kind` a
//! closed list mirrored in TypeScript (`ui/src/lib/bindings.ts`). The UI
//! shows a translated sentence for the kind and the message as detail.

use serde::Serialize;
use specta::Type;
use testigo::ErrorKind;

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
    /// Details, in English, from the core.
    pub message: String,
}

impl AppError {
    /// The vault is locked.
    pub fn locked() -> AppError {
        AppError {
            kind: AppErrorKind::Locked,
            message: "the vault is locked; unlock it first".into(),
        }
    }

    /// A failure inside the app itself.
    pub fn internal(message: impl Into<String>) -> AppError {
        AppError {
            kind: AppErrorKind::Internal,
            message: message.into(),
        }
    }
}

impl From<testigo::Error> for AppError {
    fn from(e: testigo::Error) -> AppError {
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
            message: e.to_string(),
        }
    }
}

/// The result type of every command.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_is_pinned() {
        let e: AppError = testigo::Error::WrongPassphrase.into();
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"kind":"wrong_passphrase","message":"wrong passphrase, or the vault's key file is damaged; check the passphrase and try again"}"#
        );
        assert_eq!(
            serde_json::to_string(&AppError::locked()).unwrap(),
            r#"{"kind":"locked","message":"the vault is locked; unlock it first"}"#
        );
    }
}
