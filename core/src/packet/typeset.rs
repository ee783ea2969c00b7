//! The typesetting shell: a Typst world that holds only what the packet
//! needs, all in memory — the template and its strings (embedded from
//! `templates/`), the fonts shipped in `fonts/` (embedded; system fonts are
//! never read), the data as JSON, and the prepared images and QR codes —
//! and the compilation of that world to PDF.
//!
//! Main function: [`render`]. The template reads `/data.json`,
//! `/strings.toml`, `/img/<n>.jpg` and `/qr/<name>.svg`; nothing else
//! exists in its world, so it cannot reach the disk or the network.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Timelike, Utc};
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::layout::PagedDocument;
use typst::syntax::{FileId, Source, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::error::{Error, Result};

/// The template a designer edits; see `templates/packet.typ`.
const TEMPLATE: &str = include_str!("../../templates/packet.typ");
/// Every label and heading, in Spanish and English.
const STRINGS: &str = include_str!("../../templates/packet-strings.toml");

/// The fonts, shipped in the repository (SIL Open Font License, `fonts/OFL.txt`).
static FONT_FILES: &[&[u8]] = &[
    include_bytes!("../../fonts/NotoSans-Regular.ttf"),
    include_bytes!("../../fonts/NotoSans-Bold.ttf"),
    include_bytes!("../../fonts/NotoSans-Italic.ttf"),
    include_bytes!("../../fonts/NotoSans-BoldItalic.ttf"),
    include_bytes!("../../fonts/NotoSansMono-Regular.ttf"),
    include_bytes!("../../fonts/NotoSansMono-Bold.ttf"),
    include_bytes!("../../fonts/NotoSansArabic-Regular.ttf"),
    include_bytes!("../../fonts/NotoSansArabic-Bold.ttf"),
    include_bytes!("../../fonts/NotoSansHebrew-Regular.ttf"),
    include_bytes!("../../fonts/NotoSansHebrew-Bold.ttf"),
    include_bytes!("../../fonts/NotoColorEmoji.ttf"),
    include_bytes!("../../fonts/NotoSansMath-Regular.ttf"),
    include_bytes!("../../fonts/NotoSansSymbols2-Regular.ttf"),
];

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let fonts: Vec<Font> = FONT_FILES
        .iter()
        .flat_map(|data| Font::iter(Bytes::new(*data)))
        .collect();
    Fonts {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

static LIBRARY: LazyLock<LazyHash<Library>> =
    LazyLock::new(|| LazyHash::new(Library::builder().build()));

/// What the template sees: its source, and named files.
struct PacketWorld {
    main: Source,
    files: BTreeMap<String, Bytes>,
    today: DateTime<Utc>,
}

impl World for PacketWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        let path = id.vpath().as_rooted_path().to_string_lossy().into_owned();
        self.files
            .get(&path)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.vpath().as_rootless_path().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    fn today(&self, offset: Option<i64>) -> Option<Datetime> {
        let t = self.today + chrono::Duration::hours(offset.unwrap_or(0));
        Datetime::from_ymd(t.year(), t.month() as u8, t.day() as u8)
    }
}

/// Images and QR codes by their path in the template's world (such as
/// `/img/3.jpg`), shared (not copied) by every attempt to typeset.
pub type Files = BTreeMap<String, Bytes>;

/// [`Files`] from their bytes.
pub fn files(files: BTreeMap<String, Vec<u8>>) -> Files {
    files.into_iter().map(|(k, v)| (k, Bytes::new(v))).collect()
}

/// Runs a step of the engine; a panic in it is a failure like any other
/// (the engine has panicked on input it did not expect), so that the
/// caller can try a safer form instead of the program stopping.
fn guarded<T>(step: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(step)).unwrap_or_else(|_| {
        Err(Error::invalid(
            "the PDF engine stopped on this packet's content",
            "el motor de PDF se detuvo con el contenido de este expediente",
        ))
    })
}

/// Typesets the template with `data` (the JSON the template reads as
/// `/data.json`) and `files` into a PDF/A-2b document (plain PDF when it
/// cannot conform: a glyph that no shipped font has).
///
/// `ident` is a stable identifier of the document (the report id) and
/// `created` its creation time: with the same inputs the bytes are the same.
pub fn render(
    data: Vec<u8>,
    files: &Files,
    ident: &str,
    created: DateTime<Utc>,
) -> Result<Typeset> {
    guarded(|| render_unguarded(data, files, ident, created))
}

