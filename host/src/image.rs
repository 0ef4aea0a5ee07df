//! Raster images for the `image` interface: bounded decoding (PNG, JPEG, WebP, GIF's first frame), the
//! measurements cleaning rules judge by, a perceptual hash, and resizing. The measurements follow CleanVision
//! (`cleanvision/issue_managers/image_property.py`) so its published thresholds mean the same here.
//!
//! - [`phash`]: the DCT perceptual hash, as `imagehash.phash` computes it;
//! - [`groups`]: near-duplicate groups over a whole dataset, built once per run.

pub mod cost;
pub mod groups;
pub mod phash;

use std::io::Cursor;

use ::image::imageops::FilterType;
use ::image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

use crate::budget::{Meter, Work, WorkError, WorkLimits};
pub use cost::Header;

/// Largest encoded image the host decodes.
pub const MAX_BYTES: u64 = 64 << 20;
/// Largest decoded image, in pixels (a 8000x8000 photo); a file declaring more is refused before any pixel is
/// allocated, which is what stops a decompression bomb.
pub const MAX_PIXELS: u64 = 64_000_000;
/// Longest side the host decodes, whatever the pixel count (a 1 x 10^6 strip).
const MAX_SIDE: u32 = 65_535;
/// CleanVision measures blur on the image scaled to at most this many pixels on its long side
/// (`MAX_RESOLUTION_FOR_BLURRY_DETECTION`).
const BLUR_SIDE: u32 = 64;

/// Why an image could not be measured.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ImageError {
    /// Over a byte or pixel limit: a bomb or simply too big. Not retried.
    #[error("{0}")]
    TooLarge(String),
    /// Not an image this host decodes, or a damaged one.
    #[error("{0}")]
    Undecodable(String),
    /// The work was stopped for a reason outside this image (its time ran out, or the plugin call's host-work
    /// budget is spent): not to be remembered as this image's result.
    #[error("{0}")]
    Stopped(String),
}

/// Work over the host's per-call caps is a limit on this image (like a pixel cap); work given up is stopped.
impl From<WorkError> for ImageError {
    fn from(error: WorkError) -> Self {
        match error {
            WorkError::TooCostly { .. } | WorkError::TooLarge { .. } => ImageError::TooLarge(error.to_string()),
            WorkError::TimedOut { .. } | WorkError::Exhausted { .. } | WorkError::Unavailable { .. } => {
                ImageError::Stopped(error.to_string())
            }
        }
    }
}

/// Runs `job` with a meter of its own under the default caps, for callers outside a plugin's host call.
fn native<T>(job: impl FnOnce(&mut Work) -> Result<T, ImageError>) -> Result<T, ImageError> {
    let meter = Meter::new(WorkLimits::default());
    let mut work = meter.start("the image");
    job(&mut work)
}

/// What the host measured of one image; see `wit/image.wit` for each field's definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub format: &'static str,
    pub width: u32,
    pub height: u32,
    pub has_alpha: bool,
    pub sha256: String,
    pub brightness: f64,
    pub brightness_p5: f64,
    pub brightness_p99: f64,
    pub contrast: f64,
    pub entropy: f64,
    pub sharpness: f64,
    pub grey_spread: f64,
    pub phash: u64,
}

fn format_name(format: ImageFormat) -> Option<&'static str> {
    Some(match format {
        ImageFormat::Png => "png",
        ImageFormat::Jpeg => "jpeg",
        ImageFormat::WebP => "webp",
        ImageFormat::Gif => "gif",
        _ => return None,
    })
}

/// Decodes `bytes` within the limits: the format is told by the bytes, the declared size is checked before
/// decoding, and the decoder's own allocations are capped too (a frame can be larger than the canvas says).
pub fn decode(bytes: &[u8]) -> Result<(&'static str, DynamicImage), ImageError> {
    native(|work| decode_metered(bytes, work))
}

