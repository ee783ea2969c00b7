//! The command line, as clap sees it. `docs/cli.md` documents every command;
//! keep the two together.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use testigo_core::record::{FIELDS, Meta, MetaInput};

/// Testigo: document online harassment and bot campaigns in an encrypted vault.
/// Testigo: documenta el acoso en línea y las campañas de bots en una bóveda cifrada.
#[derive(Debug, Parser)]
#[command(name = "testigo", version, max_term_width = 100)]
pub struct Cli {
    /// Vault folder (default: the OS data folder) / Carpeta de la bóveda
    #[arg(long, global = true, env = "TESTIGO_VAULT", value_name = "DIR")]
    pub vault: Option<PathBuf>,

    /// Print one JSON document on stdout / Imprime un documento JSON
    #[arg(long, global = true)]
    pub json: bool,

    /// Show the technical details of errors / Muestra los detalles técnicos de los errores
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// A subcommand.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new vault (asks for a passphrase) / Crea una bóveda nueva
    Init,
    /// Create and list cases / Crea y lista casos
    #[command(subcommand)]
    Case(CaseCommand),
    /// Import screenshots and files, or whole folders / Importa capturas y archivos
    Add {
        /// Files or folders (folders are imported recursively)
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Case id or name
        #[arg(long, value_name = "CASE")]
        case: String,
        /// Follow symbolic links (skipped by default) and import what they point to
        #[arg(long)]
        follow_links: bool,
        #[command(flatten)]
        meta: MetaArgs,
    },
    /// Record links to posts and capture their pages / Registra enlaces y captura sus páginas
    Link {
        /// http or https URLs
        #[arg(required_unless_present = "from_file", value_name = "URL")]
        urls: Vec<String>,
        /// Also read URLs from this file: one per line, `#` starts a comment
        #[arg(long, value_name = "FILE")]
        from_file: Option<PathBuf>,
        /// Case id or name
        #[arg(long, value_name = "CASE")]
        case: String,
        /// Record the links without fetching them
        #[arg(long)]
        no_fetch: bool,
        #[command(flatten)]
        fetch: FetchArgs,
        #[command(flatten)]
        meta: MetaArgs,
    },
    /// Fetch a link's page again, as a new capture / Vuelve a capturar un enlace
    Recapture {
        /// Item id or a unique prefix of it
        item: String,
        /// Fetch instead the Nth oEmbed endpoint (default 1) the latest capture announcing any names
        #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "1",
              value_parser = clap::value_parser!(u32).range(1..))]
        oembed: Option<u32>,
        #[command(flatten)]
        fetch: FetchArgs,
    },
    /// Write a note / Escribe una nota
    Note {
        /// The note's text
        #[arg(value_name = "TEXT")]
        note_text: String,
        /// Case id or name
        #[arg(long, value_name = "CASE")]
        case: String,
        #[command(flatten)]
        meta: MetaArgs,
    },
    /// List items / Lista elementos
    List(ListArgs),
    /// Show one item with its history / Muestra un elemento
    Show {
        /// Item id or a unique prefix of it
        item: String,
    },
    /// Change an item's fields / Cambia los campos de un elemento
    Edit {
        /// Item id or a unique prefix of it
        item: String,
        #[command(flatten)]
        meta: MetaArgs,
        /// Clear a field (repeatable)
        #[arg(long, value_name = "FIELD", value_parser = field_names())]
        clear: Vec<String>,
    },
    /// Full-text search, accents ignored / Búsqueda de texto, sin importar acentos
    Search {
        /// Words to find
        #[arg(required = true, value_name = "QUERY")]
        query: Vec<String>,
        /// Only in this case
        #[arg(long, value_name = "CASE")]
        case: Option<String>,
    },
    /// Authors with their items / Autores con sus elementos
    Accounts {
        /// Only in this case
        #[arg(long, value_name = "CASE")]
        case: Option<String>,
    },
    /// Write an item's original bytes / Escribe los bytes originales
    Cat {
        /// Item id or a unique prefix of it
        item: String,
        /// Write to this file instead of standard output
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// For a link: the WARC of capture N (1 is the first) instead of the latest
        #[arg(long, value_name = "N")]
        capture: Option<u32>,
    },
    /// Remove an item; the custody log keeps the record / Elimina un elemento
    Rm {
        /// Item id or a unique prefix of it
        item: String,
        /// Why it is removed (kept in the custody log)
        #[arg(long, required = true)]
        reason: String,
    },
    /// The custody log / La cadena de custodia
    Log {
        /// Only this case
        #[arg(long, value_name = "CASE")]
        case: Option<String>,
    },
    /// Verify the database, every object and the custody chain / Verifica la bóveda
    Check,
    /// Change the passphrase / Cambia la contraseña
    Passphrase,
    /// Show or change the vault's capture settings / Ajustes de captura
    Settings {
        #[command(subcommand)]
        action: Option<SettingsCommand>,
    },
    /// The vault's signing key / La clave de firma de la bóveda
    #[command(subcommand)]
    Key(KeyCommand),
    /// Seal items into a signed report (a ZIP) / Sella elementos en un reporte firmado
    Seal {
        /// Case id or name
        #[arg(long, value_name = "CASE")]
        case: String,
        /// Only these items (repeatable; default: every item of the case)
        #[arg(long = "item", value_name = "ID")]
        items: Vec<String>,
        /// The ZIP to write (with --encrypt-to, FILE.age is written instead)
        #[arg(long, value_name = "FILE.zip")]
        out: PathBuf,
        /// Encrypt the whole report with age to this X25519 recipient (age1…), repeatable
        #[arg(long = "encrypt-to", value_name = "AGE_RECIPIENT")]
        encrypt_to: Vec<String>,
        #[command(flatten)]
        print: PrintArgs,
    },
    /// Print items to a PDF evidence packet / Imprime elementos en un expediente PDF
    Packet {
        /// Case id or name
        #[arg(long, value_name = "CASE")]
        case: String,
        /// Only these items (repeatable; default: every item of the case)
        #[arg(long = "item", value_name = "ID")]
        items: Vec<String>,
        /// The PDF to write
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
        #[command(flatten)]
        print: PrintArgs,
    },
    /// Organizations that receive reports / Organizaciones que reciben reportes
    #[command(subcommand)]
    Org(OrgCommand),
    /// Send a sealed report to an organization and wait for its receipt / Envía un reporte sellado a una organización
    Submit {
        /// The sealed report (.zip, or .zip.age encrypted to the organization)
        #[arg(value_name = "REPORT")]
        report: PathBuf,
        /// The organization (its name or id, as `org list` shows)
        #[arg(long, value_name = "ORG")]
        to: String,
    },
    /// The outbox: submissions and where each is / La bandeja de salida
    Outbox {
        #[command(subcommand)]
        command: Option<OutboxCommand>,
    },
    /// Import a file of posts for campaign analysis / Importa un archivo de publicaciones para el análisis de campañas
    ImportPosts {
        /// The file: QUT toolkit CSV, twarc2 JSONL, Zeeschuimer NDJSON or Telegram Desktop result.json
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Case id or name
        #[arg(long, value_name = "CASE")]
        case: String,
        /// qut, twarc2, zeeschuimer or telegram
        #[arg(long, value_name = "FORMAT")]
        format: String,
        /// The platform, when the file does not say (QUT CSV): x, tiktok, ...
        #[arg(long, value_name = "PLATFORM")]
        platform: Option<String>,
    },
    /// List or search imported posts / Lista o busca publicaciones importadas
    Posts {
        /// Case id or name
        #[arg(long, value_name = "CASE")]
        case: String,
        /// Only posts matching these words (accents ignored)
        #[arg(long, value_name = "WORDS")]
        search: Option<String>,
        /// Only posts by this handle
        #[arg(long, value_name = "HANDLE")]
        account: Option<String>,
        /// Show at most this many, newest first
        #[arg(long, value_name = "N", default_value_t = 50)]
        limit: usize,
    },
    /// Find coordinated campaigns in a case / Busca campañas coordinadas en un caso
    Analyze {
        /// Case id or name
        #[arg(long, value_name = "CASE")]
        case: String,
        /// How close in time posts must be: 1m, 10m, 1h, auto (estimated from the data) or seconds
        #[arg(long, value_name = "WINDOW", default_value = "1m")]
        window: String,
        /// Instead of analysing, write the latest results as csv, graphml or json
        #[arg(long, value_name = "FORMAT", requires = "out")]
        export: Option<String>,
        /// The file to write the export to
        #[arg(long, value_name = "FILE", requires = "export")]
        out: Option<PathBuf>,
    },
    /// Verify a sealed report; needs no vault / Verifica un reporte sellado; no necesita bóveda
    Verify {
        /// The sealed report (.zip, or .age with --identity)
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// The signer's minisign public key (base64, RWQ…) you trust
        #[arg(long, value_name = "KEY", conflicts_with = "trusted_key")]
        pubkey: Option<String>,
        /// A minisign .pub file with the key you trust
        #[arg(long, value_name = "FILE")]
        trusted_key: Option<PathBuf>,
        /// Your age identity file, for .age reports
        #[arg(long, value_name = "AGE_KEY_FILE")]
        identity: Option<PathBuf>,
    },
}

