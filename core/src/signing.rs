//! The vault's signing key and minisign signatures: the key that seals report
//! bundles, and the checks `verify` makes with it.
//!
//! Main types: [`SigningKey`] (the secret half, only ever held in memory),
//! [`PublicKeyInfo`] (what a recipient compares: minisign public key, key id,
//! fingerprint, the `.pub` file) and [`Signer`] (optional name, contact and
//! organization written into bundles).
//!
//! The key is a minisign Ed25519 key pair made with the `minisign` crate. Its
//! secret half is stored in the vault's settings (inside the encrypted
//! database) as a minisign secret key file, scrypt-encrypted exactly as
//! `minisign -G` does, under a password derived from the vault key (HKDF,
//! purpose `minisign signing key password`). The password is never stored: it exists
//! only while the vault is open, so neither a copy of the database contents
//! nor a leaked settings row signs anything.
//!
//! Signatures are made here rather than with `minisign::sign`, which mixes
//! random noise into every signature (hedged Ed25519). Plain RFC 8032 Ed25519
//! is deterministic, so sealing the same bytes twice gives the same
//! `.minisig`; the format is minisign's prehashed one (`ED`, BLAKE2b-512 of
//! the file), which the `minisign` CLI and crate verify.

use std::io::Cursor;

use base64::Engine as _;
use blake2::{Blake2b512, Digest as _};
use ed25519_dalek::Signer as _;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::vault::Vault;

/// The largest `.pub` file read ([`PublicKeyInfo::read_file`]).
pub const MAX_KEY_FILE: u64 = 64 * 1024;

const SECRET_SETTING: &str = "signing.secret_key";
const PUBLIC_SETTING: &str = "signing.public_key";
const NAME_SETTING: &str = "signer.name";
const CONTACT_SETTING: &str = "signer.contact";
const ORGANIZATION_SETTING: &str = "signer.organization";

/// Layout of a minisign secret key's bytes: the Ed25519 secret key (seed and
/// public key) sits after algorithm ids, salt, scrypt limits and key id.
const SK_OFFSET: usize = 2 + 2 + 2 + 32 + 8 + 8 + 8;

/// A public key as a recipient sees it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKeyInfo {
    /// The minisign public key, base64 (what `minisign -P` takes).
    pub public_key: String,
    /// The minisign key id: 16 hexadecimal digits, as `minisign` prints it.
    pub key_id: String,
    /// SHA-256 of the 42 bytes of the public key (algorithm, key id, key),
    /// hex, for reading out over the phone in groups.
    pub fingerprint: String,
    /// The `.pub` file, as `minisign -G` writes it.
    pub pub_file: String,
}

impl PublicKeyInfo {
    fn from_key(pk: &minisign::PublicKey) -> PublicKeyInfo {
        let raw = pk.to_bytes();
        PublicKeyInfo {
            public_key: pk.to_base64(),
            key_id: key_id(pk.keynum()),
            fingerprint: hex::encode(<Sha256 as sha2::Digest>::digest(&raw)),
            pub_file: format!(
                "untrusted comment: minisign public key: {}\n{}\n",
                key_id(pk.keynum()),
                pk.to_base64()
            ),
        }
    }

    /// Reads the `.pub` file of a key a person trusts (the one the signer
    /// gave them), up to [`MAX_KEY_FILE`] bytes: a key file is two lines,
    /// and a larger file is not one.
    pub fn read_file(path: &std::path::Path) -> Result<PublicKeyInfo> {
        use std::io::Read as _;
        let unreadable = |e: std::io::Error| {
            Error::invalid(
                format!(
                    "cannot read the trusted key file {} ({e}); use the minisign .pub file the signer gave you",
                    path.display()
                ),
                format!(
                    "no se puede leer el archivo de la clave en la que confías {} ({}); usa el archivo .pub de minisign que te dio quien firmó",
                    path.display(),
                    crate::error::io_reason_es(&e)
                ),
            )
        };
        let mut text = String::new();
        std::fs::File::open(path)
            .map_err(unreadable)?
            .take(MAX_KEY_FILE)
            .read_to_string(&mut text)
            .map_err(unreadable)?;
        PublicKeyInfo::parse(&text)
    }

