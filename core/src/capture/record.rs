//! Keeping captures in the vault: the WARC goes into the object store
//! (encrypted, like every artifact), its facts into the `captures` table, and
//! a `captured` custody entry records its SHA-256, all in one transaction.
//! Also fetching what a person asks for (a link's page again, an oEmbed
//! endpoint its page announced), reading captures back and exporting their
//! WARC files.

use rusqlite::{OptionalExtension, params};
use serde_json::json;

use super::fetch::{self, Fetched};
use super::oembed::{self, Purpose};
use super::options::FetchOptions;
use super::{Capture, fill_from_url, warc};
use crate::custody::{self, Action, NewEntry};
use crate::error::{Error, Result};
use crate::items::{self, AddOutcome, AddStatus, bare, insert_item_with, load_item};
use crate::model::parse_stored_time;
use crate::model::{Kind, format_time};
use crate::record::Meta;
use crate::urls::validate_url;
use crate::vault::Vault;

/// Media type of capture artifacts.
pub const WARC_MEDIA_TYPE: &str = "application/warc";

/// What became of one link given to [`Vault::capture_items`].
#[derive(Debug)]
pub struct CaptureOutcome {
    /// Position in the list given.
    pub index: usize,
    /// The link item.
    pub item_id: String,
    /// The capture as recorded (its `error` says if fetching failed), or
    /// why it could not be recorded.
    pub result: Result<Capture>,
}

/// What became of one URL given to [`Vault::add_links`].
#[derive(Debug)]
pub struct LinkOutcome {
    /// The URL as given.
    pub url: String,
    /// Recording it: added, already in the case, or why it was refused.
    pub added: Result<AddOutcome>,
    /// Its capture, when it was added and fetching was asked for.
    pub capture: Option<Result<Capture>>,
}

/// What [`Vault::add_links`] did.
#[derive(Debug)]
pub struct AddedLinks {
    /// One outcome per URL, in the order given.
    pub links: Vec<LinkOutcome>,
    /// Why the links added were not fetched at all (options that cannot be
    /// used, a bad proxy); they stay recorded.
    pub not_fetched: Option<crate::error::Error>,
}

const SELECT: &str = "SELECT seq, requested_url, started_at, finished_at, final_url, status,
    remote_ip, hops, tls, metadata, details, error, warc_sha256, warc_size FROM captures";

fn capture_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Capture> {
    let json = |i: usize| -> rusqlite::Result<serde_json::Value> {
        let t: Option<String> = r.get(i)?;
        Ok(t.and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(serde_json::Value::Null))
    };
    let details = json(10)?;
    let started: String = r.get(2)?;
    let finished: String = r.get(3)?;
    let field = |k: &str| details.get(k).cloned().unwrap_or(serde_json::Value::Null);
    Ok(Capture {
        seq: r.get(0)?,
        requested_url: r.get(1)?,
        started_at: parse_stored_time(&started),
        finished_at: parse_stored_time(&finished),
        final_url: r.get(4)?,
        status: r.get(5)?,
        remote_ip: r.get(6)?,
        hops: serde_json::from_value(json(7)?).unwrap_or_default(),
        tls: serde_json::from_value(json(8)?).unwrap_or_default(),
        metadata: serde_json::from_value(json(9)?).unwrap_or_default(),
        content_type: serde_json::from_value(field("content_type")).unwrap_or_default(),
        body_size: serde_json::from_value(field("body_size")).unwrap_or_default(),
        truncated: serde_json::from_value(field("truncated")).unwrap_or_default(),
        post: serde_json::from_value(field("post")).unwrap_or_default(),
        purpose: serde_json::from_value(field("purpose")).unwrap_or_default(),
        oembed: serde_json::from_value(field("oembed")).unwrap_or_default(),
        via_proxy: serde_json::from_value(field("via_proxy")).unwrap_or_default(),
        user_agent: serde_json::from_value(field("user_agent")).unwrap_or_default(),
        error: r.get(11)?,
        error_es: serde_json::from_value(field("error_es")).unwrap_or_default(),
        warc_sha256: r.get(12)?,
        warc_size: r.get(13)?,
    })
}

