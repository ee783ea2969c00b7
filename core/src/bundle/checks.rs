//! The checks `verify` runs inside an archive that passed the safety guard:
//! finding the bag, the signature, the tag and payload manifests,
//! completeness and `report.json`. Each records its problems in
//! [`Findings`]; none stops at the first.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{Read, Seek};

use sha2::{Digest, Sha256};

use super::archive::{self, MAX_ENTRIES, SafeArchive, unsafe_name};
use super::contents::{check_report, check_tag_manifest, hash_and_compare};
use super::findings::{Check, Findings, ProblemKind, SignerInfo, VerifyOptions, VerifyReport};
use super::tag_files::bag_info_value;
use super::{MANIFEST, SIGNATURE, SIGNER_PUB, TAG_MANIFEST, parse_manifest};
use crate::signing::{self, BadSignature, PublicKeyInfo};

/// Size caps of the files `verify` reads into memory, each generous for
/// what the sealer writes: the tag manifest lists half a dozen files, the
/// signature and the public key are a few lines, `bag-info.txt` a dozen
/// labels, `bagit.txt` two lines. The payload manifest has a line per
/// payload file (and at most [`MAX_ENTRIES`] lines). Everything else is
/// hashed as a stream, never held.
const MAX_TAG_MANIFEST: u64 = 64 << 10;
const MAX_SIGNATURE: u64 = 16 << 10;
const MAX_SIGNER_PUB: u64 = 16 << 10;
const MAX_BAG_INFO: u64 = 1 << 20;
const MAX_BAGIT: u64 = 4 << 10;
const MAX_MANIFEST: u64 = 16 << 20;

const STEPS_AFTER_ARCHIVE: &[&str] = &[
    "signature",
    "signer",
    "tag_files",
    "payload",
    "completeness",
    "report",
];

pub(super) fn check_archive<R: Read + Seek>(
    reader: R,
    opts: &VerifyOptions,
    report: &mut VerifyReport,
    progress: &mut dyn FnMut(u64, u64),
) {
    let mut f = Findings::new(report);
    check(reader, opts, &mut f, progress);
    f.finish();
}

