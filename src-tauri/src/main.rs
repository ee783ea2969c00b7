//! The Testigo desktop app's entry point; everything is in the library.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    testigo_desktop_lib::run();
}
