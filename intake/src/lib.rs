//! Testigo's intake server, for organizations that receive sealed reports:
//! tus uploads ([`tus`]), verification and signed receipts ([`finish`]),
//! the staff inbox ([`inbox`]), over an index ([`index`], SQLite or
//! PostgreSQL through [`db`]) and report files ([`blobs`], a folder or an
//! S3-compatible bucket). The command is `src/main.rs`; the HTTP server
//! and its limits are [`server`]. See docs/intake.md.

pub mod blobs;
pub mod config;
pub mod db;
pub mod files;
pub mod finish;
pub mod inbox;
pub mod index;
pub mod keys;
pub mod pages;
pub mod server;
pub mod state;
pub mod tus;
