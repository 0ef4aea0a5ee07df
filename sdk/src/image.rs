//! Raster images (PNG, JPEG, WebP, GIF's first frame) decoded and measured by the host. A rule asks for an item's
//! file by name, so the image's bytes never enter the plugin; it gets the numbers to judge by.
//!
//! ```ignore
//! let facts = aigc_sdk::image::measure_file(&item.id, "image.png")?;
//! if facts.width.min(facts.height) < 200 { /* too small */ }
//! // Everything in the dataset within 8 bits of pHash of this image, itself included:
//! let group = aigc_sdk::image::similar(&item.id, "image.png", 8)?;
//! ```
//!
//! Errors are [`ImageError`] values a rule may match on: `Invalid` for bytes that do not decode (a truncated
//! file, not an image), `Limit` for an image over the host's size limits (a decompression bomb), `NotFound` for
//! a missing item or file.

use crate::bindings::aigc::plugin::image as raw;

pub use crate::bindings::aigc::plugin::types::Error as ImageError;
pub use raw::{Encoding, Facts, SimilarImage};

/// The facts of the file `name` of item `id`, measured in the host.
pub fn measure_file(id: &str, name: &str) -> Result<Facts, ImageError> {
    raw::measure_file(id, name)
}

/// The facts of encoded image bytes.
pub fn measure(image: &[u8]) -> Result<Facts, ImageError> {
    raw::measure(image)
}

/// The image scaled to fit inside `max_width` x `max_height` (aspect ratio kept, never enlarged), encoded.
pub fn resize(image: &[u8], max_width: u32, max_height: u32, encoding: Encoding) -> Result<Vec<u8>, ImageError> {
    raw::resize(image, max_width, max_height, encoding)
}

/// The group of dataset images that duplicate or nearly duplicate file `name` of item `id` (identical bytes, or
/// pHashes at most `max_distance` bits apart, directly or through other members), the file itself included,
/// ordered by item id. The same for every item of the group, whatever order or parallelism the run uses.
pub fn similar(id: &str, name: &str, max_distance: u32) -> Result<Vec<SimilarImage>, ImageError> {
    raw::similar(id, name, max_distance)
}

/// Bits in which two perceptual hashes differ.
pub fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// Whether a file's media type is one the host decodes.
pub fn is_raster(media_type: &str) -> bool {
    matches!(media_type, "image/png" | "image/jpeg" | "image/webp" | "image/gif")
}

/// Whether [`similar`] can compare a file of this media type: raster images, and SVGs through their rendering.
pub fn is_comparable(media_type: &str) -> bool {
    is_raster(media_type) || media_type == "image/svg+xml"
}
