//! Printable evidence packets: a PDF of a case's items (cover, summary,
//! chronological index, one section per item, custody appendix and how to
//! verify), in Spanish or English, on A4 or Letter, in PDF/A-2b with every
//! font embedded (plain PDF when some text has no glyph in the shipped fonts). `testigo packet` writes one on its own; every sealed bundle
//! carries one as `data/report.pdf`.
//!
//! Main types: [`PacketRequest`], [`PacketOptions`] ([`Lang`], [`Paper`], a
//! time zone), [`PacketProgress`] and [`Packet`]; the work is
//! [`Vault::packet`]. The layout is a Typst template, `templates/packet.typ`,
//! with its wording in `templates/packet-strings.toml`; Rust only gathers the
//! data. Split as a functional core and an imperative shell:
//!
//! - `data.rs` (pure): the report and options → the JSON the template
//!   reads (times in the chosen zone, the index, the items, custody), with
//!   `summary.rs` (pure) for the counts and the activity chart;
//! - `printable.rs` (pure): every text made safe to typeset and cut to a
//!   printable length, with what was cut (the template prints a note);
//! - `images.rs` (pure): screenshots downscaled to print resolution, QR codes;
//! - `typeset.rs` (shell): the Typst world (embedded fonts and template) and
//!   the PDF; `fallback.rs`: when it fails, the items at fault are found and
//!   printed in a minimal form, so one item cannot block a case's packets.
//!
//! The same items at the same time with the same options give the same bytes
//! (`SOURCE_DATE_EPOCH`), which sealed bundles rely on.

mod data;
mod fallback;
mod images;
mod printable;
mod summary;
mod typeset;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::json;

use crate::custody::{self, Action, NewEntry};
pub use crate::error::Lang;
use crate::error::{Error, IoContext, Result};
use crate::report::{self, Report, ReportPacket};
use crate::urls;
use crate::vault::Vault;

pub use crate::report::PACKET_PATH;

/// The paper size of a packet.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Paper {
    /// US Letter, 8.5 × 11 in: what Mexico mostly prints on (the default).
    #[default]
    Letter,
    /// ISO A4, 210 × 297 mm.
    A4,
}

impl Paper {
    /// `letter` or `a4`.
    pub fn as_str(self) -> &'static str {
        match self {
            Paper::Letter => "letter",
            Paper::A4 => "a4",
        }
    }

    /// Reads `letter` (`carta`, `us-letter`) or `a4`, any letter case.
    pub fn parse(input: &str) -> Result<Paper> {
        match crate::text::fold_key(input).as_str() {
            "letter" | "usletter" | "carta" => Ok(Paper::Letter),
            "a4" => Ok(Paper::A4),
            _ => Err(Error::invalid(
                format!("unknown paper size `{input}`; use letter (carta) or a4"),
                format!("tamaño de papel desconocido `{input}`; usa carta (letter) o a4"),
            )),
        }
    }
}

/// The default time zone of packets.
pub const DEFAULT_TIME_ZONE: &str = "America/Mexico_City";

/// Reads an IANA time zone name (`America/Mexico_City`, `UTC`), as the
/// packet's local times are shown in it.
pub fn parse_time_zone(input: &str) -> Result<Tz> {
    input.trim().parse::<Tz>().map_err(|_| {
        Error::invalid(
            format!(
                "unknown time zone `{input}`; give an IANA name such as America/Mexico_City, America/Tijuana, America/Cancun or UTC"
            ),
            format!(
                "zona horaria desconocida `{input}`; indica un nombre IANA como America/Mexico_City, America/Tijuana, America/Cancun o UTC"
            ),
        )
    })
}

/// The error of a packet whose printing was cancelled.
pub fn cancelled() -> Error {
    Error::invalid(
        "printing the packet was cancelled",
        "se canceló la impresión del expediente",
    )
}

/// How a packet is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketOptions {
    /// Language of every label, heading and date.
    pub lang: Lang,
    /// Local times are shown in this zone, beside UTC.
    pub time_zone: Tz,
    /// Paper size.
    pub paper: Paper,
}

impl Default for PacketOptions {
    fn default() -> Self {
        PacketOptions {
            lang: Lang::Es,
            time_zone: chrono_tz::America::Mexico_City,
            paper: Paper::Letter,
        }
    }
}

