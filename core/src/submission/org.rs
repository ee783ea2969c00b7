//! The `.testigo-org` file: how an organization that receives reports
//! introduces itself. It holds the organization's name, the address of its
//! intake server, a contact, the age recipient reports may be encrypted to,
//! and the minisign key that signs its receipts; the file is signed with
//! that same key, so a changed file is refused. Whether the key is really
//! the organization's is for the person to confirm: the app and the CLI
//! show its fingerprint to compare through another channel.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::signing::{PublicKeyInfo, SigningKey, verify_signature};
use crate::urls::validate_url;

/// The `format` of the files this version writes.
pub const FORMAT: &str = "testigo-org/1";
/// The largest `.testigo-org` file read.
pub const MAX_ORG_FILE: u64 = 64 * 1024;
/// The longest name or contact.
const MAX_TEXT: usize = 200;

/// An organization that receives reports, as its file describes it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Org {
    /// Always [`FORMAT`].
    pub format: String,
    /// Its name, as it signs.
    pub name: String,
    /// The address of its intake server (`https://…`, or `http://` on a
    /// loopback address or behind a proxy that adds TLS).
    pub url: String,
    /// How to reach a person there (an address, a phone, a web page).
    pub contact: String,
    /// The age recipient (`age1…`) reports may be encrypted to.
    pub age_recipient: String,
    /// The minisign public key (base64) that signs its receipts.
    pub receipt_key: String,
}

/// The file: the organization and the signature of its JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgFile {
    /// What it says.
    pub org: Org,
    /// Minisign signature (`.minisig` text) of `org` as compact JSON, by
    /// the `receipt_key` it names.
    pub signature: String,
}

impl Org {
    /// Checks every field: a name and contact of at most 200 characters
    /// without control characters, a web address, an age recipient and a
    /// minisign key that read.
    pub fn check(&self) -> Result<()> {
        let bad = |en: String, es: String| Error::invalid(en, es);
        if self.format != FORMAT {
            return Err(bad(
                format!(
                    "this organization file is of a format this version does not read ({})",
                    self.format.escape_default()
                ),
                format!(
                    "este archivo de organización tiene un formato que esta versión no lee ({})",
                    self.format.escape_default()
                ),
            ));
        }
        for (what_en, what_es, v) in [
            ("name", "nombre", &self.name),
            ("contact", "contacto", &self.contact),
        ] {
            if v.trim().is_empty() && what_en == "name" {
                return Err(bad(
                    "the organization has no name".into(),
                    "la organización no tiene nombre".into(),
                ));
            }
            if v.chars().count() > MAX_TEXT || v.chars().any(crate::text::is_hidden) {
                return Err(bad(
                    format!(
                        "the organization's {what_en} is longer than {MAX_TEXT} characters or holds control or invisible characters"
                    ),
                    format!(
                        "el {what_es} de la organización pasa de {MAX_TEXT} caracteres o tiene caracteres de control o invisibles"
                    ),
                ));
            }
        }
        validate_url(&self.url)?;
        age::x25519::Recipient::from_str(&self.age_recipient).map_err(|_| {
            bad(
                "the organization's age recipient does not read (it starts with age1)".into(),
                "el destinatario age de la organización no se puede leer (empieza con age1)".into(),
            )
        })?;
        PublicKeyInfo::parse(&self.receipt_key)?;
        Ok(())
    }

    /// The receipt key.
    pub fn receipt_key(&self) -> Result<PublicKeyInfo> {
        PublicKeyInfo::parse(&self.receipt_key)
    }

    fn signed_bytes(&self) -> Result<Vec<u8>> {
        Ok(serde_json::to_vec(self)?)
    }

    /// Signs the organization's description with its receipt key, which
    /// must be the one it names.
    pub fn sign(&self, key: &SigningKey) -> Result<OrgFile> {
        self.check()?;
        if key.public().public_key != self.receipt_key_base64()? {
            return Err(Error::invalid(
                "the organization file must be signed with the receipt key it names",
                "el archivo de la organización debe firmarlo la clave de acuses que nombra",
            ));
        }
        let signature = key.sign(
            &self.signed_bytes()?,
            &format!("testigo organization {}", self.name),
            "signature of a Testigo organization file",
        );
        Ok(OrgFile {
            org: self.clone(),
            signature,
        })
    }

