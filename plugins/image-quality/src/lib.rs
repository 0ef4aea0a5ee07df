//! Image quality: CleanVision's cheap per-image checks as one rule, plus a minimum resolution. The host decodes
//! and measures the image (`image.measure-file`), so no pixels enter the plugin; this rule only compares numbers
//! with thresholds. The defaults are CleanVision's (`cleanvision/issue_managers`): dark 0.32, light 0.05, blurry
//! 0.29, low information 0.3, odd aspect ratio 0.35; the minimum side of 200 px is DataComp's basic filter.
//!
//! Checks run in a fixed order and the first that fails names the reason; its score is the measurement, on
//! CleanVision's scale where lower is worse. An image that does not decode, or is over the host's size limits, is
//! dropped as "unreadable" with the host's message stored as the annotation `image-error`. An item with no raster
//! image (an SVG, a 3D model) is kept: it is not this rule's business.

use aigc_sdk::dataset::Item;
use aigc_sdk::image::{self, Facts, ImageError};
use aigc_sdk::{Cleaner, Error, Result, Verdict, annotate, config, log};

aigc_sdk::manifest!({
    "kind": "cleaner",
    "description": "Drops raster images that are too small, oddly shaped, too dark or bright, low in information, or blurry",
    "config": {
        "min_side": { "default": "200", "help": "smallest width and height kept, in pixels (DataComp's basic filter: 200); 0 turns it off" },
        "aspect_threshold": { "default": "0.35", "help": "smallest min(w/h, h/w) kept (CleanVision: 0.35)" },
        "dark_threshold": { "default": "0.32", "help": "an image whose 99th-percentile brightness is below this is too dark (CleanVision: 0.32)" },
        "light_threshold": { "default": "0.05", "help": "an image with 1 - 5th-percentile brightness below this is too bright (CleanVision: 0.05)" },
        "low_information_threshold": { "default": "0.3", "help": "an image with 0.1 x entropy (bits) below this has too little information (CleanVision: 0.3)" },
        "blurry_threshold": { "default": "0.29", "help": "an image with a blur score below this is blurry (CleanVision: 0.29); the score is 1 - exp(-0.01 x sharpness), plus 1 - exp(-0.01 x grey spread) when that is over blurry_color_threshold" },
        "blurry_color_threshold": { "default": "0.18", "help": "the grey-spread term counts towards the blur score above this (CleanVision: 0.18), so few-colour images are not called blurry" },
        "file": { "default": "", "help": "which file of the item to judge (default: its first PNG, JPEG, WebP or GIF)" }
    }
});

struct ImageQuality;

/// The thresholds, read once per item (config is cheap and may differ per run).
struct Thresholds {
    min_side: u32,
    aspect: f64,
    dark: f64,
    light: f64,
    low_information: f64,
    blurry: f64,
    blurry_color: f64,
}

impl Thresholds {
    fn from_config() -> Result<Self> {
        Ok(Self {
            min_side: config::parse_or("min_side", 200)?,
            aspect: config::parse_or("aspect_threshold", 0.35)?,
            dark: config::parse_or("dark_threshold", 0.32)?,
            light: config::parse_or("light_threshold", 0.05)?,
            low_information: config::parse_or("low_information_threshold", 0.3)?,
            blurry: config::parse_or("blurry_threshold", 0.29)?,
            blurry_color: config::parse_or("blurry_color_threshold", 0.18)?,
        })
    }
}

/// The first failed check as (reason, score), or None when the image passes them all.
fn judge(f: &Facts, t: &Thresholds) -> Option<(&'static str, f64)> {
    let (w, h) = (f64::from(f.width), f64::from(f.height));
    let aspect = (w / h).min(h / w);
    let light = 1.0 - f.brightness_p5;
    let information = (0.1 * f.entropy).min(1.0);
    // CleanVision 0.3.6's blur score: edges, plus the histogram's peakiness when it is high enough to matter.
    let spread = 1.0 - (-0.01 * f.grey_spread).exp();
    let blur = (1.0 - (-0.01 * f.sharpness).exp() + if spread > t.blurry_color { spread } else { 0.0 }).min(1.0);
    let checks = [
        ("too-small", f64::from(f.width.min(f.height)), f.width.min(f.height) < t.min_side),
        ("odd-aspect-ratio", aspect, aspect < t.aspect),
        ("too-dark", f.brightness_p99, f.brightness_p99 < t.dark),
        ("too-bright", light, light < t.light),
        ("low-information", information, information < t.low_information),
        // After darkness, as CleanVision counts a dark image's low edges against darkness, not focus.
        ("blurry", blur, blur < t.blurry),
    ];
    checks.into_iter().find(|(_, _, failed)| *failed).map(|(reason, score, _)| (reason, score))
}

/// The file to judge: the configured one, else the item's first raster image.
fn file_of(item: &Item) -> Option<String> {
    let wanted = config::get_or("file", "");
    item.files
        .iter()
        .find(|f| if wanted.is_empty() { image::is_raster(&f.media_type) } else { f.name == wanted })
        .map(|f| f.name.clone())
}

impl Cleaner for ImageQuality {
    fn check(item: Item) -> Result<Verdict> {
        let thresholds = Thresholds::from_config()?;
        let Some(file) = file_of(&item) else {
            return Ok(Verdict { keep: true, reason: "no-raster-image".into(), score: None });
        };
        let facts = match image::measure_file(&item.id, &file) {
            Ok(facts) => facts,
            Err(ImageError::Invalid(message) | ImageError::Limit(message)) => {
                log::warn(&format!("item {}: {message}", item.id));
                annotate::put(&item.id, "image-error", &message, None)?;
                return Ok(Verdict { keep: false, reason: "unreadable".into(), score: None });
            }
            Err(other) => return Err(Error::from(other).context(format!("measuring `{file}` of item {}", item.id))),
        };
        Ok(match judge(&facts, &thresholds) {
            Some((reason, score)) => Verdict { keep: false, reason: reason.into(), score: Some(score) },
            None => Verdict { keep: true, reason: "good-quality".into(), score: None },
        })
    }
}

aigc_sdk::export_cleaner!(ImageQuality);
