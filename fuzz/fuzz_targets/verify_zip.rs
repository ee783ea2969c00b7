//! Fuzzes `verify` on a ZIP bundle: any bytes, checked without a trusted key
//! and with the seed bundle's key. It must not panic or blow the memory
//! limit, its report must agree with itself, and whatever it finds intact
//! must pass the manual procedure (see `testigo_fuzz::manual_procedure_agrees`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use testigo_core::VerifyOptions;
use testigo_core::bundle::verify::{Status, verify};
use testigo_fuzz::{check_report_shape, manual_procedure_agrees, scratch, seed_signer};

fuzz_target!(|data: &[u8]| {
    let path = scratch("bundle.zip", data);
    for trusted in [None, Some(seed_signer().clone())] {
        let opts = VerifyOptions {
            trusted_key: trusted.clone(),
            identity: None,
        };
        // Err only for a file that cannot be read or is age-encrypted.
        let Ok(report) = verify(&path, &opts, &mut |_, _| {}) else {
            continue;
        };
        check_report_shape(&report, trusted.as_ref());
        if report.status != Status::Invalid {
            manual_procedure_agrees(data, trusted.as_ref());
        }
    }
});
