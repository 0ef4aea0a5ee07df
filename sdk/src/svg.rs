//! SVG analysis done by the host: facts about the document (elements, `<text>` and fonts, colours, bounds),
//! rasters, and statistics of the rendered shape (connected parts of the alpha mask and regions of uniform colour,
//! with holes). A rule asks for an item's file by name, so the SVG's bytes never enter the plugin, and one call
//! returns everything:
//!
//! ```ignore
//! let a = aigc_sdk::svg::analyze_file(&item.id, "icon.svg", aigc_sdk::svg::Options::default())?;
//! if !a.facts.texts.is_empty() { /* has <text> */ }
//! let parts = a.stats.component_count;
//! // A PNG for a model: 224 px on white.
//! let png = aigc_sdk::svg::rasterize_file(&item.id, "icon.svg", 224, Some(aigc_sdk::svg::WHITE))?;
//! ```
//!
//! Errors are [`SvgError`] values a rule may match on: `Invalid` for a malformed SVG or one the host refuses
//! (external references are never followed: they are ignored), `Limit` for one over the host's caps (bytes,
//! elements, nesting, `<use>` expansion, raster size), `NotFound` for a missing item or file.

use crate::bindings::aigc::plugin::svg as raw;

pub use crate::bindings::aigc::plugin::types::Error as SvgError;
pub use raw::{
    Analysis, AnalysisOptions as Options, ColourUse, Facts, Hole, Rect, Rgba, Shape, ShapeStats, TextElement,
};

/// Opaque white, the usual background for a model's input.
pub const WHITE: Rgba = Rgba { r: 255, g: 255, b: 255, a: 255 };

impl Default for Options {
    /// 256 px, 32 shapes per list, specks under 4 px ignored.
    fn default() -> Self {
        Options { size: 256, max_shapes: 32, min_area: 4 }
    }
}

/// A PNG of the SVG fitted into a `size` x `size` square (aspect kept, centred), transparent or on `background`.
pub fn rasterize(svg: &[u8], size: u32, background: Option<Rgba>) -> Result<Vec<u8>, SvgError> {
    raw::rasterize(svg, size, background)
}

/// [`rasterize`] on file `name` of item `id`, read by the host.
pub fn rasterize_file(id: &str, name: &str, size: u32, background: Option<Rgba>) -> Result<Vec<u8>, SvgError> {
    raw::rasterize_file(id, name, size, background)
}

/// What the document says, without rendering.
pub fn describe(svg: &[u8]) -> Result<Facts, SvgError> {
    raw::describe(svg)
}

/// Facts and shape statistics of SVG bytes.
pub fn analyze(svg: &[u8], options: Options) -> Result<Analysis, SvgError> {
    raw::analyze(svg, options)
}

/// [`analyze`] on file `name` of item `id`, read by the host.
pub fn analyze_file(id: &str, name: &str, options: Options) -> Result<Analysis, SvgError> {
    raw::analyze_file(id, name, options)
}

/// Whether a file looks like an SVG, by media type or name.
pub fn is_svg(media_type: &str, name: &str) -> bool {
    media_type == "image/svg+xml" || name.to_ascii_lowercase().ends_with(".svg")
}