/// [`decode`], charging `work` for the decode (priced from the header: dimensions, colour type, bit depth).
pub fn decode_metered(bytes: &[u8], work: &mut Work) -> Result<(&'static str, DynamicImage), ImageError> {
    let (header, decoder) = open(bytes)?;
    work.charge(header.decode())?;
    Ok((header.format, decode_pixels(&header, decoder)?))
}

/// Decodes the pixels of an [`open`]ed image (after its decode was charged).
pub(crate) fn decode_pixels(header: &Header, decoder: impl ImageDecoder) -> Result<DynamicImage, ImageError> {
    DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => {
            ImageError::TooLarge(format!("the {} image is over the size limits: {e}", header.format))
        }
        e => ImageError::Undecodable(format!("the image does not decode: {e}")),
    })
}

/// Reads an image's header (nothing else): its format, declared size and decoded depth, refusing what is over
/// the byte, pixel and side limits before any pixel is allocated. Returns the decoder, ready to decode.
pub fn open(bytes: &[u8]) -> Result<(Header, impl ImageDecoder + '_), ImageError> {
    if bytes.len() as u64 > MAX_BYTES {
        return Err(ImageError::TooLarge(format!(
            "{} bytes is over the {} MiB limit for an image",
            bytes.len(),
            MAX_BYTES >> 20
        )));
    }
    let undecodable = |e: image::ImageError| ImageError::Undecodable(format!("the image does not decode: {e}"));
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageError::Undecodable(format!("cannot read the image: {e}")))?;
    let format = reader
        .format()
        .and_then(format_name)
        .ok_or_else(|| ImageError::Undecodable("not a PNG, JPEG, WebP or GIF image (judged by its bytes)".into()))?;
    // The JPEG decoder fills a cut-off scan with grey rather than failing, so a truncated download would pass as
    // an image: require the end-of-image marker (anything after it, as some cameras append, is fine).
    if format == "jpeg" && !bytes.windows(2).any(|w| w == [0xFF, 0xD9]) {
        return Err(ImageError::Undecodable("the JPEG image is truncated (it has no end-of-image marker)".into()));
    }
    // Opening a decoder reads only the header; the limits go on once the declared size is checked, so that the
    // error can say what the file declared.
    reader.no_limits();
    let mut decoder = reader.into_decoder().map_err(undecodable)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS || width.max(height) > MAX_SIDE {
        return Err(ImageError::TooLarge(format!(
            "the {format} image declares {width}x{height} pixels, over the limit of {MAX_PIXELS} pixels \
             and {MAX_SIDE} on a side"
        )));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXELS * 8);
    decoder
        .set_limits(limits)
        .map_err(|e| ImageError::TooLarge(format!("the {format} image is over the size limits: {e}")))?;
    if width == 0 || height == 0 {
        return Err(ImageError::Undecodable(format!("the {format} image declares {width}x{height} pixels")));
    }
    let color = decoder.color_type();
    Ok((Header { format, width, height, color }, decoder))
}

/// Decodes and measures an image.
pub fn facts(bytes: &[u8]) -> Result<Facts, ImageError> {
    native(|work| facts_metered(bytes, work))
}

/// [`facts`], charging `work` for the decode and the measurements before either runs.
pub fn facts_metered(bytes: &[u8], work: &mut Work) -> Result<Facts, ImageError> {
    let (header, decoder) = open(bytes)?;
    work.charge(header.decode())?;
    work.charge(header.measure())?;
    let image = decode_pixels(&header, decoder)?;
    let sha256 = hex::encode(Sha256::digest(bytes));
    Ok(measure(header.format, &image, sha256))
}

