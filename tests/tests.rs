//! Integration tests: one binary, one module per area. They drive the real
//! `testigo` binary in temporary vaults, with fixtures generated on the fly.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod support;

mod accounts;
mod analysis;
mod architecture;
mod bundle;
mod capture;
mod capture_limits;
mod capture_oembed;
mod capture_tls;
mod cli;
mod crash;
mod custody;
mod decode_budget;
mod fields;
#[cfg(target_os = "linux")]
mod fulldisk;
mod hostile;
mod import;
mod import_links;
mod packet;
mod packet_fields;
mod passphrase;
#[cfg(unix)]
mod permissions;
mod pki;
mod search;
mod secrecy;
mod spanish;
mod submit;
mod terminal;
mod tidy;
mod urls;
mod verify_differential;
mod verify_memory;
mod webserver;
