//! What an import reads: the paths given, folders expanded, with symbolic
//! links and special files (FIFOs, sockets, devices) skipped and explained,
//! and regular files opened so that what is read is what was listed.
//!
//! A folder handed over by someone else may hold `captura.png ->
//! ~/.ssh/id_rsa`: by default no link is followed, anywhere (inside
//! folders, and a link named on the command line too, since a shell's `*`
//! names them as readily as a person does). Following is a choice
//! ([`Entry::File::via`] then says which link led to the file). Main items:
//! [`expand`], [`Entry`], [`Via`], [`open_listed`].

use std::fs::{File, FileType, Metadata};
use std::path::{Path, PathBuf};

/// A reason in English and Spanish.
pub(super) type Problem = (String, String);

/// The link a file was reached through, when links are followed.
#[derive(Debug, Clone)]
pub(super) struct Via {
    /// The link's path, as walked.
    pub link: PathBuf,
    /// The file actually read, every link resolved.
    pub target: PathBuf,
}

/// One path found by [`expand`].
#[derive(Debug)]
pub(super) enum Entry {
    /// A regular file to import.
    File {
        /// Device and inode as listed, so a file swapped before it is read
        /// is noticed.
        identity: Option<(u64, u64)>,
        /// The followed link that led here.
        via: Option<Via>,
    },
    /// Not read on purpose: a link not followed, a special file.
    Skipped(Problem),
    /// Could not be listed.
    Failed(Problem),
}

#[cfg(unix)]
fn identity(m: &Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(_: &Metadata) -> Option<(u64, u64)> {
    None
}

/// What a special file is, in English and Spanish.
fn special(ft: FileType) -> Problem {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let (en, es) = if ft.is_fifo() {
            ("a named pipe (FIFO)", "una tubería con nombre (FIFO)")
        } else if ft.is_socket() {
            ("a socket", "un socket")
        } else if ft.is_char_device() {
            (
                "a device (like /dev/zero)",
                "un dispositivo (como /dev/zero)",
            )
        } else if ft.is_block_device() {
            ("a disk device", "un dispositivo de disco")
        } else {
            ("not a regular file", "no es un archivo normal")
        };
        (en.into(), es.into())
    }
    #[cfg(not(unix))]
    {
        let _ = ft;
        (
            "not a regular file".into(),
            "no es un archivo normal".into(),
        )
    }
}

fn special_file(ft: FileType) -> Problem {
    let (en, es) = special(ft);
    (
        format!("{en}; only regular files are imported, so it was not read"),
        format!("{es}; solo se importan archivos normales, así que no se leyó"),
    )
}

fn loops(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// Why a link is skipped: where it points, what is there, and (when links
/// are not followed) how to import it anyway.
fn link_problem(path: &Path, following: bool) -> Problem {
    let target = std::fs::read_link(path)
        .map(|t| t.display().to_string())
        .unwrap_or_else(|_| "?".into());
    let (what_en, what_es) = match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => (
            format!("a symbolic link to the folder {target}"),
            format!("un enlace simbólico a la carpeta {target}"),
        ),
        Ok(m) if m.is_file() => (
            format!("a symbolic link to {target}"),
            format!("un enlace simbólico a {target}"),
        ),
        Ok(m) => {
            let (en, es) = special(m.file_type());
            (
                format!("a symbolic link to {target}, {en}"),
                format!("un enlace simbólico a {target}, {es}"),
            )
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (
            format!("a broken symbolic link (to {target}, which does not exist)"),
            format!("un enlace simbólico roto (a {target}, que no existe)"),
        ),
        Err(e) if loops(&e) => (
            format!("a symbolic link that loops (to {target})"),
            format!("un enlace simbólico que da vueltas (a {target})"),
        ),
        Err(e) => (
            format!("a symbolic link to {target} that cannot be followed ({e})"),
            format!(
                "un enlace simbólico a {target} que no se puede seguir ({})",
                crate::error::io_reason_es(&e)
            ),
        ),
    };
    if following {
        (
            format!("{what_en}; it was not read"),
            format!("{what_es}; no se leyó"),
        )
    } else {
        (
            format!(
                "{what_en}; links are not followed, so it was not read (import what it points to directly, or choose to follow links)"
            ),
            format!(
                "{what_es}; los enlaces no se siguen, así que no se leyó (importa directamente aquello a lo que apunta, o elige seguir los enlaces)"
            ),
        )
    }
}

fn via(link: &Path, file: &Path) -> Via {
    Via {
        link: link.to_path_buf(),
        target: std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf()),
    }
}