/// Measures a decoded image. Transparent pixels count as composited over white, as the image would be seen on a
/// page: measuring the hidden colour under alpha 0 would call most icons black.
pub fn measure(format: &'static str, image: &DynamicImage, sha256: String) -> Facts {
    let (width, height) = (image.width(), image.height());
    let has_alpha = image.color().has_alpha();
    let grey_source = !image.color().has_color();
    let rgb = on_white(image);
    let pixels = (u64::from(width) * u64::from(height)).max(1) as f64;

    // Per-pixel brightness and the grey levels PIL's `convert("L")` gives (ITU-R 601-2 luma, its integer form).
    let mut brightness_histogram = vec![0u64; BRIGHTNESS_BINS];
    let mut channel_histogram = [[0u64; 256]; 3];
    let mut grey = Vec::with_capacity(rgb.len() / 3);
    let (mut sum, mut grey_sum, mut grey_sq) = ([0u64; 3], 0u64, 0u64);
    for px in rgb.chunks_exact(3) {
        let (r, g, b) = (px[0], px[1], px[2]);
        let level = ((u32::from(r) * 19595 + u32::from(g) * 38470 + u32::from(b) * 7471 + 0x8000) >> 16) as u8;
        grey.push(level);
        grey_sum += u64::from(level);
        grey_sq += u64::from(level) * u64::from(level);
        for (c, v) in [r, g, b].into_iter().enumerate() {
            sum[c] += u64::from(v);
            channel_histogram[c][usize::from(v)] += 1;
        }
        let value = if grey_source { f32::from(r) / 255.0 } else { pixel_brightness(r, g, b) };
        brightness_histogram[((value * (BRIGHTNESS_BINS - 1) as f32).round() as usize).min(BRIGHTNESS_BINS - 1)] += 1;
    }
    let mean = sum.map(|s| s as f64 / pixels);
    let brightness = (0.241 * mean[0] * mean[0] + 0.691 * mean[1] * mean[1] + 0.068 * mean[2] * mean[2]).sqrt() / 255.0;
    let grey_mean = grey_sum as f64 / pixels;
    let contrast = (grey_sq as f64 / pixels - grey_mean * grey_mean).max(0.0).sqrt() / 255.0;
    // PIL's entropy is over the histogram of every band together (768 bins for RGB, 256 for grey).
    let bands: &[[u64; 256]] = if grey_source { &channel_histogram[..1] } else { &channel_histogram[..] };
    let entropy = entropy(bands.iter().flatten().copied());
    let grey = image::GrayImage::from_raw(width, height, grey).unwrap_or_default();
    let (sharpness, grey_spread) = sharpness(&grey);
    Facts {
        format,
        width,
        height,
        has_alpha,
        sha256,
        brightness: brightness.min(1.0),
        brightness_p5: percentile(&brightness_histogram, 5.0),
        brightness_p99: percentile(&brightness_histogram, 99.0),
        contrast,
        entropy,
        sharpness,
        grey_spread,
        phash: phash::phash(&grey),
    }
}

/// Resolution of the brightness percentiles: 1/65535, far finer than any threshold on them.
const BRIGHTNESS_BINS: usize = 65536;

/// CleanVision's perceived brightness of one pixel, in [0, 1].
fn pixel_brightness(r: u8, g: u8, b: u8) -> f32 {
    let (r, g, b) = (f32::from(r), f32::from(g), f32::from(b));
    (0.241 * r * r + 0.691 * g * g + 0.068 * b * b).sqrt() / 255.0
}

