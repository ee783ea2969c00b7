//! The encrypted object store: `objects/` inside the vault, one file per
//! object, content-addressed by the SHA-256 of the plaintext (through a keyed
//! name, see [`crate::crypto::object_name`]).
//!
//! Main type: [`ObjectStore`]. Writes go to `objects/tmp/` (ciphertext only),
//! are synced, then renamed into place, so a crash leaves either nothing or a
//! whole object; an object no item refers to is swept by the next writer.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use rand::RngCore;
use zeroize::Zeroizing;

use crate::crypto::{ObjectReader, ObjectWriter, VaultKey, object_name};
use crate::error::{Error, ErrorKind, IoContext, Result, io_reason_es};
use crate::hashing::HashingWriter;

/// A stored object's plaintext hash and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// SHA-256 of the plaintext, hex.
    pub sha256: String,
    /// Plaintext size in bytes.
    pub size: u64,
}

/// An entry found under `objects/`.
#[derive(Debug, Clone)]
pub struct Listed {
    /// The path inside the vault, for messages (`objects/ab/cd…`).
    pub shown: String,
    /// The object name, when the entry is a file named like an object.
    pub name: Option<String>,
    /// Where it is.
    pub path: PathBuf,
}

impl Listed {
    fn stray(root: &Path, path: PathBuf) -> Listed {
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        Listed {
            shown: format!("objects/{rel}"),
            name: None,
            path,
        }
    }
}

/// Encrypted, content-addressed files under `objects/`.
pub struct ObjectStore {
    root: PathBuf,
    enc_key: Zeroizing<[u8; 32]>,
    name_key: Zeroizing<[u8; 32]>,
}

impl ObjectStore {
    /// Opens (creating if needed) the store under `vault_dir/objects`.
    pub fn open(vault_dir: &Path, key: &VaultKey) -> Result<ObjectStore> {
        let root = vault_dir.join("objects");
        crate::private::create_dir_all(&root.join("tmp"))
            .map_err(Error::io(IoContext::Creating(root.clone())))?;
        Ok(ObjectStore {
            root,
            enc_key: key.subkey("objects"),
            name_key: key.subkey("object names"),
        })
    }

    /// The file that holds the object with this plaintext hash.
    pub fn path_for(&self, sha256: &str) -> PathBuf {
        let name = object_name(&self.name_key, sha256);
        self.root.join(&name[..2]).join(&name[2..])
    }

    /// The object name (two-level path without the folder separator) for a hash.
    pub fn name_for(&self, sha256: &str) -> String {
        object_name(&self.name_key, sha256)
    }

