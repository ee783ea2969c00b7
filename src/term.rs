//! The terminal side of the CLI: the language of messages, the passphrase
//! (from `TESTIGO_PASSPHRASE` or a prompt), error reporting, and the only
//! writers of lines and progress messages (`out`, `err`, `set_message`),
//! which pass everything through `shown`.

use std::io::Write as _;
use std::sync::OnceLock;

use testigo_core::{Error, ErrorKind};

use super::shown::{self, Shown};

pub use testigo_core::error::Lang;

/// The language from `TESTIGO_LANG`, `LC_ALL`, `LC_MESSAGES` or `LANG`.
pub fn lang() -> Lang {
    static LANG: OnceLock<Lang> = OnceLock::new();
    *LANG.get_or_init(|| {
        ["TESTIGO_LANG", "LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|v| !v.is_empty())
            .map_or(Lang::En, |v| Lang::from_locale(&v))
    })
}

static VERBOSE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Asks for technical details under messages (`--verbose`).
pub fn set_verbose(on: bool) {
    VERBOSE.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// The technical detail of a failure as a line to print under its message,
/// with `--verbose` only: messages say what happened and what to do; what a
/// library or the system said is for whoever asks.
pub fn detail_line(detail: Option<&str>) -> Option<String> {
    let d = detail.filter(|d| !d.is_empty())?;
    VERBOSE.load(std::sync::atomic::Ordering::Relaxed).then(|| {
        format!(
            "  {}: {}",
            tr("technical details", "detalles técnicos"),
            Shown(d)
        )
    })
}

/// Picks the English or Spanish text.
pub fn tr<'a>(en: &'a str, es: &'a str) -> &'a str {
    match lang() {
        Lang::En => en,
        Lang::Es => es,
    }
}

/// Where the passphrase comes from.
pub enum Confirm {
    /// Ask once.
    Once,
    /// Ask twice and compare (new passphrases).
    Twice,
}

/// Reads a passphrase from an environment variable, or prompts on the terminal.
pub fn passphrase(
    var: &str,
    prompt_en: &str,
    prompt_es: &str,
    confirm: Confirm,
) -> Result<String, Error> {
    if let Ok(p) = std::env::var(var) {
        return Ok(p);
    }
    let ask = |prompt: &str| {
        rpassword::prompt_password(prompt).map_err(|e| {
            Error::invalid(
                format!("cannot ask for the passphrase ({e}); run in a terminal or set {var}"),
                format!(
                    "no se puede pedir la contraseña ({e}); ejecútalo en una terminal o define {var}"
                ),
            )
        })
    };
    let first = ask(tr(prompt_en, prompt_es))?;
    if let Confirm::Twice = confirm {
        let again = ask(tr("Repeat it: ", "Repítela: "))?;
        if again != first {
            return Err(Error::invalid(
                "the two passphrases differ; nothing was changed, try again",
                "las dos contraseñas no coinciden; no se cambió nada, inténtalo de nuevo",
            ));
        }
    }
    Ok(first)
}

/// A warning for passphrases that are easy to guess.
pub fn weak_passphrase_warning(p: &str) -> Option<&'static str> {
    (p.chars().count() < 12).then(|| {
        tr(
            "warning: this passphrase is short; a phrase of four or more words is much harder to guess",
            "aviso: esta contraseña es corta; una frase de cuatro o más palabras es mucho más difícil de adivinar",
        )
    })
}

/// A line on stdout (what `outln!` writes), with every control character
/// but its newlines escaped. When the reader has gone (`testigo list | head`),
/// the program ends quietly instead of panicking on the closed pipe.
pub fn out(text: &str) {
    let mut line = shown::line(text).into_owned();
    line.push('\n');
    if std::io::stdout().write_all(line.as_bytes()).is_err() {
        std::process::exit(0);
    }
}

/// A line on stderr (what `errln!` writes), escaped as [`out`]'s.
pub fn err(text: &str) {
    let mut line = shown::line(text).into_owned();
    line.push('\n');
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// Sets a progress bar's message (a file name, a URL: untrusted), escaped.
/// The only way the CLI sets one.
pub fn set_message(bar: &indicatif::ProgressBar, text: &str) {
    bar.set_message(Shown(text).to_string());
}

/// The message for an error, in the person's language where it has been
/// translated, escaped: it can embed a file name, a URL or an entry name.
pub fn message(e: &Error) -> String {
    Shown(&e.localized(lang())).to_string()
}

/// What to try next, for some errors.
pub fn hint(e: &Error, command: &str) -> Option<String> {
    Some(match (e.kind(), e) {
        (ErrorKind::NoVault, _) => tr(
            "create a vault with `testigo init`, or set TESTIGO_VAULT to the folder of an existing one",
            "crea una bóveda con `testigo init`, o pon en TESTIGO_VAULT la carpeta de una existente",
        )
        .into(),
        (ErrorKind::VaultExists, _) => tr(
            "choose another folder with --vault (or TESTIGO_VAULT)",
            "elige otra carpeta con --vault (o TESTIGO_VAULT)",
        )
        .into(),
        (ErrorKind::WrongPassphrase, _) => tr(
            "the passphrase is read from TESTIGO_PASSPHRASE, or asked for on the terminal",
            "la contraseña se lee de TESTIGO_PASSPHRASE, o se pide en la terminal",
        )
        .into(),
        (ErrorKind::NotFound, Error::NotFound { what: "case", .. }) => {
            tr("`testigo case list` shows the cases", "`testigo case list` muestra los casos").into()
        }
        (ErrorKind::NotFound | ErrorKind::Ambiguous, _) => {
            tr("`testigo list` shows item ids", "`testigo list` muestra los ids de los elementos").into()
        }
        (ErrorKind::Invalid, _) => format!("testigo {command} --help"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_messages_are_escaped() {
        let bar = indicatif::ProgressBar::hidden();
        set_message(&bar, "a\x1b]0;t\x07\nb\u{202e}");
        assert_eq!(bar.message(), "a\\x1b]0;t\\x07\\nb\\u{202e}");
    }
}
