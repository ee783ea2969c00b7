//! Writing an analysis's results as files, pure: JSON (the stored results
//! themselves), CSV (one row per post of each campaign, safe to open in a
//! spreadsheet: a cell that would start a formula is written with a leading
//! apostrophe) and GraphML (accounts and who acted with whom; opens in
//! Gephi). The same results give the same bytes.
//!
//! Main type: [`ExportFormat`].

use std::collections::HashMap;
use std::io;

use super::Analysis;
use crate::error::{Error, Result};

/// A file format for results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// The results as JSON.
    Json,
    /// One row per campaign post.
    Csv,
    /// The account network.
    Graphml,
}

impl ExportFormat {
    /// Reads `json`, `csv` or `graphml`.
    pub fn parse(s: &str) -> Result<ExportFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(ExportFormat::Json),
            "csv" => Ok(ExportFormat::Csv),
            "graphml" => Ok(ExportFormat::Graphml),
            _ => Err(Error::invalid(
                format!("unknown export format {s:?}: give csv, graphml or json"),
                format!("formato de exportación desconocido {s:?}: indica csv, graphml o json"),
            )),
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Json => "json",
            ExportFormat::Csv => "csv",
            ExportFormat::Graphml => "graphml",
        }
    }
}

/// Writes the results in `format` to `w`, as it goes: nothing is built
/// whole in memory first.
pub fn write(a: &Analysis, format: ExportFormat, w: &mut dyn io::Write) -> io::Result<()> {
    match format {
        ExportFormat::Json => serde_json::to_writer_pretty(w, a).map_err(io::Error::from),
        ExportFormat::Csv => csv(a, w),
        ExportFormat::Graphml => graphml(a, w),
    }
}

/// The results in `format`, in memory (for tests and small results).
pub fn render(a: &Analysis, format: ExportFormat) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write(a, format, &mut out).map_err(|e| {
        Error::invalid(
            format!("cannot write the results: {e}"),
            format!("no se pueden escribir los resultados: {e}"),
        )
    })?;
    Ok(out)
}

/// A cell a spreadsheet will not run: one starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return (or their full-width forms) gets a
/// leading apostrophe, as OWASP advises.
pub fn spreadsheet_safe(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠') => {
            format!("'{s}")
        }
        _ => s.to_string(),
    }
}

fn csv(a: &Analysis, out: &mut dyn io::Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "campaign",
        "strength",
        "reason",
        "reason_es",
        "post",
        "vault_item",
        "account",
        "handle",
        "posted_at",
        "behaviours",
        "text",
    ])?;
    for c in &a.campaigns {
        for p in &c.timeline {
            let handle = c
                .accounts
                .iter()
                .find(|x| x.id == p.account)
                .map(|x| x.handle.as_str())
                .unwrap_or_default();
            let behaviours: Vec<&str> = p.behaviours.iter().map(|b| b.as_str()).collect();
            let row = [
                c.id.clone(),
                c.strength.to_string(),
                c.reason.clone(),
                c.reason_es.clone(),
                p.id.clone(),
                if p.item { "yes".into() } else { "no".into() },
                p.account.clone(),
                handle.to_string(),
                p.at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                behaviours.join(" "),
                p.text.clone(),
            ];
            w.write_record(row.iter().map(|s| spreadsheet_safe(s)))?;
        }
    }
    w.flush()
}

/// Text fit for an XML attribute or element: markup escaped, and the
/// characters XML 1.0 cannot hold (most control characters) dropped.
pub fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

fn graphml(a: &Analysis, s: &mut dyn io::Write) -> io::Result<()> {
    s.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
    s.write_all(b"<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n")?;
    for (id, for_, name, ty) in [
        ("handle", "node", "handle", "string"),
        ("platform", "node", "platform", "string"),
        ("campaigns", "node", "campaigns", "string"),
        ("campaign_count", "node", "campaign_count", "int"),
        ("weight", "edge", "weight", "int"),
        ("co_post", "edge", "co_post", "int"),
        ("co_link", "edge", "co_link", "int"),
        ("co_repost", "edge", "co_repost", "int"),
        ("co_reply", "edge", "co_reply", "int"),
    ] {
        writeln!(
            s,
            "  <key id=\"{id}\" for=\"{for_}\" attr.name=\"{name}\" attr.type=\"{ty}\"/>"
        )?;
    }
    s.write_all(b"  <graph id=\"testigo\" edgedefault=\"undirected\">\n")?;
    // The campaigns of each account, in the campaigns' order.
    let mut campaigns_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for c in &a.campaigns {
        for x in &c.accounts {
            let of = campaigns_of.entry(x.id.as_str()).or_default();
            if of.last() != Some(&c.id.as_str()) {
                of.push(c.id.as_str());
            }
        }
    }
    for acct in &a.accounts {
        let campaigns = campaigns_of
            .get(acct.id.as_str())
            .map_or(&[][..], Vec::as_slice);
        writeln!(s, "    <node id=\"{}\">", xml_text(&acct.id))?;
        writeln!(
            s,
            "      <data key=\"handle\">{}</data>",
            xml_text(&acct.handle)
        )?;
        if let Some(p) = &acct.platform {
            writeln!(s, "      <data key=\"platform\">{}</data>", xml_text(p))?;
        }
        writeln!(
            s,
            "      <data key=\"campaigns\">{}</data>",
            xml_text(&campaigns.join(" "))
        )?;
        writeln!(
            s,
            "      <data key=\"campaign_count\">{}</data>",
            campaigns.len()
        )?;
        s.write_all(b"    </node>\n")?;
    }
    for (i, e) in a.edges.iter().enumerate() {
        writeln!(
            s,
            "    <edge id=\"e{i}\" source=\"{}\" target=\"{}\">",
            xml_text(&e.a),
            xml_text(&e.b)
        )?;
        let weight = e.co_post + e.co_link + e.co_repost + e.co_reply;
        for (k, v) in [
            ("weight", weight),
            ("co_post", e.co_post),
            ("co_link", e.co_link),
            ("co_repost", e.co_repost),
            ("co_reply", e.co_reply),
        ] {
            writeln!(s, "      <data key=\"{k}\">{v}</data>")?;
        }
        s.write_all(b"    </edge>\n")?;
    }
    s.write_all(b"  </graph>\n</graphml>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_would_be_formulas_are_defused() {
        assert_eq!(
            spreadsheet_safe("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(spreadsheet_safe("+52 55"), "'+52 55");
        assert_eq!(spreadsheet_safe("-1"), "'-1");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("\tx"), "'\tx");
        assert_eq!(spreadsheet_safe("＝1+1"), "'＝1+1");
        assert_eq!(spreadsheet_safe("hola"), "hola");
    }

    #[test]
    fn xml_text_escapes_markup_and_drops_what_xml_cannot_hold() {
        assert_eq!(
            xml_text("<a href=\"x\">&'</a>\u{1b}[31m"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;[31m"
        );
    }
}
