//! [`Written`] (how far writing a bag is) and the writer that reports it
//! while originals stream into the ZIP. The writer that hashes what is
//! written is `crate::hashing`'s.

use std::io::{self, Write};

/// How far writing a bag is.
#[derive(Debug, Clone, Copy)]
pub struct Written<'a> {
    /// Payload bytes written so far.
    pub done: u64,
    /// Payload bytes in all.
    pub total: u64,
    /// The file being written (path inside the bag).
    pub file: &'a str,
}

/// Reports progress every 4 MiB while an original streams into the ZIP.
pub(super) struct ProgressWriter<'a, W: Write> {
    pub(super) inner: &'a mut W,
    pub(super) done: u64,
    pub(super) total: u64,
    pub(super) file: &'a str,
    pub(super) progress: &'a mut dyn FnMut(Written<'_>),
    pub(super) last: u64,
}

impl<W: Write> Write for ProgressWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.done += n as u64;
        if self.done - self.last >= 4 << 20 {
            self.last = self.done;
            (self.progress)(Written {
                done: self.done,
                total: self.total,
                file: self.file,
            });
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
