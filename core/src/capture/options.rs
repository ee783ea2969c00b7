//! How captures are fetched: [`FetchOptions`] (proxy, user agent, timeouts,
//! the byte budget, extra trusted roots, addresses that count as public) and
//! the vault settings that hold their defaults ([`SETTINGS`],
//! [`Vault::capture_options`], [`Vault::set_capture_setting`]).

use std::net::IpAddr;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::vault::Vault;

/// The default `User-Agent`: says what is fetching, so nobody mistakes a
/// capture for a person's browser.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "Mozilla/5.0 (compatible; Testigo/",
    env!("CARGO_PKG_VERSION"),
    "; evidence capture)"
);

/// How to fetch.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchOptions {
    /// `http://`, `https://`, `socks5://` or `socks5h://` proxy URL; `None`
    /// connects directly (environment proxy variables are ignored).
    pub proxy: Option<String>,
    /// The `User-Agent` header sent.
    pub user_agent: String,
    /// Longest wait for a connection to open.
    pub connect_timeout: Duration,
    /// Longest time for a whole capture, redirects included.
    pub timeout: Duration,
    /// The capture's byte budget: most body bytes kept by one capture, all
    /// its answers together (redirects included). The final answer gets
    /// what the redirects left; more is cut and recorded as too large.
    pub max_bytes: u64,
    /// Most body bytes kept from each redirect answer (out of `max_bytes`);
    /// the rest is not read, and the cut is recorded (`WARC-Truncated: length`).
    pub max_redirect_bytes: u64,
    /// Most redirects followed.
    pub max_redirects: usize,
    /// How many URLs are fetched at the same time.
    pub concurrency: usize,
    /// Root certificates (DER) trusted besides the system's. The CLI and the
    /// vault's settings never set it: it is for tests against a local HTTPS
    /// server, and for a program embedding the core behind a private CA.
    pub extra_roots: Vec<Vec<u8>>,
    /// Addresses that count as public although they are not (loopback,
    /// private…). The CLI and the vault's settings never set it: it lets a
    /// test start a capture on this machine (say 127.0.0.2) that counts as
    /// "on the internet", so that redirects from it into local addresses
    /// are refused as they would be from a real public site (see
    /// [`super::address`]).
    pub treat_as_public: Vec<IpAddr>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            proxy: None,
            user_agent: DEFAULT_USER_AGENT.to_string(),
            connect_timeout: Duration::from_secs(15),
            timeout: Duration::from_secs(60),
            max_bytes: 50 * 1024 * 1024,
            max_redirect_bytes: 64 * 1024,
            max_redirects: 10,
            concurrency: 4,
            extra_roots: Vec::new(),
            treat_as_public: Vec::new(),
        }
    }
}

/// One capture setting kept in the vault.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// Its key, as `testigo settings` takes it.
    pub key: &'static str,
    /// Its value when not set.
    pub default: &'static str,
    /// What it does.
    pub help: &'static str,
}

/// Every capture setting.
pub const SETTINGS: &[Setting] = &[
    Setting {
        key: "capture.fetch_on_add",
        default: "true",
        help: "fetch links when they are added (true or false)",
    },
    Setting {
        key: "capture.proxy",
        default: "",
        help: "proxy URL: http://, https://, socks5:// or socks5h:// (Tor: socks5h://127.0.0.1:9050); empty for none",
    },
    Setting {
        key: "capture.user_agent",
        default: DEFAULT_USER_AGENT,
        help: "the User-Agent header sent",
    },
    Setting {
        key: "capture.timeout",
        default: "60",
        help: "seconds a whole capture may take, redirects included",
    },
    Setting {
        key: "capture.connect_timeout",
        default: "15",
        help: "seconds to wait for a connection",
    },
    Setting {
        key: "capture.max_bytes",
        default: "52428800",
        help: "most bytes a capture keeps, its redirects included (each redirect's body at most 64 KiB); a longer page is cut and recorded as too large",
    },
];

fn setting(key: &str) -> Result<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key).ok_or_else(|| {
        let keys: Vec<&str> = SETTINGS.iter().map(|s| s.key).collect();
        let keys = keys.join(", ");
        Error::invalid(
            format!("unknown setting `{key}`; use one of: {keys}"),
            format!("ajuste desconocido `{key}`; usa uno de: {keys}"),
        )
    })
}

/// Reads a number of seconds (`2`, `0.5`).
pub fn parse_seconds(what: &str, value: &str) -> Result<Duration> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0 && *s <= 86_400.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| {
            Error::invalid(
                format!("{what} `{value}` is not a number of seconds between 0 and 86400"),
                format!("{what} `{value}` no es un número de segundos entre 0 y 86400"),
            )
        })
}

/// Reads a byte count.
pub fn parse_bytes(what: &str, value: &str) -> Result<u64> {
    value
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            Error::invalid(
                format!("{what} `{value}` is not a number of bytes"),
                format!("{what} `{value}` no es un número de bytes"),
            )
        })
}

