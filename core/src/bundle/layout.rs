//! The byte layout of a ZIP given to `verify`: its end records are read and
//! bounded before any ZIP library parses the central directory, and the
//! archive must be exactly its entries, back to back from the first byte,
//! then the directory, then the end records: no prepended or appended data,
//! no comment, no gap between entries, no second directory, and data
//! descriptors that agree with the directory. Whatever sits outside the
//! entries is something the manifests cannot account for.
//!
//! Main items: [`end_of_directory`] (→ [`Directory`]), [`read_directory`]
//! (→ [`RawEntry`]s, straight from the bytes, so no library's reading of a
//! name or a flag can differ from `unzip`'s), [`read_local`] and
//! [`check_spans`]. Reasons are [`Message`]s in both languages.

use std::io::{self, Read, Seek, SeekFrom};

use crate::error::Message;

const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD64_SIG: u32 = 0x0606_4b50;
const LOCATOR_SIG: u32 = 0x0706_4b50;
const DESCRIPTOR_SIG: u32 = 0x0807_4b50;
const EOCD_LEN: u64 = 22;
const LOCATOR_LEN: u64 = 20;
const EOCD64_LEN: u64 = 56;

/// Where the central directory is, as the end records say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Directory {
    /// Offset of the first central header.
    pub start: u64,
    /// Its size in bytes.
    pub size: u64,
    /// Number of entries.
    pub entries: u64,
}

fn le16(b: &[u8], at: usize) -> u64 {
    u64::from(u16::from_le_bytes([b[at], b[at + 1]]))
}

fn le32(b: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]))
}

fn le64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

fn read_at<R: Read + Seek>(r: &mut R, at: u64, buf: &mut [u8]) -> io::Result<()> {
    r.seek(SeekFrom::Start(at))?;
    r.read_exact(buf)
}

fn not_a_zip(detail: impl std::fmt::Display) -> Message {
    Message::new(
        format!(
            "the file is not a readable ZIP archive ({detail}); it is truncated, damaged or not a bundle"
        ),
        format!(
            "el archivo no es un ZIP legible ({detail}); está cortado, dañado o no es un reporte"
        ),
    )
}

/// Reads the end records, which must end the file exactly (no comment, no
/// data after them), and checks that the directory ends where they begin.
pub fn end_of_directory<R: Read + Seek>(r: &mut R) -> Result<Directory, Message> {
    let io_err = |e: io::Error| not_a_zip(e);
    let len = r.seek(SeekFrom::End(0)).map_err(io_err)?;
    if len < EOCD_LEN {
        return Err(not_a_zip("too short"));
    }
    let eocd_at = len - EOCD_LEN;
    let mut eocd = [0u8; EOCD_LEN as usize];
    read_at(r, eocd_at, &mut eocd).map_err(io_err)?;
    if le32(&eocd, 0) != u64::from(EOCD_SIG) {
        // Is there an end record further back, followed by a comment or junk?
        let back = len.min(EOCD_LEN + 0xFFFF + 4096);
        let mut tail = vec![0u8; back as usize];
        read_at(r, len - back, &mut tail).map_err(io_err)?;
        let sig = EOCD_SIG.to_le_bytes();
        return Err(match tail.windows(4).rposition(|w| w == sig) {
            Some(i)
                if tail.len() >= i + 22 && le16(&tail, i + 20) == back - i as u64 - EOCD_LEN =>
            {
                Message::new(
                    "the archive has a comment; a bundle has none (it could show misleading text)",
                    "el ZIP tiene un comentario; un reporte no tiene ninguno (podría mostrar un texto engañoso)",
                )
            }
            Some(i) => {
                let after = back - i as u64 - EOCD_LEN.min(back - i as u64);
                Message::new(
                    format!(
                        "{after} bytes follow the archive's end record (a comment or appended data); a bundle has none"
                    ),
                    format!(
                        "hay {after} bytes después del registro final del ZIP (un comentario o datos añadidos); un reporte no tiene ninguno"
                    ),
                )
            }
            None => not_a_zip("no end of central directory record"),
        });
    }
    if le16(&eocd, 20) != 0 {
        return Err(Message::new(
            "the archive has a comment; a bundle has none (it could show misleading text)",
            "el ZIP tiene un comentario; un reporte no tiene ninguno (podría mostrar un texto engañoso)",
        ));
    }
    if le16(&eocd, 4) != 0 || le16(&eocd, 6) != 0 || le16(&eocd, 8) != le16(&eocd, 10) {
        return Err(Message::new(
            "the archive claims to span several disks; a bundle is one file",
            "el ZIP dice ocupar varios discos; un reporte es un solo archivo",
        ));
    }
    let mut dir = Directory {
        start: le32(&eocd, 16),
        size: le32(&eocd, 12),
        entries: le16(&eocd, 10),
    };
    let mut dir_end = eocd_at;
    // A ZIP64 locator right before the end record.
    let mut loc = [0u8; LOCATOR_LEN as usize];
    if eocd_at >= LOCATOR_LEN
        && read_at(r, eocd_at - LOCATOR_LEN, &mut loc).is_ok()
        && le32(&loc, 0) == u64::from(LOCATOR_SIG)
    {
        let record_at = le64(&loc, 8);
        let mut rec = [0u8; EOCD64_LEN as usize];
        let bad = |what: &str| {
            Message::new(
                format!("its ZIP64 end record is inconsistent ({what})"),
                format!("su registro final ZIP64 es incoherente ({what})"),
            )
        };
        if le32(&loc, 4) != 0 || le32(&loc, 16) != 1 {
            return Err(bad("several disks"));
        }
        if record_at.checked_add(EOCD64_LEN) != Some(eocd_at - LOCATOR_LEN) {
            return Err(bad("data between the ZIP64 record and its locator"));
        }
        read_at(r, record_at, &mut rec).map_err(io_err)?;
        if le32(&rec, 0) != u64::from(EOCD64_SIG) || le64(&rec, 4) != EOCD64_LEN - 12 {
            return Err(bad("not a plain ZIP64 end record"));
        }
        if le32(&rec, 16) != 0 || le32(&rec, 20) != 0 || le64(&rec, 24) != le64(&rec, 32) {
            return Err(bad("several disks"));
        }
        dir = Directory {
            entries: le64(&rec, 32),
            size: le64(&rec, 40),
            start: le64(&rec, 48),
        };
        dir_end = record_at;
    }
    if dir.start.checked_add(dir.size) != Some(dir_end) {
        return Err(Message::new(
            "the archive's central directory does not end where its end record begins (data was added, or it has several directories)",
            "el directorio central del ZIP no termina donde empieza su registro final (se añadieron datos o tiene varios directorios)",
        ));
    }
    Ok(dir)
}

