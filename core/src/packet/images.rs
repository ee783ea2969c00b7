//! Pictures for the packet: screenshots decoded (with the import's limits,
//! under the process-wide decoding budget of [`crate::imaging`]),
//! put on white and downscaled to print resolution as JPEG, and QR codes as
//! SVG. Everything stays in memory; the originals in the vault are never
//! touched.
//!
//! Main items: [`prepare_all`] (every screenshot of a packet, on several
//! threads, with progress and cancellation), [`prepare`] (one) and
//! [`qr_svg`].

use std::io::Cursor;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use image::codecs::jpeg::JpegEncoder;

use crate::error::Result;
use crate::imaging::{decode, flatten_on_white, sniff_image};
use crate::model::Kind;
use crate::record::Item;

/// Longest side of a printed image, in pixels: the template's widest image
/// (17.6 cm, a Letter page less its margins) at 200 dpi is 1,386 pixels.
/// Larger screenshots are scaled down to this; smaller ones are kept as they are.
pub const MAX_SIDE: u32 = 1400;
/// JPEG quality of printed images: text in screenshots stays crisp on paper.
pub const JPEG_QUALITY: u8 = 85;
/// Pixels of all the pictures of one packet together. Typst keeps every
/// picture decoded (3 bytes a pixel) while it lays out and writes the PDF, so
/// this bounds the memory a packet needs: up to about 180 screenshots get
/// their full print size, more get fewer pixels each.
pub const PIXEL_BUDGET: u64 = 200_000_000;
/// The fewest pixels a picture gets however many there are: 0.3 Mpx is a
/// 16:9 screenshot 730 pixels wide, about 105 dpi across a page.
pub const MIN_PIXELS: u64 = 300_000;

/// The most pixels each of `count` pictures may have.
pub fn pixels_each(count: usize) -> u64 {
    (PIXEL_BUDGET / count.max(1) as u64).clamp(MIN_PIXELS, u64::from(MAX_SIDE).pow(2))
}

/// A screenshot ready to print.
pub struct PrintImage {
    /// The JPEG bytes.
    pub jpeg: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Whether an item has a picture to print.
pub fn printable(item: &Item) -> bool {
    item.kind == Kind::Screenshot && item.sha256.is_some()
}

/// Decodes a screenshot's bytes and makes its print version: at most
/// [`MAX_SIDE`] pixels a side and `max_pixels` in all, its shape kept. The
/// error is a sentence for the packet (the image is then described, not shown).
pub fn prepare(bytes: &[u8], max_pixels: u64) -> std::result::Result<PrintImage, String> {
    let format = sniff_image(bytes).ok_or("the file is not an image this version can show")?;
    // The full-size pixels hold their share of the decoding budget until
    // this returns.
    let decoded = decode(bytes, format).map_err(|e| e.to_string())?;
    let (w, h) = (f64::from(decoded.width()), f64::from(decoded.height()));
    let scale = (f64::from(MAX_SIDE) / w.max(h))
        .min((max_pixels as f64 / (w * h)).sqrt())
        .min(1.0);
    let img = if scale < 1.0 {
        let nw = ((w * scale).round() as u32).max(1);
        let nh = ((h * scale).round() as u32).max(1);
        // Area averaging: as sharp as a filtered resize for shrinking, and
        // several times faster.
        decoded.thumbnail(nw, nh)
    } else {
        decoded.image.clone()
    };
    let rgb = flatten_on_white(&img).to_rgb8();
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(Cursor::new(&mut jpeg), JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(|e| format!("the image could not be re-encoded for printing: {e}"))?;
    Ok(PrintImage {
        jpeg,
        width: rgb.width(),
        height: rgb.height(),
    })
}

/// One prepared picture: the item's number in the packet, and the image or
/// why it cannot be shown.
pub type Prepared = (usize, std::result::Result<PrintImage, String>);

/// Prepares the pictures of `items` (number in the packet, item) on up to
/// four threads, reading each original with `read` (which checks its
/// SHA-256: a damaged original fails the packet). `progress` hears the count
/// done. `None` when `cancel` was set.
pub fn prepare_all(
    items: &[(usize, &Item)],
    read: &(dyn Fn(&str) -> Result<Vec<u8>> + Sync),
    progress: &mut dyn FnMut(usize),
    cancel: &AtomicBool,
) -> Result<Option<Vec<Prepared>>> {
    let max_pixels = pixels_each(items.len());
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 4)
        .min(items.len().max(1));
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, Result<Prepared>)>();
    let mut out: Vec<Option<Prepared>> = Vec::new();
    out.resize_with(items.len(), || None);
    let mut first_error = None;
    std::thread::scope(|s| {
        for _ in 0..threads {
            let tx = tx.clone();
            let next = &next;
            s.spawn(move || {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= items.len() || cancel.load(Ordering::Relaxed) {
                        break;
                    }
                    let (n, item) = items[k];
                    let sha = item.sha256.as_deref().unwrap_or_default();
                    let result = read(sha).map(|bytes| (n, prepare(&bytes, max_pixels)));
                    let failed = result.is_err();
                    if tx.send((k, result)).is_err() || failed {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut done = 0;
        for (k, result) in rx {
            match result {
                Ok(p) => out[k] = Some(p),
                Err(e) => {
                    // Stop the others; report the first failure.
                    next.store(items.len(), Ordering::Relaxed);
                    first_error.get_or_insert(e);
                }
            }
            done += 1;
            progress(done);
        }
    });
    if let Some(e) = first_error {
        return Err(e);
    }
    if cancel.load(Ordering::Relaxed) {
        return Ok(None);
    }
    Ok(Some(out.into_iter().flatten().collect()))
}

/// A QR code of `text` as SVG (black on white, with its quiet zone), or
/// `None` when the text is too long for a QR code.
pub fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .or_else(|_| {
            qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::L)
        })
        .ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(w, h, image::Rgba([10, 20, 30, 128]));
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn large_screenshots_are_scaled_to_print_size_keeping_their_shape() {
        let full = pixels_each(100);
        let p = prepare(&png(3840, 1080), full).unwrap();
        assert_eq!((p.width, p.height), (1400, 394));
        assert!(p.jpeg.starts_with(&[0xFF, 0xD8]));
        let phone = prepare(&png(1080, 2340), full).unwrap();
        assert_eq!(phone.height, 1400);
        assert_eq!(phone.width, 646);
        let small = prepare(&png(300, 200), full).unwrap();
        assert_eq!((small.width, small.height), (300, 200));
    }

    #[test]
    fn many_pictures_share_a_pixel_budget() {
        assert_eq!(pixels_each(1), 1400 * 1400);
        assert_eq!(pixels_each(180), 1_111_111);
        assert_eq!(pixels_each(5000), MIN_PIXELS);
        let p = prepare(&png(1920, 1080), pixels_each(1000)).unwrap();
        assert_eq!((p.width, p.height), (730, 411));
    }

    #[test]
    fn what_is_not_an_image_is_described_not_shown() {
        assert!(prepare(b"hola", MIN_PIXELS).is_err());
    }

    #[test]
    fn qr_codes_are_svg_and_refuse_what_does_not_fit() {
        let svg = qr_svg("testigo-report/1 report:0123").unwrap();
        assert!(svg.contains("<svg"), "{svg}");
        assert!(qr_svg(&"x".repeat(5000)).is_none());
    }
}
