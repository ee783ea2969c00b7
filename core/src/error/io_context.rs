//! What a file error says, in English and Spanish: [`IoContext`] (what was
//! being done, a verb and its path) and the Spanish for the operating
//! system's common reasons, with what to do about them.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// What was being done when reading or writing failed: a verb and the path
/// it concerned, or one of a few tasks without a path. [`super::Error::Io`] says it
/// in English (`reading PATH`) and Spanish (`no se pudo leer PATH`).
#[derive(Debug)]
pub enum IoContext {
    /// Reading a file or a folder.
    Reading(PathBuf),
    /// Writing a file.
    Writing(PathBuf),
    /// Creating a folder.
    Creating(PathBuf),
    /// Opening a file.
    Opening(PathBuf),
    /// Taking the vault's write lock on a file.
    Locking(PathBuf),
    /// Removing a file.
    Removing(PathBuf),
    /// Listing a folder.
    Listing(PathBuf),
    /// Reading an encrypted object.
    ReadingObject(PathBuf),
    /// Writing an encrypted object (to a temporary file).
    WritingObject(PathBuf),
    /// Moving a written object into its folder.
    MovingObject(PathBuf),
    /// Copying an original out of the vault (`cat`).
    CopyingOriginal,
    /// Writing to standard output.
    WritingStdout,
    /// Writing a bundle's ZIP.
    WritingBundle,
    /// Starting the runtime captures fetch with.
    StartingNetwork,
    /// Opening the vault's database file.
    OpeningDatabase(PathBuf),
    /// Writing to the vault's database (a change being committed).
    WritingDatabase,
}

impl IoContext {
    /// What was being done, in Spanish, as it follows "no se pudo".
    pub fn es(&self) -> String {
        match self {
            IoContext::Reading(p) => format!("leer {}", p.display()),
            IoContext::Writing(p) => format!("escribir {}", p.display()),
            IoContext::Creating(p) => format!("crear {}", p.display()),
            IoContext::Opening(p) => format!("abrir {}", p.display()),
            IoContext::Locking(p) => format!("bloquear {}", p.display()),
            IoContext::Removing(p) => format!("borrar {}", p.display()),
            IoContext::Listing(p) => format!("listar {}", p.display()),
            IoContext::ReadingObject(p) => format!("leer el objeto {}", p.display()),
            IoContext::WritingObject(p) => {
                format!("escribir un objeto cifrado en {}", p.display())
            }
            IoContext::MovingObject(p) => format!("mover un objeto a {}", p.display()),
            IoContext::CopyingOriginal => "copiar el original fuera de la bóveda".into(),
            IoContext::WritingStdout => "escribir en la salida estándar".into(),
            IoContext::WritingBundle => "escribir el ZIP del reporte".into(),
            IoContext::StartingNetwork => "preparar la conexión a la red".into(),
            IoContext::OpeningDatabase(p) => {
                format!("abrir la base de datos de la bóveda {}", p.display())
            }
            IoContext::WritingDatabase => "escribir la base de datos de la bóveda".into(),
        }
    }
}

impl fmt::Display for IoContext {
    /// In English: `reading PATH`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IoContext::Reading(p) => write!(f, "reading {}", p.display()),
            IoContext::Writing(p) => write!(f, "writing {}", p.display()),
            IoContext::Creating(p) => write!(f, "creating {}", p.display()),
            IoContext::Opening(p) => write!(f, "opening {}", p.display()),
            IoContext::Locking(p) => write!(f, "locking {}", p.display()),
            IoContext::Removing(p) => write!(f, "removing {}", p.display()),
            IoContext::Listing(p) => write!(f, "listing {}", p.display()),
            IoContext::ReadingObject(p) => write!(f, "reading object {}", p.display()),
            IoContext::WritingObject(p) => {
                write!(f, "writing an encrypted object to {}", p.display())
            }
            IoContext::MovingObject(p) => write!(f, "moving an object into {}", p.display()),
            IoContext::CopyingOriginal => f.write_str("copying the original out of the vault"),
            IoContext::WritingStdout => f.write_str("writing to standard output"),
            IoContext::WritingBundle => f.write_str("writing the bundle's ZIP"),
            IoContext::StartingNetwork => f.write_str("starting the network runtime"),
            IoContext::OpeningDatabase(p) => {
                write!(f, "opening the vault database {}", p.display())
            }
            IoContext::WritingDatabase => f.write_str("writing the vault database"),
        }
    }
}

/// True for a full disk or a used-up disk quota (ENOSPC, EDQUOT).
pub(crate) fn is_disk_full(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    )
}

/// Why an I/O operation failed, in English: the operating system's text,
/// but a full disk is said plainly, with what to do.
pub(crate) fn io_reason_en(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::StorageFull => "the disk is full; free some space and try again".into(),
        io::ErrorKind::QuotaExceeded => {
            "the disk space you are allowed is used up; free some space and try again".into()
        }
        _ => e.to_string(),
    }
}

