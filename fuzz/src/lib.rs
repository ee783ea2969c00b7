//! What the fuzz targets share: the fixed keys the seed corpus was made
//! with, a scratch file per process for the entry points that take a path,
//! and the independent check behind "`verify` never says intact for
//! garbage": a bundle `verify` passes must also pass the manual procedure
//! its `VERIFY.txt` gives (unzip, `minisign -Vm`, `sha256sum -c`), done here
//! in memory with other code than the core's.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use testigo_core::bundle::verify::Status;
use testigo_core::{PublicKeyInfo, VerifyReport};

/// The folder of this crate (for `keys/`).
fn here() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The public key of the vault that sealed the seed bundle
/// (`keys/seed-signer.pub`, written by `seed.sh`).
pub fn seed_signer() -> &'static PublicKeyInfo {
    static KEY: OnceLock<PublicKeyInfo> = OnceLock::new();
    KEY.get_or_init(|| {
        let path = here().join("keys/seed-signer.pub");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run fuzz/seed.sh", path.display()));
        PublicKeyInfo::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    })
}

/// The age identity file the seed `.age` bundle is encrypted to
/// (`keys/age-identity.txt`, a test key written by `seed.sh`).
pub fn age_identity_path() -> PathBuf {
    here().join("keys/age-identity.txt")
}

/// The age identity itself, for the harness's own encryption.
pub fn age_identity() -> &'static age::x25519::Identity {
    static ID: OnceLock<age::x25519::Identity> = OnceLock::new();
    ID.get_or_init(|| {
        let path = age_identity_path();
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run fuzz/seed.sh", path.display()));
        let line = text
            .lines()
            .find(|l| l.starts_with("AGE-SECRET-KEY-"))
            .unwrap_or_else(|| panic!("{}: no AGE-SECRET-KEY line", path.display()));
        line.parse()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    })
}

/// Writes `data` to this process's scratch file and returns its path.
/// One file per process (libFuzzer runs inputs one at a time), in
/// `/dev/shm` when there is one so no disk is touched.
pub fn scratch(name: &str, data: &[u8]) -> PathBuf {
    let dir = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let path = dir.join(format!("testigo-fuzz-{}-{name}", std::process::id()));
    std::fs::write(&path, data).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    path
}

/// Encrypts `plain` with age to the fixed identity's recipient.
pub fn age_encrypt(plain: &[u8]) -> Vec<u8> {
    let recipient = age_identity().to_public();
    let enc = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
        .expect("one recipient");
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).expect("writing to memory");
    std::io::Write::write_all(&mut w, plain).expect("writing to memory");
    w.finish().expect("writing to memory");
    out
}

/// Decrypts an age file with the fixed identity; `None` when it cannot.
pub fn age_decrypt(data: &[u8]) -> Option<Vec<u8>> {
    let d = age::Decryptor::new(data).ok()?;
    let mut r = d
        .decrypt(std::iter::once(age_identity() as &dyn age::Identity))
        .ok()?;
    let mut out = Vec::new();
    r.read_to_end(&mut out).ok()?;
    Some(out)
}

/// Checks what a report says about itself, whatever the input.
pub fn check_report_shape(report: &VerifyReport, trusted: Option<&PublicKeyInfo>) {
    assert_eq!(report.valid, report.status == Status::Valid);
    match report.status {
        Status::Invalid => assert!(
            !report.problems.is_empty(),
            "invalid without a problem: {report:#?}"
        ),
        Status::Valid | Status::Unconfirmed => {
            assert!(report.problems.is_empty());
            assert_eq!(report.status == Status::Valid, trusted.is_some());
        }
    }
    if report.status == Status::Valid {
        let signer = report
            .signer
            .as_ref()
            .expect("a valid bundle names its signer");
        assert!(signer.confirmed, "valid but the signer is not confirmed");
    }
}

