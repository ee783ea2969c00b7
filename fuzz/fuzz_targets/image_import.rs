//! Fuzzes what import does with a file whose first bytes announce an image:
//! `sniff_image`, then `decode_limited` (the dimension check and allocation
//! limits), then the thumbnail. It must not panic or pass the memory limit;
//! a decoded image is within the limits it claims.
#![no_main]

use libfuzzer_sys::fuzz_target;
use testigo::import::{MAX_PIXELS, MAX_SIDE, THUMB_SIDE, decode_limited, sniff_image};

fuzz_target!(|data: &[u8]| {
    let Some(format) = sniff_image(&data[..data.len().min(64)]) else {
        return;
    };
    let Ok(img) = decode_limited(data, format) else {
        return;
    };
    let (w, h) = (img.width(), img.height());
    assert!(w > 0 && h > 0, "decoded an image with no pixels");
    assert!(w <= MAX_SIDE && h <= MAX_SIDE && u64::from(w) * u64::from(h) <= MAX_PIXELS);
    let thumb = img.thumbnail(THUMB_SIDE, THUMB_SIDE);
    assert!(thumb.width() <= THUMB_SIDE && thumb.height() <= THUMB_SIDE);
});