fn render_unguarded(
    data: Vec<u8>,
    files: &Files,
    ident: &str,
    created: DateTime<Utc>,
) -> Result<Typeset> {
    let mut all = files.clone();
    all.insert("/data.json".into(), Bytes::new(data));
    all.insert("/strings.toml".into(), Bytes::new(STRINGS.as_bytes()));
    let world = PacketWorld {
        main: Source::new(
            FileId::new(None, VirtualPath::new("/packet.typ")),
            TEMPLATE.into(),
        ),
        files: all,
        today: created,
    };
    let document: PagedDocument = typst::compile(&world)
        .output
        .map_err(|diags| template_error(&world, &diags))?;
    let timestamp = Datetime::from_ymd_hms(
        created.year(),
        created.month() as u8,
        created.day() as u8,
        created.hour() as u8,
        created.minute() as u8,
        created.second() as u8,
    )
    .map(Timestamp::new_utc);
    let options = |standards| PdfOptions {
        ident: Smart::Custom(ident),
        timestamp,
        standards,
        ..PdfOptions::default()
    };
    // PDF/A-2b forbids glyphs no font has (CJK text, for one, has no font
    // here): such a packet is written as plain PDF rather than not at all.
    let archival = PdfStandards::new(&[PdfStandard::A_2b]).map_err(|e| {
        Error::invalid(
            format!("the PDF standard cannot be used: {e}"),
            format!("no se puede usar el estándar PDF: {e}"),
        )
    })?;
    let (pdf, pdf_a) = match typst_pdf::pdf(&document, &options(archival)) {
        Ok(pdf) => (pdf, true),
        Err(_) => (
            typst_pdf::pdf(&document, &options(PdfStandards::default()))
                .map_err(|diags| template_error(&world, &diags))?,
            false,
        ),
    };
    Ok(Typeset {
        pdf,
        pages: document.pages.len(),
        pdf_a,
    })
}

/// A typeset packet.
pub struct Typeset {
    /// The PDF.
    pub pdf: Vec<u8>,
    /// Its number of pages.
    pub pages: usize,
    /// Whether it is PDF/A-2b.
    pub pdf_a: bool,
}

/// The template's errors, with their line, for whoever edits it.
fn template_error(world: &PacketWorld, diags: &[SourceDiagnostic]) -> Error {
    let text: Vec<String> = diags
        .iter()
        .map(|d| {
            let line = world
                .source(d.span.id().unwrap_or(world.main.id()))
                .ok()
                .and_then(|s| s.range(d.span).map(|r| s.lines().byte_to_line(r.start)))
                .flatten()
                .map(|l| format!("templates/packet.typ line {}: ", l + 1))
                .unwrap_or_default();
            format!("{line}{}", d.message)
        })
        .collect();
    let text = text.join("; ");
    Error::invalid(
        format!(
            "the packet template failed to typeset ({text}); the template or its data is at fault"
        ),
        format!(
            "la plantilla del expediente no se pudo componer ({text}); la falla está en la plantilla o en sus datos"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_font_the_template_names_is_shipped() {
        let families: Vec<String> = FONTS
            .book
            .families()
            .map(|(name, _)| name.to_lowercase())
            .collect();
        let mut named = 0;
        let font_lines = TEMPLATE
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("font: (") || l.starts_with("#let mono ="));
        for line in font_lines {
            for name in line.split('"').skip(1).step_by(2) {
                named += 1;
                assert!(
                    families.contains(&name.to_lowercase()),
                    "the template names the font {name:?}, which is not in fonts/"
                );
            }
        }
        assert!(named >= 5, "{named}");
    }

    #[test]
    fn every_shipped_font_loads() {
        let families: Vec<String> = FONTS
            .book
            .families()
            .map(|(name, _)| name.to_string())
            .collect();
        for f in [
            "Noto Sans",
            "Noto Sans Mono",
            "Noto Sans Arabic",
            "Noto Sans Hebrew",
            "Noto Color Emoji",
            "Noto Sans Math",
            "Noto Sans Symbols2",
        ] {
            assert!(families.iter().any(|n| n == f), "{f} missing: {families:?}");
        }
    }
}