/// The manual procedure of `VERIFY.txt`, in memory: `zip` is the archive
/// `verify` found intact (signed by `trusted`, or by its own `signer.pub`).
/// Panics, naming the step, when the procedure would not agree.
pub fn manual_procedure_agrees(zip: &[u8], trusted: Option<&PublicKeyInfo>) {
    // unzip: every entry written in order; a name twice, a folder where a
    // file is (or the other way round), or a folder with data fails.
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).expect("unzip: unreadable archive");
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut dirs: Vec<String> = Vec::new();
    for i in 0..archive.len() {
        let mut e = archive.by_index(i).expect("unzip: unreadable entry");
        let name = e.name().expect("unzip: unreadable entry name").to_string();
        if name.ends_with('/') {
            assert_eq!(e.size(), 0, "unzip: folder entry {name:?} with data");
            let d = name.trim_end_matches('/').to_string();
            assert!(
                !files.contains_key(&d),
                "unzip: folder {name:?} over a file"
            );
            dirs.push(d);
            continue;
        }
        let mut body = Vec::new();
        e.read_to_end(&mut body)
            .expect("unzip: entry does not inflate");
        assert!(
            !dirs.iter().any(|d| d == &name),
            "unzip: file {name:?} where a folder is"
        );
        assert!(
            files.insert(name.clone(), body).is_none(),
            "unzip: {name:?} twice"
        );
    }
    for d in &dirs {
        assert!(!files.contains_key(d), "unzip: folder {d:?} over a file");
    }
    // The bag folder: the one folder holding bagit.txt.
    let bags: Vec<&String> = files
        .keys()
        .filter(|k| k.ends_with("/bagit.txt") && k.matches('/').count() == 1)
        .collect();
    assert_eq!(bags.len(), 1, "no single bag folder: {bags:?}");
    let base = bags[0].trim_end_matches("bagit.txt").to_string();
    let get = |rel: &str| files.get(&format!("{base}{rel}"));
    let tag_manifest = get("tagmanifest-sha256.txt").expect("no tag manifest");
    let sig = get("tagmanifest-sha256.txt.minisig").expect("no signature");
    // minisign -Vm tagmanifest-sha256.txt -P KEY (or -p signer.pub)
    let key_line = match trusted {
        Some(k) => k.public_key.clone(),
        None => {
            let pubf = String::from_utf8(get("signer.pub").expect("no signer.pub").clone())
                .expect("signer.pub is not text");
            pubf.lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with("untrusted comment:"))
                .expect("signer.pub has no key")
                .to_string()
        }
    };
    let pk = minisign::PublicKey::from_base64(&key_line).expect("minisign: unreadable key");
    let sig_box = minisign::SignatureBox::from_string(
        std::str::from_utf8(sig).expect("minisign: signature is not text"),
    )
    .expect("minisign: unreadable signature");
    minisign::verify(&pk, &sig_box, Cursor::new(tag_manifest), true, false, false)
        .expect("minisign -V: the signature does not hold");
    // sha256sum -c, in the bag folder, of both manifests.
    let mut listed: Vec<String> = vec![
        "tagmanifest-sha256.txt".into(),
        "tagmanifest-sha256.txt.minisig".into(),
    ];
    for manifest in ["tagmanifest-sha256.txt", "manifest-sha256.txt"] {
        let text = get(manifest).unwrap_or_else(|| panic!("no {manifest}"));
        let text = std::str::from_utf8(text).expect("manifest is not text");
        for line in text.split('\n') {
            if line.is_empty() {
                continue;
            }
            // coreutils: 64 hex digits, a space, ' ' or '*', the name to the end of the line.
            assert!(
                line.len() > 66
                    && line.as_bytes()[..64].iter().all(u8::is_ascii_hexdigit)
                    && line.is_char_boundary(66),
                "sha256sum: improperly formatted line {line:?} in {manifest}"
            );
            let (hash, rest) = line.split_at(64);
            assert!(
                rest.starts_with("  ") || rest.starts_with(" *"),
                "sha256sum: improperly formatted line {line:?} in {manifest}"
            );
            let name = &rest[2..];
            let body =
                get(name).unwrap_or_else(|| panic!("sha256sum: {name}: No such file ({manifest})"));
            assert_eq!(
                hex(&Sha256::digest(body)),
                hash.to_ascii_lowercase(),
                "sha256sum: {name}: FAILED ({manifest})"
            );
            listed.push(name.to_string());
        }
    }
    // Nothing extra: every file is under the bag folder and listed.
    for name in files.keys() {
        let rel = name
            .strip_prefix(&base)
            .unwrap_or_else(|| panic!("{name:?} is outside the bag folder"));
        assert!(
            listed.iter().any(|l| l == rel),
            "{name:?} is not in a manifest"
        );
    }
    for d in &dirs {
        let under = format!("{d}/");
        assert!(
            files.keys().any(|f| f.starts_with(&under)),
            "empty folder entry {d:?}"
        );
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
