//! Files only their owner can read. The vault folder and every folder in it
//! are created 0700 and every file 0600; the plaintext Testigo writes out
//! (sealed reports, packets, exported originals and captures) is 0600 from
//! its first byte. [`loose`] finds what another user could reach in a vault
//! folder, and [`tighten`] takes those rights away again (`chmod go-rwx`).
//!
//! SQLite creates the database's `-wal` and `-shm` files itself, with the
//! database file's own permissions, so [`create_new_file`] makes the
//! database file first and SQLite's files follow it.
//!
//! On systems without Unix permissions these are the ordinary `std::fs`
//! calls, and nothing is ever loose.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

/// Rights of a folder of the vault: its owner only.
pub const DIR_MODE: u32 = 0o700;
/// Rights of a file of the vault, or of a report written out: its owner only.
pub const FILE_MODE: u32 = 0o600;
/// The group and other bits: none may be set in a vault.
const OTHERS: u32 = 0o077;

fn options() -> fs::OpenOptions {
    let mut o = File::options();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, FILE_MODE);
    o
}

/// Creates `path` for writing (emptying it if it exists), readable by its
/// owner only. A new file is 0600 from the start; an existing one is
/// emptied and then made 0600 before anything is written to it.
pub fn create_file(path: &Path) -> io::Result<File> {
    let f = options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    restrict(&f)?;
    Ok(f)
}

/// Writes a file atomically, 0600: `write` fills `<dest>.part`, which is
/// synced and renamed over `dest` only when it succeeded; on any error the
/// part is removed, so nothing partial is ever left under either name.
/// Returns `dest` made absolute, and what `write` returned. The one way
/// Testigo writes a sealed report, a packet, an exported original or a
/// capture to a path a person chose.
pub fn write_atomically<T>(
    dest: &Path,
    write: impl FnOnce(&mut io::BufWriter<File>) -> crate::error::Result<T>,
) -> crate::error::Result<(PathBuf, T)> {
    use crate::error::{Error, IoContext};
    let dest = std::path::absolute(dest).unwrap_or_else(|_| dest.to_path_buf());
    let mut part = dest.as_os_str().to_owned();
    part.push(".part");
    let part = PathBuf::from(part);
    let ctx = || IoContext::Writing(dest.clone());
    let file = create_file(&part).map_err(Error::io(ctx()))?;
    let mut out = io::BufWriter::with_capacity(1 << 20, file);
    let result = write(&mut out).and_then(|value| {
        let file = out
            .into_inner()
            .map_err(|e| Error::io(ctx())(e.into_error()))?;
        file.sync_all().map_err(Error::io(ctx()))?;
        drop(file);
        fs::rename(&part, &dest).map_err(Error::io(ctx()))?;
        sync_dir(dest.parent().unwrap_or(Path::new(".")));
        Ok(value)
    });
    match result {
        Ok(value) => Ok((dest, value)),
        Err(e) => {
            let _ = fs::remove_file(&part);
            Err(e)
        }
    }
}

/// Makes a rename durable (best effort: not every platform can sync a folder).
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Reads until `buf` is full or the input ends; returns how much was read.
pub fn read_up_to(r: &mut impl io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Creates `path`, which must not exist yet, for writing, 0600.
pub fn create_new_file(path: &Path) -> io::Result<File> {
    options().write(true).create_new(true).open(path)
}

/// Opens `path` for writing without emptying it, creating it 0600 if it is
/// missing (the vault's lock file).
pub fn open_or_create(path: &Path) -> io::Result<File> {
    let f = options()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    restrict(&f)?;
    Ok(f)
}

/// Takes the group's and others' rights away from an open file.
fn restrict(f: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = f.metadata()?.permissions().mode();
        if mode & OTHERS != 0 {
            f.set_permissions(fs::Permissions::from_mode(mode & !OTHERS & 0o7777))?;
        }
    }
    #[cfg(not(unix))]
    let _ = f;
    Ok(())
}

/// Creates a folder and the parents it lacks; each folder it creates is
/// 0700. A folder that exists already is left as it is.
pub fn create_dir_all(path: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, DIR_MODE);
    b.create(path)
}

/// A file or folder of the vault that others could reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loose {
    /// Its path inside the vault folder (empty for the folder itself).
    pub shown: String,
    /// Where it is.
    pub path: PathBuf,
    /// Its permission bits when found.
    pub mode: u32,
}

impl Loose {
    /// How it is named in a message: `the vault folder`, `vault.json`,
    /// `objects/ab/…`, with its rights in octal.
    pub fn describe(&self, lang: crate::error::Lang) -> String {
        let name = match (self.shown.is_empty(), lang) {
            (true, crate::error::Lang::En) => "the vault folder".to_string(),
            (true, crate::error::Lang::Es) => "la carpeta de la bóveda".to_string(),
            (false, _) => self.shown.clone(),
        };
        format!("{name} ({:04o})", self.mode & 0o7777)
    }
}

