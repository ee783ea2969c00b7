//! Account signals, pure: behaviour that automated or coordinated accounts
//! often show, each said with what it is and what it is not. None of them,
//! alone or together, makes an account "a bot": people open accounts to
//! speak up, post a lot when something happens, and copy texts they agree
//! with. They are reasons to look closer, shown beside the evidence.
//!
//! Main type: [`Signal`].

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::detect::{AccountInfo, AccountTally};
use crate::capture::platform::twitter_snowflake_time;

/// One signal about an account.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// Stable identifier: `account_age_days`, `posts_per_hour`,
    /// `default_handle`, `regular_intervals`, `near_duplicate_share`,
    /// `campaigns`.
    pub name: String,
    /// Its value.
    pub value: Value,
    /// What it is, in English.
    pub means: String,
    /// What it is, in Spanish.
    pub means_es: String,
    /// What it is not, in English.
    pub does_not_mean: String,
    /// What it is not, in Spanish.
    pub does_not_mean_es: String,
}

/// An account with its signals.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountSignals {
    /// The source's user id, or the handle where the source has none.
    pub id: String,
    /// Handle, without `@`.
    pub handle: String,
    /// Platform, where known.
    pub platform: Option<String>,
    /// Posts of it in the analysed data.
    pub posts: u32,
    /// The signals that apply.
    pub signals: Vec<Signal>,
}

fn signal(name: &str, value: Value, means: (String, String), not: (&str, &str)) -> Signal {
    Signal {
        name: name.to_string(),
        value,
        means: means.0,
        means_es: means.1,
        does_not_mean: not.0.to_string(),
        does_not_mean_es: not.1.to_string(),
    }
}

