//! Checks of the bag's contents: every tag and payload file against its
//! manifest, and `report.json` against the payload (originals and the
//! packet), the signature and `bag-info.txt`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Seek};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::archive::{SafeArchive, unsafe_name};
use super::findings::{Findings, ProblemKind};
use super::json_budget::{self, Parsed};
use super::tag_files::bag_info_value;
use super::{EVIDENCE_DIR, FORMAT, MANIFEST, REPORT, SIGNATURE, TAG_MANIFEST, parse_manifest};

/// Largest `report.json` read (32 MiB, some ten thousand items). It is
/// streamed into the parser, never held whole.
const MAX_REPORT: u64 = 32 << 20;
/// Most memory its parsed tree may take (see `json_budget.rs`).
const REPORT_BUDGET: usize = 96 << 20;

/// Checks every tag file the tag manifest lists; records which it lists.
pub(super) fn check_tag_manifest<R: Read + Seek>(
    zip: &mut SafeArchive<R>,
    f: &mut Findings,
    files: &BTreeMap<String, (usize, u64)>,
    tm: &[u8],
    listed_tags: &mut BTreeSet<String>,
) {
    let (entries, bad) = parse_manifest(&String::from_utf8_lossy(tm));
    for line in bad {
        f.problem(
            ProblemKind::Altered,
            &[TAG_MANIFEST],
            format!("line {line} cannot be read"),
            format!("la línea {line} no se puede leer: el manifiesto fue alterado o está dañado"),
        );
    }
    for (path, sha) in entries {
        if path.starts_with("data/")
            || path == TAG_MANIFEST
            || path == SIGNATURE
            || unsafe_name(&path).is_some()
        {
            f.problem(
                ProblemKind::Inconsistent,
                &[TAG_MANIFEST],
                format!("lists `{path}`, which cannot be a tag file"),
                format!("menciona `{path}`, que no puede ser un archivo de etiquetas"),
            );
            continue;
        }
        listed_tags.insert(path.clone());
        let Some(&(index, _)) = files.get(&path) else {
            f.problem(
                ProblemKind::Missing,
                &[&path],
                "listed in tagmanifest-sha256.txt but not in the bundle",
                "figura en tagmanifest-sha256.txt pero falta en el reporte",
            );
            continue;
        };
        hash_and_compare(zip, f, &path, index, &sha, TAG_MANIFEST, &mut |_| {});
    }
    for required in ["bagit.txt", "bag-info.txt", MANIFEST] {
        if !listed_tags.contains(required) {
            f.problem(
                ProblemKind::Missing,
                &[required],
                "tagmanifest-sha256.txt does not list it",
                "falta en la lista de tagmanifest-sha256.txt",
            );
        }
    }
}

/// Hashes an entry and compares it with its manifest's hash. Returns the
/// actual hash and size when the entry could be read.
pub(super) fn hash_and_compare<R: Read + Seek>(
    zip: &mut SafeArchive<R>,
    f: &mut Findings,
    path: &str,
    index: usize,
    expected: &str,
    manifest: &str,
    progress: &mut dyn FnMut(u64),
) -> Option<(String, u64)> {
    let mut hasher = HashSink {
        hasher: Sha256::new(),
        done: 0,
        progress,
    };
    match zip.stream(index, &mut hasher) {
        Ok(size) => {
            let actual = hex::encode(hasher.hasher.finalize());
            if actual != expected {
                f.problem(
                    ProblemKind::Altered,
                    &[path],
                    format!("its SHA-256 is {actual}; {manifest} says {expected}"),
                    format!(
                        "fue alterado: su SHA-256 es {actual}, pero {manifest} dice {expected}"
                    ),
                );
            }
            Some((actual, size))
        }
        Err(why) => {
            f.problem_about(ProblemKind::Altered, path, &why);
            None
        }
    }
}

struct HashSink<'a> {
    hasher: Sha256,
    done: u64,
    progress: &'a mut dyn FnMut(u64),
}

