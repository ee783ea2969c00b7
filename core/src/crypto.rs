//! Keys and encryption at rest.
//!
//! A random 256-bit [`VaultKey`] is made when a vault is created. It is wrapped
//! (XChaCha20-Poly1305) under a key derived from the passphrase with Argon2id,
//! and the wrapped form is kept in the vault's [`KeyFile`]. Changing the
//! passphrase re-wraps this one key; nothing else is re-encrypted. Subkeys for
//! the database, the objects and object names are derived from it with HKDF.
//!
//! Objects are encrypted in 64 KiB chunks with the STREAM construction
//! ([`ObjectWriter`], [`ObjectReader`]), so files of any size go through in
//! constant memory and a truncated or reordered file fails to decrypt.

use std::io::{self, Read, Write};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::stream::{DecryptorBE32, EncryptorBE32};
use chacha20poly1305::aead::{Aead, KeyInit, OsRng, rand_core::RngCore};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{Error, Result};

/// Plaintext bytes per encrypted chunk of an object.
pub const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
const MAGIC: &[u8; 5] = b"TGOB1";
const STREAM_NONCE: usize = 19;
/// Bytes before the first chunk: magic and stream nonce.
pub const HEADER: usize = MAGIC.len() + STREAM_NONCE;

/// The vault's master key. Zeroed when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct VaultKey([u8; 32]);

impl VaultKey {
    fn random() -> VaultKey {
        let mut k = [0u8; 32];
        OsRng.fill_bytes(&mut k);
        VaultKey(k)
    }

    /// Derives a 256-bit subkey for one purpose.
    pub fn subkey(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        let hk = Hkdf::<Sha256>::new(Some(b"testigo vault v1"), &self.0);
        let mut out = Zeroizing::new([0u8; 32]);
        hk.expand(purpose.as_bytes(), out.as_mut())
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        out
    }
}

/// Argon2id cost parameters, stored with the wrapped key so they can be raised later.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost: u32,
    /// Iterations.
    pub t_cost: u32,
    /// Parallelism.
    pub p_cost: u32,
    /// Random salt, hex.
    pub salt: String,
}

impl KdfParams {
    fn new() -> KdfParams {
        let mut salt = [0u8; 16];
        OsRng.fill_bytes(&mut salt);
        KdfParams {
            m_cost: 64 * 1024,
            t_cost: 3,
            p_cost: 1,
            salt: hex::encode(salt),
        }
    }

    fn derive(&self, passphrase: &str) -> Result<Zeroizing<[u8; 32]>> {
        let bad = |e: String| {
            Error::corrupt(
                format!("the vault's key file has bad KDF settings: {e}"),
                format!(
                    "el archivo de claves de la bóveda tiene parámetros de derivación inválidos ({e}); restáuralo de una copia de seguridad"
                ),
            )
        };
        let params = Params::new(self.m_cost, self.t_cost, self.p_cost, Some(32))
            .map_err(|e| bad(e.to_string()))?;
        let salt = hex::decode(&self.salt).map_err(|e| bad(e.to_string()))?;
        let mut out = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(passphrase.as_bytes(), &salt, out.as_mut())
            .map_err(|e| bad(e.to_string()))?;
        Ok(out)
    }
}

/// The vault's `vault.json`: format marker, KDF settings and the wrapped key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyFile {
    /// Always `testigo-vault`.
    pub format: String,
    /// Format version, 1.
    pub version: u32,
    /// Argon2id settings.
    pub kdf: KdfParams,
    /// XChaCha20-Poly1305 nonce, hex.
    pub nonce: String,
    /// The encrypted vault key, hex.
    pub wrapped_key: String,
}

/// The value of [`KeyFile::format`].
pub const KEY_FILE_FORMAT: &str = "testigo-vault";

impl KeyFile {
    /// Makes a new vault key and wraps it under `passphrase`.
    pub fn create(passphrase: &str) -> Result<(KeyFile, VaultKey)> {
        let key = VaultKey::random();
        let file = KeyFile::wrap(&key, passphrase)?;
        Ok((file, key))
    }