/// Why an I/O operation failed, in Spanish, saying what to do where there
/// is something to do; the operating system's own text otherwise.
pub(crate) fn io_reason_es(e: &io::Error) -> String {
    use io::ErrorKind as K;
    // The standard library maps the OS's codes to these kinds (ENOSPC to
    // `StorageFull`, EROFS to `ReadOnlyFilesystem`, and so on).
    let reason = match e.kind() {
        K::StorageFull => "el disco está lleno; libera espacio y vuelve a intentarlo",
        K::QuotaExceeded => {
            "se acabó el espacio que tienes permitido en el disco; libera espacio y vuelve a intentarlo"
        }
        K::ReadOnlyFilesystem => "el disco es de solo lectura; elige una carpeta en otro disco",
        K::NotFound => "no existe; revisa la ruta",
        K::PermissionDenied => {
            "no tienes permiso; revisa los permisos del archivo o de la carpeta, o elige otra carpeta"
        }
        K::AlreadyExists => "ya existe; elige otro nombre o mueve el que ya está ahí",
        K::IsADirectory => "es una carpeta, no un archivo; indica un archivo",
        K::NotADirectory => "una parte de la ruta no es una carpeta; revisa la ruta",
        K::DirectoryNotEmpty => "la carpeta no está vacía",
        K::InvalidFilename => "el nombre no es válido en este sistema; elige otro",
        K::FileTooLarge => "el archivo es demasiado grande para este disco",
        K::ResourceBusy | K::WouldBlock => {
            "otro programa lo está usando; ciérralo y vuelve a intentarlo"
        }
        K::CrossesDevices => "no se puede mover de un disco a otro",
        K::BrokenPipe => "la salida se cerró antes de terminar",
        K::UnexpectedEof => "termina antes de lo esperado; está cortado o dañado",
        K::OutOfMemory => "no hay memoria suficiente; cierra otros programas y vuelve a intentarlo",
        K::TimedOut => "tardó demasiado; vuelve a intentarlo",
        K::Interrupted => "se interrumpió; vuelve a intentarlo",
        K::InvalidData => {
            return format!("los datos están dañados o no son lo que se esperaba ({e})");
        }
        _ => return format!("error del sistema: {e}"),
    };
    reason.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, ErrorKind, Lang};

    fn io_error(context: IoContext, kind: io::ErrorKind) -> Error {
        Error::io(context)(io::Error::from(kind))
    }

    #[test]
    fn io_errors_say_what_failed_and_what_to_do_in_spanish() {
        let missing = io_error(
            IoContext::Reading("/tmp/no/reporte.zip".into()),
            io::ErrorKind::NotFound,
        );
        assert_eq!(missing.kind(), ErrorKind::Io);
        assert!(
            missing
                .to_string()
                .starts_with("reading /tmp/no/reporte.zip: "),
            "{missing}"
        );
        assert_eq!(
            missing.localized(Lang::Es),
            "no se pudo leer /tmp/no/reporte.zip: no existe; revisa la ruta"
        );
        let denied = io_error(
            IoContext::Writing("/root/r.zip".into()),
            io::ErrorKind::PermissionDenied,
        );
        let es = denied.localized(Lang::Es);
        assert!(
            es.starts_with("no se pudo escribir /root/r.zip: no tienes permiso;"),
            "{es}"
        );
        assert!(es.contains("revisa los permisos"), "{es}");
        assert_eq!(denied.localized(Lang::En), denied.to_string());
    }

    #[cfg(unix)]
    #[test]
    fn a_full_disk_and_a_read_only_disk_are_explained() {
        // ENOSPC and EROFS as the operating system reports them.
        for (code, words, en) in [
            (
                28,
                "el disco está lleno",
                "the disk is full; free some space",
            ),
            (
                122,
                "espacio que tienes permitido",
                "space you are allowed is used up",
            ),
            (30, "solo lectura", "Read-only file system"),
        ] {
            let e = Error::io(IoContext::WritingBundle)(io::Error::from_raw_os_error(code));
            let es = e.localized(Lang::Es);
            assert!(
                es.starts_with("no se pudo escribir el ZIP del reporte: ") && es.contains(words),
                "{es}"
            );
            let shown = e.to_string();
            assert!(
                shown.starts_with("writing the bundle's ZIP: ") && shown.contains(en),
                "{shown}"
            );
            assert_eq!(e.is_disk_full(), code != 30);
        }
    }

    #[test]
    fn unknown_io_errors_fall_back_to_the_system_text() {
        let e = Error::io(IoContext::WritingStdout)(io::Error::other("algo raro"));
        assert_eq!(
            e.localized(Lang::Es),
            "no se pudo escribir en la salida estándar: error del sistema: algo raro"
        );
    }
}