    fn receipt_key_base64(&self) -> Result<String> {
        Ok(self.receipt_key()?.public_key)
    }
}

impl OrgFile {
    /// The file's text (pretty JSON).
    pub fn to_text(&self) -> Result<String> {
        let mut s = serde_json::to_string_pretty(self)?;
        s.push('\n');
        Ok(s)
    }

    /// Reads a `.testigo-org` file's text and checks it: every field, and
    /// the signature by the receipt key it names.
    pub fn parse(text: &str) -> Result<Org> {
        let unreadable = |e: String| {
            Error::invalid(
                format!(
                    "this is not a Testigo organization file ({e}); ask the organization for its .testigo-org file"
                ),
                format!(
                    "esto no es un archivo de organización de Testigo ({e}); pide a la organización su archivo .testigo-org"
                ),
            )
        };
        if text.len() as u64 > MAX_ORG_FILE {
            return Err(unreadable(format!(
                "it is larger than {MAX_ORG_FILE} bytes"
            )));
        }
        let file: OrgFile = serde_json::from_str(text).map_err(|e| unreadable(e.to_string()))?;
        file.org.check()?;
        let key = file.org.receipt_key()?;
        verify_signature(&key, &file.signature, &file.org.signed_bytes()?).map_err(|_| {
            Error::invalid(
                "the organization file was changed after it was signed, or signed by another key; ask the organization for it again",
                "el archivo de la organización se modificó después de firmarse, o lo firmó otra clave; pídelo de nuevo a la organización",
            )
        })?;
        Ok(file.org)
    }

    /// Reads and checks a `.testigo-org` file (at most [`MAX_ORG_FILE`] bytes).
    pub fn read(path: &std::path::Path) -> Result<Org> {
        use std::io::Read as _;
        let mut text = String::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_ORG_FILE + 1).read_to_string(&mut text))
            .map_err(crate::error::Error::io(crate::error::IoContext::Reading(
                path.into(),
            )))?;
        OrgFile::parse(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(key: &SigningKey) -> Org {
        let identity = age::x25519::Identity::generate();
        Org {
            format: FORMAT.into(),
            name: "Red de Defensoras".into(),
            url: "https://intake.example.org".into(),
            contact: "acompanamiento@example.org".into(),
            age_recipient: identity.to_public().to_string(),
            receipt_key: key.public().public_key,
        }
    }

    #[test]
    fn a_signed_org_file_reads_back_and_a_changed_one_is_refused() {
        let (key, _) = SigningKey::generate_unattended().unwrap();
        let o = org(&key);
        let text = o.sign(&key).unwrap().to_text().unwrap();
        assert_eq!(OrgFile::parse(&text).unwrap(), o);

        let changed = text.replace("intake.example.org", "evil.example.net");
        let e = OrgFile::parse(&changed).unwrap_err();
        assert!(e.to_string().contains("changed after it was signed"), "{e}");

        // Signed by another key than the one it names.
        let (other, _) = SigningKey::generate_unattended().unwrap();
        assert!(o.sign(&other).is_err());
    }

    #[test]
    fn hostile_fields_are_refused() {
        let (key, _) = SigningKey::generate_unattended().unwrap();
        for change in [
            |o: &mut Org| o.name = "Red\u{1b}[31m".into(),
            |o: &mut Org| o.name = "Red \u{202e}gro.live".into(),
            |o: &mut Org| o.contact = "a\u{200b}b".into(),
            |o: &mut Org| o.name = "x".repeat(201),
            |o: &mut Org| o.name = " ".into(),
            |o: &mut Org| o.url = "javascript:alert(1)".into(),
            |o: &mut Org| o.age_recipient = "age1nope".into(),
            |o: &mut Org| o.receipt_key = "RWQnope".into(),
            |o: &mut Org| o.format = "testigo-org/9".into(),
        ] {
            let mut o = org(&key);
            change(&mut o);
            assert!(o.check().is_err(), "{o:?}");
        }
        assert!(OrgFile::parse(&"x".repeat(70_000)).is_err());
        assert!(OrgFile::parse("{}").is_err());
    }
}