/// One entry as its central header says, and where its data is.
#[derive(Debug, Clone, Default)]
pub struct RawEntry {
    /// The name's bytes.
    pub name: Vec<u8>,
    /// General purpose flags.
    pub flags: u16,
    /// Compression method.
    pub method: u16,
    /// CRC-32, from the directory.
    pub crc32: u32,
    /// Compressed size, from the directory.
    pub compressed: u64,
    /// Uncompressed size, from the directory.
    pub size: u64,
    /// Offset of its local header.
    pub header_start: u64,
    /// Offset of its data, once the local header was read.
    pub data_start: u64,
    /// The system that made it (the high byte of "version made by").
    pub system: u8,
    /// External attributes (Unix mode in the high 16 bits on Unix).
    pub external: u32,
    /// Ids of the extra fields of the central and the local header.
    pub extra_ids: Vec<u16>,
    /// Length of the entry's comment.
    pub comment_len: u16,
    /// Whether an extra field cannot be read.
    pub bad_extra: bool,
}

impl RawEntry {
    /// Whether a data descriptor follows the data (flag bit 3).
    pub fn descriptor(&self) -> bool {
        self.flags & 0x0008 != 0
    }
}

/// Extra field ids, and the ZIP64 values the `0x0001` field holds.
fn parse_extra(extra: &[u8], e: &mut RawEntry, central: bool, offset32: u64) -> Option<u64> {
    let mut offset = offset32;
    let mut at = 0;
    while at < extra.len() {
        if at + 4 > extra.len() {
            e.bad_extra = true;
            break;
        }
        let id = le16(extra, at) as u16;
        let len = le16(extra, at + 2) as usize;
        let data = match extra.get(at + 4..at + 4 + len) {
            Some(d) => d,
            None => {
                e.bad_extra = true;
                break;
            }
        };
        e.extra_ids.push(id);
        if id == 0x0001 && central {
            let (mut size, mut compressed) = (e.size, e.compressed);
            let mut p = 0;
            let mut take = |v: &mut u64| {
                if *v == 0xFFFF_FFFF {
                    match data.get(p..p + 8) {
                        Some(b) => {
                            *v = le64(b, 0);
                            p += 8;
                        }
                        None => e.bad_extra = true,
                    }
                }
            };
            take(&mut size);
            take(&mut compressed);
            take(&mut offset);
            (e.size, e.compressed) = (size, compressed);
        }
        at += 4 + len;
    }
    central.then_some(offset)
}

