//! Importing: every image format, plain files, thumbnails, near-duplicates,
//! big files streamed.

use image::ImageFormat;

use crate::support::{Env, screenshot, sha256, write_image};

#[test]
fn every_supported_format_is_a_screenshot_with_dimensions() {
    let env = Env::new();
    env.case("c");
    for (i, (name, format)) in [
        ("a.png", ImageFormat::Png),
        ("b.jpg", ImageFormat::Jpeg),
        ("c.webp", ImageFormat::WebP),
        ("d.gif", ImageFormat::Gif),
        ("e.bmp", ImageFormat::Bmp),
    ]
    .into_iter()
    .enumerate()
    {
        let p = write_image(&env, name, 320 + i as u32, 200, 10 + i as u64, format);
        let id = env.add(&p, "c", &[]);
        let item = env.json(&["show", &id]);
        assert_eq!(item["kind"], "screenshot", "{name}");
        assert_eq!(item["width"], 320 + i as u64, "{name}");
        assert_eq!(item["height"], 200, "{name}");
        assert_eq!(item["artifacts"][0]["role"], "thumbnail", "{name}");
        assert_eq!(item["sha256"], sha256(&std::fs::read(&p).unwrap()).as_str());
    }
}

#[test]
fn an_animated_gif_imports_by_its_first_frame() {
    use image::codecs::gif::GifEncoder;
    use image::{Delay, Frame, RgbaImage};
    let env = Env::new();
    env.case("c");
    let path = env.path("anim.gif");
    {
        let file = std::fs::File::create(&path).unwrap();
        let mut enc = GifEncoder::new(file);
        for shade in [10u8, 200] {
            let img = RgbaImage::from_pixel(64, 48, image::Rgba([shade, shade, shade, 255]));
            enc.encode_frame(Frame::from_parts(
                img,
                0,
                0,
                Delay::from_numer_denom_ms(100, 1),
            ))
            .unwrap();
        }
    }
    let id = env.add(&path, "c", &[]);
    let item = env.json(&["show", &id]);
    assert_eq!(
        (item["width"].as_u64(), item["height"].as_u64()),
        (Some(64), Some(48))
    );
}

#[test]
fn near_duplicates_are_flagged_and_different_images_are_not() {
    let env = Env::new();
    env.case("c");
    let a = write_image(&env, "a.png", 1200, 800, 42, ImageFormat::Png);
    // The same screenshot, re-encoded as JPEG and slightly cropped: other bytes, same look.
    let mut img = screenshot(1200, 800, 42);
    img = image::imageops::crop_imm(&img, 0, 0, 1190, 792).to_image();
    let b = env.path("b.jpg");
    img.save_with_format(&b, ImageFormat::Jpeg).unwrap();
    let others: Vec<_> = (0..6)
        .map(|s| {
            write_image(
                &env,
                &format!("o{s}.png"),
                1200,
                800,
                100 + s,
                ImageFormat::Png,
            )
        })
        .collect();
    let a_id = env.add(&a, "c", &[]);
    for o in &others {
        let v = env.json(&["add", o.to_str().unwrap(), "--case", "c"]);
        assert_eq!(
            v[0]["near_duplicates"],
            serde_json::json!([]),
            "unrelated image flagged: {v}"
        );
    }
    let v = env.json(&["add", b.to_str().unwrap(), "--case", "c"]);
    assert_eq!(v[0]["near_duplicates"], serde_json::json!([a_id]), "{v}");
    let b_id = v[0]["id"].as_str().unwrap();
    assert_eq!(
        env.json(&["show", &a_id])["near_duplicates"],
        serde_json::json!([b_id])
    );
}

#[test]
fn large_plain_files_stream_through_and_come_back_intact() {
    let env = Env::new();
    env.case("c");
    let path = env.path("video.mp4");
    let data: Vec<u8> = (0..24 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(&path, &data).unwrap();
    let id = env.add(&path, "c", &[]);
    let item = env.json(&["show", &id]);
    assert_eq!(item["kind"], "file");
    assert_eq!(item["media_type"], "video/mp4");
    assert_eq!(item["size"], data.len() as u64);
    let out = env.command(&["cat", &id]).output().unwrap();
    assert!(out.stdout == data, "bytes differ");
    assert!(env.ok(&["check"]).starts_with("ok:"));
}

#[test]
fn an_empty_file_is_a_file() {
    let env = Env::new();
    env.case("c");
    let path = env.path("empty.txt");
    std::fs::write(&path, b"").unwrap();
    let id = env.add(&path, "c", &[]);
    assert_eq!(env.json(&["show", &id])["size"], 0);
    assert!(
        env.command(&["cat", &id])
            .output()
            .unwrap()
            .stdout
            .is_empty()
    );
}

#[test]
fn hidden_files_in_folders_are_skipped() {
    let env = Env::new();
    env.case("c");
    write_image(&env, "dir/a.png", 100, 100, 1, ImageFormat::Png);
    std::fs::write(env.path("dir/.DS_Store"), b"junk").unwrap();
    std::fs::write(env.path("dir/.git/config"), b"junk").unwrap();
    let dir = env.path("dir");
    let v = env.json(&["add", dir.to_str().unwrap(), "--case", "c"]);
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
}