/// The RGB pixels with any alpha composited over white. An 8-bit RGB image is lent as it is and an 8-bit RGBA
/// one read in place, so at the pixel cap the measurements hold no second copy (see [`cost::Header::measure`]).
/// An image as training code that opens it with PIL and converts to RGB wants it: a JPEG that decodes to 8-bit RGB
/// as it is (`jpg`), anything else composited over white and written as an RGB PNG (`png`), since PIL's RGBA to
/// RGB conversion drops the alpha and shows whatever colour the transparent pixels hold.
pub fn rgb_for_training(bytes: &[u8]) -> Result<(std::borrow::Cow<'_, [u8]>, &'static str), ImageError> {
    let (format, image) = decode(bytes)?;
    if format == "jpeg" && image.as_rgb8().is_some() {
        return Ok((std::borrow::Cow::Borrowed(bytes), "jpg"));
    }
    let rgb = image::RgbImage::from_raw(image.width(), image.height(), on_white(&image).into_owned())
        .ok_or_else(|| ImageError::Undecodable("the decoded image has an unexpected size".into()))?;
    let mut out = Cursor::new(Vec::new());
    rgb.write_to(&mut out, ImageFormat::Png)
        .map_err(|e| ImageError::Undecodable(format!("cannot encode the RGB copy: {e}")))?;
    Ok((std::borrow::Cow::Owned(out.into_inner()), "png"))
}

