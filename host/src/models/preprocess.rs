//! A plugin's inputs turned into model inputs, bounded by the model's own input size rather than by the input's.
//!
//! Images: the header is checked and the decode priced (dimensions, colour type, bit depth) before any pixel is
//! decoded; the image is decoded once, at its own depth, and only the pixels the resize reads are turned into
//! floats. The result is what the host computed before on full-size float tensors, `F.interpolate(mode=
//! "bilinear", align_corners=False, antialias=False)` of the image composited over white, but without the
//! full-size tensors (a 64-megapixel image made four of them, about 1 GiB each).
//!
//! Texts: cut to a byte bound derived from the context length before tokenizing; a model reads at most its
//! context length of tokens, and a token covers at least one byte of text, so for ordinary text the tokens kept
//! are the same (see [`text_bound`]).

use image::{DynamicImage, GenericImageView};

use crate::budget::{Cost, Work, WorkError};
use crate::image::{self as raster, ImageError};

/// Why an input could not be made into a model input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InputError {
    /// Not an image this host decodes, or a damaged one.
    #[error("{0}")]
    Invalid(String),
    /// Over a host limit (size, estimated work or memory), or the work was given up.
    #[error("{0}")]
    Limit(String),
}

impl From<WorkError> for InputError {
    fn from(error: WorkError) -> Self {
        InputError::Limit(error.to_string())
    }
}

impl From<ImageError> for InputError {
    fn from(error: ImageError) -> Self {
        match error {
            ImageError::TooLarge(m) | ImageError::Stopped(m) => InputError::Limit(m),
            ImageError::Undecodable(m) => InputError::Invalid(m),
        }
    }
}

/// Reading, compositing and interpolating one output value (four pixels fetched and converted), nanoseconds.
const RESAMPLE: f64 = 120.0;
/// Tokenizing, per byte of text (normalising, pre-tokenizing, BPE merges).
const TOKENIZE: f64 = 400.0;

/// One image as three normalised planes of `size` x `size` (R, G, B), appended to `out`: the values of a
/// `[1, 3, size, size]` input, charging `work` first.
pub fn append_image(
    bytes: &[u8],
    size: i64,
    mean: &[f64; 3],
    std: &[f64; 3],
    work: &mut Work,
    out: &mut Vec<f32>,
) -> Result<(), InputError> {
    let side =
        u32::try_from(size).map_err(|_| InputError::Invalid(format!("model input size {size} is not usable")))?;
    let (header, decoder) = raster::open(bytes)?;
    work.charge(header.decode())?;
    let outputs = 3 * u64::from(side) * u64::from(side);
    work.charge(Cost::new((outputs as f64 * RESAMPLE).ceil() as u64, outputs * 4 * 3))?;
    let image = raster::decode_pixels(&header, decoder)?;
    let mut planes = resample_on_white(&image, side);
    normalise(&mut planes, mean, std);
    out.extend_from_slice(&planes);
    Ok(())
}

/// `(x - mean) / std` per plane, in f32: the same two correctly rounded operations, in the same order, as the
/// `sub` and `div` of `[1, 3, 1, 1]` tensors it replaces (bit for bit), without a libtorch op. A libtorch op on a
/// caller's thread would start an OpenMP team per caller, which then competes with the model's workers.
pub fn normalise(planes: &mut [f32], mean: &[f64; 3], std: &[f64; 3]) {
    let plane = planes.len() / 3;
    for (channel, values) in planes.chunks_mut(plane.max(1)).enumerate().take(3) {
        let (m, s) = (mean[channel] as f32, std[channel] as f32);
        for value in values {
            *value = (*value - m) / s;
        }
    }
}

/// Where one output row (or column) samples the input: the two source indices and their weights, as libtorch's
/// CPU `upsample_bilinear2d` computes them (`compute_source_index_and_lambda` with `align_corners=false` and no
/// scale given), in f32 as it does.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Tap {
    i0: u32,
    i1: u32,
    w0: f32,
    w1: f32,
}

fn taps(input: u32, output: u32) -> Vec<Tap> {
    if input == output {
        return (0..output).map(|i| Tap { i0: i, i1: i, w0: 1.0, w1: 0.0 }).collect();
    }
    let scale = input as f32 / output as f32;
    (0..output)
        .map(|i| {
            // libtorch's x86 kernels are compiled with fused multiply-adds (`scale * (i + 0.5) - 0.5` becomes
            // one): without the fusion the weights differ in their last bits.
            let real = scale.mul_add(i as f32 + 0.5, -0.5).max(0.0);
            let i0 = (real.floor() as u32).min(input - 1);
            let w1 = (real - i0 as f32).clamp(0.0, 1.0);
            let i1 = if i0 < input - 1 { i0 + 1 } else { i0 };
            Tap { i0, i1, w0: 1.0 - w1, w1 }
        })
        .collect()
}

