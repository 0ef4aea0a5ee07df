//! SVG analysis for the `svg` capability (and for native callers such as the boundary benchmark): parse an
//! untrusted SVG safely, report what the document says ([`Facts`]), rasterize it, and measure the rendered shape
//! ([`ShapeStats`]): connected parts of the alpha mask and regions of uniform colour, with holes.
//!
//! Safety: the parser never reads a file or URL the SVG names (external images are ignored, nested SVG images
//! refused), fonts come from one font set loaded once per process, and bytes, elements, nesting depth, `<use>`
//! expansion and raster size are capped. Anything over a cap or malformed is an [`SvgError`], and a panic inside
//! the SVG libraries is caught and reported as one, so one bad file never takes the process down.
//!
//! Cost: every step is estimated and charged to a [`Work`] before it runs ([`cost`]): parsing by the bytes and
//! the elements, rendering by the tree's layers, filters, masks and paths at the raster size. A step over the
//! per-call caps is a [`SvgError::Limit`] before it allocates anything. The `*_metered` functions charge the
//! caller's work (a plugin's host call); the others charge a meter of their own with the default caps (native
//! callers: benchmarks, tests, the duplicate index).

mod cost;
mod parse;
mod shapes;

use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::Serialize;

pub use parse::Limits;
use resvg::tiny_skia;

use crate::budget::{Meter, Work, WorkError, WorkLimits};

/// Why an SVG could not be analysed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SvgError {
    /// Not a well-formed SVG, or one this host will not process (the message says why).
    #[error("{0}")]
    Invalid(String),
    /// Over one of the host's caps; the message names it.
    #[error("{0}")]
    Limit(String),
    /// The work was stopped for a reason outside this SVG (its time ran out, or the plugin call's host-work
    /// budget is spent): not to be remembered as this file's result.
    #[error("{0}")]
    Stopped(String),
}

/// Work over the host's per-call caps is a limit on this SVG; work given up is stopped.
impl From<WorkError> for SvgError {
    fn from(error: WorkError) -> Self {
        match error {
            WorkError::TooCostly { .. } | WorkError::TooLarge { .. } => SvgError::Limit(error.to_string()),
            WorkError::TimedOut { .. } | WorkError::Exhausted { .. } | WorkError::Unavailable { .. } => {
                SvgError::Stopped(error.to_string())
            }
        }
    }
}

/// Runs `job` with a meter of its own under the default caps, for callers outside a plugin's host call.
fn native<T>(what: &str, job: impl FnOnce(&mut Work) -> Result<T, SvgError>) -> Result<T, SvgError> {
    let meter = Meter::new(WorkLimits::default());
    let mut work = meter.start(what);
    job(&mut work)
}

/// An sRGB colour with straight alpha.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Rgba {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    pub a: u8,
}

/// A rectangle in user units or pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

/// A `<text>` element: what it says, in which fonts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextElement {
    pub content: String,
    pub font_families: Vec<String>,
    pub font_size: f32,
    pub bbox: Option<Rect>,
}

/// What the document says, before rendering. See `wit/svg.wit` for each field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Facts {
    pub width: f32,
    pub height: f32,
    pub view_box: Option<Rect>,
    pub elements: Vec<(String, u32)>,
    pub paths: u32,
    pub images: u32,
    pub external_refs: u32,
    pub texts: Vec<TextElement>,
    pub content_bbox: Option<Rect>,
    pub colours: Vec<(Rgba, u32)>,
    pub fonts_available: bool,
}

/// A hole inside a shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hole {
    pub area: u32,
    pub bbox: Rect,
}

/// A connected set of pixels.
#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// Statistics of the rendered shape. See `wit/svg.wit` for each field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShapeStats {
    pub size: u32,
    pub drawn: u32,
    pub fill_ratio: f32,
    pub drawn_bbox: Option<Rect>,
    pub components: Vec<Shape>,
    pub component_count: u32,
    pub regions: Vec<Shape>,
    pub region_count: u32,
    pub spread: f32,
}

/// Facts and statistics of one SVG.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub facts: Facts,
    pub stats: ShapeStats,
}

/// What [`analyze`] computes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnalysisOptions {
    pub size: u32,
    pub max_shapes: u32,
    pub min_area: u32,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        Self { size: 256, max_shapes: 32, min_area: 4 }
    }
}

/// Runs `work`, turning a panic inside the SVG libraries into an error.
fn guarded<T>(what: &str, work: impl FnOnce() -> Result<T, SvgError>) -> Result<T, SvgError> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|_| {
        Err(SvgError::Invalid(format!("the SVG library failed while {what} this file (a bug it has on this input)")))
    })
}

/// What the document says, without rendering.
pub fn facts(svg: &[u8], limits: &Limits) -> Result<Facts, SvgError> {
    native("the SVG", |work| facts_metered(svg, limits, work))
}

/// [`facts`], charged to `work`.
pub fn facts_metered(svg: &[u8], limits: &Limits, work: &mut Work) -> Result<Facts, SvgError> {
    guarded("parsing", || Ok(parse::parse(svg, limits, work)?.facts()))
}

