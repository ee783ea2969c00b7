//! The `testigo` command-line program: glue between the terminal and the
//! core library (see `src/lib.rs`); the work happens there.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
