//! Human-readable output of the CLI: tables and field lists, in the person's
//! language. JSON output does not come through here. Every cell of a table
//! and every value of a field list is shown escaped (`Shown`): multi-line
//! text (notes, post text) keeps its lines, each escaped and indented.

use testigo_core::model::{Category, ThreatLevel};
use testigo_core::{Account, AddOutcome, AddStatus, Case, CheckReport, Entry, Item, ItemDetail};

use super::capture_text;
use super::shown::{Shown, short};
use super::term::{Lang, lang, tr};

/// Prints rows as columns padded to their widest cell; the last column is
/// not padded. Every cell is shown escaped, on one line.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|c| Shown(c).to_string()).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let n = cells.len();
        let mut out = String::new();
        for (i, (cell, w)) in cells.into_iter().zip(&widths).enumerate() {
            out.push_str(cell);
            if i + 1 < n {
                out.push_str(&" ".repeat(w - cell.chars().count() + 2));
            }
        }
        outln!("{}", out.trim_end());
    };
    line(header.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
}

fn category_label(c: Category) -> &'static str {
    match lang() {
        Lang::En => c.label_en(),
        Lang::Es => c.label_es(),
    }
}

fn threat_label(t: ThreatLevel) -> &'static str {
    match lang() {
        Lang::En => t.label_en(),
        Lang::Es => t.label_es(),
    }
}