/// A PNG of the SVG fitted into a `size` x `size` square, on `background` or transparent.
pub fn rasterize(svg: &[u8], size: u32, background: Option<Rgba>, limits: &Limits) -> Result<Vec<u8>, SvgError> {
    native("the SVG", |work| rasterize_metered(svg, size, background, limits, work))
}

/// [`rasterize`], charged to `work`.
pub fn rasterize_metered(
    svg: &[u8],
    size: u32,
    background: Option<Rgba>,
    limits: &Limits,
    work: &mut Work,
) -> Result<Vec<u8>, SvgError> {
    guarded("rendering", || {
        check_size(size, limits)?;
        let parsed = parse::parse(svg, limits, work)?;
        png(&parsed.tree, size, background, limits, work)
    })
}

/// Facts and shape statistics.
pub fn analyze(svg: &[u8], options: &AnalysisOptions, limits: &Limits) -> Result<Analysis, SvgError> {
    analyze_document(svg, options, limits).map(|(analysis, _)| analysis)
}

/// [`analyze`], also handing back the parsed document so the same SVG can be rasterized at other sizes
/// without parsing it again (the same errors as [`analyze`]).
pub fn analyze_document(
    svg: &[u8],
    options: &AnalysisOptions,
    limits: &Limits,
) -> Result<(Analysis, Document), SvgError> {
    native("the SVG", |work| analyze_document_metered(svg, options, limits, work))
}

/// [`analyze_document`], charged to `work`.
pub fn analyze_document_metered(
    svg: &[u8],
    options: &AnalysisOptions,
    limits: &Limits,
    work: &mut Work,
) -> Result<(Analysis, Document), SvgError> {
    guarded("analysing", || {
        check_size(options.size, limits)?;
        let parsed = parse::parse(svg, limits, work)?;
        let pixmap = render(&parsed.tree, options.size, None, limits, work)?;
        work.charge(cost::shapes(options.size))?;
        let stats = shapes::stats(&pixmap, options);
        Ok((Analysis { facts: parsed.facts(), stats }, Document(parsed)))
    })
}

/// A parsed, checked SVG, to render again without parsing.
pub struct Document(parse::Parsed);

impl Document {
    /// [`rasterize`] of the document this was parsed from: the same PNG.
    pub fn rasterize(&self, size: u32, background: Option<Rgba>, limits: &Limits) -> Result<Vec<u8>, SvgError> {
        native("the SVG", |work| self.rasterize_metered(size, background, limits, work))
    }

    /// [`Document::rasterize`], charged to `work` (the render only: the parse was paid for).
    pub fn rasterize_metered(
        &self,
        size: u32,
        background: Option<Rgba>,
        limits: &Limits,
        work: &mut Work,
    ) -> Result<Vec<u8>, SvgError> {
        guarded("rendering", || png(&self.0.tree, size, background, limits, work))
    }
}

fn png(
    tree: &resvg::usvg::Tree,
    size: u32,
    background: Option<Rgba>,
    limits: &Limits,
    work: &mut Work,
) -> Result<Vec<u8>, SvgError> {
    let pixmap = render(tree, size, background, limits, work)?;
    work.charge(cost::png(size))?;
    pixmap.encode_png().map_err(|e| SvgError::Invalid(format!("cannot encode the raster as PNG: {e}")))
}

/// Refuses a raster size outside the cap (before any parsing: the size alone decides).
fn check_size(size: u32, limits: &Limits) -> Result<(), SvgError> {
    if size == 0 || size > limits.max_raster {
        return Err(SvgError::Limit(format!(
            "raster size {size} px is outside 1..={} px (the host's raster cap)",
            limits.max_raster
        )));
    }
    Ok(())
}

/// Renders the tree fitted into a square of `size` pixels, aspect kept and centred, after charging what the
/// render is estimated to cost.
fn render(
    tree: &resvg::usvg::Tree,
    size: u32,
    background: Option<Rgba>,
    limits: &Limits,
    work: &mut Work,
) -> Result<tiny_skia::Pixmap, SvgError> {
    check_size(size, limits)?;
    let transform = fit(tree, size);
    let estimate = cost::render(tree, size, transform);
    work.charge(estimate.cost)?;
    estimate.check_reach(size)?;
    let mut pixmap = tiny_skia::Pixmap::new(size, size)
        .ok_or_else(|| SvgError::Limit(format!("cannot allocate a {size} x {size} raster")))?;
    if let Some(c) = background {
        pixmap.fill(tiny_skia::Color::from_rgba8(c.r, c.g, c.b, c.a));
    }
    resvg::render(tree, transform, &mut pixmap.as_mut());
    Ok(pixmap)
}

/// The transform that fits the document into a square of `size` pixels, aspect kept and centred.
fn fit(tree: &resvg::usvg::Tree, size: u32) -> tiny_skia::Transform {
    let doc = tree.size();
    let scale = size as f32 / doc.width().max(doc.height());
    let dx = (size as f32 - doc.width() * scale) / 2.0;
    let dy = (size as f32 - doc.height() * scale) / 2.0;
    tiny_skia::Transform::from_row(scale, 0.0, 0.0, scale, dx, dy)
}
