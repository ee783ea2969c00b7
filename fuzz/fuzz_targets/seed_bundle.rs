//! Not a fuzz target: seals the seed bundles of `verify_zip` and `verify_age`
//! with the core's API (what `testigo init`, `case new`, `add` and `seal`
//! call), for `seed.sh` on a machine where the `testigo` CLI is not built
//! (its dependencies are already built here, with the sanitizers). Runs once
//! at start-up: `SEED_OUT=DIR SEED_PNG=FILE SEED_RECIPIENT=age1…
//! cargo fuzz run seed_bundle -- -runs=0` writes `DIR/bundle.zip` and
//! `DIR/bundle-age.zip.age`.
#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use testigo_core::{Meta, SealRequest, Vault};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set; see seed.sh"))
}

fn seal_seeds() {
    let out = PathBuf::from(env("SEED_OUT"));
    let png = std::fs::read(env("SEED_PNG")).expect("reading SEED_PNG");
    let vault = Vault::create(&out.join("vault"), "fuzz seed passphrase").expect("init");
    vault.create_case("Fuzz seed", "").expect("case new");
    let added = vault
        .import_bytes("Fuzz seed", "tiny.png", &png, &Meta::default())
        .expect("add");
    assert!(added.error.is_none(), "add: {:?}", added.error);
    let mut req = SealRequest {
        case: "Fuzz seed".into(),
        out: out.join("bundle.zip"),
        source_date_epoch: Some(1_714_521_600),
        ..SealRequest::default()
    };
    vault.seal(&req, &mut |_| {}).expect("seal");
    req.out = out.join("bundle-age.zip");
    req.encrypt_to = vec![env("SEED_RECIPIENT")];
    vault.seal(&req, &mut |_| {}).expect("seal --encrypt-to");
}

fuzz_target!(init: seal_seeds(), |_data: &[u8]| {});