fn check<R: Read + Seek>(
    reader: R,
    opts: &VerifyOptions,
    f: &mut Findings,
    progress: &mut dyn FnMut(u64, u64),
) {
    let mut zip = match archive::open(reader) {
        Ok(z) => z,
        Err(refusals) => {
            for r in refusals {
                let files: Vec<&str> = r.entry.as_deref().into_iter().collect();
                f.problem(
                    ProblemKind::UnsafeArchive,
                    &files,
                    r.message.en,
                    r.message.es,
                );
            }
            f.report.checks.push(Check {
                check: "archive",
                result: "failed",
            });
            f.skip(STEPS_AFTER_ARCHIVE);
            return;
        }
    };
    // The bag's folder: where bagit.txt or a manifest sits, at most one level down.
    let bases: BTreeSet<String> = zip
        .entries
        .iter()
        .filter_map(|e| {
            let (dir, name) = e.name.rsplit_once('/').unwrap_or(("", &e.name));
            let known = ["bagit.txt", MANIFEST, TAG_MANIFEST].contains(&name);
            (known && !dir.contains('/') && !e.is_dir).then(|| {
                if dir.is_empty() {
                    String::new()
                } else {
                    format!("{dir}/")
                }
            })
        })
        .collect();
    let base = match bases.len() {
        1 => bases.into_iter().next().unwrap_or_default(),
        0 => {
            f.problem(
                ProblemKind::Missing,
                &["bagit.txt"],
                "no bagit.txt or manifest: this is not a BagIt bag",
                "no hay bagit.txt ni manifiesto: esto no es una bolsa BagIt",
            );
            f.report.checks.push(Check {
                check: "archive",
                result: "failed",
            });
            f.skip(STEPS_AFTER_ARCHIVE);
            return;
        }
        _ => {
            let bags = bases.into_iter().collect::<Vec<_>>().join(", ");
            f.problem(
                ProblemKind::UnsafeArchive,
                &[],
                format!("the archive holds several bags ({bags}); a bundle holds one"),
                format!("el ZIP contiene varias bolsas ({bags}); un reporte contiene una sola"),
            );
            f.report.checks.push(Check {
                check: "archive",
                result: "failed",
            });
            f.skip(STEPS_AFTER_ARCHIVE);
            return;
        }
    };
    f.report.bag = Some(base.trim_end_matches('/').to_string());
    // Files by their path inside the bag.
    let mut files: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    f.step("archive", |f| {
        for e in &zip.entries {
            let inside = e.name.strip_prefix(&base);
            if e.is_dir {
                // The sealer writes files only (unzip makes their folders),
                // so no folder entry is accounted for by the manifests.
                let shown = inside.filter(|r| !r.is_empty()).unwrap_or(e.name.as_str());
                let (en, es) = if e.size > 0 {
                    (
                        format!("a folder entry that carries {} bytes of data; a bundle holds only files", e.size),
                        format!("una entrada de carpeta que lleva {} bytes de datos; un reporte solo contiene archivos", e.size),
                    )
                } else if inside.is_none() {
                    (
                        "a folder entry outside the bag's folder; a bundle holds only files".to_string(),
                        "una entrada de carpeta fuera de la carpeta de la bolsa; un reporte solo contiene archivos".to_string(),
                    )
                } else {
                    (
                        "a folder entry, which no manifest lists; a bundle holds only files".to_string(),
                        "una entrada de carpeta, que ningún manifiesto menciona; un reporte solo contiene archivos".to_string(),
                    )
                };
                f.problem(ProblemKind::Unexpected, &[shown], en, es);
                continue;
            }
            match inside {
                Some(rel) => {
                    files.insert(rel.to_string(), (e.index, e.size));
                }
                None => f.problem(
                    ProblemKind::Unexpected,
                    &[&e.name],
                    "outside the bag's folder",
                    "está fuera de la carpeta de la bolsa",
                ),
            }
        }
    });
    let text = |zip: &mut SafeArchive<R>, f: &mut Findings, name: &str, limit: u64| {
        let (index, _) = *files.get(name)?;
        match zip.read_small(index, limit) {
            Ok(b) => Some(b),
            Err(why) => {
                f.problem_about(ProblemKind::Altered, name, &why);
                None
            }
        }
    };
    // The signature first: only small files are read before it is checked.
    let tag_manifest = text(&mut zip, f, TAG_MANIFEST, MAX_TAG_MANIFEST);
    let signature = text(&mut zip, f, SIGNATURE, MAX_SIGNATURE);
    let signer_pub = text(&mut zip, f, SIGNER_PUB, MAX_SIGNER_PUB);
    let mut signed_comment: BTreeMap<String, String> = BTreeMap::new();

    f.step("signature", |f| {
        signed_comment = check_signature(f, opts, &files, &tag_manifest, &signature, &signer_pub);
    });
    // Without a trusted key there is nobody to confirm the signer against.
    if opts.trusted_key.is_none() {
        f.skip(&["signer"]);
    } else {
        f.step("signer", |f| {
            if !f.report.signer.as_ref().is_some_and(|s| s.confirmed)
                && !f
                    .report
                    .problems
                    .iter()
                    .any(|p| p.kind == ProblemKind::UntrustedKey)
            {
                f.problem(
                    ProblemKind::UntrustedKey,
                    &[SIGNATURE],
                    "the signer could not be confirmed with the trusted key",
                    "no se pudo confirmar quién firmó con la clave en la que confías",
                );
            }
        });
    }
    if let Some(id) = signed_comment.get("report") {
        f.report.report_id = Some(id.clone());
    }
    if let Some(t) = signed_comment.get("sealed") {
        f.report.sealed_at = Some(t.clone());
    }

    // Tag files.
    let mut listed_tags: BTreeSet<String> = BTreeSet::new();
    f.step("tag_files", |f| {
        if let Some(tm) = &tag_manifest {
            check_tag_manifest(&mut zip, f, &files, tm, &mut listed_tags);
        }
        if let Some(&(index, _)) = files.get("bagit.txt") {
            match zip.read_small(index, MAX_BAGIT) {
                Ok(b) => {
                    let t = String::from_utf8_lossy(&b);
                    if !t.contains("BagIt-Version:")
                        || !t.contains("Tag-File-Character-Encoding: UTF-8")
                    {
                        f.problem(
                            ProblemKind::Inconsistent,
                            &["bagit.txt"],
                            "not a BagIt declaration (BagIt-Version, Tag-File-Character-Encoding: UTF-8)",
                            "no es una declaración BagIt (BagIt-Version, Tag-File-Character-Encoding: UTF-8)",
                        );
                    }
                }
                // Once per file: hashing it may have found the damage already.
                Err(why)
                    if !f
                        .report
                        .problems
                        .iter()
                        .any(|p| p.files.iter().any(|x| x == "bagit.txt")) =>
                {
                    f.problem_about(ProblemKind::Altered, "bagit.txt", &why)
                }
                Err(_) => {}
            }
        }
    });
    let bag_info = text(&mut zip, f, "bag-info.txt", MAX_BAG_INFO);

    // Payload files.
    let mut payload: BTreeMap<String, (String, u64)> = BTreeMap::new();
    let manifest = text(&mut zip, f, MANIFEST, MAX_MANIFEST).and_then(|m| {
        let lines = m.iter().filter(|&&b| b == b'\n').count();
        if lines > MAX_ENTRIES {
            f.problem(
                ProblemKind::Inconsistent,
                &[MANIFEST],
                format!("it has {lines} lines, more than the {MAX_ENTRIES} files a bundle may hold; not read"),
                format!("tiene {lines} líneas, más que los {MAX_ENTRIES} archivos que puede tener un reporte; no se leyó"),
            );
            return None;
        }
        Some(parse_manifest(&String::from_utf8_lossy(&m)))
    });
    let mut in_manifest: HashSet<String> = HashSet::new();
    f.step("payload", |f| {
        let Some((entries, bad)) = &manifest else {
            return;
        };
        for line in bad {
            f.problem(
                ProblemKind::Altered,
                &[MANIFEST],
                format!("line {line} cannot be read"),
                format!(
                    "la línea {line} no se puede leer: el manifiesto fue alterado o está dañado"
                ),
            );
        }
        let total: u64 = entries
            .iter()
            .filter_map(|(p, _)| files.get(p).map(|x| x.1))
            .sum();
        let mut done = 0u64;
        for (path, sha) in entries {
            in_manifest.insert(path.clone());
            if !path.starts_with("data/") || unsafe_name(path).is_some() {
                f.problem(
                    ProblemKind::Inconsistent,
                    &[MANIFEST],
                    format!("lists `{path}`, which is not a payload path"),
                    format!("menciona `{path}`, que no es una ruta del contenido (data/)"),
                );
                continue;
            }
            let Some(&(index, size)) = files.get(path) else {
                f.problem(
                    ProblemKind::Missing,
                    &[path],
                    "listed in manifest-sha256.txt but not in the bundle",
                    "figura en manifest-sha256.txt pero falta en el reporte",
                );
                continue;
            };
            let base_done = done;
            if let Some(actual) =
                hash_and_compare(&mut zip, f, path, index, sha, MANIFEST, &mut |n| {
                    progress(base_done + n, total)
                })
            {
                payload.insert(path.clone(), actual);
            }
            done += size;
            progress(done, total);
        }
    });
    let manifest_read = manifest.is_some();
    drop(manifest);
    f.report.payload_files = payload.len();
    f.report.payload_bytes = payload.values().map(|v| v.1).sum();

    f.step("completeness", |f| {
        for path in files.keys() {
            let listed = if path.starts_with("data/") {
                !manifest_read || payload.contains_key(path) || in_manifest.contains(path)
            } else {
                path == TAG_MANIFEST || path == SIGNATURE || listed_tags.contains(path)
            };
            if !listed {
                let which = if path.starts_with("data/") {
                    MANIFEST
                } else {
                    TAG_MANIFEST
                };
                f.problem(
                    ProblemKind::Unexpected,
                    &[path],
                    format!("in the bundle but not listed in {which}"),
                    format!("está en el reporte pero no figura en {which}"),
                );
            }
        }
        if let Some(info) = &bag_info {
            let info = String::from_utf8_lossy(info);
            let oxum = format!("{}.{}", f.report.payload_bytes, f.report.payload_files);
            match bag_info_value(&info, "Payload-Oxum") {
                Some(v) if v == oxum => {}
                Some(v) => f.problem(
                    ProblemKind::Inconsistent,
                    &["bag-info.txt"],
                    format!("Payload-Oxum says {v}, the payload is {oxum} (bytes.files)"),
                    format!("Payload-Oxum dice {v}, pero el contenido es {oxum} (bytes.archivos)"),
                ),
                None => {}
            }
        }
    });
    drop(in_manifest);

    f.step("report", |f| {
        check_report(&mut zip, f, &files, &payload, &signed_comment, &bag_info)
    });
}