fn on_white(image: &DynamicImage) -> std::borrow::Cow<'_, [u8]> {
    if let Some(rgb) = image.as_rgb8() {
        return std::borrow::Cow::Borrowed(rgb.as_raw());
    }
    if !image.color().has_alpha() {
        return std::borrow::Cow::Owned(image.to_rgb8().into_raw());
    }
    let converted;
    let rgba = match image.as_rgba8() {
        Some(rgba) => rgba,
        None => {
            converted = image.to_rgba8();
            &converted
        }
    };
    let mut out = Vec::with_capacity(rgba.len() / 4 * 3);
    for px in rgba.as_raw().chunks_exact(4) {
        let alpha = u32::from(px[3]);
        for &c in &px[..3] {
            out.push(((u32::from(c) * alpha + 255 * (255 - alpha) + 127) / 255) as u8);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// numpy's default (linear) percentile over the binned values.
fn percentile(histogram: &[u64], q: f64) -> f64 {
    let total: u64 = histogram.iter().sum();
    if total == 0 {
        return 0.0;
    }
    let rank = q / 100.0 * (total - 1) as f64;
    let (lo, hi) = (rank.floor() as u64, rank.ceil() as u64);
    let value_at = |k: u64| {
        let mut seen = 0;
        for (bin, &count) in histogram.iter().enumerate() {
            seen += count;
            if seen > k {
                return bin as f64 / (histogram.len() - 1) as f64;
            }
        }
        1.0
    };
    let (a, b) = (value_at(lo), value_at(hi));
    a + (b - a) * (rank - lo as f64)
}

/// Shannon entropy in bits of a histogram.
fn entropy(histogram: impl Iterator<Item = u64> + Clone) -> f64 {
    let total: u64 = histogram.clone().sum();
    if total == 0 {
        return 0.0;
    }
    let total = total as f64;
    histogram.filter(|&c| c > 0).map(|c| c as f64 / total).map(|p| -p * p.log2()).sum()
}

/// CleanVision's blur measure: scale the grey image to at most 64 px on its long side (bicubic, as PIL's default
/// `resize`), apply PIL's FIND_EDGES kernel, and take the standard deviation of the result. PIL leaves the
/// one-pixel border unfiltered (it copies the grey levels there); that is kept, so CleanVision's 0.29 threshold
/// means the same here. Its effect is real: the border is 7% of a 64 px image, so a blurred image with a bright
/// border scores sharper than one with a dark border, and only strong blur is caught (see bench/image/README.md).
///
/// Returns the edge measure and the standard deviation of the small image's 256-bin grey histogram.
fn sharpness(grey: &image::GrayImage) -> (f64, f64) {
    let (w, h) = grey.dimensions();
    let longest = w.max(h);
    let small = if longest > BLUR_SIDE {
        let ratio = f64::from(longest) / f64::from(BLUR_SIDE);
        let (sw, sh) = (((f64::from(w) / ratio) as u32).max(1), ((f64::from(h) / ratio) as u32).max(1));
        image::imageops::resize(grey, sw, sh, FilterType::CatmullRom)
    } else {
        grey.clone()
    };
    let (w, h) = small.dimensions();
    let at = |x: u32, y: u32| i32::from(small.get_pixel(x, y).0[0]);
    let (mut sum, mut sq) = (0f64, 0f64);
    for y in 0..h {
        for x in 0..w {
            let value = if x == 0 || y == 0 || x + 1 == w || y + 1 == h {
                at(x, y)
            } else {
                let mut around = 0;
                for (dx, dy) in [(0, 0), (1, 0), (2, 0), (0, 1), (2, 1), (0, 2), (1, 2), (2, 2)] {
                    around += at(x + dx - 1, y + dy - 1);
                }
                (8 * at(x, y) - around).clamp(0, 255)
            };
            sum += f64::from(value);
            sq += f64::from(value) * f64::from(value);
        }
    }
    let n = f64::from(w * h);
    let mut histogram = [0f64; 256];
    small.pixels().for_each(|p| histogram[usize::from(p.0[0])] += 1.0);
    let mean = n / 256.0;
    let spread = (histogram.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / 256.0).sqrt();
    ((sq / n - (sum / n).powi(2)).max(0.0).sqrt(), spread)
}

/// How `resize` writes its output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Encoding {
    Png,
    Jpeg(u8),
    WebP,
}

/// Scales the image to fit inside `max_width` x `max_height` (never enlarging it) and encodes it.
pub fn resize(bytes: &[u8], max_width: u32, max_height: u32, encoding: Encoding) -> Result<Vec<u8>, ImageError> {
    native(|work| resize_metered(bytes, max_width, max_height, encoding, work))
}

/// [`resize`], charging `work` for the decode, the resize and the encoding, each priced from the header before
/// it runs (a 16-bit 8000x8000 PNG asks for about 2 GiB here, and is refused before decoding).
pub fn resize_metered(
    bytes: &[u8],
    max_width: u32,
    max_height: u32,
    encoding: Encoding,
    work: &mut Work,
) -> Result<Vec<u8>, ImageError> {
    if max_width == 0 || max_height == 0 {
        return Err(ImageError::Undecodable(format!("cannot fit an image into {max_width}x{max_height} pixels")));
    }
    let (header, decoder) = open(bytes)?;
    let shrink = header.width > max_width || header.height > max_height;
    // The output is at most the box and at most the image (resize keeps the aspect ratio and never enlarges).
    let (out_width, out_height) = if shrink {
        (max_width.min(header.width), max_height.min(header.height))
    } else {
        (header.width, header.height)
    };
    let format = match encoding {
        Encoding::Png => "png",
        Encoding::Jpeg(_) => "jpeg",
        Encoding::WebP => "webp",
    };
    work.charge(header.decode())?;
    if shrink {
        work.charge(header.resize(out_width, out_height))?;
    }
    work.charge(header.encode(out_width, out_height, format))?;
    let mut image = decode_pixels(&header, decoder)?;
    if shrink {
        image = image.resize(max_width, max_height, FilterType::Lanczos3);
    }
    let mut out = Cursor::new(Vec::new());
    let written = match encoding {
        Encoding::Png => image.write_to(&mut out, ImageFormat::Png),
        Encoding::Jpeg(quality) => {
            // JPEG has no alpha: composite over white as everywhere else.
            let rgb = image::RgbImage::from_raw(image.width(), image.height(), on_white(&image).into_owned())
                .unwrap_or_default();
            let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100));
            rgb.write_with_encoder(encoder)
        }
        Encoding::WebP => {
            let encoder = image::codecs::webp::WebPEncoder::new_lossless(&mut out);
            if image.color().has_alpha() {
                image.to_rgba8().write_with_encoder(encoder)
            } else {
                image.to_rgb8().write_with_encoder(encoder)
            }
        }
    };
    written.map_err(|e| ImageError::Undecodable(format!("cannot encode the resized image: {e}")))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests;
