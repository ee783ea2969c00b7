//! The campaign analysis of a QUT toolkit CSV, straight from the file (no
//! vault), printed as the JSON `testigo analyze --json` prints: for the
//! benchmark's quality figures on large generated inputs.
//!
//! Usage: analyze_csv FILE.csv [WINDOW] > analysis.json

use std::sync::atomic::AtomicBool;

use testigo_core::analysis::{InputPost, Window, analyze};

#[path = "qut_source.rs"]
mod qut_source;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let Some(file) = args.get(1) else {
        return Err("usage: analyze_csv FILE.csv [WINDOW]".into());
    };
    let window = Window::parse(args.get(2).map_or("1m", String::as_str))?;
    let mut source =
        |f: &mut dyn FnMut(&InputPost) -> testigo_core::Result<()>| qut_source::each_post(file, f);
    let never = AtomicBool::new(false);
    let a = analyze(&mut source, 0, window, &mut |_| {}, &never)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    serde_json::to_writer(&mut out, &a)?;
    std::io::Write::write_all(&mut out, b"\n")?;
    Ok(())
}
