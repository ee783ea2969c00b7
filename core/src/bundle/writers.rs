//! Writers that sealing stacks under the ZIP: one hashes and counts the
//! bytes of the file written, one reports progress while originals stream in.

use std::io::{self, Write};

use sha2::{Digest, Sha256};

use super::seal::SealProgress;

/// Hashes and counts what passes through, and gives the inner writer back.
pub(super) struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    size: u64,
}

impl<W: Write> HashingWriter<W> {
    pub(super) fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            size: 0,
        }
    }

    pub(super) fn finish(self) -> (W, String, u64) {
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

/// Reports progress every 4 MiB while an original streams into the ZIP.
pub(super) struct ProgressWriter<'a, W: Write> {
    pub(super) inner: &'a mut W,
    pub(super) done: u64,
    pub(super) total: u64,
    pub(super) file: &'a str,
    pub(super) progress: &'a mut dyn FnMut(SealProgress<'_>),
    pub(super) last: u64,
}

impl<W: Write> Write for ProgressWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.done += n as u64;
        if self.done - self.last >= 4 << 20 {
            self.last = self.done;
            (self.progress)(SealProgress {
                done: self.done,
                total: self.total,
                file: self.file,
                packet: None,
            });
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
