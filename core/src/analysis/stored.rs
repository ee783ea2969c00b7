//! The vault's side of an analysis: the posts it reads (a case's imported
//! posts merged, in time order, with its items that have an author and a
//! posting time), the `analyses` table where each run's results are kept
//! with the parameters that produced them, and the custody entry that
//! records the run and the SHA-256 of its results.
//!
//! Main types: [`StoredAnalysis`]; [`crate::Vault::analyze`] runs one.

use std::sync::atomic::AtomicBool;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

use super::{Analysis, InputPost, Progress, Window};
use crate::custody::{self, Action, NewEntry};
use crate::error::{Error, Result};
use crate::hashing::HashingWriter;
use crate::model::{format_time, parse_stored_time};
use crate::vault::Vault;

/// An analysis kept in the vault.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StoredAnalysis {
    /// Its id (ULID).
    pub id: String,
    /// The case analysed.
    pub case_id: String,
    /// When it ran.
    pub created_at: DateTime<Utc>,
    /// SHA-256 of its results as stored (the JSON export).
    pub sha256: String,
    /// The results.
    pub analysis: Analysis,
}

fn item_post(item: crate::record::Item) -> Option<InputPost> {
    let time = item.posted_at?.timestamp();
    let handle = item
        .author
        .as_deref()?
        .trim()
        .trim_start_matches('@')
        .to_string();
    Some(InputPost {
        account_id: handle.clone(),
        handle,
        platform: item.platform.as_deref().map(crate::text::fold_key),
        time,
        text: item.text.unwrap_or_default(),
        links: Vec::new(),
        hashtags: item.hashtags,
        reply_to: item.reply_to,
        repost_of: item.repost_of,
        state: item.state,
        id: item.id,
        item: true,
    })
}

/// Hands every post of a case to `f` in time order: imported posts, with
/// the case's items that have an author and a posting time merged in.
fn each_post(
    conn: &Connection,
    case_id: &str,
    f: &mut dyn FnMut(&InputPost) -> Result<()>,
) -> Result<()> {
    let mut items: Vec<InputPost> = crate::items::with_author_and_time(conn, case_id)?
        .into_iter()
        .filter_map(item_post)
        .collect();
    items.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.id.cmp(&b.id)));
    let mut items = items.into_iter().peekable();
    crate::posts::each_in_case(conn, case_id, &mut |r| {
        while let Some(i) = items.next_if(|i| i.time <= r.posted_at) {
            f(&i)?;
        }
        f(&InputPost {
            id: r.message_id,
            item: false,
            account_id: r.account_id,
            handle: r.handle,
            platform: r.platform,
            time: r.posted_at,
            text: r.text,
            links: r.links,
            hashtags: r.hashtags,
            reply_to: r.reply_to,
            repost_of: r.repost_of,
            state: None,
        })
    })?;
    for i in items {
        f(&i)?;
    }
    Ok(())
}

/// The results as kept in the `analyses` table: their JSON export,
/// compressed with zlib (a BLOB; it is repetitive, and a million posts'
/// results would otherwise sit in memory whole, twice), and the SHA-256 of
/// that JSON, computed as it is written.
fn keep(analysis: &Analysis) -> Result<(Vec<u8>, String)> {
    let fail = |e: std::io::Error| {
        Error::invalid(
            format!("cannot keep the results: {e}"),
            format!("no se pueden guardar los resultados: {e}"),
        )
    };
    let mut w = HashingWriter::new(flate2::write::ZlibEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    super::export::write(analysis, super::export::ExportFormat::Json, &mut w).map_err(fail)?;
    let (zlib, sha, _) = w.finish();
    Ok((zlib.finish().map_err(fail)?, sha))
}

/// Reads kept results: a BLOB is [`keep`]'s compressed JSON; TEXT is the
/// plain JSON the first version of this table held.
fn read_kept(value: rusqlite::types::ValueRef<'_>) -> std::result::Result<Analysis, String> {
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Text(t) => serde_json::from_slice(t).map_err(|e| e.to_string()),
        ValueRef::Blob(b) => {
            serde_json::from_reader(std::io::BufReader::new(flate2::read::ZlibDecoder::new(b)))
                .map_err(|e| e.to_string())
        }
        _ => Err("no results".to_string()),
    }
}

impl Vault {
    /// Runs a campaign analysis of a case and keeps its results (the
    /// latest run is what [`Vault::analysis`] gives). `cancel` stops it
    /// between posts and keeps nothing.
    pub fn analyze(
        &self,
        case: &str,
        window: Window,
        on_progress: &mut dyn FnMut(Progress),
        cancel: &AtomicBool,
    ) -> Result<StoredAnalysis> {
        let mut params = super::Params::new(window);
        self.analyze_with(case, &mut params, on_progress, cancel)
    }