impl PacketOptions {
    /// Options from typed values; `None` keeps the default (`es`,
    /// `America/Mexico_City`, `letter`).
    pub fn parse(lang: Option<&str>, time_zone: Option<&str>, paper: Option<&str>) -> Result<Self> {
        let d = PacketOptions::default();
        Ok(PacketOptions {
            lang: lang.map(Lang::parse).transpose()?.unwrap_or(d.lang),
            time_zone: time_zone
                .map(parse_time_zone)
                .transpose()?
                .unwrap_or(d.time_zone),
            paper: paper.map(Paper::parse).transpose()?.unwrap_or(d.paper),
        })
    }

    /// How `report.json` describes a packet printed with these options.
    pub(crate) fn describe(&self) -> ReportPacket {
        ReportPacket {
            path: PACKET_PATH.into(),
            media_type: "application/pdf".into(),
            lang: self.lang.as_str().into(),
            time_zone: self.time_zone.name().into(),
            paper: self.paper.as_str().into(),
        }
    }
}

/// What to print and where.
#[derive(Debug, Clone, Default)]
pub struct PacketRequest {
    /// Case id, name or id prefix.
    pub case: String,
    /// Items (ids or prefixes); empty means every item of the case.
    pub items: Vec<String>,
    /// The PDF to write.
    pub out: PathBuf,
    /// Language, time zone, paper.
    pub options: PacketOptions,
    /// Seconds since 1970 to date the packet at (`SOURCE_DATE_EPOCH`); now otherwise.
    pub source_date_epoch: Option<i64>,
}

/// The step a packet is at.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PacketStage {
    /// Decrypting and downscaling screenshots; `done` of `total` images.
    Images,
    /// Laying out the pages (one step; cannot be cancelled midway).
    Typesetting,
    /// Writing the file.
    Writing,
}

/// How far a packet is, for a progress bar.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PacketProgress {
    /// The step.
    pub stage: PacketStage,
    /// Units done in this step.
    pub done: usize,
    /// Units in this step.
    pub total: usize,
}

/// A packet written.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct Packet {
    /// The file written (absolute).
    pub path: PathBuf,
    /// The report id printed on every page.
    pub report_id: String,
    /// SHA-256 of the PDF.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its number of pages.
    pub pages: usize,
    /// Whether it is PDF/A-2b (archival). It is unless some text has no
    /// glyph in the shipped fonts (CJK, for one), which PDF/A forbids.
    pub pdf_a: bool,
    /// The case.
    pub case_id: String,
    /// Ids of the items printed, oldest first by capture (as in `report.json`).
    pub items: Vec<String>,
    /// `es` or `en`.
    pub lang: Lang,
    /// `letter` or `a4`.
    pub paper: Paper,
    /// The zone local times are shown in.
    pub time_zone: String,
    /// When it was generated (UTC, whole seconds).
    pub generated_at: String,
}

/// What a packet inside a bundle knows about the bundle.
pub(crate) struct InBundle {
    /// SHA-256 of the payload manifest's lines of every payload file except
    /// the packet itself (see `docs/sealed-report.md`).
    pub payload_sha256: String,
    /// The bundle's `VERIFY.txt`.
    pub verify_txt: String,
}

