//! The text of the small tag files a seal writes: `bagit.txt`,
//! `bag-info.txt`, and `VERIFY.txt`, which tells a recipient who has never
//! heard of Testigo how to check a bundle with standard tools, in Spanish
//! and English. Its steps find what `testigo verify` finds about the files
//! (a changed byte, a file or folder entry too many or missing, an entry
//! `unzip` cannot write); `tests/verify_differential.rs` runs them on every
//! mutated bundle and checks that both agree.

use super::{FORMAT, Report, SOFTWARE};
use crate::signing::PublicKeyInfo;

/// `VERIFY.txt` for a bag in folder `base`, signed with `key`.
pub fn verify_txt(base: &str, report_id: &str, key: &PublicKeyInfo) -> String {
    let pk = &key.public_key;
    let id = &key.key_id;
    format!(
        "\
CÓMO VERIFICAR ESTE REPORTE SELLADO (español)
=============================================

Reporte {report_id}, firmado con la clave minisign {id}.
Clave pública: {pk}
Compara esa clave con la que la persona u organización que firmó te dio por
otro medio (en persona, por teléfono, en su sitio web). Si no coincide, no
confíes en el reporte.

Programas: unzip, sha256sum (coreutils), minisign y, si el reporte está
cifrado, age. Cualquier error o advertencia en un paso (también de unzip)
significa que el reporte no es válido.

1. Si el archivo termina en .age, descífralo con tu clave de age:
     age -d -i TU-IDENTIDAD.txt -o REPORTE.zip REPORTE.zip.age
2. Anota lo que contiene, extráelo en una carpeta nueva y entra en la bolsa:
     unzip -Z1 REPORTE.zip | sort > contenido.txt
     unzip -d reporte REPORTE.zip
     cd reporte/{base}
3. Verifica la firma del manifiesto de etiquetas con la clave que te dieron:
     minisign -Vm tagmanifest-sha256.txt -P {pk}
   (minisign -Vm tagmanifest-sha256.txt -p signer.pub usa la clave incluida
   en el reporte: prueba que nada cambió desde la firma, no quién firmó.)
4. Verifica los archivos de etiquetas y los archivos de evidencia:
     sha256sum -c tagmanifest-sha256.txt
     sha256sum -c manifest-sha256.txt
5. Comprueba que no hay nada más que lo que listan los manifiestos (diff no
   debe mostrar nada):
     {{ cut -c67- manifest-sha256.txt tagmanifest-sha256.txt
       echo tagmanifest-sha256.txt; echo tagmanifest-sha256.txt.minisig
     }} | sed 's|^|{base}/|' | sort | diff - ../../contenido.txt

Con Testigo todo lo anterior es un solo paso:
     testigo verify REPORTE.zip --pubkey {pk}

data/report.json describe el caso, cada elemento, sus archivos y su cadena
de custodia; data/evidence/ contiene los archivos originales, byte por byte.


HOW TO VERIFY THIS SEALED REPORT (English)
==========================================

Report {report_id}, signed with minisign key {id}.
Public key: {pk}
Compare that key with the one the signer gave you through another channel
(in person, by phone, on their website). If it differs, do not trust the
report.

Tools: unzip, sha256sum (coreutils), minisign and, if the report is
encrypted, age. Any error or warning in a step (from unzip too) means the
report is not valid.

1. If the file ends in .age, decrypt it with your age key:
     age -d -i YOUR-KEY.txt -o REPORT.zip REPORT.zip.age
2. Note what it holds, extract it into a new folder and enter the bag:
     unzip -Z1 REPORT.zip | sort > contents.txt
     unzip -d report REPORT.zip
     cd report/{base}
3. Check the signature of the tag manifest with the key you were given:
     minisign -Vm tagmanifest-sha256.txt -P {pk}
   (minisign -Vm tagmanifest-sha256.txt -p signer.pub uses the key inside the
   report: it proves nothing changed since signing, not who signed.)
4. Check the tag files and the evidence files:
     sha256sum -c tagmanifest-sha256.txt
     sha256sum -c manifest-sha256.txt
5. Check that nothing is there besides what the manifests list (diff must
   print nothing):
     {{ cut -c67- manifest-sha256.txt tagmanifest-sha256.txt
       echo tagmanifest-sha256.txt; echo tagmanifest-sha256.txt.minisig
     }} | sed 's|^|{base}/|' | sort | diff - ../../contents.txt

With Testigo all of the above is one step:
     testigo verify REPORT.zip --pubkey {pk}

data/report.json describes the case, every item, its files and its custody
entries; data/evidence/ holds the original files, byte for byte.
"
    )
}

/// `bagit.txt`.
pub fn bagit_txt() -> String {
    "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n".into()
}

/// `bag-info.txt`: reserved BagIt labels, then Testigo's own. The signer
/// and the case are the report's.
pub fn bag_info(report: &Report, payload_bytes: u64, payload_files: usize) -> String {
    let signer = &report.signer;
    let case_name = &report.case.name;
    let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut lines: Vec<(&str, String)> = vec![
        ("Bag-Software-Agent", SOFTWARE.into()),
        ("Bagging-Date", report.sealed_at[..10].to_string()),
    ];
    if let Some(n) = &signer.name {
        lines.push(("Contact-Name", one_line(n)));
    }
    if let Some(c) = &signer.contact {
        let label = if c.contains('@') {
            "Contact-Email"
        } else {
            "Contact-Phone"
        };
        lines.push((label, one_line(c)));
    }
    lines.push((
        "External-Description",
        one_line(&format!(
            "Signed Testigo report of case \"{case_name}\": {} item(s), {} payload file(s). See VERIFY.txt.",
            report.items.len(),
            payload_files
        )),
    ));
    lines.push(("External-Identifier", report.report_id.clone()));
    lines.push(("Payload-Oxum", format!("{payload_bytes}.{payload_files}")));
    if let Some(o) = &signer.organization {
        lines.push(("Source-Organization", one_line(o)));
    }
    lines.push(("Testigo-Report-Format", FORMAT.into()));
    lines.push(("Testigo-Sealed-At", report.sealed_at.clone()));
    lines.push(("Testigo-Signer-Key-Id", signer.key_id.clone()));
    lines
        .into_iter()
        .map(|(k, v)| format!("{k}: {v}\n"))
        .collect()
}

pub(super) fn bag_info_value(info: &str, label: &str) -> Option<String> {
    info.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim().eq_ignore_ascii_case(label)).then(|| v.trim().to_string())
    })
}
