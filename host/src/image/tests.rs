use ::image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

use super::*;

fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A smooth scene with some detail: gradients plus a few hard-edged blocks.
fn scene(w: u32, h: u32, seed: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
        let block = ((x * 7 / w + y * 5 / h + seed) % 3) as u8;
        Rgb([(x * 255 / w) as u8 ^ (block * 60), (y * 255 / h) as u8, ((x + y + seed * 40) % 256) as u8])
    }))
}

#[test]
fn flat_images_have_no_information_and_no_edges() {
    let black = facts(&encode(&DynamicImage::ImageRgb8(RgbImage::new(300, 200)), ImageFormat::Png)).unwrap();
    assert_eq!((black.format, black.width, black.height, black.has_alpha), ("png", 300, 200, false));
    assert_eq!((black.brightness, black.brightness_p99, black.sharpness, black.contrast), (0.0, 0.0, 0.0, 0.0));
    // As PIL counts it: one full bin in each of the three bands' histograms.
    assert!((black.entropy - 3f64.log2()).abs() < 1e-9, "{}", black.entropy);
    let white = RgbImage::from_pixel(64, 64, Rgb([255, 255, 255]));
    let white = facts(&encode(&DynamicImage::ImageRgb8(white), ImageFormat::Png)).unwrap();
    assert!((white.brightness_p5 - 1.0).abs() < 1e-4 && (white.brightness - 1.0).abs() < 1e-9);
}

#[test]
fn transparent_pixels_count_as_white() {
    // A black shape on a transparent background: mostly white as shown, not a dark image.
    let icon = RgbaImage::from_fn(100, 100, |x, _| if x < 20 { Rgba([0, 0, 0, 255]) } else { Rgba([0, 0, 0, 0]) });
    let f = facts(&encode(&DynamicImage::ImageRgba8(icon), ImageFormat::Png)).unwrap();
    assert!(f.has_alpha);
    assert!(f.brightness_p99 > 0.99 && f.brightness_p5 < 0.01, "{f:?}");
}

#[test]
fn sharpness_drops_when_an_image_is_blurred() {
    let sharp = DynamicImage::ImageRgb8(RgbImage::from_fn(256, 256, |x, y| {
        if (x / 8 + y / 8) % 2 == 0 { Rgb([255, 255, 255]) } else { Rgb([0, 0, 0]) }
    }));
    let blurred = sharp.blur(6.0);
    let (a, b) =
        (facts(&encode(&sharp, ImageFormat::Png)).unwrap(), facts(&encode(&blurred, ImageFormat::Png)).unwrap());
    // The unfiltered border (PIL's, kept for parity) holds the blurred image's score up; the interior does not.
    assert!(a.sharpness > 2.0 * b.sharpness, "sharp {} vs blurred {}", a.sharpness, b.sharpness);
    // A two-colour image as PIL counts it: two equal bins in each of three bands, log2(6) bits.
    assert!((a.entropy - (1.0 + 3f64.log2())).abs() < 0.05, "{}", a.entropy);
}

#[test]
fn near_copies_hash_close_and_other_images_far() {
    let original = scene(400, 300, 0);
    let hash = |image: &DynamicImage, format| facts(&encode(image, format)).unwrap().phash;
    let base = hash(&original, ImageFormat::Png);
    let smaller = original.resize_exact(200, 150, FilterType::Triangle);
    assert!(phash::distance(base, hash(&smaller, ImageFormat::Jpeg)) <= 4);
    let other = scene(400, 300, 1).fliph();
    assert!(phash::distance(base, hash(&other, ImageFormat::Png)) > 12);
}

#[test]
fn every_format_decodes_and_broken_bytes_are_errors_not_panics() {
    let image = scene(64, 48, 2);
    for (format, name) in
        [(ImageFormat::Png, "png"), (ImageFormat::Jpeg, "jpeg"), (ImageFormat::Gif, "gif"), (ImageFormat::WebP, "webp")]
    {
        let bytes = encode(&image, format);
        let f = facts(&bytes).unwrap();
        assert_eq!((f.format, f.width, f.height), (name, 64, 48));
        let truncated = &bytes[..bytes.len() / 2];
        assert!(matches!(facts(truncated), Err(ImageError::Undecodable(_))), "truncated {name}");
    }
    let text = facts(b"hello, this is not an image at all");
    assert!(matches!(&text, Err(ImageError::Undecodable(m)) if m.contains("not a PNG")), "{text:?}");
}

