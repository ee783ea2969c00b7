//! Importing files and folders: screenshots are decoded with limits,
//! thumbnailed and perceptually hashed; other files are stored as they are.
//!
//! Main types: [`Progress`] and [`ImportOptions`]. Files are prepared on
//! worker threads (read, hash, decode through [`crate::imaging`], encrypt
//! into the object store) and committed one by one, in input order, on the
//! calling thread: an item is reported only once its transaction has
//! committed, and a failure touches only its own file. What is read is
//! decided by `walk.rs`: no symbolic link is followed unless asked, and no
//! special file (FIFO, device) is ever read.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use image::ImageFormat;
use image_hasher::{HashAlg, HasherConfig};
use serde_json::json;

use crate::artifacts;
use crate::error::{Error, ErrorKind, IoContext, Result, io_reason_es};
pub use crate::imaging::{MAX_ALLOC, MAX_IMAGE_FILE, MAX_PIXELS, MAX_SIDE};
use crate::imaging::{decode, flatten_on_white, sniff_image};
use crate::items::{self, AddOutcome, AddStatus, NewItem, insert_item_with};
use crate::model::Kind;
use crate::private::read_up_to;
use crate::record::Meta;
use crate::store::{ObjectStore, Stored};
use crate::vault::Vault;

mod walk;
use walk::{Entry, OpenError, Via};

/// Choices a person makes for an import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Follow symbolic links (to files and to folders, anywhere) instead of
    /// skipping them; each item read through one says so in its
    /// `item_added` custody entry.
    pub follow_links: bool,
}

/// Longest side of a thumbnail.
pub const THUMB_SIDE: u32 = 320;
/// Perceptual hashes this many bits apart or fewer (of 256) mark near-duplicates.
pub const NEAR_DUPLICATE_BITS: u32 = 24;

/// Where an import is, for progress bars and events.
pub struct Progress<'a> {
    /// Files finished so far, this one included.
    pub done: usize,
    /// Files in the batch.
    pub total: usize,
    /// What happened to this file.
    pub outcome: &'a AddOutcome,
}

/// A file read, decoded and stored, waiting to be committed.
struct Prepared {
    kind: Kind,
    original: Stored,
    media_type: String,
    file_name: Option<String>,
    dims: Option<(u32, u32)>,
    phash: Option<Vec<u8>>,
    thumbnail: Option<Stored>,
    /// The followed link it was read through.
    via: Option<Via>,
}

const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "jpe", "webp", "gif", "bmp"];

fn media_type(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "image/png",
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::WebP => "image/webp",
        ImageFormat::Gif => "image/gif",
        _ => "image/bmp",
    }
}

/// An import failure, in English and Spanish.
pub(crate) fn import_error(en: impl Into<String>, es: impl Into<String>) -> Error {
    Error::bilingual(ErrorKind::Import, en, es)
}

fn unreadable(e: std::io::Error) -> Error {
    import_error(
        format!("cannot read the file: {e}"),
        format!("no se puede leer el archivo: {}", io_reason_es(&e)),
    )
}

/// Reads a listed file and stores its original (and thumbnail) in the
/// object store.
fn prepare(
    store: &ObjectStore,
    path: &Path,
    identity: Option<(u64, u64)>,
    follow: bool,
) -> Result<Prepared> {
    let (file, meta) = walk::open_listed(path, identity, follow).map_err(|e| match e {
        OpenError::Problem((en, es)) => import_error(en, es),
        OpenError::Io(e) => match e.kind() {
            std::io::ErrorKind::NotFound => import_error("no such file", "no existe el archivo"),
            std::io::ErrorKind::PermissionDenied => import_error(
                "permission denied; check the file's permissions",
                "permiso denegado; revisa los permisos del archivo",
            ),
            _ => unreadable(e),
        },
    })?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    prepare_from(store, &file_name, meta.len(), BufReader::new(file))
}