/// Every folder and file in `dir` (the folder itself included) that grants
/// any right to its group or to others. Symbolic links are not followed
/// (their own bits mean nothing).
pub fn loose(dir: &Path) -> io::Result<Vec<Loose>> {
    let mut out = Vec::new();
    #[cfg(unix)]
    walk(dir, dir, &mut out)?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(out)
}

#[cfg(unix)]
fn walk(root: &Path, path: &Path, out: &mut Vec<Loose>) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        // Gone meanwhile (a temporary file another writer removed).
        Err(e) if e.kind() == io::ErrorKind::NotFound && path != root => return Ok(()),
        Err(e) => return Err(e),
    };
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    let mode = meta.permissions().mode();
    if mode & OTHERS != 0 {
        let shown = path
            .strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string();
        out.push(Loose {
            shown,
            path: path.to_path_buf(),
            mode,
        });
    }
    if meta.is_dir() {
        let mut entries = match fs::read_dir(path) {
            Ok(e) => e
                .map(|e| e.map(|e| e.path()))
                .collect::<io::Result<Vec<_>>>()?,
            Err(e) if e.kind() == io::ErrorKind::NotFound && path != root => return Ok(()),
            Err(e) => return Err(e),
        };
        entries.sort();
        for entry in entries {
            walk(root, &entry, out)?;
        }
    }
    Ok(())
}

/// Takes the group's and others' rights away from everything in `dir` that
/// has any (`chmod -R go-rwx`), and returns what it changed. What cannot be
/// changed (another user's file, a read-only disk) is left for
/// [`loose`] to find.
pub fn tighten(dir: &Path) -> io::Result<Vec<Loose>> {
    let mut found = loose(dir)?;
    #[cfg(unix)]
    found.retain(|l| {
        use std::os::unix::fs::PermissionsExt;
        let mode = l.mode & !OTHERS & 0o7777;
        fs::set_permissions(&l.path, fs::Permissions::from_mode(mode)).is_ok()
    });
    Ok(found)
}

/// Bytes free for an ordinary user on the disk that holds `path`, when the
/// system can tell.
pub fn free_space(path: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        let s = rustix::fs::statvfs(path).ok()?;
        Some(s.f_bavail.saturating_mul(s.f_frsize))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// True when the disk holding `path` has (nearly) no room left: less than
/// SQLite needs to open a database in WAL mode and commit a change to it.
pub fn disk_nearly_full(path: &Path) -> bool {
    const NEARLY_FULL: u64 = 1024 * 1024;
    free_space(path).is_some_and(|free| free < NEARLY_FULL)
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn files_and_folders_are_created_private_whatever_they_were() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("a/b");
        create_dir_all(&dir).unwrap();
        assert_eq!(mode(&t.path().join("a")), DIR_MODE);
        assert_eq!(mode(&dir), DIR_MODE);
        let f = dir.join("f");
        drop(create_file(&f).unwrap());
        assert_eq!(mode(&f), FILE_MODE);
        // An existing file others can read is emptied, then made private.
        fs::write(&f, b"secreto").unwrap();
        fs::set_permissions(&f, fs::Permissions::from_mode(0o644)).unwrap();
        drop(create_file(&f).unwrap());
        assert_eq!((mode(&f), fs::read(&f).unwrap().len()), (FILE_MODE, 0));
        fs::set_permissions(&f, fs::Permissions::from_mode(0o666)).unwrap();
        drop(open_or_create(&f).unwrap());
        assert_eq!(mode(&f), FILE_MODE);
        assert!(create_new_file(&f).is_err());
        drop(create_new_file(&dir.join("g")).unwrap());
        assert_eq!(mode(&dir.join("g")), FILE_MODE);
    }

    #[test]
    fn loose_entries_are_found_and_tightened_without_following_links() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("v");
        create_dir_all(&root.join("objects/ab")).unwrap();
        drop(create_file(&root.join("objects/ab/cd")).unwrap());
        drop(create_file(&root.join("vault.json")).unwrap());
        assert!(loose(&root).unwrap().is_empty());
        let outside = t.path().join("outside");
        fs::write(&outside, b"x").unwrap();
        fs::set_permissions(&outside, fs::Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
        for (p, m) in [("", 0o755), ("objects/ab", 0o750), ("objects/ab/cd", 0o604)] {
            fs::set_permissions(root.join(p), fs::Permissions::from_mode(m)).unwrap();
        }
        let found: Vec<_> = loose(&root)
            .unwrap()
            .into_iter()
            .map(|l| (l.shown, l.mode & 0o777))
            .collect();
        assert_eq!(
            found,
            [
                (String::new(), 0o755),
                ("objects/ab".to_string(), 0o750),
                ("objects/ab/cd".to_string(), 0o604)
            ]
        );
        assert_eq!(tighten(&root).unwrap().len(), 3);
        assert!(loose(&root).unwrap().is_empty());
        assert_eq!(mode(&root), 0o700);
        assert_eq!(mode(&root.join("objects/ab/cd")), 0o600);
        // The link's target, outside the vault, was not touched.
        assert_eq!(mode(&outside), 0o644);
    }

    #[test]
    fn free_space_is_known_here() {
        let t = tempfile::tempdir().unwrap();
        assert!(free_space(t.path()).is_some());
    }
}