/// `settings` subcommands.
#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Print one setting's value
    Get {
        /// The setting, e.g. capture.proxy
        key: String,
    },
    /// Change a setting
    Set {
        /// The setting, e.g. capture.proxy
        key: String,
        /// Its new value
        value: String,
    },
    /// Put a setting back to its default
    Unset {
        /// The setting
        key: String,
    },
}

/// How to fetch, for this command only (the vault's settings otherwise).
#[derive(Debug, Args, Default)]
pub struct FetchArgs {
    /// Proxy: http://, https://, socks5:// or socks5h:// (Tor: socks5h://127.0.0.1:9050)
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// The User-Agent header to send
    #[arg(long, value_name = "TEXT")]
    pub user_agent: Option<String>,
    /// Seconds a whole capture may take, redirects included (default 60)
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<String>,
    /// Most bytes of a page kept (default 52428800, 50 MiB)
    #[arg(long, value_name = "BYTES")]
    pub max_size: Option<String>,
}

impl FetchArgs {
    /// These flags over the vault's settings.
    pub fn apply(
        &self,
        mut o: testigo_core::FetchOptions,
    ) -> testigo_core::Result<testigo_core::FetchOptions> {
        use testigo_core::capture::options::{check_proxy, parse_bytes, parse_seconds};
        if let Some(p) = &self.proxy {
            o.proxy = (!p.trim().is_empty()).then(|| check_proxy(p)).transpose()?;
        }
        if let Some(ua) = &self.user_agent {
            if ua.trim().is_empty() || ua.chars().any(char::is_control) {
                return Err(testigo_core::Error::invalid(
                    "--user-agent must be one line of text, not empty",
                    "--user-agent debe ser una sola línea de texto, no vacía",
                ));
            }
            o.user_agent = ua.trim().to_string();
        }
        if let Some(t) = &self.timeout {
            o.timeout = parse_seconds("--timeout", t)?;
            o.connect_timeout = o.connect_timeout.min(o.timeout);
        }
        if let Some(m) = &self.max_size {
            o.max_bytes = parse_bytes("--max-size", m)?;
        }
        Ok(o)
    }
}