/// The image composited over white and resized to `side` x `side` with bilinear interpolation, as three planes
/// (R, G, B) of f32 in [0, 1]: the same arithmetic as the tensor pipeline it replaces (`x / 255`, `rgb * alpha +
/// (1 - alpha)`, then the interpolation), reading only the pixels the interpolation uses.
fn resample_on_white(image: &DynamicImage, side: u32) -> Vec<f32> {
    let rows = taps(image.height(), side);
    let columns = taps(image.width(), side);
    let plane = (side * side) as usize;
    let mut out = vec![0f32; plane * 3];
    let composite = |x: u32, y: u32| {
        let p = image.get_pixel(x, y).0;
        let alpha = f32::from(p[3]) / 255.0;
        [0, 1, 2].map(|c| (f32::from(p[c]) / 255.0) * alpha + (1.0 - alpha))
    };
    for (oy, row) in rows.iter().enumerate() {
        for (ox, column) in columns.iter().enumerate() {
            let (a, b) = (composite(column.i0, row.i0), composite(column.i1, row.i0));
            let (c, d) = (composite(column.i0, row.i1), composite(column.i1, row.i1));
            for channel in 0..3 {
                let top = a[channel] * column.w0 + b[channel] * column.w1;
                let bottom = c[channel] * column.w0 + d[channel] * column.w1;
                out[channel * plane + oy * side as usize + ox] = top * row.w0 + bottom * row.w1;
            }
        }
    }
    out
}

/// The most bytes of one text a model with `context_length` tokens is given. A token covers at least one byte,
/// and in ordinary text (words, punctuation, single spaces) several, so a prefix this long yields far more than
/// the context's tokens and cutting the tokens of the prefix gives the same tokens as cutting those of the
/// whole text. Text that normalisation removes (runs of thousands of spaces, control characters) before the
/// words a model would read is the exception: those words are then not read.
pub fn text_bound(context_length: usize) -> usize {
    context_length.saturating_mul(64).max(4096)
}

