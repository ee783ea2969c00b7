//! Reading a ZIP that may be hostile: the first check `verify` makes, before
//! any entry is read.
//!
//! Main types: [`SafeArchive`] (an archive whose central directory passed
//! [`open`]), [`EntryInfo`] and [`Refusal`]. Reasons are said in English and
//! Spanish ([`Message`]). Refused: unreadable archives (truncated,
//! garbage), more than [`MAX_ENTRIES`] entries, duplicate names, names that
//! are absolute, contain `..`, `\`, a drive letter or NUL, symbolic links and
//! other non-regular entries, encrypted entries, compression methods other
//! than stored and deflate, a declared total over [`MAX_TOTAL`], and entries
//! whose declared size is over [`MAX_RATIO`] times their compressed size.
//! Header sizes are not trusted: [`SafeArchive::stream`] counts the bytes as
//! they come out and stops at the declared size, so a lying header is caught
//! after reading at most that many bytes.

use std::io::{self, Read, Seek, Write};

use zip::ZipArchive;

use crate::error::Message;

/// Most entries an archive may hold.
pub const MAX_ENTRIES: usize = 100_000;
/// Most bytes all entries together may hold once uncompressed (1 TiB).
pub const MAX_TOTAL: u64 = 1 << 40;
/// Highest compression ratio accepted for an entry over [`RATIO_FLOOR`]
/// bytes. Deflate reaches about 1000:1 on runs of zeros; real evidence,
/// already compressed, is near 1:1, and text rarely passes 20:1.
pub const MAX_RATIO: u64 = 100;
/// Entries up to this size are not ratio-checked (1 MiB).
pub const RATIO_FLOOR: u64 = 1 << 20;

/// One entry of the central directory.
#[derive(Debug, Clone)]
pub struct EntryInfo {
    /// Index in the archive.
    pub index: usize,
    /// Its name (UTF-8, `/`-separated).
    pub name: String,
    /// Declared uncompressed size.
    pub size: u64,
    /// A folder entry.
    pub is_dir: bool,
}

/// An archive whose central directory passed [`open`].
pub struct SafeArchive<R: Read + Seek> {
    zip: ZipArchive<R>,
    /// Entries, in archive order.
    pub entries: Vec<EntryInfo>,
}

/// A reason an archive is refused, naming the entry when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The entry's name, when one entry is at fault.
    pub entry: Option<String>,
    /// What is wrong, in English and Spanish.
    pub message: Message,
}

fn refuse(entry: Option<&str>, en: impl Into<String>, es: impl Into<String>) -> Refusal {
    Refusal {
        entry: entry.map(str::to_string),
        message: Message::new(en, es),
    }
}

/// Why a name is unsafe to extract, if it is.
pub fn unsafe_name(name: &str) -> Option<Message> {
    let why = |en: &str, es: &str| Some(Message::new(en, es));
    if name.is_empty() {
        return why("an empty name", "un nombre vacío");
    }
    if name.contains('\0') {
        return why("a NUL byte in its name", "un byte NUL en su nombre");
    }
    if name.contains('\\') {
        return why(
            "a backslash in its name (a Windows path)",
            "una barra invertida en su nombre (una ruta de Windows)",
        );
    }
    if name.starts_with('/') {
        return why("an absolute path", "una ruta absoluta");
    }
    let b = name.as_bytes();
    if b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic() {
        return why(
            "a drive letter (an absolute Windows path)",
            "una letra de unidad (una ruta absoluta de Windows)",
        );
    }
    let trimmed = name.strip_suffix('/').unwrap_or(name);
    for part in trimmed.split('/') {
        match part {
            ".." => {
                return why(
                    "`..` in its path (it would land outside the folder)",
                    "`..` en su ruta (quedaría fuera de la carpeta)",
                );
            }
            "." | "" => {
                return why(
                    "an empty or `.` path component",
                    "una parte de la ruta vacía o `.`",
                );
            }
            _ => {}
        }
    }
    None
}

