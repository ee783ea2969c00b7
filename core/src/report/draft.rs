//! Drafting a report: the items of a case chosen for a bundle or a packet,
//! their files and custody entries, the signer and the report id. Sealing
//! and printing share it, so a packet printed at the same time with the same
//! options as a seal carries the same report id as that bundle.
//!
//! Main items: [`Vault::draft_report`] and [`report_time`].

use chrono::{DateTime, Utc};

use super::{BundleFile, FORMAT, Report, ReportCase, ReportPacket, ReportSigner, SOFTWARE};
use super::{evidence_path, report_id};
use crate::custody::{self, Scope};
use crate::error::{Error, Result};
use crate::items::ItemFilter;
use crate::record::Item;
use crate::signing::PublicKeyInfo;
use crate::vault::Vault;

/// The time a report is dated at: `SOURCE_DATE_EPOCH` when given, else now,
/// in whole seconds.
pub fn report_time(source_date_epoch: Option<i64>) -> Result<DateTime<Utc>> {
    match source_date_epoch {
        Some(s) => DateTime::from_timestamp(s, 0).ok_or_else(|| {
            Error::invalid(
                format!("SOURCE_DATE_EPOCH={s} is not a usable time; give seconds since 1970"),
                format!(
                    "SOURCE_DATE_EPOCH={s} no es una hora utilizable; indica segundos desde 1970"
                ),
            )
        }),
        None => Ok(DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap_or_default()),
    }
}

impl Vault {
    /// The report of items of a case (`wanted` ids or prefixes; empty means
    /// every item), dated `at`, signed by `public`, with its id computed.
    /// `packet` describes the printable packet that goes with it, if any.
    pub(crate) fn draft_report(
        &self,
        case: &str,
        wanted: &[String],
        at: DateTime<Utc>,
        public: &PublicKeyInfo,
        packet: Option<ReportPacket>,
    ) -> Result<Report> {
        let case = self.resolve_case(case)?;
        let items = self.report_items(&case.id, wanted)?;
        let signer = self.signer()?;
        let artifacts: Vec<BundleFile> = items
            .iter()
            .filter_map(|i| {
                Some(BundleFile {
                    path: evidence_path(&i.id, i.file_name.as_deref(), i.media_type.as_deref()),
                    item_id: i.id.clone(),
                    role: "original".into(),
                    sha256: i.sha256.clone()?,
                    size: i.size.unwrap_or(0),
                    media_type: i
                        .media_type
                        .clone()
                        .unwrap_or_else(|| "application/octet-stream".into()),
                })
            })
            .collect();
        let mut custody_entries = Vec::new();
        for i in &items {
            custody_entries.extend(custody::entries(&self.db, Scope::Item(&i.id))?);
        }
        custody_entries.sort_by_key(|e| e.seq);
        let mut report = Report {
            format: FORMAT.into(),
            report_id: String::new(),
            sealed_at: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            software: SOFTWARE.into(),
            signer: ReportSigner {
                key_id: public.key_id.clone(),
                public_key: public.public_key.clone(),
                name: signer.name,
                contact: signer.contact,
                organization: signer.organization,
            },
            case: ReportCase {
                id: case.id,
                name: case.name,
                description: case.description,
                created_at: case.created_at,
            },
            items,
            artifacts,
            custody: custody_entries,
            packet,
        };
        report.report_id = report_id(&serde_json::to_value(&report)?)?;
        Ok(report)
    }

    /// The items of a case to report, oldest first by capture.
    fn report_items(&self, case_id: &str, wanted: &[String]) -> Result<Vec<Item>> {
        let mut items = if wanted.is_empty() {
            self.list(&ItemFilter {
                case_id: Some(case_id.to_string()),
                ..ItemFilter::default()
            })?
        } else {
            let mut out: Vec<Item> = Vec::new();
            for q in wanted {
                let item = self.item(q)?;
                if item.case_id != case_id {
                    return Err(Error::invalid(
                        format!(
                            "item {} belongs to another case ({}); choose items of one case",
                            item.id, item.case_id
                        ),
                        format!(
                            "el elemento {} es de otro caso ({}); elige elementos de un solo caso",
                            item.id, item.case_id
                        ),
                    ));
                }
                if !out.iter().any(|i| i.id == item.id) {
                    out.push(item);
                }
            }
            out
        };
        if items.is_empty() {
            return Err(Error::invalid(
                "the case has no items to seal or print; add some first",
                "el caso no tiene elementos que sellar ni imprimir; agrega alguno primero",
            ));
        }
        items.sort_by(|a, b| (a.captured_at, &a.id).cmp(&(b.captured_at, &b.id)));
        Ok(items)
    }
}
