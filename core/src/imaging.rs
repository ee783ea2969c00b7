//! Decoding untrusted images with limits, under one memory budget shared by
//! every thread of the process (import workers, packet printing, the app's
//! concurrent operations), so several decodes at once cannot add up to more
//! memory than one is allowed.
//!
//! Main items: [`decode`] (sniffed format → [`Decoded`], which holds its
//! share of the budget until it is dropped), [`sniff_image`],
//! [`flatten_on_white`], the limits ([`MAX_IMAGE_FILE`], [`MAX_SIDE`],
//! [`MAX_PIXELS`], [`MAX_ALLOC`], [`DECODE_BUDGET`]).
//!
//! Before any pixel is decoded, a header is checked three ways: its
//! dimensions against the limits, its claimed size against what a file of
//! its length could possibly hold (a 1 KB JPEG cannot hold 200 million
//! pixels: it is damaged or a bomb), and the memory its decoding needs
//! against [`DECODE_BUDGET`]. A decode that fits waits for its share; one
//! that could never fit is refused.

use std::io::Cursor;
use std::sync::{Condvar, Mutex};

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use crate::error::{Error, ErrorKind, Result};

/// Largest image file that is decoded, in bytes.
pub const MAX_IMAGE_FILE: u64 = 256 * 1024 * 1024;
/// Largest width or height of an image, in pixels.
pub const MAX_SIDE: u32 = 40_000;
/// Largest number of pixels in an image (a 1920-wide page 100,000 tall fits).
pub const MAX_PIXELS: u64 = 200_000_000;
/// Largest allocation a decoder may make.
pub const MAX_ALLOC: u64 = 1024 * 1024 * 1024;
/// The most memory all decodes in the process may use at once, in bytes:
/// a 200-megapixel RGBA PNG (800 MB) fits alone; two such decodes take
/// turns.
pub const DECODE_BUDGET: u64 = 1024 * 1024 * 1024;
/// Decodes needing less than this are never refused for their compression
/// ratio: however absurd, they are cheap.
pub const RATIO_FLOOR: u64 = 64 * 1024 * 1024;

/// An image decoding failure, in English and Spanish.
fn image_error(en: impl Into<String>, es: impl Into<String>) -> Error {
    Error::bilingual(ErrorKind::Import, en, es)
}

/// The image format a file's first bytes announce, among those imported as
/// screenshots. BMP's two-byte `BM` is confirmed by a known header size, so a
/// text file that happens to start with "BM" stays a plain file.
pub fn sniff_image(head: &[u8]) -> Option<ImageFormat> {
    match image::guess_format(head).ok()? {
        ImageFormat::Bmp => {
            let dib = head.get(14..18)?;
            let size = u32::from_le_bytes([dib[0], dib[1], dib[2], dib[3]]);
            [12, 40, 52, 56, 64, 108, 124]
                .contains(&size)
                .then_some(ImageFormat::Bmp)
        }
        f @ (ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP | ImageFormat::Gif) => {
            Some(f)
        }
        _ => None,
    }
}

/// The process-wide decoding budget: bytes reserved by decodes in progress.
struct Budget {
    used: Mutex<u64>,
    freed: Condvar,
}

static BUDGET: Budget = Budget {
    used: Mutex::new(0),
    freed: Condvar::new(),
};

/// A share of [`DECODE_BUDGET`], given back when dropped.
#[derive(Debug)]
struct Reservation(u64);

impl Budget {
    /// Waits until `bytes` fit beside the decodes in progress, then takes
    /// them. `bytes` must be at most [`DECODE_BUDGET`] (else it would wait
    /// forever); [`decode`] refuses such images first.
    fn reserve(&'static self, bytes: u64) -> Reservation {
        let bytes = bytes.min(DECODE_BUDGET);
        // A poisoned lock only means a thread panicked while holding the
        // counter, which it never leaves inconsistent.
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        while *used + bytes > DECODE_BUDGET {
            used = self.freed.wait(used).unwrap_or_else(|e| e.into_inner());
        }
        *used += bytes;
        Reservation(bytes)
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut used = BUDGET.used.lock().unwrap_or_else(|e| e.into_inner());
        *used = used.saturating_sub(self.0);
        drop(used);
        BUDGET.freed.notify_all();
    }
}

