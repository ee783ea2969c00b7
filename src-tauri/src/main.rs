//! The Testigo desktop app's entry point; everything is in the library.
//!
//! The same binary is the `testigo` command: installed packages link (or
//! wrap) `testigo` to it, and called by that name it runs the CLI, so the
//! core, typst and the packet's fonts are shipped once.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let called_as = std::env::args_os().next();
    let name = called_as
        .as_deref()
        .map(Path::new)
        .and_then(Path::file_stem);
    if name.is_some_and(|n| n == "testigo") {
        return testigo::run();
    }
    testigo_desktop_lib::run();
    ExitCode::SUCCESS
}
