//! The link commands: `link` (record, then capture with a progress bar),
//! `recapture` (a page again, or an oEmbed endpoint it announced), and
//! `settings`. Glue over the core's capture API.

use std::path::Path;
use std::process::ExitCode;

use serde_json::{Value, json};
use testigo_core::capture::SETTINGS;
use testigo_core::error::IoContext;
use testigo_core::{AddStatus, Capture, Error, FetchOptions, Meta, Vault};

use super::args::SettingsCommand;
use super::shown::Shown;
use super::term::{self, tr};
use super::{capture_text, print_json, render};

/// Reads a list of URLs: one per line; blank lines and `#` comments skipped.
pub fn read_url_list(path: &Path) -> Result<Vec<String>, Error> {
    let text = std::fs::read(path).map_err(Error::io(IoContext::Reading(path.into())))?;
    let text = String::from_utf8(text).map_err(|_| {
        Error::invalid(
            format!(
                "{} is not UTF-8 text; save it as a plain text file with one URL per line",
                path.display()
            ),
            format!(
                "{} no es texto UTF-8; guárdalo como archivo de texto simple con una URL por línea",
                path.display()
            ),
        )
    })?;
    Ok(text
        .lines()
        .map(|l| l.split_once(" #").map_or(l, |(a, _)| a).trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect())
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<Value, Error> {
    serde_json::to_value(v).map_err(|e| super::json_error(&e))
}

fn progress_bar(total: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("capturing {bar:40} {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// `link`: records every URL, then fetches the new ones (unless told not
/// to). Exit code 1 only when a URL was refused or a capture could not be
/// stored; a page that could not be fetched is reported, and its link kept.
pub fn link(
    vault: &Vault,
    case: &str,
    urls: &[String],
    meta: &Meta,
    fetch: Option<&FetchOptions>,
    json: bool,
) -> Result<ExitCode, Error> {
    let mut bar: Option<indicatif::ProgressBar> = None;
    let result = vault.add_links(
        case,
        urls,
        meta,
        fetch,
        &mut |url, added| match added {
            Ok(o) if !json => errln!("{}", render::outcome_line(o)),
            Ok(_) => {}
            Err(e) => errln!("error  {}: {}", Shown(url), term::message(e)),
        },
        &mut |done, total, o| {
            let bar = bar.get_or_insert_with(|| progress_bar(total));
            bar.set_position(done as u64);
            let line = match &o.result {
                Ok(c) => {
                    term::set_message(bar, c.requested_url.as_str());
                    capture_text::line(&o.item_id, c)
                }
                Err(e) => format!("error  {}: {}", Shown(&o.item_id), term::message(e)),
            };
            if !json || !matches!(&o.result, Ok(c) if c.error.is_none()) {
                bar.suspend(|| errln!("{line}"));
            }
        },
    )?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let mut out: Vec<Value> = Vec::new();
    let mut failed = false;
    let mut added_any = false;
    for link in &result.links {
        match &link.added {
            Err(e) => {
                failed = true;
                out.push(
                    json!({ "status": AddStatus::Error, "url": link.url, "error": e.to_string() }),
                );
            }
            Ok(o) => {
                let Some(id) = &o.id else { continue };
                added_any |= o.status == AddStatus::Added;
                let mut item = to_json(&vault.item(id)?)?;
                item["status"] = json!(o.status);
                item["capture"] = Value::Null;
                match &link.capture {
                    Some(Ok(c)) => item["capture"] = to_json(c)?,
                    Some(Err(e)) => {
                        failed = true;
                        item["capture_error"] = json!(e.to_string());
                    }
                    None => {}
                }
                out.push(item);
            }
        }
    }
    if let Some(e) = &result.not_fetched {
        failed = true;
        errln!(
            "error: the links were recorded but not fetched: {}",
            term::message(e)
        );
    } else if fetch.is_none() && added_any && !json {
        errln!(
            "{}",
            tr(
                "not fetched; `testigo recapture ID` captures a link's page",
                "sin capturar; `testigo recapture ID` captura la página de un enlace"
            )
        );
    }
    if json {
        print_json(&out)?;
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `recapture` (of the page, or with `--oembed N` of an oEmbed endpoint):
/// exit code 1 when the fetch failed (the failure is recorded).
pub fn recapture(
    vault: &Vault,
    item: &str,
    oembed: Option<u32>,
    opts: &FetchOptions,
    json: bool,
) -> Result<ExitCode, Error> {
    let c: Capture = match oembed {
        Some(n) => vault.fetch_oembed(item, Some(n as usize), opts)?,
        None => vault.recapture(item, opts)?,
    };
    let id = vault.resolve_item(item)?;
    if json {
        print_json(&c)?;
    } else {
        outln!("{}", capture_text::line(&id, &c));
        for line in capture_text::oembed_lines(&c) {
            outln!("  {line}");
        }
    }
    Ok(if c.error.is_some() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `settings`, `settings get|set|unset`.
pub fn settings(vault: &Vault, action: Option<SettingsCommand>, json: bool) -> Result<(), Error> {
    let (key, value) = match action {
        None => {
            let mut all = serde_json::Map::new();
            let mut rows = Vec::new();
            for s in SETTINGS {
                let v = vault.capture_setting(s.key)?;
                rows.push(vec![s.key.to_string(), v.clone(), s.help.to_string()]);
                all.insert(s.key.into(), json!(v));
            }
            if json {
                print_json(&all)?;
            } else {
                render::table(
                    &[
                        tr("SETTING", "AJUSTE"),
                        tr("VALUE", "VALOR"),
                        tr("MEANING", "SIGNIFICADO"),
                    ],
                    &rows,
                );
            }
            return Ok(());
        }
        Some(SettingsCommand::Get { key }) => {
            let v = vault.capture_setting(&key)?;
            (key, v)
        }
        Some(SettingsCommand::Set { key, value }) => {
            let v = vault.set_capture_setting(&key, Some(&value))?;
            (key, v)
        }
        Some(SettingsCommand::Unset { key }) => {
            let v = vault.set_capture_setting(&key, None)?;
            (key, v)
        }
    };
    if json {
        print_json(&json!({ "key": key, "value": value }))?;
    } else {
        outln!("{}", Shown(&value));
    }
    Ok(())
}