/// Opens an archive and checks its central directory. Every refusal found
/// is returned, not only the first.
pub fn open<R: Read + Seek>(reader: R) -> Result<SafeArchive<R>, Vec<Refusal>> {
    let mut zip = ZipArchive::new(reader).map_err(|e| {
        vec![refuse(
            None,
            format!(
                "the file is not a readable ZIP archive ({e}); it is truncated, damaged or not a bundle"
            ),
            format!(
                "el archivo no es un ZIP legible ({e}); está cortado, dañado o no es un reporte"
            ),
        )]
    })?;
    if zip.len() > MAX_ENTRIES {
        return Err(vec![refuse(
            None,
            format!(
                "the archive holds {} entries, over the limit of {MAX_ENTRIES}",
                zip.len()
            ),
            format!(
                "el ZIP tiene {} entradas, más que el límite de {MAX_ENTRIES}",
                zip.len()
            ),
        )]);
    }
    let mut problems = Vec::new();
    if zip.has_duplicate_names() {
        problems.push(refuse(
            None,
            "the archive holds several entries with the same name (one could hide another)",
            "el ZIP tiene varias entradas con el mismo nombre (una podría ocultar a otra)",
        ));
    }
    let mut entries = Vec::with_capacity(zip.len());
    let mut total: u64 = 0;
    for index in 0..zip.len() {
        let e = match zip.by_index_data(index) {
            Ok(e) => e,
            Err(err) => {
                problems.push(refuse(
                    None,
                    format!("entry {index} cannot be read: {err}"),
                    format!("la entrada {index} no se puede leer: {err}"),
                ));
                continue;
            }
        };
        let Ok(name) = std::str::from_utf8(e.name_raw()).map(str::to_string) else {
            problems.push(refuse(
                Some(&String::from_utf8_lossy(e.name_raw())),
                "its name is not UTF-8",
                "su nombre no es UTF-8",
            ));
            continue;
        };
        let shown = Some(name.as_str());
        if let Some(why) = unsafe_name(&name) {
            problems.push(refuse(
                shown,
                format!("unsafe entry: {}", why.en),
                format!("entrada peligrosa: {}", why.es),
            ));
        }
        let file_type = e.unix_mode().map(|m| m & 0o170000);
        if e.is_symlink() || file_type == Some(0o120000) {
            problems.push(refuse(
                shown,
                "a symbolic link; bundles hold only files",
                "es un enlace simbólico; un reporte solo contiene archivos",
            ));
        } else if !matches!(file_type, None | Some(0) | Some(0o100000) | Some(0o040000)) {
            problems.push(refuse(
                shown,
                "not a regular file or folder",
                "no es un archivo ni una carpeta normal",
            ));
        }
        if e.encrypted() {
            problems.push(refuse(
                shown,
                "an encrypted ZIP entry",
                "es una entrada ZIP cifrada",
            ));
        }
        let method = e.compression();
        if !matches!(
            method,
            zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated
        ) {
            problems.push(refuse(
                shown,
                format!("compressed with {method:?}; only stored and deflate are read"),
                format!(
                    "comprimida con {method:?}; solo se leen entradas sin comprimir o con deflate"
                ),
            ));
        }
        let (size, packed) = (e.size(), e.compressed_size());
        if size > RATIO_FLOOR && size / packed.max(1) > MAX_RATIO {
            problems.push(refuse(
                shown,
                format!(
                    "claims {size} bytes from {packed} compressed, a ratio over {MAX_RATIO}:1 (a zip bomb?)"
                ),
                format!(
                    "dice tener {size} bytes a partir de {packed} comprimidos, una proporción mayor de {MAX_RATIO}:1 (¿una bomba zip?)"
                ),
            ));
        }
        total = total.saturating_add(size);
        entries.push(EntryInfo {
            index,
            is_dir: e.is_dir(),
            name,
            size,
        });
    }
    if total > MAX_TOTAL {
        problems.push(refuse(
            None,
            format!("the entries claim {total} bytes in all, over the limit of {MAX_TOTAL}"),
            format!("las entradas dicen sumar {total} bytes, más que el límite de {MAX_TOTAL}"),
        ));
    }
    if problems.is_empty()
        && let Err(e) = zip.validate_header_consistency()
    {
        problems.push(refuse(
            None,
            format!("the archive's local headers disagree with its directory ({e})"),
            format!("los encabezados locales del ZIP no concuerdan con su directorio ({e})"),
        ));
    }
    if problems.is_empty() {
        Ok(SafeArchive { zip, entries })
    } else {
        Err(problems)
    }
}

impl<R: Read + Seek> SafeArchive<R> {
    /// Streams an entry's bytes into `out`, refusing more than its declared
    /// size. Returns the number of bytes written, or why not, to be put
    /// after the entry's name (`is damaged inside the archive (…)`).
    pub fn stream(&mut self, index: usize, out: &mut dyn Write) -> Result<u64, Message> {
        let mut f = self.zip.by_index(index).map_err(|e| {
            Message::new(
                format!("cannot be read from the archive ({e})"),
                format!("no se puede leer del ZIP ({e})"),
            )
        })?;
        let declared = f.size();
        let mut buf = vec![0u8; 256 * 1024];
        let mut done: u64 = 0;
        loop {
            let n = match f.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(Message::new(
                        format!("is damaged inside the archive ({e})"),
                        format!("está dañado dentro del ZIP ({e})"),
                    ));
                }
            };
            done += n as u64;
            if done > declared {
                return Err(Message::new(
                    format!(
                        "gives more bytes than the {declared} its header declares (a zip bomb?); reading stopped"
                    ),
                    format!(
                        "da más bytes que los {declared} que declara su encabezado (¿una bomba zip?); se dejó de leer"
                    ),
                ));
            }
            out.write_all(&buf[..n]).map_err(|e| {
                Message::new(
                    format!("could not be processed ({e})"),
                    format!("no se pudo procesar ({e})"),
                )
            })?;
        }
        if done != declared {
            return Err(Message::new(
                format!("gives {done} bytes, not the {declared} its header declares"),
                format!("da {done} bytes, no los {declared} que declara su encabezado"),
            ));
        }
        Ok(done)
    }

    /// Reads a whole entry into memory, up to `limit` bytes.
    pub fn read_small(&mut self, index: usize, limit: u64) -> Result<Vec<u8>, Message> {
        let size = self
            .entries
            .iter()
            .find(|e| e.index == index)
            .map(|e| e.size);
        if size.is_some_and(|s| s > limit) {
            return Err(Message::new(
                format!("is larger than {limit} bytes; not read"),
                format!("pesa más de {limit} bytes; no se leyó"),
            ));
        }
        let mut out = Vec::new();
        self.stream(index, &mut out)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_names_are_named() {
        for bad in [
            "/etc/passwd",
            "../x",
            "a/../../x",
            "C:/x",
            "a\\b",
            "a//b",
            "./a",
            "",
        ] {
            assert!(unsafe_name(bad).is_some(), "{bad}");
        }
        for good in ["a/b.txt", "a/", "testigo-report-1/data/evidence/x..png"] {
            assert_eq!(unsafe_name(good), None, "{good}");
        }
    }

    #[test]
    fn garbage_is_not_an_archive() {
        let r = open(io::Cursor::new(b"PK\x03\x04 not really".to_vec()));
        let err = r.err().unwrap();
        assert!(err[0].message.en.contains("not a readable ZIP"), "{err:?}");
        assert!(
            err[0].message.es.contains("no es un ZIP legible"),
            "{err:?}"
        );
    }
}
