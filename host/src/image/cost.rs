//! What decoding, measuring, resizing and encoding a raster image will cost, from its header alone (dimensions,
//! colour type and bit depth), before any pixel is allocated (see [`crate::budget`]).
//!
//! The prices are nanoseconds of one core on this project's 2-core build machine, rounded up from the
//! `calibrate` test in `image/tests.rs` (`cargo nextest run --release -p aigc-host --run-ignored only -E
//! 'test(calibrate)' --no-capture` prints estimate / measured per case). Bytes are what a step holds at once.

use image::ColorType;

use crate::budget::Cost;

/// Decoding, per pixel, by format (inflate and unfiltering; entropy decoding and IDCT; VP8L; LZW).
fn decode_price(format: &str) -> f64 {
    match format {
        "png" => 20.0,
        "jpeg" => 25.0,
        "webp" => 60.0,
        _ => 30.0,
    }
}

/// The measurements (composited RGB, grey levels, histograms, the small resizes for blur and pHash), per pixel.
const MEASURE: f64 = 40.0;
/// One filter tap of `image`'s resize (four f32 channels multiplied and added).
const RESIZE_TAP: f64 = 2.5;
/// Encoding, per output pixel (PNG filtering and deflate; JPEG's DCT; lossless WebP is the slowest).
fn encode_price(format: &str) -> f64 {
    match format {
        "jpeg" => 30.0,
        "webp" => 150.0,
        _ => 60.0,
    }
}

/// What an image declares: enough to price every step before decoding it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Header {
    pub format: &'static str,
    pub width: u32,
    pub height: u32,
    /// The decoded colour type: channels and bit depth.
    pub color: ColorType,
}

impl Header {
    pub fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }

    /// Bytes per decoded pixel at the image's own depth (8 for 16-bit RGBA).
    pub fn bytes_per_pixel(&self) -> u64 {
        u64::from(self.color.bytes_per_pixel())
    }

    /// Decoding into a buffer at the image's own depth.
    pub fn decode(&self) -> Cost {
        let pixels = self.pixels();
        Cost::new(units(pixels as f64 * decode_price(self.format)), pixels.saturating_mul(self.bytes_per_pixel()))
    }

    /// The measurements of [`super::measure`] on the decoded image: the grey levels (one byte a pixel), the
    /// pixels composited over white (none for 8-bit RGB, which is read in place; three bytes for 8-bit RGBA,
    /// read in place too; otherwise an 8-bit copy first), and the small resizes for blur and pHash, which keep a
    /// column pass of the full width (64 and 32 rows of f32 RGBA).
    pub fn measure(&self) -> Cost {
        let pixels = self.pixels();
        let per_pixel = match self.color {
            ColorType::Rgb8 => 1,
            ColorType::Rgba8 => 1 + 3,
            c if c.has_alpha() => 1 + 3 + 4,
            _ => 1 + 3,
        };
        let resizes = u64::from(self.width) * (64 + 32) * 16;
        Cost::new(units(pixels as f64 * MEASURE), pixels.saturating_mul(per_pixel).saturating_add(resizes))
    }

    /// `image`'s Lanczos3 resize to at most `out_width` x `out_height`: a vertical pass into f32 RGBA rows of the
    /// full width, then a horizontal pass into the output at the image's depth. Each output sample reads
    /// 2 x 3 x (input / output) taps (the filter's support grows with the ratio when shrinking).
    pub fn resize(&self, out_width: u32, out_height: u32) -> Cost {
        let (w, h) = (f64::from(self.width), f64::from(self.height));
        let (ow, oh) = (f64::from(out_width.max(1)), f64::from(out_height.max(1)));
        let taps_y = 6.0 * (h / oh).max(1.0) + 1.0;
        let taps_x = 6.0 * (w / ow).max(1.0) + 1.0;
        let work = (w * oh * taps_y + ow * oh * taps_x) * RESIZE_TAP;
        let temporary = u64::from(self.width) * u64::from(out_height) * 16;
        let output = u64::from(out_width) * u64::from(out_height) * self.bytes_per_pixel();
        Cost::new(units(work), temporary.saturating_add(output))
    }

    /// Encoding an image of `width` x `height` at this image's depth into `format`: the encoder's converted
    /// copy and the encoded bytes (at most the raw pixels).
    pub fn encode(&self, width: u32, height: u32, format: &str) -> Cost {
        let pixels = u64::from(width) * u64::from(height);
        Cost::new(units(pixels as f64 * encode_price(format)), pixels.saturating_mul(self.bytes_per_pixel() + 4))
    }
}

fn units(nanoseconds: f64) -> u64 {
    nanoseconds.ceil() as u64
}
