//! Hashing, on the bottom floor: the one writer that hashes and counts what
//! passes through it ([`HashingWriter`]), used wherever bytes are stored,
//! copied or written (the object store, a sealed bundle, a report id), and
//! [`sha256_hex`]. Depends on nothing else in the crate.

use std::io::{self, Write};

use sha2::{Digest, Sha256};

/// Hashes (SHA-256) and counts the bytes written through it to `inner`.
pub struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    size: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner` (`io::sink()` to only hash).
    pub fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            size: 0,
        }
    }

    /// Feeds bytes to the hash without writing them to `inner`.
    pub fn hash_only(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
    }

    /// The inner writer back, the SHA-256 in hex and the bytes written.
    pub fn finish(self) -> (W, String, u64) {
        (self.inner, hex::encode(self.hasher.finalize()), self.size)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// SHA-256 of `data`, in lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_hashes_and_counts_what_it_writes() {
        let mut w = HashingWriter::new(Vec::new());
        w.write_all(b"abc").unwrap();
        let (bytes, sha, size) = w.finish();
        assert_eq!(bytes, b"abc");
        assert_eq!(size, 3);
        assert_eq!(sha, sha256_hex(b"abc"));
        assert_eq!(
            sha,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
