//! Export: the bytes of an item's original, or of a link's capture (its
//! WARC file), to a writer ([`Vault::export`], [`Vault::export_capture`]) or
//! atomically to a path ([`Vault::export_to`]: nothing partial is ever
//! left), checked against the recorded SHA-256 and recorded in the custody
//! log. The CLI's `cat` and the app's "save original" and "save WARC" all
//! come here.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::capture::Capture;
use crate::custody::{self, Action, NewEntry};
use crate::error::{Error, IoContext, Result};
use crate::model::Kind;
use crate::record::Item;
use crate::vault::Vault;

/// What an export copies.
struct Source {
    item: Item,
    sha256: String,
    capture: Option<Capture>,
}

impl Vault {
    /// Writes an item's original bytes (for a link, the WARC of its latest
    /// capture) to `out`, checked against the recorded SHA-256, and records
    /// the export. `destination` says where the bytes went, for the log.
    pub fn export(&self, query: &str, out: &mut dyn Write, destination: &str) -> Result<Item> {
        let src = self.export_source(query, None)?;
        self.objects.copy_to(&src.sha256, out)?;
        self.record_export(&src, destination)?;
        Ok(src.item)
    }

    /// Writes the WARC file of capture `n` (1-based; when `None`, the latest
    /// page capture with a WARC, the one the item's `sha256` names) of a link
    /// item, checked against its SHA-256, and records the export.
    pub fn export_capture(
        &self,
        query: &str,
        n: Option<u32>,
        out: &mut dyn Write,
        destination: &str,
    ) -> Result<Capture> {
        let item = self.item(query)?;
        let (cap, sha256) = self.capture_to_export(&item, n)?;
        let src = Source {
            item,
            sha256,
            capture: Some(cap.clone()),
        };
        self.objects.copy_to(&src.sha256, out)?;
        self.record_export(&src, destination)?;
        Ok(cap)
    }

    /// Exports to the file `dest`, atomically: the bytes go to `dest.part`,
    /// which becomes `dest` once complete and checked; on any failure
    /// nothing is left under either name, and nothing is recorded. `capture`
    /// picks a link's capture (`Some(None)`: the latest); `None` exports the
    /// original. Returns `dest` made absolute.
    pub fn export_to(
        &self,
        query: &str,
        capture: Option<Option<u32>>,
        dest: &Path,
    ) -> Result<PathBuf> {
        let src = self.export_source(query, capture)?;
        let (path, _) = crate::private::write_atomically(dest, |file| {
            self.objects.copy_to(&src.sha256, file)?;
            file.flush()
                .map_err(Error::io(IoContext::Writing(dest.to_path_buf())))
        })?;
        self.record_export(&src, &path.display().to_string())?;
        Ok(path)
    }

    /// The bytes to export: `capture` is `None` for the item's original
    /// (a link's latest capture), `Some(n)` for a link's capture `n`.
    fn export_source(&self, query: &str, capture: Option<Option<u32>>) -> Result<Source> {
        let item = self.item(query)?;
        if item.kind == Kind::Link || capture.is_some() {
            let (cap, sha256) = self.capture_to_export(&item, capture.flatten())?;
            return Ok(Source {
                item,
                sha256,
                capture: Some(cap),
            });
        }
        let Some(sha256) = item.sha256.clone() else {
            return Err(Error::invalid(
                format!(
                    "item {} is a {} with no stored file: there is nothing to export",
                    item.id,
                    item.kind.as_str(),
                ),
                format!(
                    "el elemento {} es {} sin archivo guardado: no hay nada que exportar",
                    item.id,
                    item.kind.with_article_es(),
                ),
            ));
        };
        Ok(Source {
            item,
            sha256,
            capture: None,
        })
    }

    fn record_export(&self, src: &Source, destination: &str) -> Result<()> {
        let detail = match &src.capture {
            Some(c) => json!({ "to": destination, "capture": c.seq }),
            None => json!({ "to": destination }),
        };
        custody::append(
            &self.db,
            NewEntry::for_item(Action::Exported, &src.item, Some(&src.sha256), detail),
        )?;
        Ok(())
    }
}