    /// Wraps `key` under `passphrase` with a fresh salt and nonce.
    pub fn wrap(key: &VaultKey, passphrase: &str) -> Result<KeyFile> {
        let kdf = KdfParams::new();
        let kek = kdf.derive(passphrase)?;
        let cipher = XChaCha20Poly1305::new((&*kek).into());
        let mut nonce = [0u8; 24];
        OsRng.fill_bytes(&mut nonce);
        let wrapped = cipher
            .encrypt(XNonce::from_slice(&nonce), key.0.as_slice())
            .map_err(|_| {
                Error::corrupt(
                    "could not wrap the vault key",
                    "no se pudo cifrar la clave de la bóveda",
                )
            })?;
        Ok(KeyFile {
            format: KEY_FILE_FORMAT.into(),
            version: 1,
            kdf,
            nonce: hex::encode(nonce),
            wrapped_key: hex::encode(wrapped),
        })
    }

    /// Unwraps the vault key. A wrong passphrase (or a tampered file) is
    /// [`Error::WrongPassphrase`].
    pub fn unwrap_key(&self, passphrase: &str) -> Result<VaultKey> {
        if self.format != KEY_FILE_FORMAT || self.version != 1 {
            return Err(Error::corrupt(
                format!(
                    "the vault's key file is of an unknown format ({} v{}); use a newer Testigo",
                    self.format, self.version
                ),
                format!(
                    "el archivo de claves de la bóveda tiene un formato desconocido ({} v{}); usa una versión más nueva de Testigo",
                    self.format, self.version
                ),
            ));
        }
        let kek = self.kdf.derive(passphrase)?;
        let nonce = hex::decode(&self.nonce).map_err(|_| Error::WrongPassphrase)?;
        let wrapped = hex::decode(&self.wrapped_key).map_err(|_| Error::WrongPassphrase)?;
        if nonce.len() != 24 {
            return Err(Error::WrongPassphrase);
        }
        let cipher = XChaCha20Poly1305::new((&*kek).into());
        let plain = Zeroizing::new(
            cipher
                .decrypt(XNonce::from_slice(&nonce), wrapped.as_slice())
                .map_err(|_| Error::WrongPassphrase)?,
        );
        let bytes: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| Error::WrongPassphrase)?;
        Ok(VaultKey(bytes))
    }
}

