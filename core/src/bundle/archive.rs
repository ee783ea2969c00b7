//! Reading a ZIP that may be hostile: the first check `verify` makes, before
//! any entry is read.
//!
//! Main types: [`SafeArchive`] (an archive whose central directory passed
//! [`open`]), [`EntryInfo`] and [`Refusal`]. Reasons are said in English and
//! Spanish ([`Message`]). Refused: unreadable archives (truncated,
//! garbage), anything outside the entries (prepended or appended data, a
//! comment, gaps, a second directory: `layout.rs`), more than
//! [`MAX_ENTRIES`] entries or a directory over [`MAX_DIRECTORY`] bytes
//! (checked before the directory is parsed), duplicate names and names that
//! clash once extracted (`names.rs`), names that are absolute, contain
//! `..`, `\`, a drive letter or NUL, non-ASCII names not marked UTF-8,
//! symbolic links and other non-regular entries, encrypted entries, unknown
//! flags and extra fields, entry comments, compression methods other than
//! stored and deflate, local headers or data descriptors that disagree with
//! the directory, a declared total over [`MAX_TOTAL`], and entries whose
//! declared size is over [`MAX_RATIO`] times their compressed size. Folder
//! entries are not refused here: `verify` names each as not accounted for.
//! Header sizes are not trusted: [`SafeArchive::stream`] counts the bytes as
//! they come out and stops at the declared size, so a lying header is caught
//! after reading at most that many bytes.

use std::collections::HashSet;
use std::io::{self, Read, Seek, Write};

use zip::ZipArchive;

use super::{layout, names};
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
/// Largest central directory read (16 MiB: 100,000 entries with names of
/// over 100 bytes).
pub const MAX_DIRECTORY: u64 = 16 << 20;
/// Longest entry name, in bytes.
pub const MAX_NAME: usize = 1024;

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

/// Extra fields an entry may carry: ZIP64 sizes, and the times and owner
/// ids that `zip` tools add. Others could hide data, or (Info-ZIP's Unicode
/// path, `0x7075`) make `unzip` use another name than the directory's.
const KNOWN_EXTRA: [u16; 4] = [0x0001, 0x000a, 0x5455, 0x7875];

/// Flags an entry may have: deflate options (bits 1, 2), a data descriptor
/// (bit 3) and UTF-8 names (bit 11).
const KNOWN_FLAGS: u16 = 0x0002 | 0x0004 | 0x0008 | 0x0800;