/// Checks a proxy URL: only the schemes the fetcher speaks.
pub fn check_proxy(value: &str) -> Result<String> {
    let v = value.trim();
    let parsed = url::Url::parse(v).map_err(|e| {
        Error::invalid(
            format!("the proxy `{v}` is not a URL ({e}); write it like socks5h://127.0.0.1:9050"),
            format!("el proxy `{v}` no es una URL ({e}); escríbelo como socks5h://127.0.0.1:9050"),
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https" | "socks5" | "socks5h") {
        return Err(Error::invalid(
            format!(
                "the proxy `{v}` is a {} URL; use http://, https://, socks5:// or socks5h://",
                parsed.scheme()
            ),
            format!(
                "el proxy `{v}` es una URL {}; usa http://, https://, socks5:// o socks5h://",
                parsed.scheme()
            ),
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid(
            format!("the proxy `{v}` has no host"),
            format!("el proxy `{v}` no tiene servidor"),
        ));
    }
    Ok(v.to_string())
}

/// Reads `true`/`false` (and `yes`/`no`, `on`/`off`, `1`/`0`).
pub fn parse_bool(what: &str, value: &str) -> Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Ok(true),
        "false" | "no" | "off" | "0" => Ok(false),
        _ => Err(Error::invalid(
            format!("{what} `{value}` is not true or false"),
            format!("{what} `{value}` no es true ni false"),
        )),
    }
}

fn check_value(key: &str, value: &str) -> Result<String> {
    Ok(match key {
        "capture.fetch_on_add" => parse_bool(key, value)?.to_string(),
        "capture.proxy" if value.trim().is_empty() => String::new(),
        "capture.proxy" => check_proxy(value)?,
        "capture.user_agent" => {
            let v = value.trim();
            if v.is_empty() || v.chars().any(char::is_control) {
                return Err(Error::invalid(
                    "the user agent must be one line of text, not empty",
                    "el agente de usuario debe ser una línea de texto, no vacía",
                ));
            }
            v.to_string()
        }
        "capture.timeout" | "capture.connect_timeout" => {
            parse_seconds(key, value)?;
            value.trim().to_string()
        }
        "capture.max_bytes" => parse_bytes(key, value)?.to_string(),
        _ => value.to_string(),
    })
}

impl Vault {
    /// A capture setting's value, or its default.
    pub fn capture_setting(&self, key: &str) -> Result<String> {
        let s = setting(key)?;
        Ok(self.setting(key)?.unwrap_or_else(|| s.default.to_string()))
    }

    /// Sets a capture setting after checking its value; `None` goes back to
    /// the default.
    pub fn set_capture_setting(&self, key: &str, value: Option<&str>) -> Result<String> {
        let s = setting(key)?;
        match value {
            None => {
                self.clear_setting(key)?;
                Ok(s.default.to_string())
            }
            Some(v) => {
                let v = check_value(key, v)?;
                self.set_setting(key, &v)?;
                Ok(v)
            }
        }
    }

    /// Whether links are fetched when added.
    pub fn fetch_on_add(&self) -> Result<bool> {
        parse_bool(
            "capture.fetch_on_add",
            &self.capture_setting("capture.fetch_on_add")?,
        )
    }

    /// Fetch options from the vault's settings (defaults where unset).
    pub fn capture_options(&self) -> Result<FetchOptions> {
        let proxy = self.capture_setting("capture.proxy")?;
        Ok(FetchOptions {
            proxy: (!proxy.is_empty()).then_some(proxy),
            user_agent: self.capture_setting("capture.user_agent")?,
            connect_timeout: parse_seconds(
                "capture.connect_timeout",
                &self.capture_setting("capture.connect_timeout")?,
            )?,
            timeout: parse_seconds("capture.timeout", &self.capture_setting("capture.timeout")?)?,
            max_bytes: parse_bytes(
                "capture.max_bytes",
                &self.capture_setting("capture.max_bytes")?,
            )?,
            ..FetchOptions::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked() {
        assert_eq!(check_value("capture.fetch_on_add", "NO").unwrap(), "false");
        assert!(check_value("capture.fetch_on_add", "maybe").is_err());
        assert_eq!(
            check_value("capture.proxy", " socks5h://127.0.0.1:9050 ").unwrap(),
            "socks5h://127.0.0.1:9050"
        );
        assert!(check_value("capture.proxy", "ftp://x").is_err());
        assert!(check_value("capture.proxy", "127.0.0.1:9050").is_err());
        assert!(check_value("capture.timeout", "0").is_err());
        assert!(check_value("capture.timeout", "NaN").is_err());
        assert_eq!(check_value("capture.timeout", "0.5").unwrap(), "0.5");
        assert!(check_value("capture.user_agent", "a\nb").is_err());
        assert!(setting("capture.nope").is_err());
        for s in SETTINGS {
            check_value(s.key, s.default).unwrap();
        }
    }
}
