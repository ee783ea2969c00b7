//! The allow-list of paths the web view may name: only files and folders the
//! person chose in a native dialog or dropped on the window in this session.
//! A read grant lets a command read the chosen file, or anything under a
//! chosen folder (after canonicalisation, so `..` and symbolic links cannot
//! lead out of it); a save grant lets one command write the chosen path once.
//! Grants carry the purpose they were given for, so a file chosen as an age
//! identity cannot be imported as evidence by a script in the web view.
//!
//! This is the functional core of the shell's path checks: no Tauri here, so
//! the unit tests below reach every rule.

use std::path::{Component, Path, PathBuf};

/// What a chosen path is for. The web view names the purpose when it asks for
/// a dialog; a command accepts only paths granted for its own purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Evidence files or folders to import.
    Import,
    /// A bundle (`.zip`, `.zip.age`) to verify.
    Bundle,
    /// A signer's `.pub` file, to verify with.
    TrustedKey,
    /// An age identity file, to decrypt a bundle with.
    Identity,
    /// The folder for the vault.
    VaultFolder,
    /// An organization's `.testigo-org` file, to add it.
    OrgFile,
    /// Where to save an item's original.
    SaveOriginal,
    /// Where to save a capture's WARC file.
    SaveWarc,
    /// Where to save the public key's `.pub` file.
    SavePublicKey,
    /// Where to write a sealed bundle.
    SaveBundle,
    /// Where to write a PDF packet.
    SavePacket,
    /// Where to write a receipt (and its `.minisig` beside it).
    SaveReceipt,
    /// A bulk file of posts to import for campaign analysis.
    PostsFile,
    /// Where to write an analysis's results (CSV, GraphML or JSON).
    SaveAnalysis,
}

/// Why a path was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Not chosen for this purpose in this session (or a save path already used).
    NotChosen(PathBuf),
    /// Not an absolute path free of `.` and `..`.
    NotPlain(PathBuf),
}

struct ReadGrant {
    purpose: Use,
    /// As the dialog or the drop gave it.
    chosen: PathBuf,
    /// Its canonical form when granted.
    canonical: PathBuf,
    dir: bool,
}

struct SaveGrant {
    purpose: Use,
    path: PathBuf,
}

/// The paths the person chose in this session.
#[derive(Default)]
pub struct Grants {
    read: Vec<ReadGrant>,
    save: Vec<SaveGrant>,
}

impl Grants {
    /// Records a file or folder chosen for reading. A path that does not
    /// exist (or cannot be resolved) grants nothing: there is nothing to read.
    pub fn grant_read(&mut self, purpose: Use, chosen: &Path) {
        if !plain(chosen) {
            return;
        }
        let Ok(canonical) = chosen.canonicalize() else {
            return;
        };
        let dir = canonical.is_dir();
        if self
            .read
            .iter()
            .any(|g| g.purpose == purpose && g.chosen == chosen)
        {
            return;
        }
        self.read.push(ReadGrant {
            purpose,
            chosen: chosen.to_path_buf(),
            canonical,
            dir,
        });
    }

    /// Records a path chosen in a save dialog, good for one write.
    pub fn grant_save(&mut self, purpose: Use, path: &Path) {
        if plain(path) {
            self.save.push(SaveGrant {
                purpose,
                path: path.to_path_buf(),
            });
        }
    }

    /// `path`, if it was chosen for `purpose` (or lies under a folder that
    /// was) and still resolves inside what was chosen. The path is returned
    /// as given, so the core sees what the person chose (a link stays a link).
    pub fn check_read(&self, purpose: Use, path: &Path) -> Result<PathBuf, Refused> {
        if !plain(path) {
            return Err(Refused::NotPlain(path.to_path_buf()));
        }
        let refused = || Refused::NotChosen(path.to_path_buf());
        let canonical = path.canonicalize().map_err(|_| refused())?;
        let allowed = self.read.iter().filter(|g| g.purpose == purpose).any(|g| {
            if g.chosen == path {
                // The very path chosen: it must still be what it was.
                g.canonical == canonical
            } else {
                g.dir && path.starts_with(&g.chosen) && canonical.starts_with(&g.canonical)
            }
        });
        if allowed {
            Ok(path.to_path_buf())
        } else {
            Err(refused())
        }
    }

