//! Verifying a bundle, sealed by any vault on any machine, without a vault:
//! the archive is safe, the signature holds, every tag and payload file
//! matches its manifest, nothing is missing or extra, and `report.json`
//! agrees with the payload.
//!
//! Main types: [`VerifyOptions`], [`VerifyReport`], [`Problem`] and its
//! [`ProblemKind`], [`Status`]. The ZIP is read in place (from the file, or
//! from the age decryptor, which can seek), never extracted: nothing is
//! written to disk.

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

use crate::error::{Error, IoContext, Result};
use crate::private::read_up_to;

pub use super::findings::{
    Check, MAX_PROBLEMS, Problem, ProblemKind, SignerInfo, Status, VerifyOptions, VerifyReport,
};

const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";
const AGE_ARMOR: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";
/// Longest age header read (a few hundred recipients).
const MAX_AGE_HEADER: usize = 256 << 10;

/// Verifies the bundle at `path`; see the module docs. `Err` only when the
/// file cannot be opened or decrypted; everything found inside is reported.
pub fn verify(
    path: &Path,
    opts: &VerifyOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<VerifyReport> {
    let file = File::open(path).map_err(Error::io(IoContext::Reading(path.into())))?;
    verify_reader(file, path, opts, progress)
}

/// Verifies a bundle read from `input` (a file, or bytes in a
/// `std::io::Cursor`), named `path` in the report and in messages. This is
/// [`verify`] without the opening, for callers (and fuzzers) that hold the
/// bytes already. Memory stays within a fixed budget whatever `input` holds.
pub fn verify_reader<R: Read + Seek>(
    mut input: R,
    path: &Path,
    opts: &VerifyOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<VerifyReport> {
    let ctx = || IoContext::Reading(path.into());
    let mut head = [0u8; 34];
    let n = read_up_to(&mut input, &mut head).map_err(Error::io(ctx()))?;
    input.rewind().map_err(Error::io(ctx()))?;
    let mut report = VerifyReport {
        status: Status::Invalid,
        valid: false,
        file: path.to_path_buf(),
        encrypted: false,
        bag: None,
        report_id: None,
        sealed_at: None,
        case: None,
        items: None,
        payload_files: 0,
        payload_bytes: 0,
        signer: None,
        checks: Vec::new(),
        problems: Vec::new(),
    };
    if head[..n].starts_with(AGE_ARMOR) {
        return Err(Error::invalid(
            "this is an ASCII-armored age file; decrypt it with `age -d` first",
            "este es un archivo age en formato de texto (ASCII armor); descífralo primero con `age -d`",
        ));
    }
    if head[..n].starts_with(AGE_MAGIC) {
        report.encrypted = true;
        let Some(id_path) = &opts.identity else {
            return Err(Error::invalid(
                format!(
                    "{} is encrypted with age; give your age identity file to open it",
                    path.display()
                ),
                format!(
                    "{} está cifrado con age; indica tu archivo de identidad age para abrirlo",
                    path.display()
                ),
            ));
        };
        let identities = age::IdentityFile::from_file(id_path.display().to_string())
            .and_then(|f| f.into_identities().map_err(std::io::Error::other))
            .map_err(|e| {
                Error::invalid(
                    format!(
                        "cannot read the age identity file {} ({e}); give a file made by age-keygen",
                        id_path.display()
                    ),
                    format!(
                        "no se puede leer el archivo de identidad age {} ({e}); indica un archivo creado con age-keygen",
                        id_path.display()
                    ),
                )
            })?;
        check_age_header(&mut input, path)?;
        let decryptor = age::Decryptor::new(BufReader::new(input)).map_err(|e| {
            Error::corrupt(
                format!(
                    "{} is not a readable age file ({e}); it is damaged",
                    path.display()
                ),
                format!(
                    "{} no es un archivo age legible ({e}); está dañado",
                    path.display()
                ),
            )
        })?;
        // The plaintext is never held: the ZIP is read in place through
        // the decryptor, which decrypts one 64 KiB chunk at a time and seeks.
        let reader = decryptor
            .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
            .map_err(|e| {
                Error::invalid(
                    format!(
                        "cannot decrypt {} with {} ({e}); it was encrypted to another key",
                        path.display(),
                        id_path.display()
                    ),
                    format!(
                        "no se puede descifrar {} con {} ({e}); se cifró para otra clave",
                        path.display(),
                        id_path.display()
                    ),
                )
            })?;
        super::checks::check_archive(reader, opts, &mut report, progress);
    } else {
        super::checks::check_archive(BufReader::new(input), opts, &mut report, progress);
    }
    report.status = if !report.problems.is_empty() {
        Status::Invalid
    } else if opts.trusted_key.is_some() {
        Status::Valid
    } else {
        Status::Unconfirmed
    };
    report.valid = report.status == Status::Valid;
    Ok(report)
}

/// Refuses an age header longer than [`MAX_AGE_HEADER`] before the age
/// library reads it (it keeps the whole header in memory).
fn check_age_header<R: Read + Seek>(input: &mut R, path: &Path) -> Result<()> {
    let ctx = || IoContext::Reading(path.into());
    let mut head = vec![0u8; MAX_AGE_HEADER];
    let n = read_up_to(&mut *input, &mut head).map_err(Error::io(ctx()))?;
    input.rewind().map_err(Error::io(ctx()))?;
    if n == MAX_AGE_HEADER && !head.windows(4).any(|w| w == b"\n---") {
        return Err(Error::corrupt(
            format!(
                "{}: its age header is over {MAX_AGE_HEADER} bytes; it is damaged or not a bundle",
                path.display()
            ),
            format!(
                "{}: su encabezado age pasa de {MAX_AGE_HEADER} bytes; está dañado o no es un reporte",
                path.display()
            ),
        ));
    }
    Ok(())
}