/// A decoded image, holding its share of the decoding budget until dropped:
/// keep it only as long as the full-size pixels are needed.
#[derive(Debug)]
pub struct Decoded {
    /// The pixels.
    pub image: DynamicImage,
    _share: Reservation,
}

impl std::ops::Deref for Decoded {
    type Target = DynamicImage;
    fn deref(&self) -> &DynamicImage {
        &self.image
    }
}

/// How many times its output the memory decoding a format takes at its
/// peak. JPEG decoders keep 16-bit coefficients of every component for
/// progressive (and non-interleaved) files besides the output (3x for
/// 4:4:4 colour or grey); WebP decodes through YUV planes or a 32-bit ARGB
/// buffer; GIF composes a frame buffer onto a canvas. PNG and BMP write
/// their rows straight into the output.
fn peak_factor(format: ImageFormat) -> u64 {
    match format {
        ImageFormat::Jpeg => 3,
        ImageFormat::WebP | ImageFormat::Gif => 2,
        _ => 1,
    }
}

/// The most pixels (for PNG: bytes of filtered scanlines) each byte of a
/// file of this format could describe, with room to spare. Beyond it, the
/// header lies: the file is damaged or made to exhaust memory.
///
/// - PNG: deflate cannot expand more than 1,032 times (a 258-byte match in
///   two bits), so the scanlines a PNG needs can never be more than about
///   1,032 times its length; checked exactly on the scanline bytes.
/// - JPEG: every 8x8 block costs at least one bit (its DC code), so a
///   byte describes at most 512 grey pixels (a flat colour screenshot from
///   a real encoder: about 64).
/// - GIF: LZW codes of 12 bits grow by one pixel each, about 1,400 pixels a
///   byte at best.
/// - BMP: uncompressed rows are stored whole; RLE runs give at most 128
///   pixels a byte (only "skip" escapes do better, which no screenshot uses).
/// - WebP: lossless files of one colour can cost almost nothing per pixel,
///   so only what no picture with any content reaches is refused.
fn max_density(format: ImageFormat) -> u64 {
    match format {
        ImageFormat::Png => 1_100,
        ImageFormat::Jpeg | ImageFormat::Bmp => 1_024,
        ImageFormat::Gif => 4_096,
        _ => 16_384,
    }
}

/// What a header claims, measured against the file's length: for PNG the
/// bytes of its scanlines (from IHDR), for the others its pixels.
fn claimed_units(bytes: &[u8], format: ImageFormat, w: u32, h: u32) -> u64 {
    let pixels = u64::from(w) * u64::from(h);
    if format != ImageFormat::Png {
        return pixels;
    }
    let (Some(&depth), Some(&colour)) = (bytes.get(24), bytes.get(25)) else {
        return pixels;
    };
    let channels = match colour {
        2 => 3,
        4 => 2,
        6 => 4,
        _ => 1,
    };
    let row_bits = u64::from(w) * channels * u64::from(depth.max(1));
    u64::from(h) * (1 + row_bits.div_ceil(8))
}

fn mib(bytes: u64) -> String {
    let m = bytes as f64 / (1024.0 * 1024.0);
    if m >= 10.0 {
        format!("{m:.0} MiB")
    } else {
        format!("{m:.1} MiB")
    }
}

fn size_text(bytes: u64) -> String {
    if bytes < 1024 * 1024 {
        format!("{} KiB", bytes.div_ceil(1024))
    } else {
        mib(bytes)
    }
}