/// `text` cut to at most `bound` bytes, on a character boundary.
pub fn bounded_text(text: &str, bound: usize) -> &str {
    if text.len() <= bound {
        return text;
    }
    let mut end = bound;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// One text's token ids, padded or cut to `context_length` with `pad_id`. As CLIP does, a cut keeps the end token
/// in the last slot (the text tower reads it there).
pub fn token_row(
    tokenizer: &tokenizers::Tokenizer,
    text: &str,
    context_length: usize,
    pad_id: u32,
) -> Result<Vec<i64>, String> {
    let encoding = tokenizer.encode(text, true).map_err(|e| format!("tokenizing `{}`: {e}", bounded_text(text, 80)))?;
    let mut ids: Vec<i64> = encoding.get_ids().iter().map(|&i| i64::from(i)).collect();
    if ids.len() > context_length {
        let last = ids[ids.len() - 1];
        ids.truncate(context_length);
        if let Some(slot) = ids.last_mut() {
            *slot = last;
        }
    }
    ids.resize(context_length, i64::from(pad_id));
    Ok(ids)
}

/// What tokenizing these texts costs once each is cut to `bound` bytes.
pub fn tokenize_cost(texts: &[String], bound: usize) -> Cost {
    let bytes: usize = texts.iter().map(|t| t.len().min(bound)).sum();
    Cost::new((bytes as f64 * TOKENIZE).ceil() as u64, bytes as u64 * 64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Luma, LumaA, Rgb, Rgba};
    use tch::Tensor;

    /// The pipeline this module replaced, on full-size tensors: the reference for its arithmetic.
    fn full_size(image: &DynamicImage, side: i64) -> Vec<f32> {
        use tch::Kind;
        let rgba = image.to_rgba8();
        let (w, h) = (i64::from(rgba.width()), i64::from(rgba.height()));
        let t = Tensor::from_slice(rgba.as_raw()).view([h, w, 4]).to_kind(Kind::Float) / 255.0;
        let (rgb, alpha) = (t.narrow(2, 0, 3), t.narrow(2, 3, 1));
        let composed = rgb.f_mul(&alpha).unwrap().f_add(&(1.0 - &alpha)).unwrap();
        let composed = composed.permute([2, 0, 1]).unsqueeze(0).contiguous();
        let resized = composed.upsample_bilinear2d([side, side], false, None, None);
        Vec::<f32>::try_from(resized.flatten(0, -1)).unwrap()
    }

    /// Experiment: which order of the final multiply-adds libtorch uses.
    fn noise(seed: u32) -> impl FnMut(u32, u32) -> u8 {
        move |x, y| {
            let mut v = x.wrapping_mul(0x9E37_79B1) ^ y.wrapping_mul(0x85EB_CA77) ^ seed;
            v ^= v >> 15;
            v = v.wrapping_mul(0x2C1B_3C6D);
            (v >> 24) as u8
        }
    }

    #[test]
    fn resampling_from_pixels_gives_the_full_size_tensor_pipelines_numbers() {
        let mut n = noise(7);
        let images = [
            DynamicImage::ImageRgba8(ImageBuffer::from_fn(301, 157, |x, y| {
                Rgba([n(x, y), n(y, x), n(x + 1, y), n(x, y + 3)])
            })),
            DynamicImage::ImageRgb8(ImageBuffer::from_fn(40, 640, |x, y| Rgb([n(x, y), n(y, x), n(x + 2, y)]))),
            DynamicImage::ImageLumaA8(ImageBuffer::from_fn(17, 13, |x, y| LumaA([n(x, y), n(y, x)]))),
            DynamicImage::ImageLuma16(ImageBuffer::from_fn(500, 333, |x, y| Luma([(u16::from(n(x, y)) * 257) ^ 3]))),
            DynamicImage::ImageRgba16(ImageBuffer::from_fn(64, 64, |x, y| {
                Rgba([u16::from(n(x, y)) << 8, 65535, u16::from(n(y, x)) * 200, u16::from(n(x, x)) * 257])
            })),
        ];
        for (k, image) in images.iter().enumerate() {
            for side in [32u32, 64, 224] {
                let ours = resample_on_white(image, side);
                let theirs = full_size(image, i64::from(side));
                assert_eq!(ours.len(), theirs.len());
                let worst = ours.iter().zip(&theirs).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
                // The same operations in the same order, within one unit in the last place (libtorch's vectorised
                // kernels fuse some multiply-adds; fusing them here too would call a slow software `fmaf`).
                assert!(worst <= 2e-7, "image {k} at {side}: differs by {worst}");
            }
        }
    }

    #[test]
    fn normalising_in_rust_gives_libtorchs_sub_and_div_bit_for_bit() {
        let mut n = noise(11);
        let side = 61usize;
        let planes: Vec<f32> = (0..3 * side * side).map(|i| f32::from(n(i as u32, 7)) / 255.0).collect();
        let (mean, std) = ([0.481_454_66, 0.457_827_5, 0.408_210_73], [0.268_629_54, 0.261_302_58, 0.275_777_11]);
        let mut ours = planes.clone();
        normalise(&mut ours, &mean, &std);
        let m = Tensor::from_slice(&mean.map(|v| v as f32)).view([1, 3, 1, 1]);
        let s = Tensor::from_slice(&std.map(|v| v as f32)).view([1, 3, 1, 1]);
        let theirs = (Tensor::from_slice(&planes).view([1, 3, side as i64, side as i64]) - m) / s;
        let theirs = Vec::<f32>::try_from(theirs.flatten(0, -1)).unwrap();
        let differing = ours.iter().zip(&theirs).filter(|(a, b)| a.to_bits() != b.to_bits()).count();
        assert_eq!(differing, 0, "{differing} of {} values differ", ours.len());
    }

    /// A byte-level BPE tokenizer trained here on `corpus`, with CLIP's lower-casing and start and end tokens:
    /// the kind of tokenizer real CLIP models ship (the committed tiny models' tokenizers are word-level).
    fn bpe(corpus: &[&str]) -> tokenizers::Tokenizer {
        use tokenizers::AddedToken;
        use tokenizers::models::TrainerWrapper;
        use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
        use tokenizers::normalizers::Lowercase;
        use tokenizers::pre_tokenizers::byte_level::ByteLevel;
        use tokenizers::processors::template::TemplateProcessing;
        let mut tokenizer = tokenizers::Tokenizer::new(BPE::default());
        tokenizer.with_normalizer(Some(Lowercase));
        tokenizer.with_pre_tokenizer(Some(ByteLevel::default()));
        let mut trainer: TrainerWrapper = BpeTrainerBuilder::new()
            .show_progress(false)
            .vocab_size(600)
            .min_frequency(1)
            .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
            .special_tokens(vec![AddedToken::from("<start>", true), AddedToken::from("<end>", true)])
            .build()
            .into();
        tokenizer.train(&mut trainer, corpus.iter()).unwrap();
        let template = TemplateProcessing::builder()
            .try_single("<start> $0 <end>")
            .unwrap()
            .special_tokens(vec![("<start>", 0), ("<end>", 1)])
            .build()
            .unwrap();
        tokenizer.with_post_processor(Some(template));
        tokenizer
    }

    #[test]
    fn cutting_ordinary_text_before_tokenizing_keeps_the_same_tokens() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../models/tiny/tiny-clip/tokenizer.json");
        let word_level = tokenizers::Tokenizer::from_file(path).unwrap();
        let prose = "The quick brown fox jumps over the lazy dog, then naps under an old oak tree; later, \
                     a small red bird (a robin?) sings 3 songs. ";
        let unicode = "Ünïcödé façade — naïve café, 東京タワー and emoji 🦊🌳 mixed in; ";
        let texts = [
            "a photo of a cat".to_string(),
            prose.repeat(2000),
            unicode.repeat(3000),
            format!("{}{}", "word ".repeat(50_000), prose),
            "x".repeat(100_000),
        ];
        let byte_level = bpe(&[prose, unicode]);
        for tokenizer in [&word_level, &byte_level] {
            for context in [16usize, 77, 256] {
                let bound = text_bound(context);
                for text in &texts {
                    let whole = token_row(tokenizer, text, context, 0).unwrap();
                    let cut = token_row(tokenizer, bounded_text(text, bound), context, 0).unwrap();
                    assert_eq!(cut, whole, "context {context}, text of {} bytes", text.len());
                    // The cut is real: these texts are far longer than the bound.
                    assert!(text.len() < 100 || bounded_text(text, bound).len() < text.len());
                }
            }
        }
    }

    #[test]
    fn texts_are_cut_on_a_character_boundary_within_the_bound() {
        assert_eq!(bounded_text("short", 10), "short");
        let text = "é".repeat(10);
        let cut = bounded_text(&text, 5);
        assert_eq!(cut, "éé");
        assert_eq!(text_bound(77), 77 * 64);
        assert_eq!(text_bound(16), 4096);
    }

    /// Peak resident memory of this process so far, KiB (Linux `VmHWM`).
    fn peak_rss_kib() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:")?.trim().strip_suffix("kB")?.trim().parse().ok())
            .unwrap_or(0)
    }

    /// The old and new paths on the inputs, timed with their peak-RSS growth: run alone, new first.
    #[test]
    #[ignore = "measurement: the old path holds gigabytes"]
    fn before_and_after() {
        use std::time::Instant;
        let photo = DynamicImage::ImageRgb8(ImageBuffer::from_pixel(8000, 8000, Rgb([90, 120, 200])));
        let base = peak_rss_kib();
        let started = Instant::now();
        let _ = std::hint::black_box(resample_on_white(&photo, 224));
        println!(
            "64 MP to 224 px, new: {:.2} s, +{} MiB",
            started.elapsed().as_secs_f64(),
            (peak_rss_kib() - base) / 1024
        );
        let base = peak_rss_kib();
        let started = Instant::now();
        let _ = std::hint::black_box(full_size(&photo, 224));
        println!(
            "64 MP to 224 px, old: {:.2} s, +{} MiB",
            started.elapsed().as_secs_f64(),
            (peak_rss_kib() - base) / 1024
        );

        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../models/tiny/tiny-clip/tokenizer.json");
        let tokenizer = tokenizers::Tokenizer::from_file(path).unwrap();
        let text = "a photo of a cat sitting on a mat. ".repeat((32 << 20) / 35);
        let base = peak_rss_kib();
        let started = Instant::now();
        let _ = token_row(&tokenizer, bounded_text(&text, text_bound(77)), 77, 0).unwrap();
        println!("32 MiB text, new: {:.3} s, +{} MiB", started.elapsed().as_secs_f64(), (peak_rss_kib() - base) / 1024);
        let started = Instant::now();
        let _ = token_row(&tokenizer, &text, 77, 0).unwrap();
        println!("32 MiB text, old: {:.2} s, +{} MiB", started.elapsed().as_secs_f64(), (peak_rss_kib() - base) / 1024);
    }
}
