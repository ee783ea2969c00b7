//! Integration tests: one binary, one module per area. They drive the real
//! `testigo` binary in temporary vaults, with fixtures generated on the fly.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod support;

mod accounts;
mod bundle;
mod capture;
mod capture_oembed;
mod capture_tls;
mod cli;
mod crash;
mod custody;
mod decode_budget;
mod hostile;
mod import;
mod import_links;
mod packet;
mod pki;
mod search;
mod secrecy;
mod spanish;
mod tidy;
mod webserver;