/// Decodes an image after checking its header: dimensions within the
/// limits, a size its file could plausibly hold, and memory within
/// [`DECODE_BUDGET`] (waiting for other decodes to finish if need be). A
/// decompression bomb fails on its header instead of exhausting memory.
pub fn decode(bytes: &[u8], format: ImageFormat) -> Result<Decoded> {
    let name = format!("{format:?}").to_uppercase();
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    let damaged = |e: image::ImageError| {
        match e {
        image::ImageError::Limits(l) => image_error(
            format!(
                "the {name} image is too large to open safely; the limits are {MAX_SIDE} pixels a side and {MAX_PIXELS} pixels in all: make a smaller copy (a screenshot of it) and add that"
            ),
            format!(
                "la imagen {name} es demasiado grande para abrirla sin riesgo; los límites son {MAX_SIDE} píxeles por lado y {MAX_PIXELS} píxeles en total: haz una copia más pequeña (una captura de pantalla) y agrégala"
            ),
        )
        .with_detail(l),
        other => image_error(
            format!(
                "this {name} image cannot be opened: the file is damaged or incomplete; if you have the original, add that one"
            ),
            format!(
                "esta imagen {name} no se puede abrir: el archivo está dañado o incompleto; si tienes el original, agrega ese"
            ),
        )
        .with_detail(other),
    }
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder().map_err(damaged)?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(image_error(
            format!("the {name} image has no pixels ({w}x{h})"),
            format!("la imagen {name} no tiene píxeles ({w}x{h})"),
        ));
    }
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(image_error(
            format!(
                "the {name} image claims {w}x{h} pixels, over the limit of {MAX_SIDE} a side and {MAX_PIXELS} in all (a decompression bomb?); it was not decoded"
            ),
            format!(
                "la imagen {name} dice tener {w}x{h} píxeles, más del límite de {MAX_SIDE} por lado y {MAX_PIXELS} en total (¿una bomba de descompresión?); no se decodificó"
            ),
        ));
    }
    let output = decoder.total_bytes();
    let len = bytes.len() as u64;
    if output >= RATIO_FLOOR && claimed_units(bytes, format, w, h) > len * max_density(format) {
        let size = size_text(len);
        return Err(image_error(
            format!(
                "the {name} image claims {w}x{h} pixels but its file is only {size}, far less than that many pixels take even when compressed as well as {name} allows: it is damaged, or made to exhaust memory; it was not decoded (if it opens in an image viewer, save it again from there as PNG and import that)"
            ),
            format!(
                "la imagen {name} dice tener {w}x{h} píxeles, pero su archivo pesa solo {size}, mucho menos de lo que ocupan tantos píxeles aun con la mejor compresión de {name}: está dañada o hecha para agotar la memoria; no se decodificó (si se abre en un visor de imágenes, guárdala de nuevo desde ahí como PNG e impórtala)"
            ),
        ));
    }
    let need = output.saturating_mul(peak_factor(format));
    if need > DECODE_BUDGET {
        let (need, max) = (mib(need), mib(DECODE_BUDGET));
        return Err(image_error(
            format!(
                "decoding this {w}x{h} {name} image needs about {need} of memory, more than the {max} Testigo lets image decoding use; it was not decoded (crop it or split it into smaller images, or save it as PNG, and import those)"
            ),
            format!(
                "decodificar esta imagen {name} de {w}x{h} necesita unos {need} de memoria, más de los {max} que Testigo permite para decodificar imágenes; no se decodificó (recórtala o divídela en imágenes más pequeñas, o guárdala como PNG, e importa esas)"
            ),
        ));
    }
    // As `ImageReader::decode` does: the output counts against the
    // decoder's allocation limit, which leaves the rest for its workings.
    limits.reserve(output).map_err(damaged)?;
    decoder.set_limits(limits).map_err(damaged)?;
    let share = BUDGET.reserve(need);
    let image = DynamicImage::from_decoder(decoder).map_err(damaged)?;
    Ok(Decoded {
        image,
        _share: share,
    })
}