/// Classifies content by its first bytes and name, then stores it: decoded
/// as a screenshot, refused as a broken image, or kept as a plain file.
fn prepare_from(
    store: &ObjectStore,
    file_name: &str,
    len: u64,
    mut reader: impl Read,
) -> Result<Prepared> {
    let mut head = [0u8; 64];
    let n = read_up_to(&mut reader, &mut head).map_err(unreadable)?;
    let stream = (&head[..n]).chain(reader);
    let ext = Path::new(file_name)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let name = (!file_name.is_empty()).then(|| file_name.to_string());
    match sniff_image(&head[..n]) {
        Some(format) => prepare_image(store, stream, len, format, name),
        None if IMAGE_EXTENSIONS.contains(&ext.as_str()) => Err(import_error(
            format!(
                "named like a .{ext} image, but its content is not a PNG, JPEG, WebP, GIF or BMP image (damaged or mislabeled); fix or rename it to import it as a plain file"
            ),
            format!(
                "se llama como una imagen .{ext}, pero su contenido no es una imagen PNG, JPEG, WebP, GIF ni BMP (dañada o mal nombrada); repárala o cámbiale el nombre para importarla como archivo simple"
            ),
        )),
        None => {
            let original = store.put(&mut { stream })?;
            let media_type = mime_guess::from_path(file_name)
                .first_raw()
                .unwrap_or("application/octet-stream")
                .to_string();
            Ok(Prepared {
                kind: Kind::File,
                original,
                media_type,
                file_name: name,
                dims: None,
                phash: None,
                thumbnail: None,
                via: None,
            })
        }
    }
}

