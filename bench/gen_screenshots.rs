//! Writes N distinct 1920x1080 PNG "screenshots" for the import benchmark:
//! a page background, a header, lines of "text" and an embedded photo-like
//! region with noise, so each compresses like a real screenshot (hundreds of KB).
//!
//! Usage: cargo run --release --example gen_screenshots -- DIR N [WIDTH HEIGHT]

use std::path::PathBuf;

use image::{Rgb, RgbImage};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("usage: gen_screenshots DIR N"));
    let n: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .expect("usage: gen_screenshots DIR N");
    let w: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1920);
    let h: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1080);
    std::fs::create_dir_all(&dir).expect("create the output folder");
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get() as u64);
    std::thread::scope(|s| {
        for t in 0..threads {
            let dir = dir.clone();
            s.spawn(move || {
                for i in (t..n).step_by(threads as usize) {
                    let img = screenshot(i);
                    let img = if (w, h) == (1920, 1080) {
                        img
                    } else {
                        image::imageops::thumbnail(&img, w, h)
                    };
                    img.save(dir.join(format!("captura-{i:05}.png")))
                        .expect("write a PNG");
                }
            });
        }
    });
}

fn screenshot(seed: u64) -> RgbImage {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (w, h) = (1920u32, 1080u32);
    let mut img = RgbImage::from_pixel(w, h, Rgb([247, 249, 249]));
    for y in 0..64 {
        for x in 0..w {
            img.put_pixel(x, y, Rgb([29, 161, 242]));
        }
    }
    // Lines of "text": short dark runs with gaps, like words.
    let mut y = 120;
    while y < 560 {
        let mut x = 480 + (next() % 40) as u32;
        let end = 480 + 500 + (next() % 460) as u32;
        while x < end {
            let word = 20 + (next() % 90) as u32;
            for yy in y..y + 18 {
                for xx in x..(x + word).min(end) {
                    let v = 20 + (next() % 40) as u8;
                    img.put_pixel(xx, yy, Rgb([v, v, v + 10]));
                }
            }
            x += word + 12;
        }
        y += 34;
    }
    // A photo-like region: a gradient with noise.
    let (px, py) = (480u32, 600u32);
    let tint = (next() % 200) as u8;
    for yy in py..py + 420 {
        for xx in px..px + 960 {
            let n = (next() % 24) as u8;
            let r = ((xx - px) * 255 / 960) as u8;
            let g = ((yy - py) * 255 / 420) as u8;
            img.put_pixel(
                xx,
                yy,
                Rgb([
                    r.saturating_add(n),
                    g.saturating_add(n),
                    tint.saturating_add(n),
                ]),
            );
        }
    }
    img
}