    /// Like [`Vault::analyze`], with every parameter given.
    pub fn analyze_with(
        &self,
        case: &str,
        params: &mut super::Params,
        on_progress: &mut dyn FnMut(Progress),
        cancel: &AtomicBool,
    ) -> Result<StoredAnalysis> {
        let case = self.resolve_case(case)?;
        let total = self.post_count(&case.id)?
            + crate::items::with_author_and_time(&self.db, &case.id)?.len() as u64;
        if total == 0 {
            return Err(Error::invalid(
                format!(
                    "the case {:?} has no posts to analyse: import a file of posts, or give items an author and a posting time",
                    case.name
                ),
                format!(
                    "el caso {:?} no tiene publicaciones que analizar: importa un archivo de publicaciones, o da a los elementos un autor y una fecha de publicación",
                    case.name
                ),
            ));
        }
        let db = &self.db;
        let case_id = case.id.clone();
        let mut source = |f: &mut dyn FnMut(&InputPost) -> Result<()>| each_post(db, &case_id, f);
        let analysis = super::analyze_with(&mut source, total, params, on_progress, cancel)?;
        let (result, sha) = keep(&analysis)?;
        let parameters = serde_json::to_string(&analysis.parameters).unwrap_or_default();
        let id = ulid::Ulid::new().to_string();
        let now = Utc::now();
        let _lock = self.write_lock()?;
        let tx = self.db.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO analyses (id, case_id, created_at, parameters, result, sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, case.id, format_time(&now), parameters, result, sha],
        )?;
        custody::append(
            &tx,
            NewEntry {
                action: Action::Analysed,
                case_id: Some(&case.id),
                item_id: None,
                sha256: Some(&sha),
                detail: json!({
                    "analysis": id,
                    "parameters": analysis.parameters,
                    "posts": analysis.input.posts,
                    "campaigns": analysis.campaigns.len(),
                }),
            },
        )?;
        tx.commit()?;
        Ok(StoredAnalysis {
            id,
            case_id: case.id,
            created_at: parse_stored_time(&format_time(&now)),
            sha256: sha,
            analysis,
        })
    }

    /// The latest analysis of a case, if any ran.
    pub fn analysis(&self, case: &str) -> Result<Option<StoredAnalysis>> {
        let case = self.resolve_case(case)?;
        let row: Option<(String, String, String, Result<Analysis, String>)> = self
            .db
            .query_row(
                "SELECT id, created_at, sha256, result FROM analyses WHERE case_id = ?1
                 ORDER BY created_at DESC, id DESC LIMIT 1",
                [&case.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, read_kept(r.get_ref(3)?))),
            )
            .optional()?;
        let Some((id, at, sha, analysis)) = row else {
            return Ok(None);
        };
        let analysis = analysis.map_err(|e| {
            Error::corrupt(
                format!("the stored analysis {id} cannot be read ({e}); run the analysis again"),
                format!("el análisis guardado {id} no se puede leer ({e}); vuelve a ejecutar el análisis"),
            )
        })?;
        Ok(Some(StoredAnalysis {
            id,
            case_id: case.id,
            created_at: parse_stored_time(&at),
            sha256: sha,
            analysis,
        }))
    }

    /// Writes the latest analysis of a case to `dest` as `format`
    /// (atomically: nothing partial is left). Returns the path written and
    /// the analysis's id and size in bytes.
    pub fn export_analysis(
        &self,
        case: &str,
        format: super::export::ExportFormat,
        dest: &std::path::Path,
    ) -> Result<(std::path::PathBuf, String, u64)> {
        let Some(stored) = self.analysis(case)? else {
            return Err(Error::invalid(
                "this case has not been analysed yet: run the analysis first",
                "este caso todavía no se ha analizado: ejecuta antes el análisis",
            ));
        };
        let (path, bytes) = crate::private::write_atomically(dest, |w| {
            let mut counted = HashingWriter::new(w);
            super::export::write(&stored.analysis, format, &mut counted).map_err(Error::io(
                crate::error::IoContext::Writing(dest.to_path_buf()),
            ))?;
            Ok(counted.finish().2)
        })?;
        Ok((path, stored.id, bytes))
    }

    /// The items that hold a campaign's evidence, for sealing or printing
    /// it: its vault items, and the items keeping the files its imported
    /// posts were read from; in the order the campaign's posts came.
    pub fn campaign_items(&self, case: &str, campaign_id: &str) -> Result<Vec<String>> {
        let Some(stored) = self.analysis(case)? else {
            return Ok(Vec::new());
        };
        let Some(c) = stored
            .analysis
            .campaigns
            .iter()
            .find(|c| c.id == campaign_id)
        else {
            return Err(Error::bilingual(
                crate::error::ErrorKind::NotFound,
                format!(
                    "no campaign {campaign_id} in the latest analysis of this case; run it again to see what it finds now"
                ),
                format!(
                    "no hay una campaña {campaign_id} en el último análisis de este caso; vuelve a ejecutarlo para ver lo que encuentra ahora"
                ),
            ));
        };
        self.evidence_items(&stored, c)
    }

    /// The items holding one campaign's evidence (see [`Vault::campaign_items`]).
    pub(crate) fn evidence_items(
        &self,
        stored: &StoredAnalysis,
        c: &super::Campaign,
    ) -> Result<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        for p in &c.timeline {
            let item = if p.item {
                Some(p.id.clone())
            } else {
                crate::posts::source_of(&self.db, &stored.case_id, &p.id)?.map(|(i, _)| i)
            };
            if let Some(i) = item
                && !out.contains(&i)
            {
                out.push(i);
            }
        }
        Ok(out)
    }

    /// Where an analysed post came from: the item keeping its source file
    /// and its line there, or (for a vault item) the item itself.
    pub fn post_source(
        &self,
        case: &str,
        post_id: &str,
        item: bool,
    ) -> Result<Option<(String, Option<u64>)>> {
        let case = self.resolve_case(case)?;
        if item {
            return Ok(Some((post_id.to_string(), None)));
        }
        Ok(crate::posts::source_of(&self.db, &case.id, post_id)?.map(|(i, l)| (i, Some(l))))
    }
}
