//! The campaign analysis of a QUT toolkit CSV, straight from the file (no
//! vault), printed as the JSON `testigo analyze --json` prints: for the
//! benchmark's quality figures on large generated inputs.
//!
//! Usage: analyze_csv FILE.csv [WINDOW] > analysis.json

use std::sync::atomic::AtomicBool;

use testigo_core::analysis::{InputPost, Window, analyze};
use testigo_core::posts::formats::{Format, read};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let Some(file) = args.get(1) else {
        return Err("usage: analyze_csv FILE.csv [WINDOW]".into());
    };
    let window = Window::parse(args.get(2).map_or("1m", String::as_str))?;
    let mut source = |f: &mut dyn FnMut(&InputPost) -> testigo_core::Result<()>| {
        let reader = std::io::BufReader::new(std::fs::File::open(file).map_err(|e| {
            testigo_core::Error::invalid(format!("{file}: {e}"), format!("{file}: {e}"))
        })?);
        read(Format::Qut, reader, &mut |row| {
            let Ok(p) = row else { return Ok(()) };
            f(&InputPost {
                id: p.message_id,
                account_id: p.user_id.clone().unwrap_or_else(|| p.handle.clone()),
                handle: p.handle,
                platform: Some("x".into()),
                time: p.posted_at,
                text: p.text,
                links: p.links,
                reply_to: p.reply_to,
                repost_of: p.repost_of,
                ..InputPost::default()
            })
        })
    };
    let never = AtomicBool::new(false);
    let a = analyze(&mut source, 0, window, &mut |_| {}, &never)?;
    println!("{}", serde_json::to_string(&a)?);
    Ok(())
}
