//! The organization's keys: the minisign receipt key (signs receipts and
//! the organization file) and the age identity reports may be encrypted to.

use std::path::Path;
use std::str::FromStr as _;

use age::secrecy::ExposeSecret as _;
use anyhow::{Context, Result, bail};
use testigo_core::PublicKeyInfo;
use testigo_core::signing::SigningKey;
use testigo_core::submission::org::{FORMAT, Org};

use crate::config::{self, Config};
use crate::files::write_private;

/// What `init` asks for.
pub struct Init<'a> {
    /// The organization's name.
    pub name: &'a str,
    /// The address reporters reach the server at.
    pub url: &'a str,
    /// A contact for people.
    pub contact: &'a str,
    /// Where `serve` listens.
    pub listen: Option<&'a str>,
}

/// Creates the server's folder: keys, organization file and configuration.
/// Refuses a folder that already holds a configuration.
pub fn init(dir: &Path, init: &Init<'_>) -> Result<Org> {
    if dir.join(config::CONFIG_FILE).exists() {
        bail!(
            "{} already holds an intake server; choose another folder / ya contiene un servidor de recepción; elige otra carpeta",
            dir.display()
        );
    }
    testigo_core::private::create_dir_all(dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let (key, secret) = SigningKey::generate_unattended()?;
    write_private(&dir.join(config::RECEIPT_KEY), secret.as_bytes())?;
    write_private(
        &dir.join(config::RECEIPT_PUB),
        key.public().pub_file.as_bytes(),
    )?;
    let identity = age::x25519::Identity::generate();
    let identity_text = format!(
        "# testigo-intake: the age identity reports are encrypted to\n# public key: {}\n{}\n",
        identity.to_public(),
        identity.to_string().expose_secret()
    );
    write_private(&dir.join(config::IDENTITY), identity_text.as_bytes())?;
    let org = Org {
        format: FORMAT.into(),
        name: init.name.trim().into(),
        url: init.url.trim().trim_end_matches('/').into(),
        contact: init.contact.trim().into(),
        age_recipient: identity.to_public().to_string(),
        receipt_key: key.public().public_key,
    };
    let file = org.sign(&key)?;
    write_private(&dir.join(config::ORG_FILE), file.to_text()?.as_bytes())?;
    let mut cfg = Config {
        name: org.name.clone(),
        url: org.url.clone(),
        listen: "127.0.0.1:8470".into(),
        tls: None,
        behind_proxy: false,
        storage: Default::default(),
        limits: Default::default(),
    };
    if let Some(l) = init.listen {
        cfg.listen = l.into();
    }
    cfg.write(dir)?;
    Ok(org)
}

/// The receipt key, for signing.
pub fn receipt_key(dir: &Path) -> Result<SigningKey> {
    let path = dir.join(config::RECEIPT_KEY);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the receipt key {}", path.display()))?;
    Ok(SigningKey::from_unattended_file(&text)?)
}

/// The receipt key's public half.
pub fn receipt_public(dir: &Path) -> Result<PublicKeyInfo> {
    Ok(receipt_key(dir)?.public())
}

/// The age identity, when the server holds it.
pub fn identity(dir: &Path) -> Result<Option<age::x25519::Identity>> {
    let path = dir.join(config::IDENTITY);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .with_context(|| format!("{} holds no age identity", path.display()))?;
    age::x25519::Identity::from_str(line)
        .map(Some)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}
