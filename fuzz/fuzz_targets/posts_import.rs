//! Fuzzes reading a file of posts as `import-posts` reads it, and the
//! campaign analysis of what was read: the first byte picks the format
//! (QUT CSV, twarc2, Zeeschuimer, Telegram), the rest is the file. Beyond
//! not panicking and staying within the memory and time limits: every row
//! read keeps the promises the importer relies on (an id, an author, a text
//! within its cap, lines in order), and the analysis of up to 300 of them
//! runs to the end with its results exportable in every format.
#![no_main]

use std::sync::atomic::AtomicBool;

use libfuzzer_sys::fuzz_target;
use testigo_core::analysis::{InputPost, Window, analyze, export};
use testigo_core::posts::formats::{Format, MAX_TEXT, read};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, file)) = data.split_first() else {
        return;
    };
    let format = [
        Format::Qut,
        Format::Twarc2,
        Format::Zeeschuimer,
        Format::Telegram,
    ][usize::from(sel) % 4];
    let mut posts: Vec<InputPost> = Vec::new();
    let mut last_line = 0;
    let _ = read(format, file, &mut |row| {
        let line = match &row {
            Ok(p) => p.line,
            Err(e) => e.line,
        };
        assert!(line >= last_line, "line {line} after {last_line}");
        last_line = line;
        match row {
            Ok(p) => {
                assert!(!p.message_id.is_empty(), "a row without an id");
                assert!(!p.handle.is_empty(), "a row without an author");
                assert!(p.text.len() <= MAX_TEXT, "text over the cap");
                if posts.len() < 300 {
                    posts.push(InputPost {
                        id: p.message_id,
                        account_id: p.user_id.clone().unwrap_or_else(|| p.handle.clone()),
                        handle: p.handle,
                        platform: p.platform,
                        time: p.posted_at,
                        text: p.text,
                        links: p.links,
                        hashtags: p.hashtags,
                        reply_to: p.reply_to,
                        repost_of: p.repost_of,
                        ..InputPost::default()
                    });
                }
            }
            Err(e) => assert!(!e.reason.is_empty() && !e.reason_es.is_empty()),
        }
        Ok(())
    });
    // The analysis reads posts in time order, as the vault hands them over.
    posts.sort_by_key(|p| p.time);
    let mut source = |f: &mut dyn FnMut(&InputPost) -> testigo_core::Result<()>| {
        posts.iter().try_for_each(|p| f(p))
    };
    let never = AtomicBool::new(false);
    let a = analyze(&mut source, 0, Window::OneMinute, &mut |_| {}, &never)
        .expect("an analysis of posts that were read");
    for f in [
        export::ExportFormat::Json,
        export::ExportFormat::Csv,
        export::ExportFormat::Graphml,
    ] {
        export::render(&a, f).expect("results that were made can be written");
    }
});
