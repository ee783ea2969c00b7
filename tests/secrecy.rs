//! Nothing readable on disk: no plaintext evidence, note, thumbnail or
//! passphrase in the vault folder or in temporary files, also after printing
//! a packet and sealing a bundle.

use crate::support::{Env, PASSPHRASE, walk};

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_vault_holds_no_plaintext() {
    let env = Env::new();
    env.case("Caso secreto de Marisol");
    let marker = b"EVIDENCIA-PLANA-7f3a9c EVIDENCIA-PLANA-7f3a9c EVIDENCIA-PLANA-7f3a9c";
    let file = env.path("evidence.txt");
    let mut body = Vec::new();
    for _ in 0..2000 {
        body.extend_from_slice(marker);
    }
    std::fs::write(&file, &body).unwrap();
    env.add(
        &file,
        "Caso secreto de Marisol",
        &[
            "--author",
            "@acosador_secreto",
            "--note",
            "nota-confidencial-42",
        ],
    );
    env.ok(&[
        "note",
        "Texto-de-nota-privada-99",
        "--case",
        "Caso secreto de Marisol",
    ]);
    let png = crate::support::write_image(&env, "s.png", 400, 300, 9, image::ImageFormat::Png);
    let png_bytes = std::fs::read(&png).unwrap();
    env.add(&png, "Caso secreto de Marisol", &[]);
    let secrets: [&[u8]; 7] = [
        b"EVIDENCIA-PLANA",
        b"acosador_secreto",
        b"nota-confidencial-42",
        b"Texto-de-nota-privada-99",
        b"Marisol",
        PASSPHRASE.as_bytes(),
        &png_bytes[png_bytes.len() / 2..png_bytes.len() / 2 + 32],
    ];
    // Printing and sealing decrypt in memory: they write only the file asked for.
    let (pdf, zip) = (env.path("p.pdf"), env.path("r.zip"));
    let case = "Caso secreto de Marisol";
    env.ok(&["packet", "--case", case, "--out", pdf.to_str().unwrap()]);
    env.ok(&["seal", "--case", case, "--out", zip.to_str().unwrap()]);
    let files = walk(env.root.path().join("vault").as_path());
    assert!(files.len() >= 4, "key file, database, objects");
    for (path, bytes) in &files {
        for s in secrets {
            assert!(
                !contains(bytes, s),
                "{} contains plaintext {:?}",
                path.display(),
                String::from_utf8_lossy(s)
            );
        }
        // Encrypted data looks random: no long runs of a repeated byte in objects.
        if path.to_string_lossy().contains("/objects/") {
            assert!(!contains(bytes, &[0u8; 32]));
        }
    }
    assert!(
        walk(&env.root.path().join("tmp")).is_empty(),
        "nothing in TMPDIR"
    );
    assert!(
        walk(&env.vault().join("objects/tmp")).is_empty(),
        "no unfinished writes"
    );
}