    /// Reads a public key given as the base64 line (`RWQ…`) or as the text of
    /// a `.pub` file.
    pub fn parse(text: &str) -> Result<PublicKeyInfo> {
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with("untrusted comment:"))
            .unwrap_or("");
        let pk = minisign::PublicKey::from_base64(line).map_err(|_| {
            Error::invalid(
                "that is not a minisign public key; give the base64 line (RWQ…) or a .pub file",
                "eso no es una clave pública minisign; da la línea base64 (RWQ…) o un archivo .pub",
            )
        })?;
        Ok(PublicKeyInfo::from_key(&pk))
    }

    fn key(&self) -> Result<minisign::PublicKey> {
        minisign::PublicKey::from_base64(&self.public_key).map_err(|e| {
            Error::invalid(
                format!("unreadable minisign public key: {e}"),
                format!("clave pública minisign ilegible: {e}"),
            )
        })
    }
}

/// Hex (a fingerprint) in groups of four characters, for reading aloud.
pub fn grouped(hex: &str) -> String {
    hex.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The minisign key id as the CLI prints it (little-endian u64, upper hex).
fn key_id(keynum: &[u8]) -> String {
    let mut b = [0u8; 8];
    b.copy_from_slice(&keynum[..8.min(keynum.len())]);
    format!("{:016X}", u64::from_le_bytes(b))
}

/// Who signs, as written into bundles. Every field is optional.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    /// A person's or role's name.
    pub name: Option<String>,
    /// How to reach them (an e-mail address, a phone number).
    pub contact: Option<String>,
    /// The organization sealing the bundles (BagIt `Source-Organization`).
    pub organization: Option<String>,
}

/// The vault's secret signing key, decrypted, in memory only.
pub struct SigningKey {
    public: minisign::PublicKey,
    keynum: [u8; 8],
    signing: ed25519_dalek::SigningKey,
}

impl SigningKey {
    fn from_secret(sk: &minisign::SecretKey) -> Result<SigningKey> {
        let bytes = Zeroizing::new(sk.to_bytes());
        let corrupt = || {
            Error::corrupt(
                "the vault's signing key is damaged",
                "la clave de firma de la bóveda está dañada",
            )
        };
        let seed: [u8; 32] = bytes
            .get(SK_OFFSET..SK_OFFSET + 32)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(corrupt)?;
        let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
        let public = minisign::PublicKey::from_secret_key(sk).map_err(|_| corrupt())?;
        let mut keynum = [0u8; 8];
        keynum.copy_from_slice(sk.keynum());
        if public.to_bytes().get(10..) != Some(signing.verifying_key().as_bytes().as_slice()) {
            return Err(corrupt());
        }
        Ok(SigningKey {
            public,
            keynum,
            signing,
        })
    }

    /// A new key for a machine that signs unattended (an intake server's
    /// receipt key), and its secret half as an unencrypted minisign secret
    /// key file, as `minisign -G -W` writes it. Whoever reads that file can
    /// sign: keep it 0600.
    pub fn generate_unattended() -> Result<(SigningKey, String)> {
        let failed = |e: minisign::PError| {
            Error::invalid(
                format!("making a signing key failed: {e}"),
                format!("no se pudo crear la clave de firma: {e}"),
            )
        };
        let pair = minisign::KeyPair::generate_unencrypted_keypair().map_err(failed)?;
        let text = pair
            .sk
            .to_box(Some("testigo receipt key (unencrypted)"))
            .map_err(failed)?
            .to_string();
        Ok((SigningKey::from_secret(&pair.sk)?, text))
    }

    /// Reads an unencrypted minisign secret key file
    /// ([`SigningKey::generate_unattended`], `minisign -G -W`).
    pub fn from_unattended_file(text: &str) -> Result<SigningKey> {
        let unreadable = |e: minisign::PError| {
            Error::corrupt(
                format!("the secret key file cannot be read as an unencrypted minisign key ({e})"),
                format!(
                    "el archivo de clave secreta no se puede leer como clave minisign sin cifrar ({e})"
                ),
            )
        };
        let sk_box = minisign::SecretKeyBox::from_string(text).map_err(unreadable)?;
        let sk = sk_box.into_unencrypted_secret_key().map_err(unreadable)?;
        SigningKey::from_secret(&sk)
    }

