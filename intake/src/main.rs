//! `testigo-intake`: the intake server's command. See docs/intake.md.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use testigo_intake::{config, inbox, keys, server, state};

/// Testigo's intake server: organizations receive sealed reports and answer
/// with signed receipts / Servidor de recepción de Testigo.
#[derive(Parser)]
#[command(name = "testigo-intake", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the server's folder: keys, the organization file, the configuration
    Init {
        /// The server's folder (created)
        #[arg(long)]
        dir: PathBuf,
        /// The organization's name
        #[arg(long, default_value = "Organización")]
        name: String,
        /// The address reporters reach this server at
        #[arg(long, default_value = "http://127.0.0.1:8470")]
        url: String,
        /// How a person reaches the organization
        #[arg(long, default_value = "")]
        contact: String,
        /// Where `serve` listens (IP:PORT)
        #[arg(long)]
        listen: Option<String>,
    },
    /// Serve uploads, receipts and the staff inbox until interrupted
    Serve {
        /// The server's folder
        #[arg(long)]
        dir: PathBuf,
        /// Listen here instead of the configured address (IP:PORT)
        #[arg(long)]
        listen: Option<String>,
    },
    /// Print the receipt public key (minisign format)
    Key {
        /// The server's folder
        #[arg(long)]
        dir: PathBuf,
    },
    /// List the reports received
    List {
        /// The server's folder
        #[arg(long)]
        dir: PathBuf,
        /// JSON output
        #[arg(long)]
        json: bool,
    },
    /// Show one report (by receipt id)
    Show {
        /// The server's folder
        #[arg(long)]
        dir: PathBuf,
        /// The receipt id
        receipt: String,
    },
    /// Copy a report's file (as received) out of the server
    Export {
        /// The server's folder
        #[arg(long)]
        dir: PathBuf,
        /// The receipt id
        receipt: String,
        /// Where to write it
        #[arg(long)]
        out: PathBuf,
    },
    /// Staff accounts of the inbox
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a staff account, or set its password (read from
    /// TESTIGO_INTAKE_PASSWORD, or asked for)
    Add {
        /// The server's folder
        #[arg(long)]
        dir: PathBuf,
        /// The account's name
        name: String,
    },
}

fn main() {
    if let Err(e) = run() {
        eprintln!("testigo-intake: {e:#}");
        std::process::exit(1);
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn run() -> Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    match Cli::parse().command {
        Command::Init {
            dir,
            name,
            url,
            contact,
            listen,
        } => {
            let org = keys::init(
                &dir,
                &keys::Init {
                    name: &name,
                    url: &url,
                    contact: &contact,
                    listen: listen.as_deref(),
                },
            )?;
            let key = org.receipt_key()?;
            println!("created {} for {}", dir.display(), org.name.escape_debug());
            println!(
                "organization file: {}",
                dir.join(config::ORG_FILE).display()
            );
            println!("receipt key id: {}", key.key_id);
            println!(
                "fingerprint: {}",
                testigo_core::signing::grouped(&key.fingerprint)
            );
            Ok(())
        }
        Command::Serve { dir, listen } => {
            runtime()?.block_on(server::serve(&dir, listen.as_deref()))
        }
        Command::Key { dir } => {
            print!("{}", keys::receipt_public(&dir)?.pub_file);
            Ok(())
        }
        Command::List { dir, json } => runtime()?.block_on(async {
            let state = state::State::open(&dir).await?;
            let reports = state.index.reports().await?;
            if json {
                let rows: Vec<_> = reports
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "receipt_id": r.receipt_id, "report_id": r.report_id,
                            "sha256": r.sha256, "size": r.size, "received_at": r.received_at,
                            "encrypted": r.encrypted, "verification": r.verification,
                            "status": r.status, "filename": r.filename, "key_id": r.key_id,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else if reports.is_empty() {
                println!("no reports yet / todavía no hay reportes");
            } else {
                for r in reports {
                    println!(
                        "{}  {}  {:>10}  {:<24}  {}",
                        r.receipt_id, r.received_at, r.size, r.verification, r.status
                    );
                }
            }
            Ok(())
        }),
        Command::Show { dir, receipt } => runtime()?.block_on(async {
            let state = state::State::open(&dir).await?;
            let r = state
                .index
                .report(&receipt)
                .await?
                .context("no report with that receipt id")?;
            let summary: serde_json::Value = serde_json::from_str(&r.summary).unwrap_or_default();
            println!("receipt:      {}", r.receipt_id);
            println!("report id:    {}", r.report_id.as_deref().unwrap_or("-"));
            println!("received:     {}", r.received_at);
            println!("sha256:       {}", r.sha256);
            println!("size:         {}", r.size);
            println!("verification: {}", r.verification);
            println!("status:       {}", r.status);
            if let Some(case) = summary.get("case").and_then(|c| c.as_str()) {
                println!("case:         {}", case.escape_debug());
            }
            if let Some(n) = summary.get("items").and_then(|c| c.as_u64()) {
                println!("items:        {n}");
            }
            Ok(())
        }),
        Command::Export { dir, receipt, out } => runtime()?.block_on(async {
            let state = state::State::open(&dir).await?;
            let r = state
                .index
                .report(&receipt)
                .await?
                .context("no report with that receipt id")?;
            let path = testigo_intake::blobs::export(&state.blobs, &r.sha256, &out).await?;
            println!("{}", path.display());
            Ok(())
        }),
        Command::User {
            command: UserCommand::Add { dir, name },
        } => {
            let password = match std::env::var("TESTIGO_INTAKE_PASSWORD") {
                Ok(p) => p,
                Err(_) => rpassword::prompt_password(format!("password for {name}: "))?,
            };
            if password.chars().count() < 12 {
                bail!(
                    "the password must have at least 12 characters / la contraseña debe tener al menos 12 caracteres"
                );
            }
            let hash = inbox::hash_password(&password)?;
            runtime()?.block_on(async {
                let state = state::State::open(&dir).await?;
                state.index.set_user(name.trim(), &hash).await
            })?;
            println!("staff account {} is ready", name.escape_debug());
            Ok(())
        }
    }
}
