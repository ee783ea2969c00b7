//! The campaign commands of the CLI: `import-posts`, `posts` and `analyze`.
//! Glue only: the core reads the files and finds the campaigns
//! (`testigo_core::posts`, `testigo_core::analysis`). Post text, handles
//! and everything else from the files is shown escaped.

use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use testigo_core::analysis::export::ExportFormat;
use testigo_core::analysis::{Campaign, Progress, Window};
use testigo_core::posts::Format;
use testigo_core::{Error, Vault};

use super::print_json;
use super::shown::{Shown, short};
use super::term::{Lang, lang, tr};

fn spinner(template: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// `testigo import-posts FILE --case CASE --format F`.
pub fn import_posts(
    vault: &Vault,
    file: &Path,
    case: &str,
    format: &str,
    platform: Option<&str>,
    json: bool,
) -> Result<ExitCode, Error> {
    let format = Format::parse(format)?;
    let bar = spinner("{spinner} {pos} {msg}");
    bar.set_message(tr("rows read", "filas leídas").to_string());
    let never = AtomicBool::new(false);
    let result = vault.import_posts(
        case,
        file,
        format,
        platform,
        &mut |n| bar.set_position(n),
        &never,
    )?;
    bar.finish_and_clear();
    if json {
        print_json(&result)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(n) = result.already_imported {
        outln!(
            "{} {n} {} {}",
            tr(
                "This file was already imported into the case:",
                "Este archivo ya se había importado en el caso:"
            ),
            tr(
                "posts, kept as item",
                "publicaciones, guardado como elemento"
            ),
            result.item
        );
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "{} {} {} {}",
        result.imported,
        tr(
            "posts imported; the file is kept as item",
            "publicaciones importadas; el archivo se guarda como elemento"
        ),
        result.item,
        tr(
            "(its SHA-256 is in the custody log)",
            "(su SHA-256 está en la cadena de custodia)"
        )
    );
    if result.skipped > 0 {
        errln!(
            "{} {}",
            result.skipped,
            tr("rows skipped:", "filas omitidas:")
        );
        for e in result.errors.iter().take(20) {
            let reason = match lang() {
                Lang::En => &e.reason,
                Lang::Es => &e.reason_es,
            };
            errln!("  {} {}: {}", tr("line", "línea"), e.line, Shown(reason));
        }
        if result.skipped > 20 {
            errln!(
                "  … {}",
                tr(
                    "and more (every row is listed with --json)",
                    "y más (--json las lista todas)"
                )
            );
        }
    }
    outln!(
        "{} testigo analyze --case {}",
        tr("Next:", "Siguiente:"),
        super::shown::arg(case)
    );
    Ok(ExitCode::SUCCESS)
}

/// `testigo posts --case CASE [--search Q] [--account H]`.
pub fn posts(
    vault: &Vault,
    case: &str,
    search: Option<&str>,
    account: Option<&str>,
    limit: usize,
    json: bool,
) -> Result<ExitCode, Error> {
    let posts = vault.posts(case, search, account, limit)?;
    if json {
        print_json(&posts)?;
        return Ok(ExitCode::SUCCESS);
    }
    if posts.is_empty() {
        errln!(
            "{}",
            tr(
                "No posts found. Import a file of posts with `testigo import-posts FILE --case CASE --format qut|twarc2|zeeschuimer|telegram`.",
                "No se encontraron publicaciones. Importa un archivo con `testigo import-posts ARCHIVO --case CASO --format qut|twarc2|zeeschuimer|telegram`."
            )
        );
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = posts
        .iter()
        .map(|p| {
            vec![
                p.posted_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                format!("@{}", p.handle),
                short(&p.text, 70),
                p.message_id.clone(),
            ]
        })
        .collect();
    super::render::table(
        &[
            tr("POSTED (UTC)", "PUBLICADO (UTC)"),
            tr("HANDLE", "USUARIO"),
            tr("TEXT", "TEXTO"),
            tr("MESSAGE ID", "ID DEL MENSAJE"),
        ],
        &rows,
    );
    Ok(ExitCode::SUCCESS)
}

/// `testigo analyze --case CASE [--window W]`, or with `--export F --out FILE` the stored results.
pub fn analyze(
    vault: &Vault,
    case: &str,
    window: &str,
    export: Option<(&str, &Path)>,
    json: bool,
) -> Result<ExitCode, Error> {
    if let Some((format, out)) = export {
        let format = ExportFormat::parse(format)?;
        let (path, id, bytes) = vault.export_analysis(case, format, out)?;
        if json {
            print_json(&serde_json::json!({ "out": path, "analysis": id, "bytes": bytes }))?;
        } else {
            outln!(
                "{} {} ({bytes} bytes)",
                tr("Written", "Escrito"),
                super::shown::path(&path)
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let window = Window::parse(window)?;
    let bar = spinner("{bar:40} {pos}/{len} {msg}");
    let never = AtomicBool::new(false);
    let stored = vault.analyze(
        case,
        window,
        &mut |p: Progress| {
            bar.set_length(p.total);
            bar.set_position(p.done);
            bar.set_message(if p.pass == 1 {
                tr("counting", "contando").to_string()
            } else {
                tr("finding campaigns", "buscando campañas").to_string()
            });
        },
        &never,
    )?;
    bar.finish_and_clear();
    let a = &stored.analysis;
    if json {
        print_json(a)?;
        return Ok(ExitCode::SUCCESS);
    }
    let window_words =
        testigo_core::analysis::campaigns::duration_words(i64::from(a.parameters.window));
    outln!(
        "{} {} {} ({} {}) {} {} {}, {} {}{}.",
        tr("Analysed", "Se analizaron"),
        a.input.posts,
        tr("posts", "publicaciones"),
        a.input.items,
        tr("vault items", "elementos de la bóveda"),
        tr("by", "de"),
        a.input.accounts,
        tr("accounts", "cuentas"),
        tr("window", "ventana"),
        match lang() {
            Lang::En => &window_words.0,
            Lang::Es => &window_words.1,
        },
        match a.parameters.window_estimated {
            Some(e) => format!(
                " ({} {e:.0} s)",
                tr("estimated from the data:", "estimada de los datos:")
            ),
            None => String::new(),
        }
    );
    if a.campaigns.is_empty() {
        outln!(
            "{}",
            tr(
                "No campaign found: no group of accounts acted together more than coincidence explains.",
                "No se encontraron campañas: ningún grupo de cuentas actuó en conjunto más de lo que explica la coincidencia."
            )
        );
        return Ok(ExitCode::SUCCESS);
    }
    if a.campaigns.len() == 1 {
        outln!("{}", tr("1 campaign found:", "1 campaña encontrada:"));
    } else {
        outln!(
            "{} {}:",
            a.campaigns.len(),
            tr(
                "campaigns found, strongest first",
                "campañas encontradas, de la más fuerte a la más débil"
            )
        );
    }
    for (i, c) in a.campaigns.iter().enumerate() {
        print_campaign(i + 1, c);
    }
    outln!();
    outln!(
        "{}",
        tr(
            "These are behaviours, not verdicts: read each account's signals (--json) with what they are and are not.",
            "Son comportamientos, no veredictos: lee las señales de cada cuenta (--json) con lo que son y lo que no son."
        )
    );
    outln!(
        "{} testigo analyze --case {} --export csv|graphml|json --out FILE",
        tr("Export:", "Exportar:"),
        super::shown::arg(case)
    );
    Ok(ExitCode::SUCCESS)
}

fn print_campaign(n: usize, c: &Campaign) {
    outln!();
    outln!(
        "{n}. {}  {} {}/100  {} – {} UTC",
        c.id,
        tr("strength", "fuerza"),
        c.strength,
        c.start.format("%Y-%m-%d %H:%M:%S"),
        c.end.format("%Y-%m-%d %H:%M:%S")
    );
    let reason = match lang() {
        Lang::En => &c.reason,
        Lang::Es => &c.reason_es,
    };
    outln!("   {}", Shown(reason));
    for t in c.texts.iter().take(2) {
        outln!("   «{}»", Shown(&short(&t.text, 90)));
    }
    let handles: Vec<String> = c
        .accounts
        .iter()
        .take(8)
        .map(|a| format!("@{}", Shown(&a.handle)))
        .collect();
    let more = c.accounts.len().saturating_sub(8);
    outln!(
        "   {} ({}): {}{}",
        tr("accounts", "cuentas"),
        c.accounts.len(),
        handles.join(", "),
        if more > 0 {
            format!(" (+{more})")
        } else {
            String::new()
        }
    );
    if !c.hashtags.is_empty() {
        let tags: Vec<String> = c
            .hashtags
            .iter()
            .take(5)
            .map(|h| format!("#{} ({})", Shown(&h.name), h.posts))
            .collect();
        outln!("   hashtags: {}", tags.join(", "));
    }
    if !c.locations.is_empty() {
        let places: Vec<String> = c
            .locations
            .iter()
            .map(|l| format!("{} ({})", l.name, l.posts))
            .collect();
        outln!("   {}: {}", tr("places", "lugares"), places.join(", "));
    }
}