/// `key` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Print the public key and its fingerprint / Imprime la clave pública
    Show,
    /// Write the public key as a minisign .pub file / Escribe la clave pública
    Export {
        /// Where to write it
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Set who signs (written into sealed reports) / Define quién firma
    SetSigner {
        /// Name of the person or role signing ("" clears it)
        #[arg(long)]
        name: Option<String>,
        /// How to reach them: e-mail or phone ("" clears it)
        #[arg(long)]
        contact: Option<String>,
        /// Organization sealing the reports ("" clears it)
        #[arg(long)]
        organization: Option<String>,
    },
}

/// `org` subcommands.
#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Add an organization from its .testigo-org file / Agrega una organización
    Add {
        /// The organization's .testigo-org file
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// List the organizations added / Lista las organizaciones
    List,
}

/// `outbox` subcommands.
#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// List the submissions (the default) / Lista los envíos
    List,
    /// Send what is waiting, failed ones included / Envía lo pendiente
    Run,
    /// Pause a submission / Pausa un envío
    Pause {
        /// The submission's id
        id: String,
    },
    /// Resume a paused submission / Reanuda un envío
    Resume {
        /// The submission's id
        id: String,
    },
    /// Write a submission's receipt and its signature / Escribe el acuse de un envío
    Receipt {
        /// The submission's id
        id: String,
        /// Where to write the receipt (its signature goes to FILE.minisig)
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// `case` subcommands.
#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Create a case / Crea un caso
    New {
        /// Unique name
        name: String,
        /// What the case is about
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List cases / Lista casos
    List,
    /// Rename or describe a case / Renombra o describe un caso
    Edit {
        /// Case id or name
        case: String,
        /// New name
        #[arg(long)]
        name: Option<String>,
        /// New description
        #[arg(long)]
        description: Option<String>,
    },
}

/// Filters of `list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Case id or name
    #[arg(long, value_name = "CASE")]
    pub case: Option<String>,
    /// Only items with this category
    #[arg(long, value_name = "C")]
    pub category: Option<String>,
    /// Only items on this platform
    #[arg(long, value_name = "P")]
    pub platform: Option<String>,
    /// Only items by this handle (with or without @)
    #[arg(long, value_name = "H")]
    pub author: Option<String>,
    /// Only items of this kind (screenshot, file, link, note)
    #[arg(long)]
    pub kind: Option<String>,
    /// Only items with this threat level
    #[arg(long)]
    pub threat_level: Option<String>,
    /// Only items from this location
    #[arg(long)]
    pub state: Option<String>,
    /// Posted (or captured) at or after this time
    #[arg(long)]
    pub since: Option<String>,
    /// Posted (or captured) before this time
    #[arg(long)]
    pub until: Option<String>,
    /// Sort by posted time instead of captured time
    #[arg(long)]
    pub by_posted: bool,
}