    /// `path`, if it was chosen in a save dialog for `purpose` and not used
    /// yet; the grant is used up.
    pub fn take_save(&mut self, purpose: Use, path: &Path) -> Result<PathBuf, Refused> {
        if !plain(path) {
            return Err(Refused::NotPlain(path.to_path_buf()));
        }
        let at = self
            .save
            .iter()
            .position(|g| g.purpose == purpose && g.path == path)
            .ok_or_else(|| Refused::NotChosen(path.to_path_buf()))?;
        Ok(self.save.swap_remove(at).path)
    }
}

/// An absolute path with no `.` or `..` segment: what a dialog or a drop
/// gives. Anything else did not come from one. (The segments are read from
/// the text: `Path::components` hides a `.` inside a path.)
fn plain(path: &Path) -> bool {
    let text = path.to_string_lossy();
    path.is_absolute()
        && path.components().all(|c| {
            matches!(
                c,
                Component::RootDir | Component::Prefix(_) | Component::Normal(_)
            )
        })
        && !text
            .split(['/', std::path::MAIN_SEPARATOR])
            .any(|segment| segment == "." || segment == "..")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn folder() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("chosen/sub")).unwrap();
        std::fs::write(root.join("chosen/a.png"), b"a").unwrap();
        std::fs::write(root.join("chosen/sub/b.png"), b"b").unwrap();
        std::fs::write(root.join("secret.txt"), b"s").unwrap();
        (tmp, root)
    }

    #[test]
    fn only_chosen_files_are_readable() {
        let (_tmp, root) = folder();
        let mut g = Grants::default();
        let a = root.join("chosen/a.png");
        g.grant_read(Use::Import, &a);
        assert_eq!(g.check_read(Use::Import, &a), Ok(a.clone()));
        // Reading again is fine (verify again, import again).
        assert!(g.check_read(Use::Import, &a).is_ok());
        for other in [
            root.join("secret.txt"),
            root.join("chosen/sub/b.png"),
            PathBuf::from("/etc/passwd"),
        ] {
            assert_eq!(
                g.check_read(Use::Import, &other),
                Err(Refused::NotChosen(other.clone()))
            );
        }
    }

    #[test]
    fn a_grant_is_for_its_purpose_only() {
        let (_tmp, root) = folder();
        let mut g = Grants::default();
        let key = root.join("secret.txt");
        g.grant_read(Use::Identity, &key);
        assert!(g.check_read(Use::Identity, &key).is_ok());
        for purpose in [Use::Import, Use::Bundle, Use::TrustedKey, Use::VaultFolder] {
            assert!(g.check_read(purpose, &key).is_err(), "{purpose:?}");
        }
        g.grant_save(Use::SaveWarc, &root.join("out.warc"));
        assert!(
            g.take_save(Use::SaveOriginal, &root.join("out.warc"))
                .is_err()
        );
        assert!(g.take_save(Use::SaveWarc, &root.join("out.warc")).is_ok());
    }

    #[test]
    fn a_chosen_folder_grants_what_is_inside_it() {
        let (_tmp, root) = folder();
        let mut g = Grants::default();
        let chosen = root.join("chosen");
        g.grant_read(Use::Import, &chosen);
        for inside in [
            chosen.clone(),
            chosen.join("a.png"),
            chosen.join("sub"),
            chosen.join("sub/b.png"),
        ] {
            assert_eq!(g.check_read(Use::Import, &inside), Ok(inside.clone()));
        }
        // A sibling whose name starts the same is not inside.
        std::fs::create_dir(root.join("chosen-not")).unwrap();
        assert!(g.check_read(Use::Import, &root.join("chosen-not")).is_err());
        assert!(g.check_read(Use::Import, &root).is_err());
    }

    #[test]
    fn dot_dot_and_relative_paths_are_refused() {
        let (_tmp, root) = folder();
        let mut g = Grants::default();
        let chosen = root.join("chosen");
        g.grant_read(Use::Import, &chosen);
        for tricky in [
            chosen.join("../secret.txt"),
            chosen.join("sub/../../secret.txt"),
            chosen.join("sub/../a.png"),
            chosen.join("./a.png"),
            PathBuf::from("chosen/a.png"),
            PathBuf::from("../../etc/passwd"),
            PathBuf::new(),
        ] {
            assert_eq!(
                g.check_read(Use::Import, &tricky),
                Err(Refused::NotPlain(tricky.clone())),
                "{}",
                tricky.display()
            );
        }
        // Nor can a dialog answer with such a path grant anything.
        let mut g = Grants::default();
        g.grant_read(Use::Import, &chosen.join("../secret.txt"));
        assert!(g.read.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn links_cannot_lead_out_of_a_chosen_folder() {
        use std::os::unix::fs::symlink;
        let (_tmp, root) = folder();
        let chosen = root.join("chosen");
        symlink(root.join("secret.txt"), chosen.join("screenshot_0042.png")).unwrap();
        symlink("/etc/passwd", chosen.join("passwd.png")).unwrap();
        symlink(&root, chosen.join("up")).unwrap();
        symlink(chosen.join("a.png"), chosen.join("inside.png")).unwrap();
        let mut g = Grants::default();
        g.grant_read(Use::Import, &chosen);
        for escaping in [
            chosen.join("screenshot_0042.png"),
            chosen.join("passwd.png"),
            chosen.join("up"),
            chosen.join("up/secret.txt"),
        ] {
            assert!(
                g.check_read(Use::Import, &escaping).is_err(),
                "{}",
                escaping.display()
            );
        }
        // A link that stays inside is fine.
        assert!(
            g.check_read(Use::Import, &chosen.join("inside.png"))
                .is_ok()
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_chosen_path_swapped_for_a_link_is_refused() {
        use std::os::unix::fs::symlink;
        let (_tmp, root) = folder();
        let a = root.join("chosen/a.png");
        let mut g = Grants::default();
        g.grant_read(Use::Bundle, &a);
        std::fs::remove_file(&a).unwrap();
        symlink(root.join("secret.txt"), &a).unwrap();
        assert!(g.check_read(Use::Bundle, &a).is_err());
    }

    #[test]
    fn a_save_path_is_good_for_one_write() {
        let (_tmp, root) = folder();
        let mut g = Grants::default();
        let out = root.join("reporte.zip");
        g.grant_save(Use::SaveBundle, &out);
        assert_eq!(g.take_save(Use::SaveBundle, &out), Ok(out.clone()));
        assert_eq!(
            g.take_save(Use::SaveBundle, &out),
            Err(Refused::NotChosen(out.clone()))
        );
        // Chosen twice, usable twice.
        g.grant_save(Use::SavePacket, &out);
        g.grant_save(Use::SavePacket, &out);
        assert!(g.take_save(Use::SavePacket, &out).is_ok());
        assert!(g.take_save(Use::SavePacket, &out).is_ok());
        assert!(g.take_save(Use::SavePacket, &out).is_err());
    }

    #[test]
    fn a_save_grant_is_for_that_exact_path() {
        let (_tmp, root) = folder();
        let mut g = Grants::default();
        let out = root.join("chosen/out.warc");
        g.grant_save(Use::SaveWarc, &out);
        for other in [
            root.join("chosen/out.warc.age"),
            root.join("chosen/../chosen/out.warc"),
            root.join("chosen/sub/out.warc"),
            root.join("chosen"),
            PathBuf::from("/tmp/x"),
            PathBuf::from("out.warc"),
        ] {
            assert!(
                g.take_save(Use::SaveWarc, &other).is_err(),
                "{}",
                other.display()
            );
        }
        assert!(g.take_save(Use::SaveWarc, &out).is_ok());
    }

    #[test]
    fn nothing_is_granted_for_a_path_that_does_not_exist() {
        let (_tmp, root) = folder();
        let mut g = Grants::default();
        let gone = root.join("missing.png");
        g.grant_read(Use::Import, &gone);
        std::fs::write(&gone, b"later").unwrap();
        assert!(g.check_read(Use::Import, &gone).is_err());
    }
}
