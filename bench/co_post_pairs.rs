//! The raw co-post network of a QUT toolkit CSV, for the campaign-analysis
//! benchmark: every pair of accounts (by user id) that posted the same or
//! near-identical text within the window of each other, with how many
//! times, as `user_a,user_b,weight` lines, read with Testigo's own CSV
//! reader and normalization (`testigo_core::analysis::co_post_pairs`). The
//! QUT toolkit's co-tweet edges must all be among these.
//!
//! Usage: co_post_pairs FILE.csv WINDOW_SECONDS > pairs.csv

use std::io::Write;

use testigo_core::analysis::{InputPost, co_post_pairs};

#[path = "qut_source.rs"]
mod qut_source;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(file), Some(window)) = (args.get(1), args.get(2)) else {
        return Err("usage: co_post_pairs FILE.csv WINDOW_SECONDS".into());
    };
    let window: u32 = window.parse()?;
    let mut source =
        |f: &mut dyn FnMut(&InputPost) -> testigo_core::Result<()>| qut_source::each_post(file, f);
    let pairs = co_post_pairs(&mut source, window)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for e in pairs {
        writeln!(out, "{},{},{}", e.a, e.b, e.co_post)?;
    }
    Ok(())
}