/// The fields of a documentation record, as flags: one per row of the
/// core's field table ([`FIELDS`]), so a field added there is a flag here.
#[derive(Debug, Default)]
pub struct MetaArgs {
    /// The values given, by field name, in the order given.
    given: Vec<(&'static str, Vec<String>)>,
}

impl clap::FromArgMatches for MetaArgs {
    fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let given = FIELDS
            .iter()
            .filter_map(|f| {
                let values = m.get_many::<String>(f.name)?;
                Some((f.name, values.cloned().collect()))
            })
            .collect();
        Ok(MetaArgs { given })
    }

    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for MetaArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        FIELDS.iter().fold(cmd, |cmd, f| {
            let action = if f.list {
                clap::ArgAction::Append
            } else {
                clap::ArgAction::Set
            };
            cmd.arg(
                clap::Arg::new(f.name)
                    .long(f.flag)
                    .value_name(f.flag.to_uppercase().replace('-', "_"))
                    .help(f.help)
                    .action(action),
            )
        })
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

/// `--clear`'s values: each field by its flag, also accepted by its name
/// and with `_` for `-` (`author_name`, `categories`).
pub fn field_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(FIELDS.iter().map(|f| {
        let mut aliases: Vec<String> = [
            f.name.to_string(),
            f.name.replace('_', "-"),
            f.flag.replace('-', "_"),
        ]
        .into_iter()
        .filter(|a| a != f.flag)
        .collect();
        aliases.sort();
        aliases.dedup();
        clap::builder::PossibleValue::new(f.flag).aliases(aliases)
    }))
}

impl MetaArgs {
    /// Parses the flags into the core's [`Meta`]; `clear` names fields to empty.
    pub fn to_meta(&self, clear: &[String]) -> testigo_core::Result<Meta> {
        let mut input = MetaInput::default();
        for (name, values) in &self.given {
            input.set_typed(name, values.clone())?;
        }
        let mut meta = input.parse()?;
        for field in clear {
            match meta.clear(field) {
                Some(false) => {}
                Some(true) => {
                    return Err(testigo_core::Error::invalid(
                        format!(
                            "--clear {field} and a new value for it were both given; give one of them"
                        ),
                        format!(
                            "se dieron --clear {field} y un valor nuevo para ese campo; da solo uno de los dos"
                        ),
                    ));
                }
                None => {
                    return Err(testigo_core::Error::invalid(
                        format!("--clear {field}: no such field; see `testigo edit --help`"),
                        format!("--clear {field}: no existe ese campo; mira `testigo edit --help`"),
                    ));
                }
            }
        }
        Ok(meta)
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}

/// How a packet is printed (`packet`, and the packet inside a `seal`ed bundle).
#[derive(Debug, Args)]
pub struct PrintArgs {
    /// Language of the packet: es (default) or en
    #[arg(long, value_name = "es|en")]
    pub lang: Option<String>,
    /// Time zone for local times, an IANA name (default America/Mexico_City)
    #[arg(long = "tz", value_name = "ZONE")]
    pub time_zone: Option<String>,
    /// Paper size: letter (default) or a4
    #[arg(long, value_name = "letter|a4")]
    pub paper: Option<String>,
}

impl PrintArgs {
    /// The options, or a usage error for a value that cannot be read.
    pub fn options(&self) -> Result<testigo_core::PacketOptions, testigo_core::Error> {
        testigo_core::PacketOptions::parse(
            self.lang.as_deref(),
            self.time_zone.as_deref(),
            self.paper.as_deref(),
        )
    }
}