/// Reads the central directory (`dir`, already bounded by the caller),
/// one header at a time. `Err` when a header cannot be read.
pub fn read_directory<R: Read + Seek>(
    r: &mut R,
    dir: &Directory,
) -> Result<Vec<RawEntry>, Message> {
    r.seek(SeekFrom::Start(dir.start)).map_err(not_a_zip)?;
    let mut cd = io::BufReader::new(&mut *r).take(dir.size);
    let mut out = Vec::with_capacity(dir.entries.min(1 << 16) as usize);
    for i in 0..dir.entries {
        let mut h = [0u8; 46];
        cd.read_exact(&mut h)
            .map_err(|_| not_a_zip(format!("central header {i} is cut short")))?;
        if le32(&h, 0) != 0x0201_4b50 {
            return Err(not_a_zip(format!("central header {i} has no signature")));
        }
        let mut e = RawEntry {
            system: h[5],
            flags: le16(&h, 8) as u16,
            method: le16(&h, 10) as u16,
            crc32: le32(&h, 16) as u32,
            compressed: le32(&h, 20),
            size: le32(&h, 24),
            comment_len: le16(&h, 32) as u16,
            external: le32(&h, 38) as u32,
            ..RawEntry::default()
        };
        if le16(&h, 34) != 0 {
            return Err(not_a_zip(format!("central header {i} is on another disk")));
        }
        let (n, m, k) = (
            le16(&h, 28) as usize,
            le16(&h, 30) as usize,
            le16(&h, 32) as usize,
        );
        let mut var = vec![0u8; n + m + k];
        cd.read_exact(&mut var)
            .map_err(|_| not_a_zip(format!("central header {i} is cut short")))?;
        e.name = var[..n].to_vec();
        let offset = parse_extra(&var[n..n + m], &mut e, true, le32(&h, 42));
        e.header_start = offset.unwrap_or_default();
        out.push(e);
    }
    if cd.limit() != 0 {
        return Err(Message::new(
            format!(
                "{} bytes of the central directory belong to no entry",
                cd.limit()
            ),
            format!(
                "{} bytes del directorio central no pertenecen a ninguna entrada",
                cd.limit()
            ),
        ));
    }
    Ok(out)
}

/// Reads an entry's local header: sets `data_start` and adds the local
/// extra field ids. Returns why the header disagrees with the directory.
pub fn read_local<R: Read + Seek>(r: &mut R, e: &mut RawEntry) -> Option<Message> {
    let disagree = |what: &str, que: &str| {
        Some(Message::new(
            format!("its local header disagrees with the central directory ({what})"),
            format!("su encabezado local no concuerda con el directorio central ({que})"),
        ))
    };
    let mut h = [0u8; 30];
    if read_at(r, e.header_start, &mut h).is_err() || le32(&h, 0) != 0x0403_4b50 {
        return disagree(
            "no local header where the directory says",
            "no hay encabezado local donde indica el directorio",
        );
    }
    let (n, m) = (le16(&h, 26) as usize, le16(&h, 28) as usize);
    let mut var = vec![0u8; n + m];
    if r.read_exact(&mut var).is_err() {
        return disagree("cut short", "está cortado");
    }
    e.data_start = e.header_start + 30 + (n + m) as u64;
    let mut local = RawEntry::default();
    parse_extra(&var[n..], &mut local, false, 0);
    e.extra_ids.extend(local.extra_ids);
    e.bad_extra |= local.bad_extra;
    if var[..n] != e.name[..] {
        return disagree("another name", "otro nombre");
    }
    if le16(&h, 6) as u16 != e.flags || le16(&h, 8) as u16 != e.method {
        return disagree(
            "flags or compression method",
            "indicadores o método de compresión",
        );
    }
    let (crc, csize, size) = (le32(&h, 14), le32(&h, 18), le32(&h, 22));
    let same = |local: u64, central: u64| local == central || local == 0xFFFF_FFFF;
    let fits = if e.descriptor() {
        (crc == 0 || crc == u64::from(e.crc32))
            && (csize == 0 || same(csize, e.compressed))
            && (size == 0 || same(size, e.size))
    } else {
        crc == u64::from(e.crc32) && same(csize, e.compressed) && same(size, e.size)
    };
    if !fits {
        return disagree("CRC or sizes", "CRC o tamaños");
    }
    None
}