/// A capture beside what the log and the artifacts say of it (for
/// [`crate::Vault::check`]).
pub(crate) struct CaptureTrail {
    /// The link item's id.
    pub item_id: String,
    /// The capture's number for that item.
    pub seq: i64,
    /// The SHA-256 of its WARC, when an answer came.
    pub warc_sha256: Option<String>,
    /// How many `captured` entries name this capture with this hash (1 when sound).
    pub logged: i64,
    /// How many `capture` artifacts of the item have this hash (1 when sound).
    pub artifacts: i64,
}

/// One [`CaptureTrail`] per capture, by item and number.
pub(crate) fn capture_trails(conn: &rusqlite::Connection) -> Result<Vec<CaptureTrail>> {
    let mut stmt = conn.prepare(
        "SELECT p.item_id, p.seq, p.warc_sha256,
            (SELECT count(*) FROM custody k WHERE k.item_id = p.item_id AND k.action = 'captured'
                AND json_extract(k.detail, '$.capture') = p.seq
                AND k.sha256 IS p.warc_sha256),
            (SELECT count(*) FROM artifacts a WHERE a.item_id = p.item_id AND a.role = 'capture'
                AND a.sha256 = p.warc_sha256)
         FROM captures p ORDER BY p.item_id, p.seq",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok(CaptureTrail {
            item_id: row.get(0)?,
            seq: row.get(1)?,
            warc_sha256: row.get(2)?,
            logged: row.get(3)?,
            artifacts: row.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

impl Vault {
    /// The captures of an item, oldest first.
    pub fn captures(&self, item_id: &str) -> Result<Vec<Capture>> {
        let mut stmt = self
            .db
            .prepare(&format!("{SELECT} WHERE item_id = ?1 ORDER BY seq"))?;
        let rows = stmt.query_map([item_id], capture_from_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Records a fetch of a link's page as the next capture of the item:
    /// stores the WARC (when an answer came), the facts and a `captured`
    /// custody entry, and makes the item's `sha256` that of its latest WARC.
    pub fn record_capture(&self, item_id: &str, f: &Fetched) -> Result<Capture> {
        self.record(item_id, f, Capture::from_fetched(f))
    }

    /// Records `cap`, the description of `f`, as the next capture of a link
    /// item. Only a page capture becomes the item's `sha256`: an oEmbed
    /// answer is kept beside the page, not instead of it.
    fn record(&self, item_id: &str, f: &Fetched, mut cap: Capture) -> Result<Capture> {
        let item = load_item(&self.db, item_id)?;
        if item.kind != Kind::Link {
            return Err(not_a_link(
                &item,
                "only links are captured",
                "solo se capturan enlaces",
            ));
        }
        let _lock = self.write_lock()?;
        cap.seq = self.db.query_row(
            "SELECT coalesce(max(seq), 0) + 1 FROM captures WHERE item_id = ?1",
            [&item.id],
            |r| r.get(0),
        )?;
        if warc::has_records(f) {
            let facts = serde_json::to_value(&cap)?;
            // Streamed into the store from the bodies already in memory (no
            // second copy), written and synced before the transaction that
            // refers to it.
            let stored = self.objects.put(&mut warc::reader(f, &facts))?;
            cap.warc_sha256 = Some(stored.sha256);
            cap.warc_size = Some(stored.size);
        }
        let details = json!({
            "content_type": cap.content_type,
            "body_size": cap.body_size,
            "truncated": cap.truncated,
            "post": cap.post,
            "via_proxy": cap.via_proxy,
            "user_agent": cap.user_agent,
            "purpose": cap.purpose,
            "oembed": cap.oembed,
            "error_es": cap.error_es,
        });
        let tx = self.db.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO captures (item_id, seq, requested_url, started_at, finished_at, final_url,
             status, remote_ip, hops, tls, metadata, details, error, warc_sha256, warc_size)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                item.id,
                cap.seq,
                cap.requested_url,
                format_time(&cap.started_at),
                format_time(&cap.finished_at),
                cap.final_url,
                cap.status,
                cap.remote_ip,
                serde_json::to_string(&cap.hops)?,
                cap.tls.as_ref().map(serde_json::to_string).transpose()?,
                cap.metadata
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()?,
                details.to_string(),
                cap.error,
                cap.warc_sha256,
                cap.warc_size,
            ],
        )?;
        if let (Some(sha), Some(size)) = (&cap.warc_sha256, cap.warc_size) {
            crate::artifacts::insert(
                &tx,
                &item.id,
                "capture",
                sha,
                size,
                WARC_MEDIA_TYPE,
                &cap.finished_at,
            )?;
            if cap.purpose == Purpose::Page {
                items::set_file(&tx, &item.id, sha, size, WARC_MEDIA_TYPE)?;
            }
        }
        let mut detail = json!({
            "capture": cap.seq,
            "purpose": cap.purpose,
            "requested_url": cap.requested_url,
            "final_url": cap.final_url,
            "status": cap.status,
            "hops": cap.hops.len(),
            "started_at": format_time(&cap.started_at),
            "error": cap.error,
            "warc_size": cap.warc_size,
        });
        if let Some(o) = &cap.oembed {
            detail["oembed"] = json!({ "announced_by": o.announced_by, "endpoint": o.endpoint });
        }
        custody::append(
            &tx,
            NewEntry::for_item(Action::Captured, &item, cap.warc_sha256.as_deref(), detail),
        )?;
        tx.commit()?;
        let stored = self
            .db
            .query_row(
                &format!("{SELECT} WHERE item_id = ?1 AND seq = ?2"),
                params![item.id, cap.seq],
                capture_from_row,
            )
            .optional()?;
        Ok(stored.unwrap_or(cap))
    }

    /// Fetches the pages of link items (ids or unique prefixes), several at
    /// a time, and records each capture as it finishes; `progress(done,
    /// total, outcome)` is called for each. An id that is not a link with a
    /// URL gets an error outcome; the batch fails as a whole only when the
    /// options cannot be used (a bad proxy). The CLI's `link` and
    /// `recapture` and the app's capture all come here.
    pub fn capture_items(
        &self,
        ids: &[String],
        opts: &FetchOptions,
        progress: &mut dyn FnMut(usize, usize, &CaptureOutcome),
    ) -> Result<Vec<CaptureOutcome>> {
        let mut out: Vec<CaptureOutcome> = Vec::with_capacity(ids.len());
        // (index in `ids`, item id, URL) of every link that can be fetched.
        let mut fetchable: Vec<(usize, String, String)> = Vec::with_capacity(ids.len());
        for (i, query) in ids.iter().enumerate() {
            match self.link_url(query) {
                Ok((id, url)) => fetchable.push((i, id, url)),
                Err(e) => {
                    let outcome = CaptureOutcome {
                        index: i,
                        item_id: query.clone(),
                        result: Err(e),
                    };
                    progress(out.len() + 1, ids.len(), &outcome);
                    out.push(outcome);
                }
            }
        }
        let urls: Vec<String> = fetchable.iter().map(|(_, _, u)| u.clone()).collect();
        fetch::fetch_many(&urls, opts, &mut |j, fetched| {
            let (i, id, _) = &fetchable[j];
            let outcome = CaptureOutcome {
                index: *i,
                item_id: id.clone(),
                result: self.record_capture(id, &fetched),
            };
            progress(out.len() + 1, ids.len(), &outcome);
            out.push(outcome);
        })?;
        out.sort_by_key(|o| o.index);
        Ok(out)
    }

    /// A link item's id and URL.
    fn link_url(&self, query: &str) -> Result<(String, String)> {
        let item = self.item(query)?;
        match (&item.kind, &item.url) {
            (Kind::Link, Some(u)) => Ok((item.id, u.clone())),
            _ => Err(not_a_link(
                &item,
                "only links can be captured",
                "solo se pueden capturar enlaces",
            )),
        }
    }

    /// Records links in a case, each failing alone (a refused URL does not
    /// stop the rest), then, when `fetch` is given, captures the ones that
    /// were added ([`Vault::capture_items`]). `added` hears of each URL as it
    /// is recorded, `captured` of each capture as it finishes. The CLI's
    /// `link` and the app's "add links" both come here.
    pub fn add_links(
        &self,
        case: &str,
        urls: &[String],
        meta: &Meta,
        fetch: Option<&FetchOptions>,
        added: &mut dyn FnMut(&str, &Result<AddOutcome>),
        captured: &mut dyn FnMut(usize, usize, &CaptureOutcome),
    ) -> Result<AddedLinks> {
        let case = self.resolve_case(case)?;
        let mut links: Vec<LinkOutcome> = Vec::with_capacity(urls.len());
        for url in urls {
            let result = self.add_link(&case.id, url, meta).map(|mut o| {
                o.path = Some(url.trim().to_string());
                o
            });
            added(url, &result);
            links.push(LinkOutcome {
                url: url.clone(),
                added: result,
                capture: None,
            });
        }
        let fresh: Vec<(usize, String)> = links
            .iter()
            .enumerate()
            .filter_map(|(i, l)| match &l.added {
                Ok(o) if o.status == AddStatus::Added => o.id.clone().map(|id| (i, id)),
                _ => None,
            })
            .collect();
        let mut not_fetched = None;
        if let (Some(opts), false) = (fetch, fresh.is_empty()) {
            let ids: Vec<String> = fresh.iter().map(|(_, id)| id.clone()).collect();
            match self.capture_items(&ids, opts, captured) {
                Ok(outcomes) => {
                    for o in outcomes {
                        links[fresh[o.index].0].capture = Some(o.result);
                    }
                }
                Err(e) => not_fetched = Some(e),
            }
        }
        Ok(AddedLinks { links, not_fetched })
    }

    /// Fetches a link item's URL again and records it as a new capture.
    pub fn recapture(&self, query: &str, opts: &FetchOptions) -> Result<Capture> {
        let mut outcomes = self.capture_items(&[query.to_string()], opts, &mut |_, _, _| {})?;
        match outcomes.pop() {
            Some(o) => o.result,
            None => Err(nothing_fetched()),
        }
    }

    /// Fetches oEmbed endpoint `n` (1 is the first; the first when `None`)
    /// announced by the latest page capture of a link item that announces
    /// any, with the same fetcher, limits and proxy as a capture, and records
    /// the answer as a new capture of the item (`purpose: oembed`, its own
    /// WARC and `captured` entry; the item's `sha256` stays its page's).
    /// Nothing else ever fetches an oEmbed endpoint.
    pub fn fetch_oembed(
        &self,
        query: &str,
        n: Option<usize>,
        opts: &FetchOptions,
    ) -> Result<Capture> {
        let item = self.item(query)?;
        if item.kind != Kind::Link {
            return Err(not_a_link(
                &item,
                "only a link's captured page can announce oEmbed endpoints",
                "solo la página capturada de un enlace puede anunciar puntos de acceso oEmbed",
            ));
        }
        let caps = self.captures(&item.id)?;
        let announcing = caps.iter().rev().find_map(|c| {
            let endpoints = &c.metadata.as_ref()?.oembed;
            (c.purpose == Purpose::Page && !endpoints.is_empty()).then_some((c, endpoints))
        });
        let Some((page, endpoints)) = announcing else {
            return Err(Error::invalid(
                format!(
                    "no capture of link {id} announces an oEmbed endpoint, so there is none to fetch; the item's captures show what each one found, and capturing the page again may find one",
                    id = item.id
                ),
                format!(
                    "ninguna captura del enlace {id} anuncia un punto de acceso oEmbed, así que no hay ninguno que descargar; las capturas del elemento muestran lo que encontró cada una, y capturar la página de nuevo puede encontrar uno",
                    id = item.id
                ),
            ));
        };
        let n = n.unwrap_or(1);
        let Some(announced) = n.checked_sub(1).and_then(|i| endpoints.get(i)) else {
            let count = endpoints.len();
            return Err(Error::invalid(
                format!(
                    "capture {} of link {} announces {count} oEmbed endpoint(s), so there is no endpoint {n}; choose a number from 1 to {count}",
                    page.seq, item.id,
                ),
                format!(
                    "la captura {} del enlace {} anuncia {count} punto(s) de acceso oEmbed, así que no hay un punto {n}; elige un número del 1 al {count}",
                    page.seq, item.id,
                ),
            ));
        };
        let mut fetched = None;
        fetch::fetch_many(std::slice::from_ref(&announced.url), opts, &mut |_, f| {
            fetched = Some(f)
        })?;
        let f = fetched.ok_or_else(nothing_fetched)?;
        let endpoint = u32::try_from(n).unwrap_or(u32::MAX);
        self.record(
            &item.id,
            &f,
            oembed::describe(&f, page, endpoint, announced),
        )
    }

    /// The capture of a link to export: capture `n`, or the latest page
    /// capture with a WARC file; and the WARC's SHA-256.
    pub(crate) fn capture_to_export(
        &self,
        item: &crate::record::Item,
        n: Option<u32>,
    ) -> Result<(Capture, String)> {
        let caps = self.captures(&item.id)?;
        let cap = match n {
            Some(n) => caps.iter().find(|c| c.seq == n).ok_or_else(|| {
                Error::invalid(
                    format!(
                        "item {} has {} capture(s); there is no capture {n}",
                        item.id,
                        caps.len()
                    ),
                    format!(
                        "el elemento {} tiene {} captura(s); no existe la captura {n}",
                        item.id,
                        caps.len()
                    ),
                )
            })?,
            None => caps
                .iter()
                .rev()
                .find(|c| c.purpose == Purpose::Page && c.warc_sha256.is_some())
                .ok_or_else(|| {
                    Error::invalid(
                        format!(
                            "link {id} has no stored capture; capture it again to fetch it",
                            id = item.id
                        ),
                        format!(
                            "el enlace {id} no tiene ninguna captura guardada; captúralo de nuevo para descargarla",
                            id = item.id
                        ),
                    )
                })?,
        };
        let Some(sha) = cap.warc_sha256.as_deref() else {
            return Err(Error::invalid(
                format!(
                    "capture {} of item {} got no answer ({}), so it has no WARC file",
                    cap.seq,
                    item.id,
                    cap.error.as_deref().unwrap_or("no reason recorded")
                ),
                format!(
                    "la captura {} del elemento {} no recibió respuesta ({}), así que no tiene archivo WARC",
                    cap.seq,
                    item.id,
                    cap.error.as_deref().unwrap_or("sin motivo registrado")
                ),
            ));
        };
        Ok((cap.clone(), sha.to_string()))
    }
}

impl Vault {
    /// Records a link, without fetching it ([`Vault::capture_items`] does).
    /// The same URL twice in a case is reported as a duplicate. Fields the
    /// person did not give are filled from what a known platform's URL says
    /// (platform, author's handle, and the post time encoded in X/Twitter and
    /// TikTok ids); the `item_added` entry lists them under `filled_from_url`.
    pub fn add_link(&self, case: &str, url: &str, meta: &Meta) -> Result<AddOutcome> {
        let case = self.resolve_case(case)?;
        let url = validate_url(url)?;
        let existing = items::link_in_case(&self.db, &case.id, &url)?;
        if let Some(id) = existing {
            return Ok(AddOutcome {
                path: None,
                status: AddStatus::Duplicate,
                id: Some(id),
                sha256: None,
                error: None,
                error_es: None,
                error_detail: None,
                kind: Some(Kind::Link),
                duplicate_of: None,
                near_duplicates: Vec::new(),
            });
        }
        let mut meta = meta.clone();
        let filled = fill_from_url(&mut meta, &url);
        meta.url = Some(url);
        let tx = self.db.unchecked_transaction()?;
        let item = insert_item_with(&tx, bare(Kind::Link, &case.id), &meta, filled)?;
        tx.commit()?;
        Ok(AddOutcome {
            path: None,
            status: AddStatus::Added,
            id: Some(item.id),
            sha256: None,
            error: None,
            error_es: None,
            error_detail: None,
            kind: Some(Kind::Link),
            duplicate_of: None,
            near_duplicates: Vec::new(),
        })
    }
}

/// The error for an item that is not a link, with why that matters.
fn not_a_link(item: &crate::record::Item, why_en: &str, why_es: &str) -> Error {
    Error::invalid(
        format!(
            "item {} is a {}, not a link; {why_en}",
            item.id,
            item.kind.as_str()
        ),
        format!(
            "el elemento {} es {}, no un enlace; {why_es}",
            item.id,
            item.kind.with_article_es()
        ),
    )
}

fn nothing_fetched() -> Error {
    Error::invalid("nothing was fetched", "no se descargó nada")
}
