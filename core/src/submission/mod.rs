//! Submitting a sealed report to an organization: what both ends share.
//!
//! - [`org`]: the `.testigo-org` file an organization publishes (its name,
//!   address, age recipient and receipt key), signed with that key.
//! - [`receipt`]: the receipt an intake server signs for the exact bytes it
//!   received, and how anyone checks it.
//!
//! The intake server (`testigo-intake`) and the client's outbox build on these.

pub mod org;
pub mod orgs;
pub mod outbox;
pub mod receipt;
pub mod send;

pub use org::{Org, OrgFile};
pub use orgs::OrgEntry;
pub use outbox::{SendOptions, State, Submission};
pub use receipt::{Receipt, SignedReceipt, Verification};

/// Custom header of the tus upload protocol naming a receipt, and the path
/// prefix of the intake server's routes.
pub mod protocol {
    /// Where a tus client creates uploads, relative to the server's URL.
    pub const UPLOADS_PATH: &str = "/uploads";
    /// Answers a completed upload: the receipt's id.
    pub const RECEIPT_ID_HEADER: &str = "Testigo-Receipt-Id";
    /// Upload-Metadata key: the SHA-256 (hex) of the whole report.
    pub const META_SHA256: &str = "sha256";
    /// Upload-Metadata key: the report's file name.
    pub const META_FILENAME: &str = "filename";
    /// Upload-Metadata key: the key id of the vault that sealed it (the
    /// reporter, for quotas; checked against the signature when verified).
    pub const META_KEY_ID: &str = "key_id";
}