/// Cases as a table.
pub fn cases(cases: &[Case]) {
    if cases.is_empty() {
        errln!(
            "{}",
            tr(
                "No cases yet. Create one: testigo case new NAME",
                "Aún no hay casos. Crea uno: testigo case new NOMBRE"
            )
        );
        return;
    }
    let rows: Vec<Vec<String>> = cases
        .iter()
        .map(|c| {
            vec![
                c.id.clone(),
                c.item_count.to_string(),
                c.name.clone(),
                short(&c.description, 50),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            tr("ITEMS", "ELEMENTOS"),
            tr("NAME", "NOMBRE"),
            tr("DESCRIPTION", "DESCRIPCIÓN"),
        ],
        &rows,
    );
}

/// What an item is about, in a few words.
fn summary(i: &Item) -> String {
    let s = i
        .text
        .as_deref()
        .or(i.notes.as_deref())
        .or(i.url.as_deref())
        .or(i.file_name.as_deref())
        .unwrap_or("");
    short(s, 48)
}

/// Items as a table.
pub fn items(items: &[Item]) {
    if items.is_empty() {
        errln!("{}", tr("No items.", "No hay elementos."));
        return;
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|i| {
            vec![
                i.id.clone(),
                i.kind.as_str().to_string(),
                i.captured_at.format("%Y-%m-%d %H:%M").to_string(),
                i.platform.clone().unwrap_or_default(),
                i.author.clone().unwrap_or_default(),
                i.categories
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                summary(i),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            tr("KIND", "TIPO"),
            tr("CAPTURED (UTC)", "CAPTURADO (UTC)"),
            tr("PLATFORM", "PLATAFORMA"),
            tr("AUTHOR", "AUTOR"),
            tr("CATEGORIES", "CATEGORÍAS"),
            tr("CONTENT", "CONTENIDO"),
        ],
        &rows,
    );
    errln!("{} {}", items.len(), tr("item(s)", "elemento(s)"));
}

/// A value on one line, escaped (newlines too).
fn one(s: &str) -> String {
    Shown(s).to_string()
}

/// Text that may have lines (a note, a post): each line escaped.
fn lines(s: &str) -> String {
    s.lines()
        .map(|l| Shown(l).to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// One item with its history. Values are escaped here, once; only the
/// multi-line ones (text, notes, a capture) keep their line breaks.
pub fn detail(d: &ItemDetail) {
    let i = &d.item;
    let mut rows: Vec<(&str, String)> = vec![
        ("ID", i.id.clone()),
        (tr("Kind", "Tipo"), i.kind.as_str().into()),
        (tr("Case", "Caso"), one(&i.case_id)),
        (
            tr("Added", "Agregado"),
            testigo_core::model::format_time(&i.captured_at),
        ),
    ];
    let mut opt = |label: &'static str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            rows.push((label, v));
        }
    };
    opt("SHA-256", i.sha256.clone());
    opt(tr("Size", "Tamaño"), i.size.map(|s| format!("{s} bytes")));
    opt(
        tr("Media type", "Tipo de medio"),
        i.media_type.as_deref().map(one),
    );
    opt(
        tr("File name", "Nombre de archivo"),
        i.file_name.as_deref().map(one),
    );
    opt(
        tr("Dimensions", "Dimensiones"),
        i.width.zip(i.height).map(|(w, h)| format!("{w}x{h}")),
    );
    // Every field of the record with a value, from the core's field table,
    // under its label in the CLI's language.
    for (f, text) in i.field_texts() {
        let label = f.label(lang());
        match f.kind {
            "long_text" => opt(label, Some(lines(&text))),
            "categories" => opt(
                label,
                Some(
                    i.categories
                        .iter()
                        .map(|c| category_label(*c))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ),
            "threat_level" => opt(label, i.threat_level.map(|t| threat_label(t).to_string())),
            "hashtags" => opt(
                label,
                Some(
                    i.hashtags
                        .iter()
                        .map(|h| format!("#{}", Shown(h)))
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
            ),
            "reports" => {
                for r in &i.reported_to {
                    let mut s = one(&r.to);
                    if let Some(t) = &r.ticket {
                        s.push_str(&format!(" ({} {})", tr("ticket", "folio"), Shown(t)));
                    }
                    if let Some(resp) = &r.response {
                        s.push_str(&format!(": {}", lines(resp)));
                    }
                    opt(label, Some(s));
                }
            }
            _ => opt(label, Some(one(&text))),
        }
    }
    opt(
        tr("Same bytes as", "Mismos bytes que"),
        i.duplicate_of.as_deref().map(one),
    );
    opt(
        tr("Near-duplicates", "Casi duplicados"),
        Some(one(&i.near_duplicates.join(", "))),
    );
    if let Some(p) = &d.post
        && let Some(t) = &p.posted_at
    {
        opt(
            tr("Time in post id", "Hora en el id"),
            Some(format!(
                "{} ({})",
                testigo_core::model::format_time(&t.at),
                Shown(&t.method)
            )),
        );
    }
    for c in d.captures.iter().flatten() {
        opt(tr("Capture", "Captura"), Some(capture_text::summary(c)));
    }
    for a in &d.artifacts {
        opt(
            tr("Artifact", "Artefacto"),
            Some(one(&format!("{} {} ({} bytes)", a.role, a.sha256, a.size))),
        );
    }
    let width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    for (label, value) in rows {
        let pad = " ".repeat(width - label.chars().count());
        let mut lines = value.lines();
        outln!("{label}{pad}  {}", lines.next().unwrap_or(""));
        for more in lines {
            outln!("{}  {more}", " ".repeat(width));
        }
    }
    outln!();
    outln!("{}", tr("Custody history:", "Historial de custodia:"));
    log(&d.custody);
}

/// Custody entries as a table.
pub fn log(entries: &[Entry]) {
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                e.seq.to_string(),
                testigo_core::model::format_time(&e.at),
                e.action.clone(),
                e.item_id.clone().or(e.case_id.clone()).unwrap_or_default(),
                e.sha256
                    .as_deref()
                    .map(|s| s[..12.min(s.len())].to_string())
                    .unwrap_or_default(),
                e.hash[..12].to_string(),
            ]
        })
        .collect();
    table(
        &[
            "#",
            tr("TIME (UTC)", "HORA (UTC)"),
            tr("ACTION", "ACCIÓN"),
            tr("ITEM/CASE", "ELEMENTO/CASO"),
            "SHA-256",
            tr("ENTRY HASH", "HASH DE ENTRADA"),
        ],
        &rows,
    );
}

/// Accounts as a table.
pub fn accounts(accounts: &[Account]) {
    if accounts.is_empty() {
        errln!(
            "{}",
            tr(
                "No accounts: no item has an author yet.",
                "No hay cuentas: ningún elemento tiene autor todavía."
            )
        );
        return;
    }
    let rows: Vec<Vec<String>> = accounts
        .iter()
        .map(|a| {
            vec![
                format!("@{}", a.handle),
                a.platform.clone().unwrap_or_default(),
                a.item_count.to_string(),
                a.first_seen.format("%Y-%m-%d").to_string(),
                a.last_seen.format("%Y-%m-%d").to_string(),
                a.display_names.join(", "),
            ]
        })
        .collect();
    table(
        &[
            tr("HANDLE", "USUARIO"),
            tr("PLATFORM", "PLATAFORMA"),
            tr("ITEMS", "ELEMENTOS"),
            tr("FIRST SEEN", "PRIMERA VEZ"),
            tr("LAST SEEN", "ÚLTIMA VEZ"),
            tr("NAMES", "NOMBRES"),
        ],
        &rows,
    );
}

/// One line per imported file (on stderr, beside the progress bar); the
/// path and the reason are escaped.
pub fn outcome_line(o: &AddOutcome) -> String {
    let what = one(o.path.as_deref().or(o.id.as_deref()).unwrap_or_default());
    match o.status {
        AddStatus::Added => {
            let mut s = format!(
                "{}  {}  {what}",
                tr("added", "agregado"),
                o.id.as_deref().unwrap_or("")
            );
            if let Some(d) = &o.duplicate_of {
                s.push_str(&format!(
                    " ({} {d})",
                    tr("same bytes as", "mismos bytes que")
                ));
            }
            if let [first, rest @ ..] = o.near_duplicates.as_slice() {
                let more = match rest.len() {
                    0 => String::new(),
                    n => format!(" {} {n} {}", tr("and", "y"), tr("more", "más")),
                };
                s.push_str(&format!(
                    " ({} {first}{more})",
                    tr("looks like", "se parece a")
                ));
            }
            s
        }
        AddStatus::Duplicate => format!(
            "{}  {what}: {} {}",
            tr("duplicate", "duplicado"),
            tr("already in this case as", "ya está en este caso como"),
            o.id.as_deref().unwrap_or("")
        ),
        AddStatus::Error | AddStatus::Skipped => {
            let reason = match (lang(), &o.error_es) {
                (Lang::Es, Some(es)) => es.as_str(),
                _ => o.error.as_deref().unwrap_or(""),
            };
            let status = match o.status {
                AddStatus::Skipped => tr("skipped", "omitido"),
                _ => "error",
            };
            let mut line = format!("{status}  {what}: {}", Shown(reason));
            if let Some(d) = super::term::detail_line(o.error_detail.as_deref()) {
                line.push('\n');
                line.push_str(&d);
            }
            line
        }
    }
}

/// The closing count of an import.
pub fn outcome_summary(outcomes: &[AddOutcome]) -> String {
    let count = |s: AddStatus| outcomes.iter().filter(|o| o.status == s).count();
    let skipped = match count(AddStatus::Skipped) {
        0 => String::new(),
        n => format!(", {n} {}", tr("skipped", "omitidos")),
    };
    format!(
        "{} {}, {} {}{skipped}, {} {}",
        count(AddStatus::Added),
        match count(AddStatus::Added) {
            1 => tr("added", "agregado"),
            _ => tr("added", "agregados"),
        },
        count(AddStatus::Duplicate),
        match count(AddStatus::Duplicate) {
            1 => tr("duplicate", "duplicado"),
            _ => tr("duplicates", "duplicados"),
        },
        count(AddStatus::Error),
        match count(AddStatus::Error) {
            1 => tr("error", "error"),
            _ => tr("errors", "errores"),
        },
    )
}

/// The result of `check`.
pub fn check(r: &CheckReport) {
    let (notes, problems) = match lang() {
        Lang::En => (&r.notes, &r.problems),
        Lang::Es => (&r.notes_es, &r.problems_es),
    };
    for n in notes {
        outln!("{}: {}", tr("note", "nota"), Shown(n));
    }
    for p in problems {
        outln!("{}: {}", tr("PROBLEM", "PROBLEMA"), Shown(p));
    }
    let counts = format!(
        "{} {}, {} {}, {} {}",
        r.items,
        tr("items", "elementos"),
        r.objects,
        tr("objects", "objetos"),
        r.log_entries,
        tr("custody entries", "entradas de custodia"),
    );
    if r.ok {
        outln!(
            "{}: {counts} {}",
            tr("ok", "correcto"),
            tr("verified", "verificados")
        );
    } else {
        outln!(
            "{}: {} {} ({counts})",
            tr("FAILED", "FALLÓ"),
            r.problems.len(),
            tr("problem(s)", "problema(s)")
        );
    }
}
