//! The `testigo` command: parses the command line, opens the vault, calls
//! the core, prints the result. Exit codes: 0 success, 1 when anything
//! failed (after doing all that could be done), 2 usage errors.
//!
//! Text that did not come from Testigo is shown escaped (`shown::Shown`),
//! and every line goes out through `outln!` or `errln!`, which escape any
//! control character but Testigo's own newlines: `print!` and friends are
//! refused here by the lints below.

#![deny(clippy::print_stdout, clippy::print_stderr)]

/// Prints a line on stdout, escaped (`term::out`). When the reader has gone
/// (`testigo list | head`), the program ends quietly.
macro_rules! outln {
    () => {
        $crate::term::out("")
    };
    ($($arg:tt)*) => {
        $crate::term::out(&format!($($arg)*))
    };
}

/// Prints a line on stderr, escaped (`term::err`).
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::term::err(&format!($($arg)*))
    };
}

mod analysis;
mod args;
mod bundle;
mod capture_text;
mod links;
mod render;
mod shown;
mod submit;
mod term;

use std::io::{IsTerminal as _, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use serde::Serialize;
use testigo_core::error::IoContext;
use testigo_core::model::{Category, Kind, ThreatLevel, parse_time};
use testigo_core::{AddStatus, Error, ErrorKind, ItemFilter, Vault};

use args::{CaseCommand, Cli, Command, OutboxCommand};
use shown::Shown;
use term::{Confirm, tr};

/// Runs the CLI and returns its exit code.
pub fn run() -> ExitCode {
    // A panic's message could quote a name: it goes out escaped too.
    std::panic::set_hook(Box::new(|info| {
        let trace = std::backtrace::Backtrace::capture();
        match trace.status() {
            std::backtrace::BacktraceStatus::Captured => errln!("{info}\n{trace}"),
            _ => errln!("{info}"),
        }
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version hold only Testigo's text; an error can quote an
        // argument (a file name), so it is printed escaped and plain.
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            errln!("{}", e.render().to_string().trim_end());
            return ExitCode::from(2);
        }
    };
    let name = command_name(&cli.command);
    match dispatch(cli) {
        Ok(code) => code,
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            errln!("error: {}", term::message(&e));
            if let Some(d) = term::detail_line(e.detail().as_deref()) {
                errln!("{d}");
            }
            if let Some(h) = term::hint(&e, name) {
                errln!("{}: {h}", tr("hint", "sugerencia"));
            }
            if e.kind() == ErrorKind::Invalid {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn command_name(c: &Command) -> &'static str {
    match c {
        Command::Init => "init",
        Command::Case(_) => "case",
        Command::Add { .. } => "add",
        Command::Link { .. } => "link",
        Command::Recapture { .. } => "recapture",
        Command::Settings { .. } => "settings",
        Command::Note { .. } => "note",
        Command::List(_) => "list",
        Command::Show { .. } => "show",
        Command::Edit { .. } => "edit",
        Command::Search { .. } => "search",
        Command::Accounts { .. } => "accounts",
        Command::Cat { .. } => "cat",
        Command::Rm { .. } => "rm",
        Command::Log { .. } => "log",
        Command::Check => "check",
        Command::Passphrase => "passphrase",
        Command::Key(_) => "key",
        Command::Seal { .. } => "seal",
        Command::Packet { .. } => "packet",
        Command::Verify { .. } => "verify",
        Command::Org(_) => "org",
        Command::Submit { .. } => "submit",
        Command::Outbox { .. } => "outbox",
        Command::ImportPosts { .. } => "import-posts",
        Command::Posts { .. } => "posts",
        Command::Analyze { .. } => "analyze",
    }
}

fn vault_dir(cli: &Cli) -> Result<PathBuf, Error> {
    cli.vault
        .clone()
        .or_else(testigo_core::vault::default_dir)
        .ok_or_else(|| {
            Error::invalid(
                "cannot find a data folder for the vault; give one with --vault DIR",
                "no se encuentra una carpeta de datos para la bóveda; indica una con --vault CARPETA",
            )
        })
}

fn open(dir: &Path) -> Result<Vault, Error> {
    if !testigo_core::vault::exists(dir) {
        return Err(Error::NoVault(dir.to_path_buf()));
    }
    let pass = term::passphrase(
        "TESTIGO_PASSPHRASE",
        "Passphrase: ",
        "Contraseña: ",
        Confirm::Once,
    )?;
    Vault::open(dir, &pass)
}

/// Output that cannot be written as JSON (it never happens with our types).
fn json_error(e: &serde_json::Error) -> Error {
    Error::invalid(
        format!("cannot print JSON: {e}"),
        format!("no se puede imprimir el JSON: {e}"),
    )
}

/// One JSON document on stdout, with any control character inside its
/// strings written as a JSON escape (`shown::json`): the same value.
/// Prints a value as pretty JSON, made safe for a terminal as it is written
/// (an analysis of a million posts is not held twice in memory).
fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<(), Error> {
    let mut out = shown::JsonOut::new(std::io::BufWriter::new(std::io::stdout().lock()));
    let written = serde_json::to_writer_pretty(&mut out, value)
        .map_err(|e| if e.is_io() { None } else { Some(e) })
        .and_then(|()| {
            out.write_all(b"\n")
                .and_then(|()| out.flush())
                .map_err(|_| None)
        });
    match written {
        Ok(()) => Ok(()),
        Err(Some(e)) => Err(json_error(&e)),
        // stdout closed (a pipe whose reader stopped): nothing more to say.
        Err(None) => std::process::exit(0),
    }
}

fn dispatch(cli: Cli) -> Result<ExitCode, Error> {
    let json = cli.json;
    term::set_verbose(cli.verbose);
    if let Command::Verify {
        file,
        pubkey,
        trusted_key,
        identity,
    } = cli.command
    {
        // Verifying needs no vault and no passphrase.
        return bundle::verify(&file, pubkey, trusted_key, identity, json);
    }
    let dir = vault_dir(&cli)?;
    match cli.command {
        Command::Init => {
            if testigo_core::vault::exists(&dir) {
                return Err(Error::VaultExists(dir));
            }
            let pass = term::passphrase(
                "TESTIGO_PASSPHRASE",
                "New passphrase: ",
                "Contraseña nueva: ",
                Confirm::Twice,
            )?;
            if let Some(w) = term::weak_passphrase_warning(&pass) {
                errln!("{w}");
            }
            let vault = Vault::create(&dir, &pass)?;
            if json {
                print_json(&serde_json::json!({ "vault": vault.dir() }))?;
            } else {
                outln!(
                    "{} {}",
                    tr("Vault created at", "Bóveda creada en"),
                    shown::path(vault.dir())
                );
                errln!(
                    "{}",
                    tr(
                        "Keep the passphrase safe: without it the evidence cannot be recovered.",
                        "Guarda bien la contraseña: sin ella la evidencia no se puede recuperar."
                    )
                );
            }
        }
        Command::Case(cmd) => {
            let vault = open(&dir)?;
            match cmd {
                CaseCommand::New { name, description } => {
                    let case = vault.create_case(&name, &description)?;
                    if json {
                        print_json(&case)?;
                    } else {
                        outln!(
                            "{} {} ({})",
                            tr("Created case", "Caso creado"),
                            Shown(&case.name),
                            case.id
                        );
                    }
                }
                CaseCommand::List => {
                    let cases = vault.cases()?;
                    if json {
                        print_json(&cases)?;
                    } else {
                        render::cases(&cases);
                    }
                }
                CaseCommand::Edit {
                    case,
                    name,
                    description,
                } => {
                    let case = vault.edit_case(&case, name.as_deref(), description.as_deref())?;
                    if json {
                        print_json(&case)?;
                    } else {
                        outln!(
                            "{} {} ({})",
                            tr("Updated case", "Caso actualizado"),
                            Shown(&case.name),
                            case.id
                        );
                    }
                }
            }
        }
        Command::Add {
            paths,
            case,
            follow_links,
            meta,
        } => {
            let meta = meta.to_meta(&[])?;
            let vault = open(&dir)?;
            let options = testigo_core::ImportOptions { follow_links };
            return add(&vault, &case, &paths, &meta, options, json);
        }
        Command::Link {
            mut urls,
            from_file,
            case,
            no_fetch,
            fetch,
            meta,
        } => {
            let meta = meta.to_meta(&[])?;
            if let Some(f) = &from_file {
                urls.extend(links::read_url_list(f)?);
            }
            if urls.is_empty() {
                return Err(Error::invalid(
                    "no URLs given: name them, or list them in the --from-file file",
                    "no se dio ninguna URL: escríbelas, o ponlas en el archivo de --from-file",
                ));
            }
            fetch.apply(testigo_core::FetchOptions::default())?;
            let vault = open(&dir)?;
            let opts = if no_fetch || !vault.fetch_on_add()? {
                None
            } else {
                Some(fetch.apply(vault.capture_options()?)?)
            };
            return links::link(&vault, &case, &urls, &meta, opts.as_ref(), json);
        }
        Command::Recapture {
            item,
            oembed,
            fetch,
        } => {
            fetch.apply(testigo_core::FetchOptions::default())?;
            let vault = open(&dir)?;
            let opts = fetch.apply(vault.capture_options()?)?;
            return links::recapture(&vault, &item, oembed, &opts, json);
        }
        Command::Settings { action } => {
            let vault = open(&dir)?;
            links::settings(&vault, action, json)?;
        }
        Command::Note {
            note_text,
            case,
            meta,
        } => {
            let meta = meta.to_meta(&[])?;
            let vault = open(&dir)?;
            let item = vault.add_note(&case, &note_text, &meta)?;
            if json {
                print_json(&item)?;
            } else {
                outln!("{} {}", tr("Added note", "Nota agregada"), item.id);
            }
        }
        Command::List(a) => {
            let vault = open(&dir)?;
            let filter = ItemFilter {
                case_id: a
                    .case
                    .as_deref()
                    .map(|c| vault.resolve_case(c))
                    .transpose()?
                    .map(|c| c.id),
                category: a.category.as_deref().map(Category::parse).transpose()?,
                platform: a.platform,
                author: a.author,
                kind: a.kind.as_deref().map(Kind::parse).transpose()?,
                threat_level: a
                    .threat_level
                    .as_deref()
                    .map(ThreatLevel::parse)
                    .transpose()?,
                state: a.state,
                since: a.since.as_deref().map(parse_time).transpose()?,
                until: a.until.as_deref().map(parse_time).transpose()?,
                by_posted: a.by_posted,
            };
            let items = vault.list(&filter)?;
            if json {
                print_json(&items)?;
            } else {
                render::items(&items);
            }
        }
        Command::Show { item } => {
            let vault = open(&dir)?;
            let d = vault.item_detail(&item)?;
            if json {
                print_json(&d)?;
            } else {
                render::detail(&d);
            }
        }
        Command::Edit { item, meta, clear } => {
            let meta = meta.to_meta(&clear)?;
            if meta.is_empty() {
                return Err(Error::invalid(
                    "nothing to change: give the fields to set, e.g. --category threat",
                    "no hay nada que cambiar: indica los campos, p. ej. --category amenaza",
                ));
            }
            let vault = open(&dir)?;
            let item = vault.edit(&item, &meta)?;
            if json {
                print_json(&item)?;
            } else {
                outln!("{} {}", tr("Updated", "Actualizado"), item.id);
            }
        }
        Command::Search { query, case } => {
            let vault = open(&dir)?;
            let case_id = case
                .as_deref()
                .map(|c| vault.resolve_case(c))
                .transpose()?
                .map(|c| c.id);
            let items = vault.search(&query.join(" "), case_id.as_deref())?;
            if json {
                print_json(&items)?;
            } else {
                render::items(&items);
            }
        }
        Command::Accounts { case } => {
            let vault = open(&dir)?;
            let case_id = case
                .as_deref()
                .map(|c| vault.resolve_case(c))
                .transpose()?
                .map(|c| c.id);
            let accounts = vault.accounts(case_id.as_deref())?;
            if json {
                print_json(&accounts)?;
            } else {
                render::accounts(&accounts);
            }
        }
        Command::Cat { item, out, capture } => {
            let vault = open(&dir)?;
            cat(&vault, &item, out.as_deref(), capture)?;
        }
        Command::Rm { item, reason } => {
            let vault = open(&dir)?;
            let removed = vault.remove(&item, &reason)?;
            if json {
                print_json(&removed)?;
            } else {
                outln!("{} {}", tr("Removed", "Eliminado"), removed.id);
            }
        }
        Command::Log { case } => {
            let vault = open(&dir)?;
            let case_id = case
                .as_deref()
                .map(|c| vault.resolve_case(c))
                .transpose()?
                .map(|c| c.id);
            let entries = vault.log(case_id.as_deref())?;
            if json {
                print_json(&entries)?;
            } else {
                render::log(&entries);
            }
        }
        Command::Check => {
            let vault = open(&dir)?;
            let report = vault.check()?;
            if json {
                print_json(&report)?;
            } else {
                render::check(&report);
            }
            if !report.ok {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Key(cmd) => {
            let vault = open(&dir)?;
            bundle::key(&vault, cmd, json)?;
        }
        Command::Seal {
            case,
            items,
            out,
            encrypt_to,
            print,
        } => {
            let packet = print.options()?;
            let vault = open(&dir)?;
            bundle::seal(&vault, case, items, out, encrypt_to, packet, json)?;
        }
        Command::Packet {
            case,
            items,
            out,
            print,
        } => {
            let options = print.options()?;
            let vault = open(&dir)?;
            bundle::packet(&vault, case, items, out, options, json)?;
        }
        Command::Verify { .. } => unreachable!("handled above"),
        Command::Org(cmd) => {
            let vault = open(&dir)?;
            submit::org(&vault, cmd, json)?;
        }
        Command::Submit { report, to } => {
            let vault = open(&dir)?;
            return submit::submit(&vault, &report, &to, json);
        }
        Command::Outbox { command } => {
            let vault = open(&dir)?;
            return submit::outbox(&vault, command.unwrap_or(OutboxCommand::List), json);
        }
        Command::ImportPosts {
            file,
            case,
            format,
            platform,
        } => {
            let vault = open(&dir)?;
            return analysis::import_posts(
                &vault,
                &file,
                &case,
                &format,
                platform.as_deref(),
                json,
            );
        }
        Command::Posts {
            case,
            search,
            account,
            limit,
        } => {
            let vault = open(&dir)?;
            return analysis::posts(
                &vault,
                &case,
                search.as_deref(),
                account.as_deref(),
                limit,
                json,
            );
        }
        Command::Analyze {
            case,
            window,
            export,
            out,
        } => {
            let vault = open(&dir)?;
            let export = export.as_deref().zip(out.as_deref());
            return analysis::analyze(&vault, &case, &window, export, json);
        }
        Command::Passphrase => {
            if !testigo_core::vault::exists(&dir) {
                return Err(Error::NoVault(dir));
            }
            let old = term::passphrase(
                "TESTIGO_PASSPHRASE",
                "Current passphrase: ",
                "Contraseña actual: ",
                Confirm::Once,
            )?;
            let mut vault = Vault::open(&dir, &old)?;
            let new = term::passphrase(
                "TESTIGO_NEW_PASSPHRASE",
                "New passphrase: ",
                "Contraseña nueva: ",
                Confirm::Twice,
            )?;
            if let Some(w) = term::weak_passphrase_warning(&new) {
                errln!("{w}");
            }
            vault.change_passphrase(&old, &new)?;
            if json {
                print_json(&serde_json::json!({ "changed": true }))?;
            } else {
                outln!("{}", tr("Passphrase changed.", "Contraseña cambiada."));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn add(
    vault: &Vault,
    case: &str,
    paths: &[PathBuf],
    meta: &testigo_core::Meta,
    options: testigo_core::ImportOptions,
    json: bool,
) -> Result<ExitCode, Error> {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let outcomes = vault.import_paths(case, paths, meta, options, &mut |p| {
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
        if let Some(path) = &p.outcome.path {
            term::set_message(&bar, path);
        }
        if !json || matches!(p.outcome.status, AddStatus::Error | AddStatus::Skipped) {
            bar.suspend(|| errln!("{}", render::outcome_line(p.outcome)));
        }
    })?;
    bar.finish_and_clear();
    errln!("{}", render::outcome_summary(&outcomes));
    if json {
        print_json(&outcomes)?;
    }
    let failed = outcomes.iter().any(|o| o.status == AddStatus::Error);
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes an item's original bytes to stdout or to a file (via a temporary
/// name, so a damaged object never leaves a plausible-looking file behind).
fn cat(vault: &Vault, item: &str, out: Option<&Path>, capture: Option<u32>) -> Result<(), Error> {
    let export = |w: &mut dyn Write, to: &str| match capture {
        None => vault.export(item, w, to).map(|_| ()),
        Some(n) => vault.export_capture(item, Some(n), w, to).map(|_| ()),
    };
    match out {
        None => {
            if std::io::stdout().is_terminal() {
                return Err(Error::invalid(
                    "not writing the item's bytes to the terminal, where they could act as control codes; give --out FILE, or redirect the output to a file or a program",
                    "no se escriben los bytes del elemento en la terminal, donde podrían actuar como códigos de control; indica --out ARCHIVO, o redirige la salida a un archivo o a un programa",
                ));
            }
            let mut stdout = std::io::stdout().lock();
            export(&mut stdout, "standard output")?;
            stdout
                .flush()
                .map_err(Error::io(IoContext::WritingStdout))?;
        }
        Some(path) => {
            // Atomic: a failure leaves no partial file.
            vault.export_to(item, capture.map(Some), path)?;
        }
    }
    Ok(())
}
