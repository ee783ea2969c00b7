//! Receipts: what an intake server signs when a report has arrived whole.
//!
//! A receipt is a small JSON document ([`Receipt`]) and a minisign
//! signature of its exact bytes, made with the organization's receipt key.
//! Anyone checks it with the `minisign` CLI (`minisign -Vm RECEIPT -P KEY`)
//! or with [`SignedReceipt::verify`]. The format is `docs/receipt.md`.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::signing::{PublicKeyInfo, SigningKey, verify_signature};

/// The `format` of the receipts this version writes.
pub const FORMAT: &str = "testigo-receipt/1";
/// The largest receipt read (its JSON); a real one is under 1 KiB.
pub const MAX_RECEIPT: usize = 64 * 1024;

/// What the server could check of the report when it arrived.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// The server verified it as `testigo verify` does (decrypting it
    /// first when it was encrypted to the organization): valid.
    Verified,
    /// Encrypted to an identity the server does not hold: kept exactly as
    /// received, to be verified on a staff machine.
    VerifyOnStaffMachine,
}

impl Verification {
    /// English and Spanish words for it.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Verification::Verified => ("verified", "verificado"),
            Verification::VerifyOnStaffMachine => (
                "to verify on a staff machine",
                "por verificar en una computadora del equipo",
            ),
        }
    }
}

/// A receipt: the organization's statement that these exact bytes arrived.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// Always [`FORMAT`].
    pub format: String,
    /// The receipt's id (a ULID): the reporter asks the status with it.
    pub receipt_id: String,
    /// The sealed report's id, when the server could read it.
    pub report_id: Option<String>,
    /// SHA-256 (hex) of the exact bytes received.
    pub sha256: String,
    /// Their size in bytes.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub size: u64,
    /// When the last byte arrived and was stored (UTC, RFC 3339).
    pub received_at: String,
    /// Whether the report was encrypted (with age) as received.
    pub encrypted: bool,
    /// What the server could check.
    pub verification: Verification,
    /// The organization's name.
    pub server: String,
    /// The server's address.
    pub server_url: String,
    /// Key id of the receipt key that signed it.
    pub key_id: String,
}

/// A receipt as it travels and is kept: its JSON and its signature.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedReceipt {
    /// The receipt's JSON, the exact bytes signed.
    pub json: String,
    /// The minisign signature (`.minisig` text) of `json`.
    pub minisig: String,
}

impl Receipt {
    /// Signs the receipt with the organization's receipt key.
    pub fn sign(&self, key: &SigningKey) -> Result<SignedReceipt> {
        let mut json = serde_json::to_string_pretty(self)?;
        json.push('\n');
        let trusted = format!(
            "testigo receipt {} sha256:{} size:{}",
            self.receipt_id, self.sha256, self.size
        );
        let minisig = key.sign(json.as_bytes(), &trusted, "signature of a Testigo receipt");
        Ok(SignedReceipt { json, minisig })
    }
}

impl SignedReceipt {
    /// Checks the signature with the organization's receipt key, then reads
    /// the receipt: its format, and the key id it names, must agree.
    pub fn verify(&self, key: &PublicKeyInfo) -> Result<Receipt> {
        let bad = |en: &str, es: &str| {
            Error::invalid(
                format!("the receipt does not check out: {en}"),
                format!("el acuse de recibo no es válido: {es}"),
            )
        };
        if self.json.len() > MAX_RECEIPT {
            return Err(bad(
                "it is too large to be one",
                "es demasiado grande para serlo",
            ));
        }
        verify_signature(key, &self.minisig, self.json.as_bytes()).map_err(|_| {
            bad(
                "its signature was not made by the organization's receipt key over these bytes",
                "su firma no la hizo la clave de acuses de la organización sobre estos bytes",
            )
        })?;
        let r: Receipt = serde_json::from_str(&self.json).map_err(|e| {
            bad(
                &format!("its JSON cannot be read ({e})"),
                &format!("su JSON no se puede leer ({e})"),
            )
        })?;
        if r.format != FORMAT {
            return Err(bad(
                "its format is not one this version reads",
                "su formato no es uno que esta versión lea",
            ));
        }
        if r.key_id != key.key_id {
            return Err(bad(
                "it names another receipt key",
                "nombra otra clave de acuses",
            ));
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt(key: &SigningKey) -> Receipt {
        Receipt {
            format: FORMAT.into(),
            receipt_id: "01JDR0000000000000000000AA".into(),
            report_id: Some("r".into()),
            sha256: "ab".repeat(32),
            size: 1234,
            received_at: "2026-12-02T01:02:03Z".into(),
            encrypted: false,
            verification: Verification::Verified,
            server: "Red de Defensoras".into(),
            server_url: "http://127.0.0.1:1".into(),
            key_id: key.public().key_id,
        }
    }

    #[test]
    fn a_signed_receipt_verifies_and_any_change_is_refused() {
        let (key, _) = SigningKey::generate_unattended().unwrap();
        let signed = receipt(&key).sign(&key).unwrap();
        assert_eq!(signed.verify(&key.public()).unwrap(), receipt(&key));

        let mut changed = signed.clone();
        changed.json = changed.json.replace("1234", "1235");
        assert!(changed.verify(&key.public()).is_err());

        let (other, _) = SigningKey::generate_unattended().unwrap();
        assert!(signed.verify(&other.public()).is_err());
        // Signed by the other key but naming the first: refused too.
        let mut r = receipt(&key);
        r.key_id = key.public().key_id;
        let forged = r.sign(&other).unwrap();
        assert!(forged.verify(&other.public()).is_err());
    }

    #[test]
    fn the_secret_key_file_round_trips() {
        let (key, text) = SigningKey::generate_unattended().unwrap();
        let again = SigningKey::from_unattended_file(&text).unwrap();
        assert_eq!(again.public(), key.public());
        assert!(SigningKey::from_unattended_file("not a key").is_err());
    }
}