    /// The public half.
    pub fn public(&self) -> PublicKeyInfo {
        PublicKeyInfo::from_key(&self.public)
    }

    /// A minisign signature of `data` (prehashed form), as the text of a
    /// `.minisig` file. Deterministic: the same key, data and comments give
    /// the same bytes. Comments must be single lines.
    pub fn sign(&self, data: &[u8], trusted_comment: &str, untrusted_comment: &str) -> String {
        let one_line = |s: &str| s.replace(['\r', '\n'], " ");
        let trusted = one_line(trusted_comment);
        let prehash = Blake2b512::digest(data);
        let sig = self.signing.sign(&prehash).to_bytes();
        let mut sig_block = Vec::with_capacity(74);
        sig_block.extend_from_slice(b"ED");
        sig_block.extend_from_slice(&self.keynum);
        sig_block.extend_from_slice(&sig);
        let mut global = sig.to_vec();
        global.extend_from_slice(trusted.as_bytes());
        let global_sig = self.signing.sign(&global).to_bytes();
        let b64 = base64::engine::general_purpose::STANDARD;
        format!(
            "untrusted comment: {}\n{}\ntrusted comment: {trusted}\n{}\n",
            one_line(untrusted_comment),
            b64.encode(&sig_block),
            b64.encode(global_sig)
        )
    }
}

/// A signature that checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoodSignature {
    /// Key id of the key that made it.
    pub key_id: String,
    /// The trusted (signed) comment.
    pub trusted_comment: String,
}

/// Why a signature did not check out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadSignature {
    /// The `.minisig` text cannot be read as a minisign signature.
    Unreadable(String),
    /// It was made by another key than the one given.
    OtherKey {
        /// Key id in the signature.
        signed_by: String,
        /// Key id of the key given.
        expected: String,
    },
    /// It does not match the data (or its trusted comment was changed).
    Mismatch,
}

/// Key id recorded in a `.minisig`, if it can be read.
pub fn signature_key_id(minisig: &str) -> Option<String> {
    let sig = minisign::SignatureBox::from_string(minisig).ok()?;
    Some(key_id(sig.keynum()))
}

/// Checks a minisign signature (`.minisig` text) of `data` with `key`.
pub fn verify_signature(
    key: &PublicKeyInfo,
    minisig: &str,
    data: &[u8],
) -> Result<GoodSignature, BadSignature> {
    let sig = minisign::SignatureBox::from_string(minisig)
        .map_err(|e| BadSignature::Unreadable(e.to_string()))?;
    let pk = key
        .key()
        .map_err(|e| BadSignature::Unreadable(e.to_string()))?;
    let signed_by = key_id(sig.keynum());
    if signed_by != key.key_id {
        return Err(BadSignature::OtherKey {
            signed_by,
            expected: key.key_id.clone(),
        });
    }
    let trusted_comment = sig
        .trusted_comment()
        .map_err(|e| BadSignature::Unreadable(e.to_string()))?;
    minisign::verify(&pk, &sig, Cursor::new(data), true, false, false)
        .map_err(|_| BadSignature::Mismatch)?;
    Ok(GoodSignature {
        key_id: signed_by,
        trusted_comment,
    })
}

impl Vault {
    fn password(&self) -> String {
        hex::encode(&self.signing_password[..])
    }