fn prepare_image(
    store: &ObjectStore,
    mut reader: impl Read,
    len: u64,
    format: ImageFormat,
    file_name: Option<String>,
) -> Result<Prepared> {
    let name = format!("{format:?}").to_uppercase();
    if len > MAX_IMAGE_FILE {
        let (mib, max) = (len / (1024 * 1024), MAX_IMAGE_FILE / (1024 * 1024));
        return Err(import_error(
            format!("the {name} image is {mib} MiB; images over {max} MiB are not decoded"),
            format!(
                "la imagen {name} pesa {mib} MiB; las imágenes de más de {max} MiB no se decodifican"
            ),
        ));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    reader.read_to_end(&mut bytes).map_err(unreadable)?;
    let img = decode(&bytes, format)?;
    let (width, height) = (img.width(), img.height());
    let thumb = img.thumbnail(THUMB_SIDE, THUMB_SIDE);
    drop(img);
    let phash = HasherConfig::new()
        .hash_size(16, 16)
        .hash_alg(HashAlg::Median)
        .preproc_dct()
        .to_hasher()
        .hash_image(&thumb)
        .as_bytes()
        .to_vec();
    let mut thumb_jpeg = Vec::new();
    flatten_on_white(&thumb)
        .write_to(&mut Cursor::new(&mut thumb_jpeg), ImageFormat::Jpeg)
        .map_err(|e| {
            import_error(
                format!("making the thumbnail failed: {e}"),
                format!("no se pudo hacer la miniatura: {e}"),
            )
        })?;
    let original = store.put_bytes(&bytes)?;
    let thumbnail = store.put_bytes(&thumb_jpeg)?;
    Ok(Prepared {
        kind: Kind::Screenshot,
        original,
        media_type: media_type(format).to_string(),
        file_name,
        dims: Some((width, height)),
        phash: Some(phash),
        thumbnail: Some(thumbnail),
        via: None,
    })
}

/// An entry not read on purpose, with the reason.
fn skipped(path: String, en: &str, es: &str) -> AddOutcome {
    AddOutcome {
        path: Some(path),
        status: AddStatus::Skipped,
        id: None,
        sha256: None,
        error: Some(en.to_string()),
        error_es: Some(es.to_string()),
        error_detail: None,
        kind: None,
        duplicate_of: None,
        near_duplicates: Vec::new(),
    }
}

fn hamming(a: &[u8], b: &[u8]) -> u32 {
    if a.len() != b.len() {
        return u32::MAX;
    }
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

impl Vault {
    /// Imports files and folders into a case. Returns one outcome per file,
    /// in input order (folders expanded); `on_progress` hears each as it is done.
    pub fn import_paths(
        &self,
        case: &str,
        paths: &[PathBuf],
        meta: &Meta,
        options: ImportOptions,
        on_progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Vec<AddOutcome>> {
        let never = AtomicBool::new(false);
        self.import_paths_cancellable(case, paths, meta, options, on_progress, &never)
    }

    /// Like [`Vault::import_paths`], but stops starting new files once
    /// `cancel` is set; files not started get an error outcome saying so, and
    /// files already prepared are still committed.
    pub fn import_paths_cancellable(
        &self,
        case: &str,
        paths: &[PathBuf],
        meta: &Meta,
        options: ImportOptions,
        on_progress: &mut dyn FnMut(Progress<'_>),
        cancel: &AtomicBool,
    ) -> Result<Vec<AddOutcome>> {
        let case = self.resolve_case(case)?;
        let _lock = self.write_lock()?;
        self.sweep_leftovers()?;
        let follow = options.follow_links;
        let inputs = walk::expand(paths, follow);
        let total = inputs.len();
        let mut known = items::phashes(&self.db)?;
        let workers = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(1, 4);
        type Job = (usize, PathBuf, Option<(u64, u64)>, Option<Via>);
        let (job_tx, job_rx) = mpsc::channel::<Job>();
        let job_rx = std::sync::Mutex::new(job_rx);
        let (res_tx, res_rx) = mpsc::sync_channel::<(usize, Result<Prepared>)>(workers * 2);
        let mut outcomes = Vec::with_capacity(total);
        std::thread::scope(|s| -> Result<()> {
            for _ in 0..workers {
                let res_tx = res_tx.clone();
                let job_rx = &job_rx;
                let store = &self.objects;
                s.spawn(move || {
                    loop {
                        let job = job_rx.lock().map(|rx| rx.recv());
                        let Ok(Ok((i, path, identity, via))) = job else {
                            break;
                        };
                        let prepared = if cancel.load(Ordering::Relaxed) {
                            Err(import_error(
                                "the import was cancelled before this file",
                                "la importación se detuvo antes de este archivo",
                            ))
                        } else {
                            prepare(store, &path, identity, via.is_some())
                                .map(|p| Prepared { via, ..p })
                        };
                        if res_tx.send((i, prepared)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(res_tx);
            for (i, (path, entry)) in inputs.iter().enumerate() {
                if let Entry::File { identity, via } = entry {
                    let _ = job_tx.send((i, path.clone(), *identity, via.clone()));
                }
            }
            drop(job_tx);
            let mut pending: BTreeMap<usize, Result<Prepared>> = BTreeMap::new();
            for (next, (path, entry)) in inputs.iter().enumerate() {
                let path = path.display().to_string();
                let outcome = match entry {
                    Entry::Skipped((en, es)) => skipped(path, en, es),
                    Entry::Failed((en, es)) => {
                        AddOutcome::failed(Some(path), &import_error(en.clone(), es.clone()))
                    }
                    Entry::File { .. } => {
                        while !pending.contains_key(&next) {
                            match res_rx.recv() {
                                Ok((i, r)) => {
                                    pending.insert(i, r);
                                }
                                Err(_) => break,
                            }
                        }
                        let prepared = pending.remove(&next).unwrap_or_else(|| {
                            Err(import_error(
                                "the import worker stopped",
                                "el proceso de importación se detuvo",
                            ))
                        });
                        match prepared.and_then(|p| self.commit(&case.id, p, meta, &mut known)) {
                            Ok(mut o) => {
                                o.path = Some(path);
                                o
                            }
                            Err(e) => AddOutcome::failed(Some(path), &e),
                        }
                    }
                };
                on_progress(Progress {
                    done: next + 1,
                    total,
                    outcome: &outcome,
                });
                outcomes.push(outcome);
            }
            Ok(())
        })?;
        Ok(outcomes)
    }

    /// Imports content held in memory (a pasted screenshot), named `file_name`.
    pub fn import_bytes(
        &self,
        case: &str,
        file_name: &str,
        bytes: &[u8],
        meta: &Meta,
    ) -> Result<AddOutcome> {
        let case = self.resolve_case(case)?;
        let _lock = self.write_lock()?;
        let mut known = items::phashes(&self.db)?;
        let outcome = prepare_from(&self.objects, file_name, bytes.len() as u64, bytes)
            .and_then(|p| self.commit(&case.id, p, meta, &mut known));
        Ok(outcome.unwrap_or_else(|e| AddOutcome::failed(Some(file_name.into()), &e)))
    }

    fn commit(
        &self,
        case_id: &str,
        p: Prepared,
        meta: &Meta,
        known: &mut Vec<(String, Vec<u8>)>,
    ) -> Result<AddOutcome> {
        let sha = p.original.sha256.clone();
        let tx = self.db.unchecked_transaction()?;
        let same_case = items::first_with_sha256(&tx, &sha, Some(case_id))?;
        if let Some(id) = same_case {
            return Ok(AddOutcome {
                path: None,
                status: AddStatus::Duplicate,
                id: Some(id.clone()),
                sha256: Some(sha),
                error: None,
                error_es: None,
                error_detail: None,
                kind: Some(p.kind),
                duplicate_of: Some(id),
                near_duplicates: Vec::new(),
            });
        }
        let duplicate_of = items::first_with_sha256(&tx, &sha, None)?;
        let new = NewItem {
            kind: p.kind,
            case_id: case_id.to_string(),
            sha256: Some(sha.clone()),
            size: Some(p.original.size),
            media_type: Some(p.media_type),
            file_name: p.file_name,
            width: p.dims.map(|d| d.0),
            height: p.dims.map(|d| d.1),
            phash: p.phash.as_ref().map(hex::encode),
            text: None,
            duplicate_of: duplicate_of.clone(),
        };
        // Following links is the person's choice: the entry names the link
        // and the file it led to.
        let extra = p.via.as_ref().map(|v| {
            json!({ "followed_link": {
                "link": v.link.display().to_string(),
                "target": v.target.display().to_string(),
            }})
        });
        let item = insert_item_with(&tx, new, meta, extra)?;
        if let Some(t) = &p.thumbnail {
            artifacts::insert(
                &tx,
                &item.id,
                "thumbnail",
                &t.sha256,
                t.size,
                "image/jpeg",
                &item.captured_at,
            )?;
        }
        let mut near = Vec::new();
        if let Some(h) = &p.phash {
            let mut seen = HashSet::new();
            for (other, oh) in known.iter() {
                let d = hamming(h, oh);
                if d <= NEAR_DUPLICATE_BITS
                    && Some(other) != duplicate_of.as_ref()
                    && seen.insert(other.clone())
                {
                    items::add_near_duplicate(&tx, other, &item.id, d)?;
                    near.push(other.clone());
                }
            }
        }
        tx.commit()?;
        if let Some(h) = p.phash {
            known.push((item.id.clone(), h));
        }
        Ok(AddOutcome {
            path: None,
            status: AddStatus::Added,
            id: Some(item.id),
            sha256: Some(sha),
            error: None,
            error_es: None,
            error_detail: None,
            kind: Some(p.kind),
            duplicate_of,
            near_duplicates: near,
        })
    }

    /// Removes what a crashed import left: unfinished writes and objects no
    /// item refers to. Call only while holding the write lock.
    pub(crate) fn sweep_leftovers(&self) -> Result<usize> {
        let mut removed = self.objects.sweep_unfinished()?;
        let referenced = self.referenced_names()?;
        for entry in self.objects.list()? {
            // Only object-named files are ours to remove; anything else is
            // left for `check` to report.
            if let Some(name) = &entry.name
                && !referenced.contains(name)
            {
                std::fs::remove_file(&entry.path)
                    .map_err(Error::io(IoContext::Removing(entry.path.clone())))?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Object names of every hash the database refers to.
    pub(crate) fn referenced_names(&self) -> Result<HashSet<String>> {
        Ok(artifacts::references(&self.db)?
            .iter()
            .map(|(sha, _, _)| self.objects.name_for(sha))
            .collect())
    }
}