/// The signature over the tag manifest, with the trusted key or the
/// bundle's own `signer.pub`. Returns the signed comment's `key:value` words
/// when the signature holds.
fn check_signature(
    f: &mut Findings,
    opts: &VerifyOptions,
    files: &BTreeMap<String, (usize, u64)>,
    tag_manifest: &Option<Vec<u8>>,
    signature: &Option<Vec<u8>>,
    signer_pub: &Option<Vec<u8>>,
) -> BTreeMap<String, String> {
    let mut signed = BTreeMap::new();
    let (Some(tm), Some(sig)) = (&tag_manifest, &signature) else {
        for (name, have) in [
            (SIGNATURE, signature.is_some()),
            (TAG_MANIFEST, tag_manifest.is_some()),
        ] {
            if !have && !files.contains_key(name) {
                f.problem(
                    ProblemKind::Missing,
                    &[name],
                    "the bundle has no such file",
                    "falta este archivo en el reporte",
                );
            }
        }
        return signed;
    };
    let sig = String::from_utf8_lossy(sig);
    let embedded = signer_pub
        .as_deref()
        .map(|b| PublicKeyInfo::parse(&String::from_utf8_lossy(b)));
    let signed_by = signing::signature_key_id(&sig);
    let key = match (&opts.trusted_key, &embedded) {
        (Some(k), _) => k.clone(),
        (None, Some(Ok(k))) => k.clone(),
        (None, Some(Err(_))) => {
            f.problem(
                ProblemKind::BadSignature,
                &[SIGNER_PUB, SIGNATURE],
                "signer.pub is not a readable minisign public key, so the signature cannot be checked",
                "signer.pub no es una clave pública minisign legible, así que la firma no se puede comprobar",
            );
            return signed;
        }
        (None, None) => {
            f.problem(
                ProblemKind::Missing,
                &[SIGNER_PUB],
                "no signer.pub and no trusted key given, so the signature cannot be checked",
                "falta signer.pub y no se dio una clave en la que confíes, así que la firma no se puede comprobar",
            );
            return signed;
        }
    };
    f.report.signer = Some(SignerInfo {
        key_id: signed_by.clone().unwrap_or_default(),
        public_key: None,
        fingerprint: None,
        confirmed: false,
        name: None,
        contact: None,
        organization: None,
    });
    match signing::verify_signature(&key, &sig, tm) {
        Ok(good) => {
            if let Some(s) = f.report.signer.as_mut() {
                s.public_key = Some(key.public_key.clone());
                s.fingerprint = Some(key.fingerprint.clone());
                s.confirmed = opts.trusted_key.is_some();
            }
            signed = parse_comment(&good.trusted_comment);
            let actual = hex::encode(Sha256::digest(tm));
            if signed.get("tagmanifest-sha256") != Some(&actual) {
                f.problem(
                    ProblemKind::Inconsistent,
                    &[SIGNATURE, TAG_MANIFEST],
                    "the signed comment names another tag manifest hash than the file's",
                    "el comentario firmado indica un hash del manifiesto de etiquetas distinto del que tiene el archivo",
                );
            }
            if let Some(Ok(k)) = &embedded
                && k.key_id != key.key_id
            {
                f.problem(
                    ProblemKind::Inconsistent,
                    &[SIGNER_PUB],
                    format!(
                        "signer.pub holds key {}, but the bundle was signed with {}",
                        k.key_id, key.key_id
                    ),
                    format!(
                        "signer.pub contiene la clave {}, pero el reporte se firmó con {}",
                        k.key_id, key.key_id
                    ),
                );
            }
        }
        Err(BadSignature::OtherKey {
            signed_by,
            expected,
        }) => {
            if opts.trusted_key.is_some() {
                f.problem(
                    ProblemKind::UntrustedKey,
                    &[SIGNATURE, SIGNER_PUB],
                    format!(
                        "signed with key {signed_by}, not with the trusted key {expected}: do not trust this bundle"
                    ),
                    format!(
                        "firmado con la clave {signed_by}, no con la clave en la que confías ({expected}): no confíes en este reporte"
                    ),
                );
            } else {
                f.problem(
                    ProblemKind::BadSignature,
                    &[SIGNATURE, SIGNER_PUB],
                    format!(
                        "signed with key {signed_by}, but signer.pub holds key {expected}"
                    ),
                    format!(
                        "la firma no corresponde: se hizo con la clave {signed_by}, pero signer.pub contiene la clave {expected}"
                    ),
                );
            }
        }
        Err(BadSignature::Mismatch) => f.problem(
            ProblemKind::BadSignature,
            &[SIGNATURE, TAG_MANIFEST],
            "the signature does not match tagmanifest-sha256.txt: one of the two was changed after signing",
            "la firma no corresponde a tagmanifest-sha256.txt: uno de los dos se cambió después de firmar",
        ),
        Err(BadSignature::Unreadable(e)) => f.problem(
            ProblemKind::BadSignature,
            &[SIGNATURE, TAG_MANIFEST],
            format!("the signature cannot be read ({e})"),
            format!("la firma no se puede leer ({e})"),
        ),
    }
    signed
}

/// `key:value` words of the signed comment (the first word is the format).
fn parse_comment(comment: &str) -> BTreeMap<String, String> {
    comment
        .split_whitespace()
        .filter_map(|w| w.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