/// Where a packet is printed.
pub(crate) enum Place<'a> {
    /// On its own, with the receipts of the case's submitted reports.
    Alone(&'a [data::PrintedReceipt]),
    /// Inside a sealed report.
    InBundle(&'a InBundle),
}

impl Vault {
    /// Prints items of a case to a PDF packet; see the module docs.
    ///
    /// `progress` hears each step; when `cancel` is set, the work stops at
    /// the next image or step, nothing is written and `Ok(None)` is
    /// returned. A `printed` custody entry about the case (not its items, so
    /// later bundles of the same items do not change) records the file.
    pub fn packet(
        &self,
        req: &PacketRequest,
        progress: &mut dyn FnMut(PacketProgress),
        cancel: &AtomicBool,
    ) -> Result<Option<Packet>> {
        let at = report::report_time(req.source_date_epoch)?;
        let public = self.public_key()?;
        let report = self.draft_report(
            &req.case,
            &req.items,
            at,
            &public,
            Some(req.options.describe()),
        )?;
        let Some(rendered) = self.render_packet(
            &report,
            &req.options,
            Place::Alone(&self.printed_receipts(&report.case.id)?),
            at,
            progress,
            cancel,
        )?
        else {
            return Ok(None);
        };
        if cancel.load(Ordering::Relaxed) {
            return Ok(None);
        }
        progress(PacketProgress {
            stage: PacketStage::Writing,
            done: 0,
            total: 1,
        });
        // 0600 from the first byte: a packet is plaintext evidence.
        let (dest, ()) = crate::private::write_atomically(&req.out, |f| {
            std::io::Write::write_all(f, &rendered.pdf)
                .map_err(Error::io(IoContext::Writing(req.out.clone())))
        })?;
        let sha256 = crate::hashing::sha256_hex(&rendered.pdf);
        let size = rendered.pdf.len() as u64;
        let item_ids: Vec<String> = report.items.iter().map(|i| i.id.clone()).collect();
        custody::append(
            &self.db,
            NewEntry {
                action: Action::Printed,
                case_id: Some(&report.case.id),
                item_id: None,
                sha256: None,
                detail: json!({
                    "report_id": report.report_id,
                    "packet_sha256": sha256,
                    "size": size,
                    "pages": rendered.pages,
                    "to": dest.display().to_string(),
                    "items": item_ids,
                    "lang": req.options.lang.as_str(),
                    "paper": req.options.paper.as_str(),
                    "time_zone": req.options.time_zone.name(),
                    "generated_at": report.sealed_at,
                }),
            },
        )?;
        progress(PacketProgress {
            stage: PacketStage::Writing,
            done: 1,
            total: 1,
        });
        Ok(Some(Packet {
            path: dest,
            report_id: report.report_id.clone(),
            sha256,
            size,
            pages: rendered.pages,
            pdf_a: rendered.pdf_a,
            case_id: report.case.id.clone(),
            items: item_ids,
            lang: req.options.lang,
            paper: req.options.paper,
            time_zone: req.options.time_zone.name().into(),
            generated_at: report.sealed_at.clone(),
        }))
    }

    /// The receipts of the reports sealed from a case, as a packet prints them.
    fn printed_receipts(&self, case_id: &str) -> Result<Vec<data::PrintedReceipt>> {
        self.case_receipts(case_id)?
            .into_iter()
            .filter_map(|(s, signed)| {
                let receipt = s.receipt.clone()?;
                Some(self.org(&s.org_id).map(|o| data::PrintedReceipt {
                    organization: s.org_name,
                    fingerprint: o.fingerprint,
                    receipt,
                    json: signed.json,
                    minisig: signed.minisig,
                }))
            })
            .collect()
    }

    /// The case's latest campaign analysis, with the campaigns whose
    /// evidence is among `items`; `None` when no analysis ran or none of its
    /// campaigns concerns these items.
    fn printed_analysis(
        &self,
        case_id: &str,
        items: &[crate::record::Item],
    ) -> Result<Option<data::PrintedAnalysis>> {
        let Some(stored) = self.analysis(case_id)? else {
            return Ok(None);
        };
        let here: BTreeSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
        let mut campaigns = Vec::new();
        for c in &stored.analysis.campaigns {
            let evidence = self.evidence_items(&stored, c)?;
            if evidence.iter().any(|i| here.contains(i.as_str())) {
                campaigns.push(c.clone());
            }
        }
        if campaigns.is_empty() {
            return Ok(None);
        }
        let p = &stored.analysis.parameters;
        Ok(Some(data::PrintedAnalysis {
            created_at: stored.created_at,
            sha256: stored.sha256.clone(),
            window: (p.window, p.window_mode == crate::analysis::Window::Auto),
            read: (stored.analysis.input.posts, stored.analysis.input.accounts),
            campaigns,
        }))
    }

    /// Renders the packet of a drafted report: decrypts and downscales the
    /// screenshots (in memory only, on all cores), builds the data and
    /// typesets it. `None` when cancelled.
    pub(crate) fn render_packet(
        &self,
        report: &Report,
        options: &PacketOptions,
        place: Place<'_>,
        at: DateTime<Utc>,
        progress: &mut dyn FnMut(PacketProgress),
        cancel: &AtomicBool,
    ) -> Result<Option<typeset::Typeset>> {
        let order = data::chronological(&report.items);
        let screenshots: Vec<(usize, &crate::record::Item)> = order
            .iter()
            .enumerate()
            .map(|(n, &i)| (n + 1, &report.items[i]))
            .filter(|(_, item)| images::printable(item))
            .collect();
        let total = screenshots.len();
        progress(PacketProgress {
            stage: PacketStage::Images,
            done: 0,
            total,
        });
        let objects = &self.objects;
        let prepared = images::prepare_all(
            &screenshots,
            &|sha: &str| objects.read(sha),
            &mut |done| {
                progress(PacketProgress {
                    stage: PacketStage::Images,
                    done,
                    total,
                })
            },
            cancel,
        )?;
        let Some(prepared) = prepared else {
            return Ok(None);
        };
        if cancel.load(Ordering::Relaxed) {
            return Ok(None);
        }
        progress(PacketProgress {
            stage: PacketStage::Typesetting,
            done: 0,
            total: 1,
        });
        let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        let mut pictures = BTreeMap::new();
        for (n, image) in prepared {
            match image {
                Ok(img) => {
                    let path = format!("/img/{n}.jpg");
                    pictures.insert(
                        n,
                        data::Picture::Shown {
                            path: path.clone(),
                            width: img.width,
                            height: img.height,
                        },
                    );
                    files.insert(path, img.jpeg);
                }
                Err(why) => {
                    pictures.insert(n, data::Picture::Failed(why));
                }
            }
        }
        let (in_bundle, receipts) = match place {
            Place::Alone(receipts) => (None, receipts),
            Place::InBundle(b) => (Some(b), &[][..]),
        };
        let qr_text = data::qr_text(&report.report_id, in_bundle.map(|b| &*b.payload_sha256));
        let mut qr = |name: String, text: &str| -> Option<String> {
            let svg = images::qr_svg(text)?;
            let path = format!("/qr/{name}.svg");
            files.insert(path.clone(), svg.into_bytes());
            Some(path)
        };
        let report_qr = qr("report".into(), &qr_text);
        // Only http(s) URLs that pass today's rules become links and QR
        // codes; anything else (stored by an older version) is text.
        let mut url_qrs = BTreeMap::new();
        let mut links = BTreeMap::new();
        for (n, &i) in order.iter().enumerate() {
            if let Some(target) = report.items[i].url.as_deref().and_then(urls::linkable) {
                if let Some(p) = qr(format!("{}", n + 1), &target) {
                    url_qrs.insert(n + 1, p);
                }
                links.insert(n + 1, target);
            }
        }
        let printable = printable::printable(report);
        let files = typeset::files(files);
        let campaigns = self.printed_analysis(&report.case.id, &report.items)?;
        let render = |minimal: &BTreeSet<usize>,
                      only: Option<&BTreeSet<usize>>|
         -> Result<typeset::Typeset> {
            let doc = data::build(&data::Inputs {
                printable: &printable,
                options,
                order: &order,
                pictures: &pictures,
                url_qrs: &url_qrs,
                links: &links,
                minimal,
                only,
                qr_text: &qr_text,
                report_qr: report_qr.clone(),
                in_bundle,
                generated_at: at,
                receipts,
                campaigns: campaigns.as_ref(),
            });
            typeset::render(serde_json::to_vec(&doc)?, &files, &report.report_id, at)
        };
        let typeset = fallback::render_robustly(order.len(), &render, |n| {
            report.items[order[n - 1]].id.clone()
        })?;
        progress(PacketProgress {
            stage: PacketStage::Typesetting,
            done: 1,
            total: 1,
        });
        Ok(Some(typeset))
    }
}

/// Items for the packet's tests.
#[cfg(test)]
pub(crate) mod test_items {
    use chrono::{DateTime, Utc};

    use crate::record::Item;

    fn at(s: &str) -> DateTime<Utc> {
        crate::model::parse_time(s).unwrap()
    }

    /// A note captured at `captured`, posted at `posted`.
    pub(crate) fn item(id: &str, captured: &str, posted: Option<&str>) -> Item {
        Item {
            id: id.into(),
            kind: crate::model::Kind::Note,
            case_id: "C".into(),
            captured_at: at(captured),
            posted_at: posted.map(at),
            ..Item::default()
        }
    }
}