/// Keyed name of an object: HMAC-SHA256 of its content hash, so the file names
/// under `objects/` do not reveal which known files a vault holds.
pub fn object_name(name_key: &[u8; 32], sha256_hex: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(name_key).expect("HMAC takes any key length");
    mac.update(sha256_hex.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Encrypts a stream of plaintext into `inner`, hashing it on the way.
pub struct ObjectWriter<W: Write> {
    inner: W,
    enc: Option<EncryptorBE32<XChaCha20Poly1305>>,
    buf: Vec<u8>,
    hasher: Sha256,
    size: u64,
}

impl<W: Write> ObjectWriter<W> {
    /// Starts an object: writes the header with a fresh nonce.
    pub fn new(key: &[u8; 32], mut inner: W) -> io::Result<Self> {
        let mut nonce = [0u8; STREAM_NONCE];
        OsRng.fill_bytes(&mut nonce);
        inner.write_all(MAGIC)?;
        inner.write_all(&nonce)?;
        let aead = XChaCha20Poly1305::new(key.into());
        Ok(ObjectWriter {
            inner,
            enc: Some(EncryptorBE32::from_aead(aead, nonce.as_slice().into())),
            buf: Vec::with_capacity(CHUNK),
            hasher: Sha256::new(),
            size: 0,
        })
    }

    /// Seals the last chunk and returns the inner writer, the plaintext's
    /// SHA-256 (hex) and its size.
    pub fn finish(mut self) -> io::Result<(W, String, u64)> {
        let enc = self
            .enc
            .take()
            .ok_or_else(|| io::Error::other("object already finished"))?;
        let ct = enc
            .encrypt_last(self.buf.as_slice())
            .map_err(|_| io::Error::other("encryption failed"))?;
        self.inner.write_all(&ct)?;
        self.inner.flush()?;
        let sha = hex::encode(self.hasher.finalize_reset());
        Ok((self.inner, sha, self.size))
    }
}

impl<W: Write> Write for ObjectWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let enc = self
            .enc
            .as_mut()
            .ok_or_else(|| io::Error::other("object already finished"))?;
        self.hasher.update(data);
        self.size += data.len() as u64;
        let mut rest = data;
        while !rest.is_empty() {
            let take = (CHUNK - self.buf.len()).min(rest.len());
            self.buf.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            // Keep a full chunk buffered until more data arrives: only then is
            // it known not to be the last one.
            if self.buf.len() == CHUNK && !rest.is_empty() {
                let ct = enc
                    .encrypt_next(self.buf.as_slice())
                    .map_err(|_| io::Error::other("encryption failed"))?;
                self.inner.write_all(&ct)?;
                self.buf.clear();
            }
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Decrypts an object written by [`ObjectWriter`]. Any change to the file
/// makes a read fail with `InvalidData`.
pub struct ObjectReader<R: Read> {
    inner: R,
    dec: Option<DecryptorBE32<XChaCha20Poly1305>>,
    remaining: u64,
    plain: Vec<u8>,
    pos: usize,
}

impl<R: Read> ObjectReader<R> {
    /// Opens an object of `total_len` encrypted bytes.
    pub fn new(key: &[u8; 32], mut inner: R, total_len: u64) -> io::Result<Self> {
        let damaged = || {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "not a Testigo object, or damaged",
            )
        };
        if total_len < (HEADER + TAG) as u64 {
            return Err(damaged());
        }
        let mut header = [0u8; HEADER];
        inner.read_exact(&mut header)?;
        if &header[..MAGIC.len()] != MAGIC {
            return Err(damaged());
        }
        let aead = XChaCha20Poly1305::new(key.into());
        let dec = DecryptorBE32::from_aead(aead, header[MAGIC.len()..].into());
        Ok(ObjectReader {
            inner,
            dec: Some(dec),
            remaining: total_len - HEADER as u64,
            plain: Vec::new(),
            pos: 0,
        })
    }

    fn fill(&mut self) -> io::Result<()> {
        let Some(dec) = self.dec.as_mut() else {
            return Ok(());
        };
        let damaged = || {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "object failed authentication: it was changed or damaged",
            )
        };
        let full = (CHUNK + TAG) as u64;
        let last = self.remaining <= full;
        let len = self.remaining.min(full) as usize;
        let mut ct = vec![0u8; len];
        self.inner.read_exact(&mut ct)?;
        self.remaining -= len as u64;
        self.plain = if last {
            let dec = self.dec.take().ok_or_else(damaged)?;
            dec.decrypt_last(ct.as_slice()).map_err(|_| damaged())?
        } else {
            dec.decrypt_next(ct.as_slice()).map_err(|_| damaged())?
        };
        self.pos = 0;
        Ok(())
    }
}

impl<R: Read> Read for ObjectReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.plain.len() {
            if self.dec.is_none() {
                return Ok(0);
            }
            self.fill()?;
        }
        let n = (self.plain.len() - self.pos).min(out.len());
        out[..n].copy_from_slice(&self.plain[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

pub use crate::hashing::sha256_hex;

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(len: usize) -> (Vec<u8>, Vec<u8>) {
        let key = [7u8; 32];
        let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
        let mut w = ObjectWriter::new(&key, Vec::new()).unwrap();
        // Odd write sizes cross chunk boundaries.
        for part in data.chunks(7001) {
            w.write_all(part).unwrap();
        }
        let (ct, sha, size) = w.finish().unwrap();
        assert_eq!(sha, sha256_hex(&data));
        assert_eq!(size, len as u64);
        (data, ct)
    }

    fn read(ct: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        ObjectReader::new(&[7u8; 32], ct, ct.len() as u64)?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn objects_round_trip_at_chunk_edges() {
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 5] {
            let (data, ct) = roundtrip(len);
            assert_eq!(read(&ct).unwrap(), data, "length {len}");
        }
    }

    #[test]
    fn any_changed_byte_or_truncation_fails() {
        let (_, ct) = roundtrip(2 * CHUNK + 10);
        for pos in [0, 7, HEADER + 1, HEADER + CHUNK + 20, ct.len() - 1] {
            let mut bad = ct.clone();
            bad[pos] ^= 1;
            assert!(read(&bad).is_err(), "flip at {pos}");
        }
        assert!(read(&ct[..ct.len() - (CHUNK + TAG) + 3]).is_err());
        assert!(
            read(&ct[..HEADER + CHUNK + TAG]).is_err(),
            "dropping the last chunk"
        );
    }

    #[test]
    fn wrong_passphrase_is_refused() {
        let (file, key) = KeyFile::create("correcto").unwrap();
        assert_eq!(file.unwrap_key("correcto").unwrap().0, key.0);
        assert!(matches!(
            file.unwrap_key("incorrecto"),
            Err(Error::WrongPassphrase)
        ));
    }
}
