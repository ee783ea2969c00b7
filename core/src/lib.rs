//! Testigo's core: the encrypted evidence vault, its custody log, import,
//! search and checks. Every client (the `testigo` CLI, the desktop shell)
//! calls this library; it knows nothing about Tauri.
//!
//! Start at [`Vault`]: [`Vault::create`] and [`Vault::open`] give a handle;
//! cases ([`Vault::create_case`]), items ([`Vault::import_paths`],
//! [`Vault::add_link`], [`Vault::add_note`], [`Vault::edit`],
//! [`Vault::remove`], [`Vault::export`]), link capture ([`Vault::capture_items`],
//! [`Vault::recapture`], [`Vault::export_capture`], in [`capture`]), reading ([`Vault::list`],
//! [`Vault::search`], [`Vault::accounts`], [`Vault::item_detail`]), the
//! log ([`Vault::log`]) and [`Vault::check`]. The record itself is in
//! [`model`]. Signed report bundles: [`Vault::seal`], [`bundle::verify::verify`]
//! (no vault needed) and the signing key in [`signing`]. Printable PDF
//! packets: [`Vault::packet`], in [`packet`]. Bulk posts ([`Vault::import_posts`],
//! in [`posts`]) and campaign analysis ([`Vault::analyze`], in [`analysis`]).

pub mod accounts;
pub mod analysis;
pub mod artifacts;
pub mod bundle;
pub mod capture;
pub mod cases;
pub mod check;
pub mod crypto;
pub mod custody;
pub mod db;
pub mod detail;
pub mod error;
pub mod export;
pub mod hashing;
pub mod imaging;
pub mod import;
pub mod items;
pub mod model;
pub mod packet;
pub mod posts;
pub mod private;
pub mod record;
pub mod report;
pub mod seal;
pub mod search;
pub mod settings;
pub mod signing;
pub mod store;
pub mod submission;
pub mod text;
pub mod urls;
pub mod vault;

pub use accounts::Account;
pub use artifacts::Artifact;
pub use bundle::verify::{VerifyOptions, VerifyReport};
pub use capture::{Capture, CaptureOutcome, FetchOptions};
pub use check::CheckReport;
pub use custody::{Action, Entry};
pub use detail::ItemDetail;
pub use error::{Error, ErrorKind, Result};
pub use import::ImportOptions;
pub use items::{AddOutcome, AddStatus, ItemFilter};
pub use model::{Case, Category, Kind, ReportedTo, ThreatLevel};
pub use packet::{Packet, PacketOptions, PacketProgress, PacketRequest};
pub use record::{FIELDS, FieldInfo, Item, Meta, MetaInput};
pub use seal::{SealProgress, SealRequest, Sealed};
pub use signing::{PublicKeyInfo, Signer};
pub use vault::Vault;

impl Vault {
    /// Custody entries, of the whole vault or of one case.
    pub fn log(&self, case_id: Option<&str>) -> Result<Vec<Entry>> {
        let scope = match case_id {
            Some(c) => custody::Scope::Case(c),
            None => custody::Scope::All,
        };
        custody::entries(&self.db, scope)
    }
}
