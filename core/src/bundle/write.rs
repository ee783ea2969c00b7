//! Writing a signed bag ([`Signed`]) as a ZIP: streamed to `OUT.part`, or
//! through age to `OUT.age.part`, and renamed into place when complete
//! ([`private::write_atomically`]). Entries are stored (not compressed), in
//! byte order of their names, with the sealing time as their date and mode
//! 0644; the ZIP is written as a stream (sizes in data descriptors, ZIP64 for
//! entries of 4 GiB or more), so the same bytes go to a file or into the age
//! encryptor, and no plaintext copy ever touches the disk when encrypting.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, Datelike, Timelike, Utc};
use zip::write::SimpleFileOptions;

use super::assemble::{Content, Signed};
use super::writers::ProgressWriter;
pub use super::writers::Written;
use crate::error::{Error, IoContext, Result};
use crate::hashing::HashingWriter;
use crate::private;
use crate::store::ObjectStore;

/// Where a bag asked for at `out` is written: `out`, or `out.age` when it
/// is encrypted.
pub fn destination(out: &Path, encrypted: bool) -> PathBuf {
    if !encrypted {
        return out.to_path_buf();
    }
    let mut name = out.as_os_str().to_owned();
    name.push(".age");
    PathBuf::from(name)
}

/// Writes `bag` to `dest` (encrypted to `recipients`, if any), dated `at`,
/// objects read from `objects`. Returns the path written (absolute), the
/// SHA-256 and the size of the file.
pub fn write(
    objects: &ObjectStore,
    bag: &Signed,
    dest: &Path,
    recipients: &[age::x25519::Recipient],
    at: &DateTime<Utc>,
    progress: &mut dyn FnMut(Written<'_>),
) -> Result<(PathBuf, String, u64)> {
    let time = zip_time(at)?;
    // 0600 from the first byte: a report is plaintext evidence.
    let (path, (sha256, size)) = private::write_atomically(dest, |file| {
        let ctx = || IoContext::Writing(dest.to_path_buf());
        let out = HashingWriter::new(file);
        let out = if recipients.is_empty() {
            write_zip(objects, out, bag, time, progress)?
        } else {
            let encryptor = age::Encryptor::with_recipients(
                recipients.iter().map(|r| r as &dyn age::Recipient),
            )
            .map_err(|e| {
                Error::invalid(
                    format!("cannot encrypt to these recipients: {e}"),
                    format!("no se puede cifrar para estos destinatarios: {e}"),
                )
            })?;
            let w = encryptor.wrap_output(out).map_err(Error::io(ctx()))?;
            let w = write_zip(objects, w, bag, time, progress)?;
            w.finish().map_err(Error::io(ctx()))?
        };
        let (_, sha256, size) = out.finish();
        Ok((sha256, size))
    })?;
    Ok((path, sha256, size))
}

fn write_zip<W: Write>(
    objects: &ObjectStore,
    out: W,
    bag: &Signed,
    time: zip::DateTime,
    progress: &mut dyn FnMut(Written<'_>),
) -> Result<W> {
    // The disk's own error when there is one (a full disk, say), so it
    // can be explained.
    let zip_err = |e: zip::result::ZipError| {
        Error::io(IoContext::WritingBundle)(match e {
            zip::result::ZipError::Io(e) => e,
            other => io::Error::other(other),
        })
    };
    let total = bag.payload_bytes;
    let mut zip = zip::ZipWriter::new_stream(out);
    let mut done = 0u64;
    for (path, content) in &bag.files {
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .last_modified_time(time)
            .system(zip::System::Unix)
            .unix_permissions(0o644)
            .large_file(content.size() >= u64::from(u32::MAX));
        zip.start_file(format!("{}/{path}", bag.base), options)
            .map_err(zip_err)?;
        match content {
            Content::Bytes(b) => {
                zip.write_all(b)
                    .map_err(Error::io(IoContext::WritingBundle))?;
                done += b.len() as u64;
            }
            Content::Object { sha256, .. } => {
                let mut w = ProgressWriter {
                    inner: &mut zip,
                    done,
                    total,
                    file: path,
                    progress: &mut *progress,
                    last: 0,
                };
                done += objects.copy_to(sha256, &mut w)?;
            }
        }
        progress(Written {
            done,
            total,
            file: path,
        });
    }
    let stream = zip.finish().map_err(zip_err)?;
    Ok(stream.into_inner())
}

/// Reads age X25519 recipients (`age1…`).
pub fn parse_recipients(given: &[String]) -> Result<Vec<age::x25519::Recipient>> {
    given
        .iter()
        .map(|r| {
            age::x25519::Recipient::from_str(r.trim()).map_err(|e| {
                Error::invalid(
                    format!("`{r}` is not an age recipient ({e}); give an X25519 public key starting with age1"),
                    format!("`{r}` no es un destinatario age ({e}); da una clave pública X25519 que empiece por age1"),
                )
            })
        })
        .collect()
}

/// The ZIP entry time: the sealing time in UTC, clamped to the DOS range.
fn zip_time(t: &DateTime<Utc>) -> Result<zip::DateTime> {
    let year = t.year().clamp(1980, 2107);
    let fixed = if year != t.year() {
        zip::DateTime::from_date_and_time(year as u16, 1, 1, 0, 0, 0)
    } else {
        zip::DateTime::from_date_and_time(
            year as u16,
            t.month() as u8,
            t.day() as u8,
            t.hour() as u8,
            t.minute() as u8,
            t.second() as u8,
        )
    };
    fixed.map_err(|e| {
        Error::invalid(
            format!("the sealing time cannot be stored in a ZIP: {e}"),
            format!("la hora del sellado no se puede guardar en un ZIP: {e}"),
        )
    })
}
