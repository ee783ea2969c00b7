//! Shared by the benchmark's examples: the posts of a QUT toolkit CSV, read
//! with Testigo's own reader, handed out as the analysis reads them (rows
//! that cannot be read are left out).

use testigo_core::analysis::InputPost;
use testigo_core::posts::formats::{Format, read};

/// Hands every readable post of `file` to `f`, in file order.
pub fn each_post(
    file: &str,
    f: &mut dyn FnMut(&InputPost) -> testigo_core::Result<()>,
) -> testigo_core::Result<()> {
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
}