/// Expands the paths given into the files to read, in order: folders
/// recursively, in name order, skipping hidden entries below the folder
/// given. Links are skipped unless `follow_links`; special files always.
pub(super) fn expand(paths: &[PathBuf], follow_links: bool) -> Vec<(PathBuf, Entry)> {
    let mut out = Vec::new();
    for p in paths {
        // `link/` would make the system resolve the link: look at `link`.
        let p: PathBuf = p.components().collect();
        let meta = match std::fs::symlink_metadata(&p) {
            Ok(m) => m,
            // Reading it reports why (missing, no permission).
            Err(_) => {
                out.push((
                    p.clone(),
                    Entry::File {
                        identity: None,
                        via: None,
                    },
                ));
                continue;
            }
        };
        if meta.is_symlink() {
            if !follow_links {
                out.push((p.clone(), Entry::Skipped(link_problem(&p, false))));
                continue;
            }
            match std::fs::metadata(&p) {
                Ok(m) if m.is_dir() => walk(&p, true, Some(&p), &mut out),
                Ok(m) if m.is_file() => out.push((
                    p.clone(),
                    Entry::File {
                        identity: identity(&m),
                        via: Some(via(&p, &p)),
                    },
                )),
                _ => out.push((p.clone(), Entry::Skipped(link_problem(&p, true)))),
            }
        } else if meta.is_dir() {
            walk(&p, follow_links, None, &mut out);
        } else if meta.is_file() {
            out.push((
                p.clone(),
                Entry::File {
                    identity: identity(&meta),
                    via: None,
                },
            ));
        } else {
            out.push((p.clone(), Entry::Skipped(special_file(meta.file_type()))));
        }
    }
    out
}

/// Walks one folder (`root_link`: the followed link that named it).
fn walk(root: &Path, follow: bool, root_link: Option<&Path>, out: &mut Vec<(PathBuf, Entry)>) {
    let walker = walkdir::WalkDir::new(root)
        .follow_links(follow)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    // The followed links to folders above the current entry, by depth.
    let mut links: Vec<(usize, PathBuf)> = root_link
        .map(|l| (0, l.to_path_buf()))
        .into_iter()
        .collect();
    for entry in walker {
        let e = match entry {
            Ok(e) => e,
            Err(err) => {
                let path = err
                    .path()
                    .map_or_else(|| root.to_path_buf(), Path::to_path_buf);
                let is_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_symlink());
                let problem = if err.loop_ancestor().is_some() {
                    Entry::Skipped((
                        "a symbolic link to a folder that contains it (a loop); it was not read again".into(),
                        "un enlace simbólico a una carpeta que lo contiene (un ciclo); no se volvió a leer".into(),
                    ))
                } else if is_link {
                    Entry::Skipped(link_problem(&path, follow))
                } else {
                    Entry::Failed((
                        format!("cannot read this folder entry: {err}"),
                        format!(
                            "no se puede leer esta entrada de la carpeta: {}",
                            err.io_error()
                                .map_or_else(|| err.to_string(), crate::error::io_reason_es)
                        ),
                    ))
                };
                out.push((path, problem));
                continue;
            }
        };
        if e.depth() == 0 {
            continue;
        }
        while links.last().is_some_and(|(d, _)| *d >= e.depth() && *d > 0) {
            links.pop();
        }
        let ft = e.file_type();
        let path = e.path().to_path_buf();
        if ft.is_symlink() {
            // Only when not following: the entry is the link itself.
            out.push((path.clone(), Entry::Skipped(link_problem(&path, false))));
        } else if ft.is_dir() {
            if e.path_is_symlink() {
                links.push((e.depth(), path));
            }
        } else if ft.is_file() {
            let listed = e.metadata().ok();
            let through = if e.path_is_symlink() {
                Some(via(&path, &path))
            } else {
                links.last().map(|(_, link)| via(link, &path))
            };
            out.push((
                path,
                Entry::File {
                    identity: listed.as_ref().and_then(identity),
                    via: through,
                },
            ));
        } else {
            out.push((path, Entry::Skipped(special_file(ft))));
        }
    }
}

