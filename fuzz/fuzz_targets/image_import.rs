//! Fuzzes what import does with a file whose first bytes announce an image:
//! `sniff_image`, then `imaging::decode` (the dimension and ratio checks,
//! the shared decoding budget and allocation limits), then the thumbnail. It must not panic or pass the memory limit;
//! a decoded image is within the limits it claims.
#![no_main]

use libfuzzer_sys::fuzz_target;
use testigo_core::imaging::{MAX_PIXELS, MAX_SIDE, decode, sniff_image};
use testigo_core::import::THUMB_SIDE;

fuzz_target!(|data: &[u8]| {
    let Some(format) = sniff_image(&data[..data.len().min(64)]) else {
        return;
    };
    let Ok(img) = decode(data, format) else {
        return;
    };
    let (w, h) = (img.width(), img.height());
    assert!(w > 0 && h > 0, "decoded an image with no pixels");
    assert!(w <= MAX_SIDE && h <= MAX_SIDE && u64::from(w) * u64::from(h) <= MAX_PIXELS);
    let thumb = img.thumbnail(THUMB_SIDE, THUMB_SIDE);
    assert!(thumb.width() <= THUMB_SIDE && thumb.height() <= THUMB_SIDE);
});