    /// Stores everything `reader` yields, streaming. If an object with the same
    /// content is already there, the new copy is dropped.
    pub fn put(&self, reader: &mut dyn Read) -> Result<Stored> {
        let tmp = self.tmp_path();
        let result = self.put_at(&tmp, reader);
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    /// Stores bytes held in memory.
    pub fn put_bytes(&self, data: &[u8]) -> Result<Stored> {
        self.put(&mut &data[..])
    }

    fn put_at(&self, tmp: &Path, reader: &mut dyn Read) -> Result<Stored> {
        let ctx = || IoContext::WritingObject(tmp.into());
        let file = crate::private::create_new_file(tmp).map_err(Error::io(ctx()))?;
        let mut w = ObjectWriter::new(&self.enc_key, BufWriter::with_capacity(256 * 1024, file))
            .map_err(Error::io(ctx()))?;
        // Reading the input and writing the object fail for different
        // reasons (a full disk is the second), so each is said as itself.
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(Error::bilingual(
                        ErrorKind::Import,
                        format!("reading the file failed: {e}"),
                        format!("no se pudo leer el archivo: {}", io_reason_es(&e)),
                    ));
                }
            };
            w.write_all(&buf[..n]).map_err(Error::io(ctx()))?;
        }
        let (buf, sha256, size) = w.finish().map_err(Error::io(ctx()))?;
        let file = buf
            .into_inner()
            .map_err(|e| Error::io(ctx())(e.into_error()))?;
        file.sync_all().map_err(Error::io(ctx()))?;
        drop(file);
        let dest = self.path_for(&sha256);
        if dest.exists() {
            fs::remove_file(tmp).map_err(Error::io(ctx()))?;
        } else {
            let dir = dest.parent().expect("object paths have a parent");
            crate::private::create_dir_all(dir)
                .map_err(Error::io(IoContext::Creating(dir.into())))?;
            fs::rename(tmp, &dest).map_err(Error::io(IoContext::MovingObject(dir.into())))?;
            crate::private::sync_dir(dir);
        }
        Ok(Stored { sha256, size })
    }

    fn tmp_path(&self) -> PathBuf {
        let mut r = [0u8; 12];
        rand::rng().fill_bytes(&mut r);
        self.root
            .join("tmp")
            .join(format!("{}.part", hex::encode(r)))
    }

    /// Opens the object with this hash for reading its plaintext.
    pub fn open_object(&self, sha256: &str) -> Result<ObjectReader<BufReader<File>>> {
        self.open_path(&self.path_for(sha256))
    }

    fn open_path(&self, path: &Path) -> Result<ObjectReader<BufReader<File>>> {
        let ctx = || IoContext::ReadingObject(path.into());
        let file = File::open(path).map_err(Error::io(ctx()))?;
        let len = file.metadata().map_err(Error::io(ctx()))?.len();
        ObjectReader::new(
            &self.enc_key,
            BufReader::with_capacity(256 * 1024, file),
            len,
        )
        .map_err(|e| match e.kind() {
            io::ErrorKind::InvalidData => Error::corrupt(
                format!("{}: {e}", ctx()),
                format!(
                    "no se pudo leer el objeto {}: no es un objeto de Testigo, o está dañado",
                    path.display()
                ),
            ),
            _ => Error::io(ctx())(e),
        })
    }

    /// Reads a whole object into memory and checks it against its hash.
    pub fn read(&self, sha256: &str) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.copy_to(sha256, &mut out)?;
        Ok(out)
    }

    /// Streams an object's plaintext into `out`, then checks the hash. On a
    /// mismatch the bytes already written must be discarded by the caller.
    pub fn copy_to(&self, sha256: &str, out: &mut dyn Write) -> Result<u64> {
        let mut reader = self.open_object(sha256)?;
        let mut hashing = HashingWriter::new(out);
        io::copy(&mut reader, &mut hashing).map_err(|e| match e.kind() {
            io::ErrorKind::InvalidData => Error::corrupt(
                format!("object for {sha256} cannot be read: {e}"),
                format!("el objeto de {sha256} no se puede leer: fue alterado o está dañado"),
            ),
            _ => Error::io(IoContext::CopyingOriginal)(e),
        })?;
        let (_, got, size) = hashing.finish();
        if got != sha256 {
            return Err(Error::corrupt(
                format!("object for {sha256} holds other content (SHA-256 {got})"),
                format!("el objeto de {sha256} tiene otro contenido (SHA-256 {got}): fue alterado"),
            ));
        }
        Ok(size)
    }

    /// Decrypts a file found under `objects/` and returns its plaintext hash.
    pub fn verify_path(&self, path: &Path) -> Result<String> {
        let mut reader = self.open_path(path)?;
        let mut hashing = HashingWriter::new(io::sink());
        io::copy(&mut reader, &mut hashing).map_err(|e| {
            let es = match e.kind() {
                io::ErrorKind::InvalidData => {
                    "el objeto no pasó la autenticación: fue alterado o está dañado".to_string()
                }
                _ => format!("el objeto no se puede leer: {}", io_reason_es(&e)),
            };
            Error::corrupt(e.to_string(), es)
        })?;
        Ok(hashing.finish().1)
    }

    /// Deletes the object with this hash, if present.
    pub fn remove(&self, sha256: &str) -> Result<()> {
        let path = self.path_for(sha256);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(IoContext::Removing(path))(e)),
        }
    }

    /// Everything under `objects/` but unfinished writes, sorted by path.
    pub fn list(&self) -> Result<Vec<Listed>> {
        let mut out = Vec::new();
        let ctx = || IoContext::Listing(self.root.clone());
        for top in fs::read_dir(&self.root).map_err(Error::io(ctx()))? {
            let top = top.map_err(Error::io(ctx()))?;
            let prefix = top.file_name().to_string_lossy().into_owned();
            let is_dir = top.file_type().map_err(Error::io(ctx()))?.is_dir();
            if prefix == "tmp" && is_dir {
                continue;
            }
            if !is_dir || prefix.len() != 2 {
                out.push(Listed::stray(&self.root, top.path()));
                continue;
            }
            for f in fs::read_dir(top.path()).map_err(Error::io(ctx()))? {
                let f = f.map_err(Error::io(ctx()))?;
                let name = format!("{prefix}{}", f.file_name().to_string_lossy());
                let is_file = f.file_type().map_err(Error::io(ctx()))?.is_file();
                if is_file && name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()) {
                    out.push(Listed {
                        shown: format!("objects/{prefix}/{}", &name[2..]),
                        name: Some(name),
                        path: f.path(),
                    });
                } else {
                    out.push(Listed::stray(&self.root, f.path()));
                }
            }
        }
        out.sort_by(|a, b| a.shown.cmp(&b.shown));
        Ok(out)
    }

    /// Unfinished writes left by a crash (ciphertext only).
    pub fn unfinished(&self) -> Result<Vec<PathBuf>> {
        let dir = self.root.join("tmp");
        let entries = fs::read_dir(&dir).map_err(Error::io(IoContext::Listing(dir.clone())))?;
        Ok(entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
    }

    /// Removes unfinished writes. Call only while holding the vault's write lock.
    pub fn sweep_unfinished(&self) -> Result<usize> {
        let files = self.unfinished()?;
        for f in &files {
            fs::remove_file(f).map_err(Error::io(IoContext::Removing(f.clone())))?;
        }
        Ok(files.len())
    }
}
