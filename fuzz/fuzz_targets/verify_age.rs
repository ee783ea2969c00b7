//! Fuzzes `verify` on age-encrypted bundles, with a fixed identity. The
//! first byte picks how the rest is used: even, as the `.age` file itself
//! (the age header and stream parser, then the archive checks on whatever
//! decrypts); odd, as a ZIP that the harness encrypts first, so the checks
//! run through the age decryptor's seeking reader, and must reach the same
//! verdict and problems as on the plain ZIP.
#![no_main]

use libfuzzer_sys::fuzz_target;
use testigo_core::VerifyOptions;
use testigo_core::bundle::verify::{Status, verify};
use testigo_fuzz::{
    age_decrypt, age_encrypt, age_identity_path, check_report_shape, manual_procedure_agrees,
    scratch, seed_signer,
};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let trusted = Some(seed_signer().clone());
    let with_identity = VerifyOptions {
        trusted_key: trusted.clone(),
        identity: Some(age_identity_path()),
    };
    if mode % 2 == 0 {
        let path = scratch("bundle.zip.age", rest);
        let Ok(report) = verify(&path, &with_identity, &mut |_, _| {}) else {
            return;
        };
        check_report_shape(&report, trusted.as_ref());
        if report.status != Status::Invalid {
            let plain = age_decrypt(rest).expect("verify read it, so age decrypts it");
            manual_procedure_agrees(&plain, trusted.as_ref());
        }
    } else {
        let plain_path = scratch("bundle.zip", rest);
        let plain = verify(&plain_path, &with_identity, &mut |_, _| {});
        let enc_path = scratch("bundle.zip.age", &age_encrypt(rest));
        let enc = verify(&enc_path, &with_identity, &mut |_, _| {});
        // A ZIP that is itself an age file decrypts on its own; its encryption does not.
        let is_age =
            rest.starts_with(b"age-encryption.org/") || rest.starts_with(b"-----BEGIN AGE");
        match (plain, enc) {
            (_, Ok(e)) if is_age => check_report_shape(&e, trusted.as_ref()),
            (Ok(p), Ok(e)) => {
                check_report_shape(&e, trusted.as_ref());
                assert!(e.encrypted && !p.encrypted);
                assert_eq!(p.status, e.status, "the verdict differs once encrypted");
                let kinds = |r: &testigo_core::VerifyReport| {
                    r.problems
                        .iter()
                        .map(|x| (x.kind, x.files.clone()))
                        .collect::<Vec<_>>()
                };
                assert_eq!(kinds(&p), kinds(&e), "the problems differ once encrypted");
                assert_eq!(p.checks, e.checks);
            }
            (p, e) => panic!(
                "plain and encrypted disagree on being readable: {:?} / {:?}",
                p.map(|r| r.status),
                e.map(|r| r.status)
            ),
        }
    }
});