/// A handle of the pattern a platform suggests at sign-up: letters, then 8 digits.
pub fn default_handle(handle: &str) -> bool {
    let digits = handle
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .count();
    let name = &handle[..handle.len() - digits];
    digits == 8 && !name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic() || c == '_')
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The signals of one account, from its tallies and how many campaigns it is in.
pub fn account_signals(info: &AccountInfo, t: &AccountTally, campaigns: u32) -> AccountSignals {
    let mut out = Vec::new();
    let is_x = matches!(info.platform.as_deref(), Some("x" | "twitter"));
    if is_x
        && let Ok(id) = info.id.parse::<u64>()
        && let Some(created) = twitter_snowflake_time(id)
    {
        let days = ((t.first - created.at.timestamp()) as f64 / 86_400.0)
            .max(0.0)
            .floor();
        out.push(signal(
            "account_age_days",
            json!(days),
            (
                format!("the account was created about {days} days before its first post here (read from its X user id, which encodes the time it was made)"),
                format!("la cuenta se creó unos {days} días antes de su primera publicación aquí (se lee de su id de usuario de X, que codifica cuándo se creó)"),
            ),
            (
                "a new account is not a fake one: many people open an account to speak up about something that just happened",
                "una cuenta nueva no es una cuenta falsa: mucha gente abre una cuenta para opinar sobre algo que acaba de pasar",
            ),
        ));
    }
    let hours = ((t.last - t.first) as f64 / 3600.0).max(1.0);
    let rate = round2(f64::from(t.posts) / hours);
    out.push(signal(
        "posts_per_hour",
        json!(rate),
        (
            format!("{} posts in the collected data, {rate} per hour over the time it was active here", t.posts),
            format!("{} publicaciones en los datos reunidos, {rate} por hora en el tiempo que estuvo activa aquí", t.posts),
        ),
        (
            "only what was collected is counted, not everything the account posted; people post a lot when something happens",
            "solo cuenta lo que se reunió, no todo lo que publicó la cuenta; la gente publica mucho cuando algo pasa",
        ),
    ));
    if default_handle(&info.handle) {
        out.push(signal(
            "default_handle",
            json!(true),
            (
                "the handle is a name followed by 8 digits, the pattern a platform suggests at sign-up and that accounts made in bulk often keep".into(),
                "el usuario es un nombre seguido de 8 dígitos, el patrón que la plataforma sugiere al registrarse y que suelen conservar las cuentas creadas en masa".into(),
            ),
            (
                "many real people keep the handle they were offered",
                "muchas personas reales conservan el usuario que se les ofreció",
            ),
        ));
    }
    if t.gaps >= 4 && t.gap_mean > 0.0 {
        let cv = round2((t.gap_m2 / f64::from(t.gaps)).sqrt() / t.gap_mean);
        if cv < 0.1 {
            let mean = t.gap_mean.round();
            out.push(signal(
                "regular_intervals",
                json!(cv),
                (
                    format!("its {} posts came at nearly identical intervals (about {mean} seconds apart; variation {cv}), as a scheduler posts", t.posts),
                    format!("sus {} publicaciones llegaron a intervalos casi idénticos (unos {mean} segundos entre una y otra; variación {cv}), como publica un programador de tareas", t.posts),
                ),
                (
                    "people and organizations also schedule posts with ordinary tools",
                    "las personas y organizaciones también programan publicaciones con herramientas comunes",
                ),
            ));
        }
    }
    if t.posts > 0 {
        let share = round2(f64::from(t.co_posts) / f64::from(t.posts));
        out.push(signal(
            "near_duplicate_share",
            json!(share),
            (
                format!("{} of its {} posts ({:.0}%) were identical or near-identical to another account's within the window", t.co_posts, t.posts, share * 100.0),
                format!("{} de sus {} publicaciones ({:.0}%) fueron idénticas o casi idénticas a las de otra cuenta dentro de la ventana", t.co_posts, t.posts, share * 100.0),
            ),
            (
                "people copy and share texts they agree with; a copied text says nothing of who is behind the account",
                "la gente copia y comparte textos con los que está de acuerdo; un texto copiado no dice quién está detrás de la cuenta",
            ),
        ));
    }
    out.push(signal(
        "campaigns",
        json!(campaigns),
        (
            format!("it took part in {campaigns} of the campaigns found here"),
            format!("participó en {campaigns} de las campañas encontradas aquí"),
        ),
        (
            "taking part in a campaign does not show the account knew of it or was paid for it",
            "participar en una campaña no demuestra que la cuenta supiera de ella ni que le pagaran",
        ),
    ));
    AccountSignals {
        id: info.id.clone(),
        handle: info.handle.clone(),
        platform: info.platform.clone(),
        posts: t.posts,
        signals: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_handles_are_a_name_and_eight_digits() {
        assert!(default_handle("Juan12345678"));
        assert!(default_handle("maria_lopez20240101"));
        assert!(!default_handle("Juan1234567"));
        assert!(!default_handle("12345678"));
        assert!(!default_handle("Juan123456789"));
        assert!(!default_handle("Juán12345678"));
    }

    #[test]
    fn every_signal_says_what_it_is_and_is_not_in_both_languages() {
        let info = AccountInfo {
            id: "1700000000000000000".into(),
            handle: "Pedro87654321".into(),
            platform: Some("x".into()),
        };
        let t = AccountTally {
            posts: 6,
            first: 1_700_000_000,
            last: 1_700_000_500,
            gaps: 5,
            gap_mean: 100.0,
            gap_m2: 0.5,
            co_posts: 5,
        };
        let s = account_signals(&info, &t, 2);
        let names: Vec<&str> = s.signals.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "account_age_days",
                "posts_per_hour",
                "default_handle",
                "regular_intervals",
                "near_duplicate_share",
                "campaigns"
            ]
        );
        for sig in &s.signals {
            assert!(!sig.means.is_empty() && !sig.means_es.is_empty());
            assert!(!sig.does_not_mean.is_empty() && !sig.does_not_mean_es.is_empty());
        }
    }
}
