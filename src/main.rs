//! The `testigo` command-line program: the CLI is the `testigo` library
//! (`src/lib.rs`), glue over the core (`testigo-core`), where the work happens.

fn main() -> std::process::ExitCode {
    testigo::run()
}
