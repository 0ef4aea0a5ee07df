//! The decisions of the course's SVG cleaning rules, as plain Rust over the host's SVG facts and shape
//! statistics (`wit/svg.wit`), so the same code runs inside the plugins (`svg-no-text`, `svg-no-prohibition`,
//! `svg-single-object`) and natively (the boundary benchmark). No dependencies, no host calls: callers map the
//! host's records onto [`Analysis`] and read thresholds into the `*Config` types.
//!
//! Geometry is in raster pixels; thresholds are fractions of the raster side or of the drawn area, so they do
//! not depend on the size the SVG was rendered at.

#[cfg(feature = "plugin")]
pub mod plugin;
mod prohibition;
mod single;
mod text;

pub use prohibition::{ProhibitionConfig, no_prohibition};
pub use single::{SingleObjectConfig, single_object};
pub use text::{NoTextConfig, no_text};

/// An sRGB colour with straight alpha.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rgba {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    pub a: u8,
}

/// A rectangle in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl Rect {
    fn right(&self) -> f32 {
        self.x + self.width
    }
    fn bottom(&self) -> f32 {
        self.y + self.height
    }
    fn centre(&self) -> (f32, f32) {
        (self.x + self.width / 2.0, self.y + self.height / 2.0)
    }
    fn area(&self) -> f32 {
        self.width * self.height
    }
    /// Gap between two boxes (0 when they touch or overlap), the larger of the two axes' gaps.
    fn gap(&self, other: &Rect) -> f32 {
        let dx = (other.x - self.right()).max(self.x - other.right()).max(0.0);
        let dy = (other.y - self.bottom()).max(self.y - other.bottom()).max(0.0);
        dx.max(dy)
    }
    fn contains(&self, other: &Rect) -> bool {
        other.x >= self.x && other.y >= self.y && other.right() <= self.right() && other.bottom() <= self.bottom()
    }
    fn union(&self, other: &Rect) -> Rect {
        let (x, y) = (self.x.min(other.x), self.y.min(other.y));
        Rect { x, y, width: self.right().max(other.right()) - x, height: self.bottom().max(other.bottom()) - y }
    }
}

/// A hole inside a shape.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Hole {
    pub area: u32,
    pub bbox: Rect,
}

/// A connected set of pixels: a part of the alpha mask, or a region of one colour.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Shape {
    pub area: u32,
    pub bbox: Rect,
    pub cx: f32,
    pub cy: f32,
    pub perimeter: u32,
    pub colour: Rgba,
    pub holes: Vec<Hole>,
    pub encloses: u32,
}

impl Shape {
    /// About the width of its strokes: twice the area over the perimeter.
    fn stroke_width(&self) -> f32 {
        2.0 * self.area as f32 / self.perimeter.max(1) as f32
    }
}

/// What the rules read of the host's analysis.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Analysis {
    /// The text of each `<text>` element.
    pub texts: Vec<String>,
    /// Raster side in pixels.
    pub size: u32,
    /// Drawn pixels.
    pub drawn: u32,
    pub drawn_bbox: Option<Rect>,
    /// Alpha-mask parts, largest first.
    pub components: Vec<Shape>,
    pub component_count: u32,
    /// Regions of one colour, largest first.
    pub regions: Vec<Shape>,
    pub region_count: u32,
}

/// A rule's decision: keep or drop, a short stable reason, the measurement behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub keep: bool,
    pub reason: &'static str,
    pub score: f64,
}

impl Decision {
    fn keep(reason: &'static str, score: f64) -> Self {
        Self { keep: true, reason, score }
    }
    fn drop(reason: &'static str, score: f64) -> Self {
        Self { keep: false, reason, score }
    }
}

/// Reads a threshold by key from a lookup (the plugin's config, or a map), the default when absent or empty.
pub fn read<T: std::str::FromStr>(lookup: &dyn Fn(&str) -> Option<String>, key: &str, default: T) -> Result<T, String> {
    match lookup(key).filter(|v| !v.trim().is_empty()) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| format!("config `{key}` = `{v}` is not a valid number")),
    }
}

#[cfg(test)]
mod tests;
