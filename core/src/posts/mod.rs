//! Imported posts, the `posts` table: light records read from a bulk post
//! file ([`formats`]) for campaign analysis. The file itself is kept first,
//! as an item (hashed, in the custody log); the posts are then read from
//! the stored copy, so each post (which names its source item and line)
//! traces back to the exact bytes that were hashed. Posts are linked to
//! accounts and searchable (`posts_fts`, the same tokenizer as items).
//! One transaction holds a whole import: a crash leaves the file kept and
//! no half set of posts, and importing the file again reads them.
//!
//! Main types: [`PostImport`], [`Post`]. The analysis reads posts through
//! `each_in_case`. Removing the source item removes its posts (a foreign
//! key) and their search entries (a trigger).

pub mod formats;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

use crate::accounts;
use crate::custody::{self, Action, NewEntry};
use crate::error::{Error, ErrorKind, Result};
use crate::import::ImportOptions;
use crate::items::AddStatus;
use crate::record::Meta;
use crate::search::fts_query;
use crate::vault::Vault;
pub use formats::{Format, NewPost, RowError};

/// Row errors listed at most (all are counted).
pub const MAX_LISTED_ERRORS: usize = 10_000;

/// What an import of posts did: `testigo import-posts --json`.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PostImport {
    /// The item keeping the source file.
    pub item: String,
    /// Posts imported.
    pub imported: u64,
    /// Rows skipped (bad, or repeating a message id seen earlier in the file).
    pub skipped: u64,
    /// Why rows were skipped, by line (the first [`MAX_LISTED_ERRORS`]).
    pub errors: Vec<RowError>,
    /// Posts this file had already given the case (nothing new was read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub already_imported: Option<u64>,
}

/// A stored post.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Post {
    /// The source's id for the post.
    pub message_id: String,
    /// Platform, when the source says.
    pub platform: Option<String>,
    /// The source's id for the author.
    pub user_id: Option<String>,
    /// The author's handle.
    pub handle: String,
    /// The author's display name.
    pub author_name: Option<String>,
    /// When it was posted.
    pub posted_at: DateTime<Utc>,
    /// The text.
    pub text: String,
    /// The post's URL.
    pub url: Option<String>,
    /// The post it answers.
    pub reply_to: Option<String>,
    /// The post it reposts.
    pub repost_of: Option<String>,
    /// The item keeping the file it came from.
    pub source_item: String,
    /// Its line in that file.
    pub line: u64,
}

/// Reads the start of the file as `format` and refuses a file that is not
/// in it, before anything is kept.
fn check_format(path: &Path, format: Format) -> Result<()> {
    let file = std::fs::File::open(path).map_err(Error::io(crate::error::IoContext::Reading(
        path.to_path_buf(),
    )))?;
    let (mut rows, mut good, mut enough) = (0, 0, false);
    let r = formats::read(format, std::io::BufReader::new(file), &mut |row| {
        rows += 1;
        good += usize::from(row.is_ok());
        enough = good > 0 || rows >= 1000;
        if enough {
            // Not an error: the check has seen enough.
            return Err(Error::invalid("", ""));
        }
        Ok(())
    });
    if !enough {
        r?;
    }
    if good == 0 && rows > 0 {
        return Err(Error::invalid(
            format!(
                "none of the first {rows} rows reads as {}: check that the file is in that format",
                format.as_str()
            ),
            format!(
                "ninguna de las primeras {rows} filas se lee como {}: revisa que el archivo esté en ese formato",
                format.as_str()
            ),
        ));
    }
    Ok(())
}

/// A larger page cache while posts are imported, back to SQLite's default
/// when dropped. SQLCipher decrypts and authenticates a page each time it is
/// read back from the file; with the default 2 MiB cache, the indexes being
/// filled no longer fit after a few hundred thousand posts and an import
/// spends most of its time reading them back (half of it in the cipher,
/// measured with `perf`). The cache is filled only as pages are used.
struct BulkCache<'a>(&'a rusqlite::Connection);

impl<'a> BulkCache<'a> {
    /// Size of the cache during an import, in KiB.
    const KIB: i64 = 128 * 1024;

    fn new(conn: &'a rusqlite::Connection) -> Result<BulkCache<'a>> {
        conn.execute_batch(&format!("PRAGMA cache_size = -{}", Self::KIB))?;
        Ok(BulkCache(conn))
    }
}

impl Drop for BulkCache<'_> {
    fn drop(&mut self) {
        let _ = self.0.execute_batch("PRAGMA cache_size = -2000");
    }
}