/// Opens a file for reading without following a link in its last
/// component (unless `follow`) and without blocking on a FIFO, and checks
/// that it is a regular file, the one listed (`identity`): a file swapped
/// for a link, a pipe or another file after listing is refused.
pub(super) fn open_listed(
    path: &Path,
    identity_listed: Option<(u64, u64)>,
    follow: bool,
) -> std::result::Result<(File, Metadata), OpenError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let nofollow = if follow { 0 } else { libc::O_NOFOLLOW };
        options.custom_flags(nofollow | libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| {
        if !follow && loops(&e) {
            OpenError::Problem((
                "it became a symbolic link after the folder was listed; links are not followed, so it was not read".into(),
                "se volvió un enlace simbólico después de listar la carpeta; los enlaces no se siguen, así que no se leyó".into(),
            ))
        } else {
            OpenError::Io(e)
        }
    })?;
    let meta = file.metadata().map_err(OpenError::Io)?;
    if !meta.is_file() {
        return Err(OpenError::Problem(special_file(meta.file_type())));
    }
    if identity_listed.is_some() && identity(&meta) != identity_listed {
        return Err(OpenError::Problem((
            "the file was replaced after the folder was listed; it was not imported (import it again)".into(),
            "el archivo fue reemplazado después de listar la carpeta; no se importó (impórtalo de nuevo)".into(),
        )));
    }
    Ok((file, meta))
}

/// Why [`open_listed`] failed.
#[derive(Debug)]
pub(super) enum OpenError {
    /// The system's error.
    Io(std::io::Error),
    /// Not what was listed, or not a regular file.
    Problem(Problem),
}

#[cfg(test)]
impl OpenError {
    /// Whether it is a refusal to read (rather than a failure to).
    fn refused(&self) -> bool {
        matches!(self, OpenError::Problem(_))
    }
}

/// Shorthand used by the tests below.
#[cfg(test)]
fn kinds(found: &[(PathBuf, Entry)]) -> Vec<(String, &'static str)> {
    found
        .iter()
        .map(|(p, e)| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let kind = match e {
                Entry::File { via: None, .. } => "file",
                Entry::File { via: Some(_), .. } => "via link",
                Entry::Skipped(_) => "skipped",
                Entry::Failed(_) => "failed",
            };
            (name, kind)
        })
        .collect()
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn links_are_skipped_unless_followed_and_then_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("in/sub")).expect("mkdir");
        std::fs::create_dir_all(root.join("out")).expect("mkdir");
        std::fs::write(root.join("out/secret"), b"s").expect("write");
        std::fs::write(root.join("in/a.txt"), b"a").expect("write");
        symlink(root.join("out/secret"), root.join("in/b.png")).expect("link");
        symlink(root.join("out"), root.join("in/sub/c")).expect("link");
        symlink("nowhere", root.join("in/d")).expect("link");
        symlink("e", root.join("in/e")).expect("link");
        let found = expand(&[root.join("in")], false);
        assert_eq!(
            kinds(&found),
            [
                ("a.txt".to_string(), "file"),
                ("b.png".to_string(), "skipped"),
                ("d".to_string(), "skipped"),
                ("e".to_string(), "skipped"),
                ("c".to_string(), "skipped"),
            ]
        );
        let followed = expand(&[root.join("in")], true);
        assert_eq!(
            kinds(&followed),
            [
                ("a.txt".to_string(), "file"),
                ("b.png".to_string(), "via link"),
                ("d".to_string(), "skipped"),
                ("e".to_string(), "skipped"),
                ("secret".to_string(), "via link"),
            ]
        );
        let Entry::File { via: Some(v), .. } = &followed[4].1 else {
            panic!("{followed:?}")
        };
        assert_eq!(v.link, root.join("in/sub/c"));
        assert!(v.target.ends_with("out/secret"), "{v:?}");
    }

    #[test]
    fn a_file_swapped_for_a_link_after_listing_is_not_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (file, other) = (dir.path().join("a.png"), dir.path().join("secret"));
        std::fs::write(&file, b"a").expect("write");
        std::fs::write(&other, b"s").expect("write");
        let found = expand(std::slice::from_ref(&file), false);
        let Entry::File { identity, .. } = found[0].1 else {
            panic!("{found:?}")
        };
        std::fs::remove_file(&file).expect("rm");
        symlink(&other, &file).expect("link");
        assert!(open_listed(&file, identity, false).is_err_and(|e| e.refused()));
        assert!(
            open_listed(&file, identity, true).is_err_and(|e| e.refused()),
            "another file"
        );
    }
}