    /// The vault's signing key, made on first use (older vaults get theirs
    /// the first time they seal or show their key).
    pub fn signing_key(&self) -> Result<SigningKey> {
        if let Some(text) = self.setting(SECRET_SETTING)? {
            let sk = minisign::SecretKey::from_box(
                minisign::SecretKeyBox::from_string(&text).map_err(|e| {
                    Error::corrupt(
                        format!("the vault's signing key cannot be read ({e})"),
                        format!("la clave de firma de la bóveda no se puede leer ({e})"),
                    )
                })?,
                Some(self.password()),
            )
            .map_err(|e| {
                Error::corrupt(
                    format!(
                        "the vault's signing key cannot be decrypted ({e}); the vault is damaged"
                    ),
                    format!(
                        "la clave de firma de la bóveda no se puede descifrar ({e}); la bóveda está dañada"
                    ),
                )
            })?;
            return SigningKey::from_secret(&sk);
        }
        let _lock = self.write_lock()?;
        if self.setting(SECRET_SETTING)?.is_some() {
            drop(_lock);
            return self.signing_key();
        }
        let failed = |e: minisign::PError| {
            Error::invalid(
                format!("making a signing key failed: {e}"),
                format!("no se pudo crear la clave de firma: {e}"),
            )
        };
        let pair =
            minisign::KeyPair::generate_encrypted_keypair(Some(self.password())).map_err(failed)?;
        let secret_box = pair
            .sk
            .to_box(Some("testigo vault signing key (scrypt-encrypted)"))
            .map_err(failed)?;
        let public = PublicKeyInfo::from_key(&pair.pk);
        self.add_settings(&[
            (SECRET_SETTING, &secret_box.to_string()),
            (PUBLIC_SETTING, &public.pub_file),
        ])?;
        drop(_lock);
        self.signing_key()
    }

    /// The public half of the vault's signing key (made on first use).
    pub fn public_key(&self) -> Result<PublicKeyInfo> {
        if let Some(text) = self.setting(PUBLIC_SETTING)? {
            return PublicKeyInfo::parse(&text).map_err(|_| {
                Error::corrupt(
                    "the vault's stored public key cannot be read",
                    "la clave pública guardada en la bóveda no se puede leer",
                )
            });
        }
        Ok(self.signing_key()?.public())
    }

    /// Who signs this vault's bundles.
    pub fn signer(&self) -> Result<Signer> {
        Ok(Signer {
            name: self.setting(NAME_SETTING)?,
            contact: self.setting(CONTACT_SETTING)?,
            organization: self.setting(ORGANIZATION_SETTING)?,
        })
    }

    /// Sets the fields given (`Some`); an empty value clears that field.
    pub fn set_signer(&self, change: &Signer) -> Result<Signer> {
        for (key, value) in [
            (NAME_SETTING, &change.name),
            (CONTACT_SETTING, &change.contact),
            (ORGANIZATION_SETTING, &change.organization),
        ] {
            let Some(v) = value else { continue };
            let v = v.split_whitespace().collect::<Vec<_>>().join(" ");
            if v.is_empty() {
                self.clear_setting(key)?;
            } else {
                self.set_setting(key, &v)?;
            }
        }
        self.signer()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        SigningKey::from_secret(&pair.sk).unwrap()
    }

    #[test]
    fn signatures_are_deterministic_and_verify() {
        let k = key();
        let a = k.sign(b"hola", "report:1", "testigo");
        assert_eq!(a, k.sign(b"hola", "report:1", "testigo"));
        let good = verify_signature(&k.public(), &a, b"hola").unwrap();
        assert_eq!(good.trusted_comment, "report:1");
        assert_eq!(good.key_id, k.public().key_id);
        assert_eq!(
            verify_signature(&k.public(), &a, b"hola!"),
            Err(BadSignature::Mismatch)
        );
        let forged = a.replace("report:1", "report:2");
        assert_eq!(
            verify_signature(&k.public(), &forged, b"hola"),
            Err(BadSignature::Mismatch)
        );
        assert!(matches!(
            verify_signature(&key().public(), &a, b"hola"),
            Err(BadSignature::OtherKey { .. })
        ));
    }

    #[test]
    fn public_keys_parse_from_a_line_or_a_file() {
        let p = key().public();
        assert_eq!(PublicKeyInfo::parse(&p.pub_file).unwrap(), p);
        assert_eq!(PublicKeyInfo::parse(&p.public_key).unwrap(), p);
        assert!(PublicKeyInfo::parse("RWQnot a key").is_err());
        assert_eq!(p.key_id.len(), 16);
    }
}