/// Opens an archive and checks it: the end records and the central
/// directory are read and bounded before the ZIP library parses them, then
/// every entry and the archive's layout. Every refusal found is returned,
/// not only the first.
pub fn open<R: Read + Seek>(mut reader: R) -> Result<SafeArchive<R>, Vec<Refusal>> {
    let whole = |m: Message| {
        vec![Refusal {
            entry: None,
            message: m,
        }]
    };
    let dir = layout::end_of_directory(&mut reader).map_err(whole)?;
    if dir.entries > MAX_ENTRIES as u64 {
        return Err(vec![refuse(
            None,
            format!(
                "the archive holds {} entries, over the limit of {MAX_ENTRIES}",
                dir.entries
            ),
            format!(
                "el ZIP tiene {} entradas, más que el límite de {MAX_ENTRIES}",
                dir.entries
            ),
        )]);
    }
    if dir.size > MAX_DIRECTORY {
        return Err(vec![refuse(
            None,
            format!(
                "its central directory is {} bytes, over the limit of {MAX_DIRECTORY}",
                dir.size
            ),
            format!(
                "su directorio central mide {} bytes, más que el límite de {MAX_DIRECTORY}",
                dir.size
            ),
        )]);
    }
    let mut raw = layout::read_directory(&mut reader, &dir).map_err(whole)?;
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    let mut total: u64 = 0;
    for e in &mut raw {
        let local = layout::read_local(&mut reader, e);
        let lossy = String::from_utf8_lossy(&e.name).into_owned();
        let mut no = |en: String, es: String| problems.push(refuse(Some(&lossy), en, es));
        let name = match std::str::from_utf8(&e.name) {
            Ok(n) => n,
            Err(_) => {
                no(
                    "its name is not UTF-8".into(),
                    "su nombre no es UTF-8".into(),
                );
                continue;
            }
        };
        if !seen.insert(name.to_string()) {
            no(
                "another entry has the same name (one could hide another)".into(),
                "otra entrada tiene el mismo nombre (una podría ocultar a otra)".into(),
            );
        }
        if name.len() > MAX_NAME {
            no(
                format!(
                    "its name is {} bytes long, over the limit of {MAX_NAME}",
                    name.len()
                ),
                format!(
                    "su nombre mide {} bytes, más que el límite de {MAX_NAME}",
                    name.len()
                ),
            );
        }
        if let Some(why) = unsafe_name(name) {
            no(
                format!("unsafe entry: {}", why.en),
                format!("entrada peligrosa: {}", why.es),
            );
        }
        if !name.is_ascii() && e.flags & 0x0800 == 0 {
            no(
                "its name is not marked as UTF-8, so unzip would read it as another name".into(),
                "su nombre no está marcado como UTF-8, así que unzip lo leería como otro nombre"
                    .into(),
            );
        }
        if e.flags & 0x0041 != 0 {
            no(
                "an encrypted ZIP entry".into(),
                "es una entrada ZIP cifrada".into(),
            );
        } else if e.flags & !KNOWN_FLAGS != 0 {
            no(
                format!("unusual ZIP flags {:#06x}", e.flags),
                format!("indicadores ZIP inusuales {:#06x}", e.flags),
            );
        }
        if e.comment_len != 0 {
            no(
                "it carries a comment; bundle entries have none".into(),
                "lleva un comentario; las entradas de un reporte no tienen ninguno".into(),
            );
        }
        // The file type: Unix mode bits when made on Unix, the DOS folder bit always.
        let mode = (e.system == 3).then_some((e.external >> 16) & 0o170000);
        let dir_attr = e.external & 0x10 != 0 || mode == Some(0o040000);
        if mode == Some(0o120000) {
            no(
                "a symbolic link; bundles hold only files".into(),
                "es un enlace simbólico; un reporte solo contiene archivos".into(),
            );
        } else if !matches!(mode, None | Some(0) | Some(0o100000) | Some(0o040000)) {
            no(
                "not a regular file or folder".into(),
                "no es un archivo ni una carpeta normal".into(),
            );
        } else if dir_attr != name.ends_with('/') && (dir_attr || mode == Some(0o100000)) {
            no(
                "its attributes and its name disagree on whether it is a folder".into(),
                "sus atributos y su nombre no coinciden en si es una carpeta".into(),
            );
        }
        let method = e.method;
        if method != 0 && method != 8 {
            no(
                format!("compressed with method {method}; only stored and deflate are read"),
                format!(
                    "comprimida con el método {method}; solo se leen entradas sin comprimir o con deflate"
                ),
            );
        } else if method == 0 && e.compressed != e.size {
            no(
                format!(
                    "stored without compression, yet it claims {} bytes from {}",
                    e.size, e.compressed
                ),
                format!(
                    "guardada sin comprimir, pero dice tener {} bytes a partir de {}",
                    e.size, e.compressed
                ),
            );
        }
        let (size, packed) = (e.size, e.compressed);
        if size > RATIO_FLOOR && size / packed.max(1) > MAX_RATIO {
            no(
                format!(
                    "claims {size} bytes from {packed} compressed, a ratio over {MAX_RATIO}:1 (a zip bomb?)"
                ),
                format!(
                    "dice tener {size} bytes a partir de {packed} comprimidos, una proporción mayor de {MAX_RATIO}:1 (¿una bomba zip?)"
                ),
            );
        }
        total = total.saturating_add(size);
        if let Some(why) = local {
            no(why.en, why.es);
        }
        if e.bad_extra {
            no(
                "its extra field cannot be read".into(),
                "su campo extra no se puede leer".into(),
            );
        } else if let Some(id) = e.extra_ids.iter().find(|id| !KNOWN_EXTRA.contains(id)) {
            no(
                format!("it carries an extra field of type {id:#06x}, which bundles do not use"),
                format!("lleva un campo extra de tipo {id:#06x}, que los reportes no usan"),
            );
        }
    }
    if total > MAX_TOTAL {
        problems.push(refuse(
            None,
            format!("the entries claim {total} bytes in all, over the limit of {MAX_TOTAL}"),
            format!("las entradas dicen sumar {total} bytes, más que el límite de {MAX_TOTAL}"),
        ));
    }
    let utf8 = raw
        .iter()
        .filter_map(|e| std::str::from_utf8(&e.name).ok())
        .map(|n| (n, n.ends_with('/')));
    for (name, why) in names::collisions(utf8) {
        problems.push(refuse(Some(&name), why.en, why.es));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut by_offset: Vec<&layout::RawEntry> = raw.iter().collect();
    by_offset.sort_by_key(|e| e.header_start);
    for (entry, why) in layout::check_spans(&mut reader, &by_offset, dir.start) {
        problems.push(Refusal {
            entry,
            message: why,
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let entries: Vec<EntryInfo> = raw
        .iter()
        .enumerate()
        .map(|(index, e)| EntryInfo {
            index,
            name: String::from_utf8_lossy(&e.name).into_owned(),
            size: e.size,
            is_dir: e.name.ends_with(b"/"),
        })
        .collect();
    drop(raw);
    let config = zip::read::Config {
        archive_offset: zip::read::ArchiveOffset::Known(0),
    };
    let zip = ZipArchive::with_config(config, reader).map_err(|e| {
        whole(Message::new(
            format!("the file is not a readable ZIP archive ({e}); it is truncated, damaged or not a bundle"),
            format!("el archivo no es un ZIP legible ({e}); está cortado, dañado o no es un reporte"),
        ))
    })?;
    // The library must see the entries the bytes hold, in the same order.
    let agree = zip.len() == entries.len()
        && entries.iter().all(|e| {
            zip.by_index_data(e.index)
                .is_ok_and(|z| z.name_raw() == e.name.as_bytes() && z.size() == e.size)
        });
    if !agree {
        return Err(whole(Message::new(
            "the archive's directory can be read in two ways; a bundle's cannot",
            "el directorio del ZIP se puede leer de dos maneras; el de un reporte no",
        )));
    }
    Ok(SafeArchive { zip, entries })
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

    /// An entry's bytes as a reader, refused up front when its declared
    /// size is over `limit`, and failing past its declared size.
    pub fn reader(&mut self, index: usize, limit: u64) -> Result<impl Read + '_, Message> {
        let f = self.zip.by_index(index).map_err(|e| {
            Message::new(
                format!("cannot be read from the archive ({e})"),
                format!("no se puede leer del ZIP ({e})"),
            )
        })?;
        let declared = f.size();
        if declared > limit {
            return Err(over_limit(limit));
        }
        Ok(Counted {
            inner: f,
            declared,
            done: 0,
        })
    }

    /// Reads a whole entry into memory, up to `limit` bytes.
    pub fn read_small(&mut self, index: usize, limit: u64) -> Result<Vec<u8>, Message> {
        let size = self
            .entries
            .iter()
            .find(|e| e.index == index)
            .map(|e| e.size);
        if size.is_some_and(|s| s > limit) {
            return Err(over_limit(limit));
        }
        let mut out = Vec::new();
        self.stream(index, &mut out)?;
        Ok(out)
    }
}

fn over_limit(limit: u64) -> Message {
    Message::new(
        format!("is larger than {limit} bytes, the limit for this file; not read"),
        format!("pesa más de {limit} bytes, el límite para este archivo; no se leyó"),
    )
}

/// A reader that fails once it has given more than the declared size.
struct Counted<R> {
    inner: R,
    declared: u64,
    done: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.done += n as u64;
        if self.done > self.declared {
            return Err(io::Error::other("more bytes than its header declares"));
        }
        Ok(n)
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