/// A PNG whose header declares `w` x `h` pixels, followed by a little data; the CRCs are right, so only the size
/// stops it.
pub(crate) fn declared_png(w: u32, h: u32) -> Vec<u8> {
    declared_png_as(w, h, 8, 2)
}

/// [`declared_png`] with the header's bit depth and colour type (2 RGB, 6 RGBA; 8 or 16 bits).
pub(crate) fn declared_png_as(w: u32, h: u32, depth: u8, colour: u8) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        let body = [kind, data].concat();
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
        out
    };
    let mut ihdr = [w.to_be_bytes(), h.to_be_bytes()].concat();
    ihdr.extend_from_slice(&[depth, colour, 0, 0, 0]);
    [
        b"\x89PNG\r\n\x1a\n".to_vec(),
        chunk(b"IHDR", &ihdr),
        chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]),
        chunk(b"IEND", &[]),
    ]
    .concat()
}

#[test]
fn a_decompression_bomb_is_refused_before_decoding() {
    let bomb = facts(&declared_png(100_000, 100_000));
    assert!(matches!(&bomb, Err(ImageError::TooLarge(m)) if m.contains("100000x100000")), "{bomb:?}");
    let over = facts(&declared_png(9000, 9000));
    assert!(matches!(&over, Err(ImageError::TooLarge(_))), "{over:?}");
}

#[test]
fn resize_fits_the_box_keeps_the_ratio_and_never_enlarges() {
    let bytes = encode(&scene(400, 200, 3), ImageFormat::Png);
    for (encoding, format) in [(Encoding::Png, "png"), (Encoding::Jpeg(80), "jpeg"), (Encoding::WebP, "webp")] {
        let small = facts(&resize(&bytes, 100, 100, encoding).unwrap()).unwrap();
        assert_eq!((small.format, small.width, small.height), (format, 100, 50));
    }
    let same = facts(&resize(&bytes, 1000, 1000, Encoding::Png).unwrap()).unwrap();
    assert_eq!((same.width, same.height), (400, 200));
    assert!(resize(&bytes, 0, 10, Encoding::Png).is_err());
}

#[test]
fn a_16_bit_image_at_the_pixel_cap_is_priced_by_its_depth_and_refused_before_decoding() {
    use std::time::{Duration, Instant};
    let deep = declared_png_as(8000, 8000, 16, 6);
    let (header, _) = open(&deep).unwrap();
    assert_eq!((header.width, header.height, header.bytes_per_pixel()), (8000, 8000, 8));
    let started = Instant::now();
    // 512 MB decoded plus a 512 MB resize buffer: over the per-call memory cap, refused from the header alone.
    let resized = resize(&deep, 4000, 4000, Encoding::Png);
    assert!(matches!(&resized, Err(ImageError::TooLarge(m)) if m.contains("MiB of host memory")), "{resized:?}");
    let measured = facts(&deep);
    assert!(matches!(&measured, Err(ImageError::TooLarge(m)) if m.contains("MiB of host memory")), "{measured:?}");
    assert!(started.elapsed() < Duration::from_secs(1), "nothing was decoded: {:?}", started.elapsed());
    // The same size at 8 bits fits the measurements' budget (the header passes; this PNG has no pixel data).
    let shallow = facts(&declared_png(8000, 8000));
    assert!(matches!(&shallow, Err(ImageError::Undecodable(_))), "{shallow:?}");
}

#[test]
fn the_estimates_follow_what_each_step_allocates() {
    let header = |w, h, color| Header { format: "png", width: w, height: h, color };
    let rgb = header(1000, 1000, ::image::ColorType::Rgb8);
    let rgba16 = header(1000, 1000, ::image::ColorType::Rgba16);
    assert_eq!(rgb.decode().bytes, 3_000_000);
    assert_eq!(rgba16.decode().bytes, 8_000_000);
    assert!(rgba16.measure().bytes > rgb.measure().bytes);
    // Shrinking to a large box keeps a full-width f32 buffer of the box's height; a small box does not.
    assert!(rgb.resize(900, 900).bytes > 20 * rgb.resize(32, 32).bytes);
    assert!(rgb.resize(32, 32).work > rgb.decode().work / 100, "the taps widen with the ratio");
}