impl std::io::Write for HashSink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.hasher.update(buf);
        let before = self.done >> 22;
        self.done += buf.len() as u64;
        if self.done >> 22 != before {
            (self.progress)(self.done);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `report.json` agrees with the payload, the signature and `bag-info.txt`.
pub(super) fn check_report<R: Read + Seek>(
    zip: &mut SafeArchive<R>,
    f: &mut Findings,
    files: &BTreeMap<String, (usize, u64)>,
    payload: &BTreeMap<String, (String, u64)>,
    signed: &BTreeMap<String, String>,
    bag_info: &Option<Vec<u8>>,
) {
    let Some(&(index, _)) = files.get(REPORT) else {
        f.problem(
            ProblemKind::Missing,
            &[REPORT],
            "the bundle has no report.json",
            "falta report.json en el reporte",
        );
        return;
    };
    let reader = match zip.reader(index, MAX_REPORT) {
        Ok(r) => r,
        Err(why) => {
            f.problem_about(ProblemKind::Altered, REPORT, &why);
            return;
        }
    };
    let value = match json_budget::parse(reader, REPORT_BUDGET) {
        Parsed::Value(v) => v,
        Parsed::OverBudget(n) => {
            f.problem(
                ProblemKind::Inconsistent,
                &[REPORT],
                format!("it needs more than {n} bytes of memory to read; not read"),
                format!("leerlo necesita más de {n} bytes de memoria; no se leyó"),
            );
            return;
        }
        Parsed::Invalid(e) => {
            f.problem(
                ProblemKind::Inconsistent,
                &[REPORT],
                format!("not readable JSON ({e})"),
                format!("no es JSON legible ({e})"),
            );
            return;
        }
    };
    if value["format"] != FORMAT {
        f.problem(
            ProblemKind::Inconsistent,
            &[REPORT],
            format!("its format is {}, not {FORMAT}", value["format"]),
            format!("su formato es {}, no {FORMAT}", value["format"]),
        );
        return;
    }
    let claimed = value["report_id"].as_str().unwrap_or("").to_string();
    if super::report_id(&value).ok().as_deref() != Some(claimed.as_str()) {
        f.problem(
            ProblemKind::Inconsistent,
            &[REPORT],
            "its report_id does not match its content",
            "su report_id no corresponde a su contenido",
        );
    }
    if signed.get("report").is_some_and(|id| *id != claimed) {
        f.problem(
            ProblemKind::Inconsistent,
            &[REPORT, SIGNATURE],
            "the signed comment names another report id",
            "el comentario firmado indica otro id de reporte",
        );
    }
    if let Some(info) = bag_info
        && bag_info_value(&String::from_utf8_lossy(info), "External-Identifier")
            .is_some_and(|id| id != claimed)
    {
        f.problem(
            ProblemKind::Inconsistent,
            &["bag-info.txt", REPORT],
            "External-Identifier names another report id",
            "External-Identifier indica otro id de reporte",
        );
    }
    f.report.case = value["case"]["name"].as_str().map(str::to_string);
    f.report.items = value["items"].as_array().map(Vec::len);
    if let Some(s) = f.report.signer.as_mut() {
        let field = |k: &str| value["signer"][k].as_str().map(str::to_string);
        s.name = field("name");
        s.contact = field("contact");
        s.organization = field("organization");
    }
    let artifacts = match Vec::<super::BundleFile>::deserialize(&value["artifacts"]) {
        Ok(a) => a,
        Err(e) => {
            f.problem(
                ProblemKind::Inconsistent,
                &[REPORT],
                format!("its artifacts cannot be read ({e})"),
                format!("su lista de archivos (artifacts) no se puede leer ({e})"),
            );
            return;
        }
    };
    let mut listed = BTreeSet::new();
    for a in &artifacts {
        listed.insert(a.path.as_str());
        match payload.get(&a.path) {
            None if !files.contains_key(&a.path) => f.problem(
                ProblemKind::Missing,
                &[&a.path],
                "listed in data/report.json but not in the bundle",
                "figura en data/report.json pero falta en el reporte",
            ),
            None => {}
            Some((sha, size)) if *sha != a.sha256 || *size != a.size => f.problem(
                ProblemKind::Inconsistent,
                &[&a.path, REPORT],
                format!(
                    "data/report.json says {} bytes with SHA-256 {}; the file has {size} bytes with {sha}",
                    a.size, a.sha256
                ),
                format!(
                    "data/report.json dice {} bytes con SHA-256 {}; el archivo tiene {size} bytes con {sha}",
                    a.size, a.sha256
                ),
            ),
            Some(_) => {}
        }
    }
    // The packet is described without its hash (it prints the report id);
    // the payload manifest checks its bytes like any payload file's.
    if let Some(packet) = value.get("packet").filter(|p| !p.is_null()) {
        match packet["path"].as_str() {
            Some(path) if path.starts_with("data/") && !path.starts_with(EVIDENCE_DIR) => {
                listed.insert(path);
                if !files.contains_key(path) {
                    f.problem(
                        ProblemKind::Missing,
                        &[path],
                        "data/report.json describes this packet but it is not in the bundle",
                        "data/report.json describe este expediente, pero falta en el reporte",
                    );
                }
            }
            _ => f.problem(
                ProblemKind::Inconsistent,
                &[REPORT],
                "its packet has no usable path",
                "su expediente no tiene una ruta válida",
            ),
        }
    }
    for path in files.keys().filter(|p| p.starts_with("data/")) {
        if path != REPORT && !listed.contains(path.as_str()) {
            f.problem(
                ProblemKind::Unexpected,
                &[path],
                "in the payload but not listed in data/report.json",
                "está en el contenido pero no figura en data/report.json",
            );
        }
    }
}