/// The length of the data descriptor at `at` if it agrees with the span.
fn descriptor_len<R: Read + Seek>(r: &mut R, at: u64, s: &RawEntry) -> Option<u64> {
    let mut b = [0u8; 24];
    r.seek(SeekFrom::Start(at)).ok()?;
    let mut n = 0;
    while n < b.len() {
        match r.read(&mut b[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    let b = &b[..n];
    let skip = if b.len() >= 4 && le32(b, 0) == u64::from(DESCRIPTOR_SIG) {
        4
    } else {
        0
    };
    let fits32 = |b: &[u8]| {
        b.len() >= skip + 12
            && le32(b, skip) == u64::from(s.crc32)
            && le32(b, skip + 4) == s.compressed
            && le32(b, skip + 8) == s.size
    };
    let fits64 = |b: &[u8]| {
        b.len() >= skip + 20
            && le32(b, skip) == u64::from(s.crc32)
            && le64(b, skip + 4) == s.compressed
            && le64(b, skip + 12) == s.size
    };
    if fits32(b) {
        Some(skip as u64 + 12)
    } else if fits64(b) {
        Some(skip as u64 + 20)
    } else {
        None
    }
}

/// Checks that the entries fill the archive from its first byte to the
/// central directory, back to back. Returns `(entry name, reason)` pairs;
/// the name is `None` for bytes that belong to no entry.
pub fn check_spans<R: Read + Seek>(
    r: &mut R,
    spans: &[&RawEntry],
    dir_start: u64,
) -> Vec<(Option<String>, Message)> {
    let mut out = Vec::new();
    let mut expected = 0u64;
    for s in spans.iter() {
        if s.header_start != expected {
            out.push((None, gap(expected, s.header_start)));
            if s.header_start < expected {
                return out;
            }
        }
        let Some(end) = s.data_start.checked_add(s.compressed) else {
            out.push((
                Some(String::from_utf8_lossy(&s.name).into_owned()),
                Message::new("its sizes overflow", "sus tamaños se desbordan"),
            ));
            return out;
        };
        expected = end;
        if s.descriptor() {
            match descriptor_len(r, end, s) {
                Some(n) => expected += n,
                None => {
                    out.push((
                        Some(String::from_utf8_lossy(&s.name).into_owned()),
                        Message::new(
                            "its data descriptor disagrees with the central directory (CRC or sizes)",
                            "su descriptor de datos no concuerda con el directorio central (CRC o tamaños)",
                        ),
                    ));
                    return out;
                }
            }
        }
    }
    if expected != dir_start {
        out.push((None, gap(expected, dir_start)));
    }
    out
}

fn gap(from: u64, to: u64) -> Message {
    if to < from {
        Message::new(
            format!("entries overlap at byte {to} (one entry's bytes are read as another's)"),
            format!(
                "las entradas se superponen en el byte {to} (los bytes de una se leen como otra)"
            ),
        )
    } else if from == 0 {
        Message::new(
            format!(
                "{to} bytes come before the first entry (data prepended to the archive); a bundle has none"
            ),
            format!(
                "hay {to} bytes antes de la primera entrada (datos añadidos al principio del ZIP); un reporte no tiene ninguno"
            ),
        )
    } else {
        Message::new(
            format!(
                "{} bytes at byte {from} belong to no entry (hidden data, or a second archive); a bundle has none",
                to - from
            ),
            format!(
                "{} bytes en el byte {from} no pertenecen a ninguna entrada (datos ocultos u otro ZIP); un reporte no tiene ninguno",
                to - from
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};

    use super::*;

    fn small_zip(comment: Option<&str>) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default();
        z.start_file("b/a.txt", o).unwrap();
        z.write_all(b"hola").unwrap();
        if let Some(c) = comment {
            z.set_comment(c).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    fn end(bytes: &[u8]) -> Result<Directory, String> {
        end_of_directory(&mut Cursor::new(bytes)).map_err(|m| m.en)
    }

    #[test]
    fn only_an_archive_that_ends_with_its_directory_is_read() {
        let good = small_zip(None);
        let dir = end(&good).unwrap();
        assert_eq!(dir.entries, 1);
        let mut r = Cursor::new(&good);
        let mut entries = read_directory(&mut r, &dir).unwrap();
        assert!(read_local(&mut r, &mut entries[0]).is_none());
        let spans: Vec<&RawEntry> = entries.iter().collect();
        assert!(check_spans(&mut r, &spans, dir.start).is_empty());

        assert!(
            end(&small_zip(Some("VALID")))
                .unwrap_err()
                .contains("comment")
        );
        let mut appended = good.clone();
        appended.extend_from_slice(b"more");
        assert!(end(&appended).unwrap_err().contains("4 bytes follow"));
        let mut prepended = b"junk".to_vec();
        prepended.extend_from_slice(&good);
        assert!(end(&prepended).unwrap_err().contains("does not end where"));
        assert!(end(b"").unwrap_err().contains("not a readable ZIP"));
        assert!(
            end(&good[..good.len() / 2])
                .unwrap_err()
                .contains("not a readable ZIP")
        );
    }
}