impl Vault {
    /// Imports the posts of a bulk post file into a case: keeps the file as
    /// an item, then reads its stored copy. `on_progress` hears the rows
    /// read so far; `cancel` stops the import and keeps no post.
    pub fn import_posts(
        &self,
        case: &str,
        path: &Path,
        format: Format,
        platform: Option<&str>,
        on_progress: &mut dyn FnMut(u64),
        cancel: &AtomicBool,
    ) -> Result<PostImport> {
        let case = self.resolve_case(case)?;
        check_format(path, format)?;
        let outcomes = self.import_paths(
            &case.id,
            &[path.to_path_buf()],
            &Meta::default(),
            ImportOptions::default(),
            &mut |_| {},
        )?;
        let Some(outcome) = outcomes.into_iter().next() else {
            return Err(Error::invalid("nothing to import", "nada que importar"));
        };
        let (Some(item_id), Some(sha)) = (outcome.id.clone(), outcome.sha256.clone()) else {
            let en = outcome
                .error
                .unwrap_or_else(|| "the file was not kept".into());
            let es = outcome.error_es.unwrap_or_else(|| en.clone());
            return Err(Error::bilingual(ErrorKind::Invalid, en, es));
        };
        let _lock = self.write_lock()?;
        if outcome.status == AddStatus::Duplicate {
            let n: u64 = self.db.query_row(
                "SELECT count(*) FROM posts WHERE source_item = ?1",
                [&item_id],
                |r| r.get(0),
            )?;
            if n > 0 {
                return Ok(PostImport {
                    item: item_id,
                    imported: 0,
                    skipped: 0,
                    errors: Vec::new(),
                    already_imported: Some(n),
                });
            }
        }
        let platform = platform
            .map(crate::text::fold_key)
            .filter(|p| !p.is_empty());
        let _cache = BulkCache::new(&self.db)?;
        let tx = self.db.unchecked_transaction()?;
        let mut result = PostImport {
            item: item_id.clone(),
            imported: 0,
            skipped: 0,
            errors: Vec::new(),
            already_imported: None,
        };
        {
            let mut insert = tx.prepare(
                "INSERT OR IGNORE INTO posts (case_id, source_item, line, message_id, platform, account_id,
                    user_id, handle, author_name, account_created, posted_at, text, url, reply_to, repost_of,
                    hashtags, links)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            )?;
            let mut index = tx.prepare("INSERT INTO posts_fts (rowid, body) VALUES (?1, ?2)")?;
            let mut account_ids: HashMap<(Option<String>, String), Option<i64>> = HashMap::new();
            let mut rows = 0u64;
            let reader = std::io::BufReader::new(self.objects.open_object(&sha)?);
            formats::read(format, reader, &mut |row| {
                rows += 1;
                if rows.is_multiple_of(10_000) {
                    if cancel.load(Ordering::Relaxed) {
                        return Err(Error::invalid(
                            "the import was cancelled; no post was kept (the file stays in the case)",
                            "la importación se canceló; no se guardó ninguna publicación (el archivo sigue en el caso)",
                        ));
                    }
                    on_progress(rows);
                }
                let mut post = match row {
                    Ok(p) => p,
                    Err(e) => {
                        result.skipped += 1;
                        if result.errors.len() < MAX_LISTED_ERRORS {
                            result.errors.push(e);
                        }
                        return Ok(());
                    }
                };
                if post.platform.is_none() {
                    post.platform.clone_from(&platform);
                }
                let key = (post.platform.clone(), post.handle.to_lowercase());
                let account = match account_ids.get(&key) {
                    Some(id) => *id,
                    None => {
                        let id =
                            accounts::id_for(&tx, post.platform.as_deref(), Some(&post.handle))?;
                        account_ids.insert(key, id);
                        id
                    }
                };
                let line = post.line;
                let added = insert.execute(params![
                    case.id,
                    item_id,
                    line,
                    post.message_id,
                    post.platform,
                    account,
                    post.user_id,
                    post.handle,
                    post.author_name,
                    post.account_created,
                    post.posted_at,
                    post.text,
                    post.url,
                    post.reply_to,
                    post.repost_of,
                    serde_json::to_string(&post.hashtags).unwrap_or_else(|_| "[]".into()),
                    serde_json::to_string(&post.links).unwrap_or_else(|_| "[]".into()),
                ])?;
                if added == 0 {
                    result.skipped += 1;
                    if result.errors.len() < MAX_LISTED_ERRORS {
                        result.errors.push(RowError::new(
                            line,
                            format!("message id {:?} appears earlier in the file; this row is skipped", crate::text::untrusted_line(&post.message_id, 40)),
                            format!("el id de mensaje {:?} aparece antes en el archivo; esta fila se omite", crate::text::untrusted_line(&post.message_id, 40)),
                        ));
                    }
                    return Ok(());
                }
                let body = format!(
                    "{} {} {}",
                    post.text,
                    post.handle,
                    post.author_name.as_deref().unwrap_or_default()
                );
                index.execute(params![tx.last_insert_rowid(), body])?;
                result.imported += 1;
                Ok(())
            })?;
            on_progress(rows);
        }
        custody::append(
            &tx,
            NewEntry {
                action: Action::PostsImported,
                case_id: Some(&case.id),
                item_id: Some(&item_id),
                sha256: Some(&sha),
                detail: json!({
                    "format": format.as_str(),
                    "imported": result.imported,
                    "skipped": result.skipped,
                }),
            },
        )?;
        tx.commit()?;
        Ok(result)
    }

    /// Posts of a case, newest first, matching a search (as items are
    /// searched) and an account's handle, at most `limit`.
    pub fn posts(
        &self,
        case: &str,
        query: Option<&str>,
        handle: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Post>> {
        let case = self.resolve_case(case)?;
        let fts = query.and_then(fts_query);
        if query.is_some() && fts.is_none() {
            return Ok(Vec::new());
        }
        let handle = handle.map(|h| h.trim().trim_start_matches('@').to_lowercase());
        let mut stmt = self.db.prepare(
            "SELECT message_id, platform, user_id, handle, author_name, posted_at, text, url,
                    reply_to, repost_of, source_item, line
             FROM posts
             WHERE case_id = ?1
               AND (?2 IS NULL OR id IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?2))
               AND (?3 IS NULL OR lower(handle) = ?3)
             ORDER BY posted_at DESC, id DESC
             LIMIT ?4",
        )?;
        let rows = stmt.query_map(params![case.id, fts, handle, limit as i64], |r| {
            Ok(Post {
                message_id: r.get(0)?,
                platform: r.get(1)?,
                user_id: r.get(2)?,
                handle: r.get(3)?,
                author_name: r.get(4)?,
                posted_at: DateTime::from_timestamp(r.get(5)?, 0).unwrap_or_default(),
                text: r.get(6)?,
                url: r.get(7)?,
                reply_to: r.get(8)?,
                repost_of: r.get(9)?,
                source_item: r.get(10)?,
                line: r.get(11)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// How many posts a case holds.
    pub fn post_count(&self, case_id: &str) -> Result<u64> {
        Ok(self.db.query_row(
            "SELECT count(*) FROM posts WHERE case_id = ?1",
            [case_id],
            |r| r.get(0),
        )?)
    }
}

/// A post as the analysis reads it.
pub(crate) struct PostRow {
    pub message_id: String,
    pub platform: Option<String>,
    /// The source's user id, or the handle where it gave none.
    pub account_id: String,
    pub handle: String,
    pub posted_at: i64,
    pub text: String,
    pub hashtags: Vec<String>,
    pub links: Vec<String>,
    pub reply_to: Option<String>,
    pub repost_of: Option<String>,
}

/// Hands every post of a case to `f` in posting time order, reading the
/// table through its time index: memory does not grow with the posts.
pub(crate) fn each_in_case(
    conn: &Connection,
    case_id: &str,
    f: &mut dyn FnMut(PostRow) -> Result<()>,
) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT message_id, platform, coalesce(user_id, handle), handle, posted_at, text,
                hashtags, links, reply_to, repost_of
         FROM posts WHERE case_id = ?1 ORDER BY posted_at, id",
    )?;
    let mut rows = stmt.query([case_id])?;
    while let Some(r) = rows.next()? {
        f(PostRow {
            message_id: r.get(0)?,
            platform: r.get(1)?,
            account_id: r.get(2)?,
            handle: r.get(3)?,
            posted_at: r.get(4)?,
            text: r.get(5)?,
            hashtags: serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or_default(),
            links: serde_json::from_str(&r.get::<_, String>(7)?).unwrap_or_default(),
            reply_to: r.get(8)?,
            repost_of: r.get(9)?,
        })?;
    }
    Ok(())
}

/// The source item and line of a post, by message id, within a case.
pub(crate) fn source_of(
    conn: &Connection,
    case_id: &str,
    message_id: &str,
) -> Result<Option<(String, u64)>> {
    Ok(conn
        .query_row(
            "SELECT source_item, line FROM posts WHERE case_id = ?1 AND message_id = ?2 ORDER BY id LIMIT 1",
            [case_id, message_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}