/// Puts transparent parts on white, as a viewer would show them.
pub fn flatten_on_white(img: &DynamicImage) -> DynamicImage {
    if !img.color().has_alpha() {
        return DynamicImage::ImageRgb8(img.to_rgb8());
    }
    let rgba = img.to_rgba8();
    let rgb = image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let a = u16::from(p[3]);
        let mix = |c: u8| ((u16::from(c) * a + 255 * (255 - a)) / 255) as u8;
        image::Rgb([mix(p[0]), mix(p[1]), mix(p[2])])
    });
    DynamicImage::ImageRgb8(rgb)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), format)
            .expect("encode");
        out
    }

    #[test]
    fn png_scanline_bytes_come_from_the_header() {
        let rgba = encode(
            &DynamicImage::ImageRgba8(image::RgbaImage::new(10, 3)),
            ImageFormat::Png,
        );
        assert_eq!(claimed_units(&rgba, ImageFormat::Png, 10, 3), 3 * 41);
        let grey = encode(
            &DynamicImage::ImageLuma8(image::GrayImage::new(10, 3)),
            ImageFormat::Png,
        );
        assert_eq!(claimed_units(&grey, ImageFormat::Png, 10, 3), 3 * 11);
        assert_eq!(claimed_units(&grey, ImageFormat::Jpeg, 10, 3), 30);
    }

    #[test]
    fn flat_colour_images_that_real_encoders_make_are_plausible() {
        // A flat colour compresses as well as each format can: the densest
        // genuine files there are. Checked against the refusal thresholds
        // directly (decoding each would cost hundreds of megabytes).
        let (w, h) = (2000, 1500);
        let flat = DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
            w,
            h,
            image::Rgb([250, 250, 250]),
        ));
        for format in [
            ImageFormat::Png,
            ImageFormat::Jpeg,
            ImageFormat::Gif,
            ImageFormat::WebP,
            ImageFormat::Bmp,
        ] {
            let bytes = encode(&flat, format);
            let units = claimed_units(&bytes, format, w, h);
            let density = units / bytes.len() as u64;
            // PNG's threshold is deflate's own limit, which flat colour nears.
            let margin = if format == ImageFormat::Png { 1 } else { 2 };
            assert!(
                density * margin <= max_density(format),
                "{format:?}: {density} a byte ({} bytes) is within half of the {} refused",
                bytes.len(),
                max_density(format)
            );
        }
    }

    #[test]
    fn the_budget_is_shared_and_never_exceeded() {
        let peak = Arc::new(AtomicU64::new(0));
        let now = Arc::new(AtomicU64::new(0));
        let share = DECODE_BUDGET / 3 + 1;
        std::thread::scope(|s| {
            for _ in 0..6 {
                let (peak, now) = (peak.clone(), now.clone());
                s.spawn(move || {
                    for _ in 0..20 {
                        let r = BUDGET.reserve(share);
                        let held = now.fetch_add(share, Ordering::SeqCst) + share;
                        peak.fetch_max(held, Ordering::SeqCst);
                        std::thread::yield_now();
                        now.fetch_sub(share, Ordering::SeqCst);
                        drop(r);
                    }
                });
            }
        });
        let peak = peak.load(Ordering::SeqCst);
        assert!(peak <= DECODE_BUDGET, "{peak}");
        // Two shares fit together (a third would wait).
        let (a, b) = (BUDGET.reserve(share), BUDGET.reserve(share));
        assert!(*BUDGET.used.lock().expect("lock") >= 2 * share);
        drop((a, b));
    }

    #[test]
    fn a_lying_jpeg_header_is_refused_before_decoding() {
        // A baseline JPEG header claiming 40000x5000, with no scan data.
        let small = encode(
            &DynamicImage::ImageRgb8(image::RgbImage::new(16, 16)),
            ImageFormat::Jpeg,
        );
        let mut bytes = small.clone();
        let sof = bytes
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .expect("SOF0");
        bytes[sof + 5..sof + 7].copy_from_slice(&5000u16.to_be_bytes());
        bytes[sof + 7..sof + 9].copy_from_slice(&40000u16.to_be_bytes());
        let e = decode(&bytes, ImageFormat::Jpeg).expect_err("refused");
        let es = e.localized(crate::error::Lang::Es);
        assert!(e.to_string().contains("40000x5000"), "{e}");
        assert!(e.to_string().contains("it was not decoded"), "{e}");
        assert!(es.contains("no se decodificó"), "{es}");
        assert!(decode(&small, ImageFormat::Jpeg).is_ok());
    }
}
