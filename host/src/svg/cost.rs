//! What parsing and rendering an SVG will cost, estimated from the bytes and the parsed tree alone, before
//! anything is parsed or rendered (see [`crate::budget`]).
//!
//! A few hundred bytes of SVG can ask resvg 0.49 for minutes of work or gigabytes of memory: `feMorphology` reads
//! a (2r+1)² window per pixel, `feTurbulence` computes `numOctaves` noise octaves per pixel, every filter keeps
//! each primitive's result alive until the filter ends, an isolated group (opacity, mask, clip path, filter)
//! renders into a layer of its bounding box clamped to 5 x 5 canvases, and a pattern tile is rendered at full
//! resolution for every path that uses it. The estimate walks the tree the way resvg's `render_group` does, with
//! the same transforms, and prices each step from the sizes resvg will use:
//!
//! - work: pixels touched times a per-pixel price for the kind of step, plus per-segment prices for paths;
//! - memory: the layers alive at once on the deepest path through nested layers, each filter's results, masks.
//!
//! The prices are nanoseconds of one core measured on this project's 2-core build machine (a 2020s x86 laptop
//! class CPU), rounded up, with the `calibrate` test below (`cargo nextest run --release -p aigc-host
//! --run-ignored only -E 'test(calibrate)' --no-capture` prints estimate / measured for each case). The
//! estimate is meant to be within a small factor of the truth and never far below it; it is deterministic (the
//! same tree always costs the same), which is what keeps grading reproducible.

use resvg::tiny_skia::Transform;
use resvg::usvg::{self, filter};

use super::SvgError;
use crate::budget::Cost;

/// Nanoseconds per input byte for XML parsing and the element tree checks.
const XML_BYTE: f64 = 25.0;
/// Nanoseconds per element for usvg's conversion (styles, references, paths).
const ELEMENT: f64 = 3_000.0;
/// Nanoseconds per character of text for shaping and outlining (rustybuzz and the font outlines).
const GLYPH: f64 = 12_000.0;
/// Nanoseconds per pair of paint server, clip path, mask or filter references: usvg makes a copy per use of an
/// `objectBoundingBox` one and then collects them into lists, comparing each with all before it (quadratic).
const REFERENCE_PAIR: f64 = 1.0;
/// Nanoseconds for a parse, whatever its size (options, the font database handle, the tree's set-up).
const PARSE_BASE: f64 = 200_000.0;
/// Bytes held per input byte while parsing: the XML tree and usvg's tree together.
const PARSE_BYTES_PER_BYTE: u64 = 24;

/// Allocating and clearing a pixmap, per pixel.
const CLEAR: f64 = 1.0;
/// Drawing a layer onto its parent (a bilinear pattern fill with opacity), per pixel.
const COMPOSITE: f64 = 22.0;
/// Filling a path with a solid colour, per pixel of its bounding box.
const FILL: f64 = 1.5;
/// Filling with a gradient, per pixel.
const GRADIENT: f64 = 12.0;
/// Filling with a pattern (bicubic sampling), per pixel.
const PATTERN: f64 = 30.0;
/// Building a path's edges, per point.
const POINT: f64 = 60.0;
/// Stroking (the stroker makes a new path), per point.
const STROKE_POINT: f64 = 600.0;
/// One dash of a dashed stroke.
const DASH: f64 = 4_000.0;
/// Most dashes tiny-skia makes for one path (`MAX_DASH_COUNT`); more and it draws none.
const MAX_DASHES: f64 = 1_000_000.0;
/// A clip path or a mask applied to a layer, per pixel (the clip pixmap, a mask made from it, applying it).
const MASK: f64 = 25.0;
/// What every filter primitive costs per pixel before its own work: its input copied or shared then copied, a
/// colour space conversion (linearRGB by default), the result stored, the subregion cleared.
const PRIMITIVE: f64 = 25.0;
/// Box or IIR blur, per pixel (five box passes each way, independent of the deviation).
const BLUR: f64 = 150.0;
/// One pixel read of `feMorphology`'s window (four channels compared).
const MORPHOLOGY_TAP: f64 = 4.5;
/// One octave of `feTurbulence` noise at one pixel (four channels).
const TURBULENCE_OCTAVE: f64 = 220.0;
/// One kernel entry of `feConvolveMatrix` at one pixel.
const CONVOLVE_TAP: f64 = 14.0;
/// Lighting (a Sobel normal and the light model), per pixel.
const LIGHTING: f64 = 80.0;
/// `feDisplacementMap`, `feTile` and other resampling primitives, per pixel.
const RESAMPLE: f64 = 30.0;
/// Encoding the canvas as PNG, per pixel.
const PNG: f64 = 60.0;
/// Shape statistics (labelling, holes), per pixel.
const SHAPES: f64 = 60.0;
/// Bytes the shape statistics hold per pixel (straight pixels, two label planes, union-find, accumulators).
const SHAPES_BYTES: u64 = 40;

/// What parsing `bytes` of SVG text costs before anything is known of its content: the XML parse.
pub(super) fn xml(bytes: usize) -> Cost {
    Cost::new(units(bytes as f64 * XML_BYTE), bytes as u64 * PARSE_BYTES_PER_BYTE)
}

/// What turning the checked XML tree into usvg's tree costs: per element once `<use>` is expanded (`expanded`),
/// per character of text laid out (a used text is laid out per use), and per pair of references to paint
/// servers, clip paths, masks and filters (`url(...)` in an attribute).
pub(super) fn convert(doc: &usvg::roxmltree::Document, expanded: u64) -> Cost {
    let mut elements = 0u64;
    let (mut characters, mut longest_text) = (0u64, 0u64);
    let (mut references, mut most_references) = (0u64, 0u64);
    for node in doc.descendants().filter(|n| n.is_element()) {
        elements += 1;
        let own = node.attributes().filter(|a| a.value().contains("url(")).count() as u64;
        references += own;
        most_references = most_references.max(own);
        if node.tag_name().name() == "text" {
            let texts = node.descendants().filter(|n| n.is_text());
            let own = texts.map(|t| t.text().map_or(0, |t| t.chars().count() as u64)).sum::<u64>();
            characters += own;
            longest_text = longest_text.max(own);
        }
    }
    // Every element `<use>` adds is a copy of one in the file: at most the longest text, the most references.
    let copies = expanded.saturating_sub(elements);
    let characters = (characters + longest_text.saturating_mul(copies)) as f64;
    let references = (references + most_references.saturating_mul(copies)) as f64;
    let nanoseconds = PARSE_BASE
        + expanded.max(elements) as f64 * ELEMENT
        + characters * GLYPH
        + references * references / 2.0 * REFERENCE_PAIR;
    Cost::work(units(nanoseconds))
}

/// Nanoseconds per cubic an arc is cut into (kurbo, tolerance 0.1).
const ARC_CUBIC: f64 = 100.0;
/// Nanoseconds per cubic moved when svgtypes drains its buffer of an arc's cubics from the front (`Vec::remove(0)`
/// per cubic: quadratic in the cubics of one arc). Measured: an arc of radius 1e30 (about 150,000 cubics) takes
/// 2 s to parse.
const ARC_SHIFT: f64 = 0.5;
/// Bytes one buffered cubic takes.
const ARC_CUBIC_BYTES: f64 = 56.0;

/// What usvg's path parsing costs for the arcs in every `d` attribute: svgtypes cuts each arc into cubics with
/// kurbo, about `(1.1163 r / 0.1)^(1/6)` of them per turn for the larger radius `r` (after the radii are scaled
/// up to reach the end point, as the SVG rules say), and drains them one at a time from the front of a vector,
/// so an arc of radius 1e38 (79 bytes of SVG) asks for minutes. Priced from the path data, before usvg runs.
/// Every element `<use>` adds is a copy of one in the file, so each costs at most the costliest one.
pub(super) fn arcs(doc: &usvg::roxmltree::Document, expanded: u64) -> Cost {
    let mut elements = 0u64;
    let (mut work, mut costliest, mut bytes) = (0f64, 0f64, 0f64);
    for node in doc.descendants().filter(|n| n.is_element()) {
        elements += 1;
        let Some(data) = node.attribute("d") else { continue };
        let mut own = 0f64;
        for cubics in arc_cubics(data) {
            own += cubics * ARC_CUBIC + cubics * cubics / 2.0 * ARC_SHIFT;
            bytes = bytes.max(cubics * ARC_CUBIC_BYTES);
        }
        work += own;
        costliest = costliest.max(own);
    }
    let copies = expanded.saturating_sub(elements) as f64;
    Cost::new(units(work + costliest * copies), bytes.ceil() as u64)
}

/// For each arc in path data `d`, at most how many cubics kurbo makes of it (infinite for non-finite numbers).
fn arc_cubics(d: &str) -> Vec<f64> {
    use svgtypes::PathSegment as S;
    let mut out = Vec::new();
    let (mut x, mut y, mut start_x, mut start_y) = (0f64, 0f64, 0f64, 0f64);
    // svgtypes stops at the first error, as usvg does: the rest of the data is never converted.
    for segment in svgtypes::PathParser::from(d).map_while(Result::ok) {
        let (abs, nx, ny) = match segment {
            S::MoveTo { abs, x: nx, y: ny } => {
                let (nx, ny) = if abs { (nx, ny) } else { (x + nx, y + ny) };
                (start_x, start_y) = (nx, ny);
                (true, nx, ny)
            }
            S::LineTo { abs, x: nx, y: ny }
            | S::CurveTo { abs, x: nx, y: ny, .. }
            | S::SmoothCurveTo { abs, x: nx, y: ny, .. }
            | S::Quadratic { abs, x: nx, y: ny, .. }
            | S::SmoothQuadratic { abs, x: nx, y: ny } => (abs, nx, ny),
            S::HorizontalLineTo { abs, x: nx } => (abs, nx, if abs { y } else { 0.0 }),
            S::VerticalLineTo { abs, y: ny } => (abs, if abs { x } else { 0.0 }, ny),
            S::EllipticalArc { abs, rx, ry, x_axis_rotation, x: nx, y: ny, .. } => {
                let (to_x, to_y) = if abs { (nx, ny) } else { (x + nx, y + ny) };
                out.push(cubics_of_arc((x, y), (to_x, to_y), rx, ry, x_axis_rotation));
                (true, to_x, to_y)
            }
            S::ClosePath { .. } => (true, start_x, start_y),
        };
        (x, y) = if abs { (nx, ny) } else { (x + nx, y + ny) };
    }
    out
}

/// kurbo's cubic count for one SVG arc (`Arc::from_svg_arc`, then `append_iter(0.1)`), bounded above by a full
/// turn: the radii are scaled up when they cannot reach the end point, and the larger sets the count.
fn cubics_of_arc(from: (f64, f64), to: (f64, f64), rx: f64, ry: f64, rotation_degrees: f64) -> f64 {
    let all = [from.0, from.1, to.0, to.1, rx, ry, rotation_degrees];
    if all.iter().any(|v| !v.is_finite()) {
        return f64::INFINITY;
    }
    let (mut rx, mut ry) = (rx.abs(), ry.abs());
    // kurbo draws a straight line for these: no cubics.
    if rx <= 1e-5 || ry <= 1e-5 || from == to {
        return 0.0;
    }
    let (sin, cos) = (rotation_degrees.to_radians() % (2.0 * std::f64::consts::PI)).sin_cos();
    let (hx, hy) = ((from.0 - to.0) * 0.5, (from.1 - to.1) * 0.5);
    let (px, py) = (cos * hx + sin * hy, -sin * hx + cos * hy);
    let rf = px * px / (rx * rx) + py * py / (ry * ry);
    if rf > 1.0 {
        let scale = rf.sqrt();
        rx *= scale;
        ry *= scale;
    }
    let n = (1.1163 * rx.max(ry) / 0.1).powf(1.0 / 6.0).max(3.999_999);
    if n.is_finite() { n.ceil() } else { f64::INFINITY }
}

/// What the shape statistics of a `size` x `size` raster cost.
pub(super) fn shapes(size: u32) -> Cost {
    let pixels = f64::from(size) * f64::from(size);
    Cost::new(units(pixels * SHAPES), (pixels as u64).saturating_mul(SHAPES_BYTES))
}

/// What encoding a `size` x `size` raster as PNG costs (the PNG is at most the raw pixels).
pub(super) fn png(size: u32) -> Cost {
    let pixels = f64::from(size) * f64::from(size);
    Cost::new(units(pixels * PNG), (pixels as u64).saturating_mul(4))
}

/// Farthest a drawn shape may reach from the canvas origin, in pixels. tiny-skia scan-converts in 16.16 fixed
/// point and documents its anti-aliasing as limited to 32767; beyond that some shapes make it index past its
/// run buffers, panic, and panic again while unwinding, which aborts the whole process (an 82-byte SVG found by
/// the fuzzer: `fuzz/regressions/svg/abort-tiny-skia-far-vertex.svg`). Such shapes are refused before rendering.
pub(super) const RENDER_REACH: f64 = 32_767.0;

/// What rendering a tree costs, and how far its shapes reach.
pub(super) struct Estimate {
    /// Work, and the most memory held at once (the canvas included).
    pub cost: Cost,
    /// Farthest any drawn shape's bounds reach from the canvas origin, in pixels.
    pub reach: f64,
}

impl Estimate {
    /// Refuses a render whose shapes reach beyond [`RENDER_REACH`].
    pub fn check_reach(&self, size: u32) -> Result<(), SvgError> {
        if self.reach > RENDER_REACH {
            return Err(SvgError::Limit(format!(
                "a shape reaches {:.0} px from the {size} px canvas, beyond the host's safe range of {RENDER_REACH} px \
                 for rasterizing",
                self.reach
            )));
        }
        Ok(())
    }
}

/// What rendering `tree` into a `size` x `size` canvas with `transform` costs, and how far its shapes reach.
pub(super) fn render(tree: &usvg::Tree, size: u32, transform: Transform) -> Estimate {
    let side = f64::from(size);
    let canvas = Bounds { x0: 0.0, y0: 0.0, x1: side, y1: side };
    let mut walk = Walk { side, work: canvas.pixels() * CLEAR, steps: 0, over: false, reach: 0.0 };
    let peak = walk.nodes(tree.root(), transform, canvas, 0);
    if walk.over {
        // More to draw than the estimate will walk: more than any call may do.
        return Estimate { cost: Cost::new(u64::MAX, u64::MAX), reach: walk.reach };
    }
    Estimate { cost: Cost::new(units(walk.work), bytes(canvas.pixels() * 4.0 + peak)), reach: walk.reach }
}

/// Work units from estimated nanoseconds (saturating: an absurd estimate is simply over every cap).
fn units(nanoseconds: f64) -> u64 {
    nanoseconds.ceil() as u64
}

fn bytes(b: f64) -> u64 {
    b.ceil() as u64
}

/// A rectangle in device pixels (canvas coordinates), as f64 so that hostile sizes cannot overflow.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bounds {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Bounds {
    /// `rect` mapped by `ts` (the bounding box of its four corners).
    /// The largest absolute coordinate of the box (NaN counts as unreachable).
    fn reach(&self) -> f64 {
        [self.x0, self.x1, self.y0, self.y1]
            .into_iter()
            .fold(0.0, |far, v| far.max(if v.is_nan() { f64::INFINITY } else { v.abs() }))
    }

    fn of(rect: usvg::Rect, ts: Transform) -> Self {
        let corners = [
            (rect.left(), rect.top()),
            (rect.right(), rect.top()),
            (rect.left(), rect.bottom()),
            (rect.right(), rect.bottom()),
        ]
        .map(|(x, y)| {
            let (x, y) = (f64::from(x), f64::from(y));
            let px = f64::from(ts.sx) * x + f64::from(ts.kx) * y + f64::from(ts.tx);
            let py = f64::from(ts.ky) * x + f64::from(ts.sy) * y + f64::from(ts.ty);
            (px, py)
        });
        let mut b = Bounds { x0: f64::INFINITY, y0: f64::INFINITY, x1: f64::NEG_INFINITY, y1: f64::NEG_INFINITY };
        for (x, y) in corners {
            b.x0 = b.x0.min(x);
            b.y0 = b.y0.min(y);
            b.x1 = b.x1.max(x);
            b.y1 = b.y1.max(y);
        }
        b
    }

    fn width(&self) -> f64 {
        if self.x1 > self.x0 { self.x1 - self.x0 } else { 0.0 }
    }

    fn height(&self) -> f64 {
        if self.y1 > self.y0 { self.y1 - self.y0 } else { 0.0 }
    }

    /// Pixels covered, counting partly covered ones (what a raster of this box allocates).
    fn pixels(&self) -> f64 {
        let (w, h) = (self.width(), self.height());
        if w <= 0.0 || h <= 0.0 || w.is_nan() || h.is_nan() { 0.0 } else { (w.ceil() + 1.0) * (h.ceil() + 1.0) }
    }

    fn intersect(&self, other: &Bounds) -> Bounds {
        Bounds {
            x0: self.x0.max(other.x0),
            y0: self.y0.max(other.y0),
            x1: self.x1.min(other.x1),
            y1: self.y1.min(other.y1),
        }
    }

    /// resvg's limit on a layer: the canvas extended by two canvases on each side (`max_filter_bbox`), relative to
    /// the pixmap being drawn into.
    fn layer_limit(&self, side: f64) -> Bounds {
        Bounds {
            x0: self.x0 - 2.0 * side,
            y0: self.y0 - 2.0 * side,
            x1: self.x0 + 3.0 * side,
            y1: self.y0 + 3.0 * side,
        }
    }
}

/// The running estimate: `work` in nanoseconds; each walk returns the extra bytes it holds at its peak.
struct Walk {
    /// The canvas side, in pixels (layers are clamped to 5 x 5 canvases).
    side: f64,
    work: f64,
    /// Nodes visited: a pattern or mask is drawn again for every use, so the walk can be far longer than the tree.
    steps: u64,
    /// The walk went deeper or longer than its limits: the render would too, and is refused.
    over: bool,
    /// Farthest any drawn shape's bounds reach from the origin, in pixels (see [`RENDER_REACH`]).
    reach: f64,
}

/// Deeper than this the walk stops (the parser caps element nesting well below it; patterns, masks and filter
/// images nest through references, and resvg recurses on each level).
const MAX_WALK_DEPTH: u32 = 256;
/// More node visits than this and the walk stops: resvg would visit as many, at far more than a call may cost.
const MAX_WALK_STEPS: u64 = 4_000_000;

impl Walk {
    /// Counts one step at `depth`; false once the walk is over its limits (it then adds nothing more).
    fn enter(&mut self, depth: u32) -> bool {
        self.steps += 1;
        if depth > MAX_WALK_DEPTH || self.steps > MAX_WALK_STEPS {
            self.over = true;
        }
        !self.over
    }

    /// The children of `group` drawn into a pixmap covering `target`, with `ts` the group's parent transform.
    fn nodes(&mut self, group: &usvg::Group, ts: Transform, target: Bounds, depth: u32) -> f64 {
        if !self.enter(depth) {
            return 0.0;
        }
        let mut peak = 0f64;
        for node in group.children() {
            if !self.enter(depth) {
                return peak;
            }
            let held = match node {
                usvg::Node::Group(g) => self.group(g, ts, target, depth + 1),
                usvg::Node::Path(p) => self.path(p, ts, target, depth + 1),
                // Only SVG images are drawn (the parser refuses them); raster images are not decoded.
                usvg::Node::Image(_) => 0.0,
                usvg::Node::Text(t) => self.group(t.flattened(), ts, target, depth + 1),
            };
            peak = peak.max(held);
        }
        peak
    }

    /// A group: drawn straight into the target, or isolated into a layer that filters, clip paths and masks
    /// then work on (resvg's `render_group` and `render_layer`).
    fn group(&mut self, group: &usvg::Group, ts: Transform, target: Bounds, depth: u32) -> f64 {
        let ts = ts.pre_concat(group.transform());
        if !group.should_isolate() {
            return self.nodes(group, ts, target, depth);
        }
        let mut layer = Bounds::of(group.layer_bounding_box().to_rect(), ts);
        if group.filters().is_empty() {
            // Two pixels each side for anti-aliasing.
            layer = Bounds { x0: layer.x0 - 2.0, y0: layer.y0 - 2.0, x1: layer.x1 + 2.0, y1: layer.y1 + 2.0 };
        }
        let layer = layer.intersect(&target.layer_limit(self.side));
        let pixels = layer.pixels();
        if pixels == 0.0 {
            return 0.0;
        }
        // The layer is allocated and cleared, and drawn onto the target where the two overlap.
        self.work += pixels * CLEAR + layer.intersect(&target).pixels() * COMPOSITE;
        let own = pixels * 4.0;
        let mut inner = self.nodes(group, ts, layer, depth);
        for f in group.filters() {
            inner = inner.max(self.filter(f, ts, layer, depth));
        }
        if let Some(clip) = group.clip_path() {
            inner = inner.max(self.clip(clip, ts, layer, depth));
        }
        if let Some(mask) = group.mask() {
            inner = inner.max(self.mask(mask, ts, layer, depth));
        }
        own + inner
    }

    fn path(&mut self, path: &usvg::Path, ts: Transform, target: Bounds, depth: u32) -> f64 {
        if !path.is_visible() {
            return 0.0;
        }
        let points = path.data().points().len() as f64;
        let mut held = 0f64;
        if let Some(fill) = path.fill() {
            let bounds = Bounds::of(path.bounding_box(), ts);
            self.reach = self.reach.max(bounds.reach());
            let covered = bounds.intersect(&target).pixels();
            self.work += points * POINT;
            held = held.max(self.paint(fill.paint(), covered, ts, depth));
        }
        if let Some(stroke) = path.stroke() {
            let bounds = Bounds::of(path.stroke_bounding_box(), ts);
            self.reach = self.reach.max(bounds.reach());
            let covered = bounds.intersect(&target).pixels();
            self.work += points * STROKE_POINT;
            if let Some(dashes) = stroke.dasharray() {
                self.work += dash_count(path.data().points(), dashes) * DASH;
            }
            held = held.max(self.paint(stroke.paint(), covered, ts, depth));
        }
        held
    }

    /// Painting `covered` pixels; a pattern first renders its tile at full resolution (not clamped by resvg).
    fn paint(&mut self, paint: &usvg::Paint, covered: f64, ts: Transform, depth: u32) -> f64 {
        match paint {
            usvg::Paint::Color(_) => {
                self.work += covered * FILL;
                0.0
            }
            usvg::Paint::LinearGradient(_) | usvg::Paint::RadialGradient(_) => {
                self.work += covered * GRADIENT;
                0.0
            }
            usvg::Paint::Pattern(pattern) => {
                self.work += covered * PATTERN;
                let (sx, sy) = ts.pre_concat(pattern.transform()).get_scale();
                let rect = pattern.rect();
                let tile = Bounds {
                    x0: 0.0,
                    y0: 0.0,
                    x1: (f64::from(rect.width()) * f64::from(sx)).round(),
                    y1: (f64::from(rect.height()) * f64::from(sy)).round(),
                };
                let pixels = tile.pixels();
                self.work += pixels * CLEAR;
                pixels * 4.0 + self.nodes(pattern.root(), Transform::from_scale(sx, sy), tile, depth)
            }
        }
    }

    /// A clip path on a layer: a pixmap of the layer's size, its paths drawn in, nested clip paths, a mask.
    fn clip(&mut self, clip: &usvg::ClipPath, ts: Transform, layer: Bounds, depth: u32) -> f64 {
        if !self.enter(depth) {
            return 0.0;
        }
        let pixels = layer.pixels();
        self.work += pixels * MASK;
        let content = self.nodes(clip.root(), ts.pre_concat(clip.transform()), layer, depth + 1);
        let nested = clip.clip_path().map_or(0.0, |c| self.clip(c, ts, layer, depth + 1));
        pixels * 5.0 + content.max(nested)
    }

    /// A mask on a layer: its content rendered into a layer-sized pixmap, nested masks, an alpha mask.
    fn mask(&mut self, mask: &usvg::Mask, ts: Transform, layer: Bounds, depth: u32) -> f64 {
        if !self.enter(depth) {
            return 0.0;
        }
        let pixels = layer.pixels();
        self.work += pixels * MASK;
        let content = self.nodes(mask.root(), ts, layer, depth + 1);
        let nested = mask.mask().map_or(0.0, |m| self.mask(m, ts, layer, depth + 1));
        pixels * 6.0 + content.max(nested)
    }

    /// A filter on a layer (resvg's `filter::apply`): every primitive makes a region-sized result that is kept
    /// until the filter ends.
    fn filter(&mut self, f: &filter::Filter, ts: Transform, layer: Bounds, depth: u32) -> f64 {
        let region = Bounds::of(f.rect().to_rect(), ts).intersect(&layer);
        let pixels = region.pixels();
        if pixels == 0.0 {
            return 0.0;
        }
        let (sx, sy) = ts.get_scale();
        let (sx, sy) = (f64::from(sx), f64::from(sy));
        let (w, h) = (region.width().ceil().max(1.0), region.height().ceil().max(1.0));
        // The source copied out of the layer, then the filter's result drawn back.
        self.work += pixels * (PRIMITIVE + COMPOSITE);
        let mut held = pixels * 4.0;
        // Scratch beyond the results: a morphology or blur back buffer, or an feImage's drawing.
        let mut scratch = 0f64;
        for primitive in f.primitives() {
            self.work += pixels * PRIMITIVE;
            held += pixels * 4.0;
            let extra = match primitive.kind() {
                filter::Kind::GaussianBlur(_) | filter::Kind::DropShadow(_) => {
                    scratch = scratch.max(pixels * 8.0);
                    BLUR
                }
                filter::Kind::Morphology(m) => {
                    scratch = scratch.max(pixels * 4.0);
                    let rx = (f64::from(m.radius_x().get()) * sx).round();
                    let ry = (f64::from(m.radius_y().get()) * sy).round();
                    if rx > 0.0 && ry > 0.0 {
                        (2.0 * rx + 1.0).min(w) * (2.0 * ry + 1.0).min(h) * MORPHOLOGY_TAP
                    } else {
                        0.0
                    }
                }
                filter::Kind::Turbulence(t) => f64::from(t.num_octaves()) * TURBULENCE_OCTAVE,
                filter::Kind::ConvolveMatrix(c) => {
                    f64::from(c.matrix().columns()) * f64::from(c.matrix().rows()) * CONVOLVE_TAP
                }
                filter::Kind::DiffuseLighting(_) | filter::Kind::SpecularLighting(_) => LIGHTING,
                filter::Kind::DisplacementMap(_) | filter::Kind::Tile(_) => RESAMPLE,
                filter::Kind::Merge(m) => m.inputs().len() as f64 * COMPOSITE,
                filter::Kind::Image(image) => {
                    let (fx, fy) = ts.get_scale();
                    let drawn = self.nodes(image.root(), Transform::from_scale(fx, fy), region, depth + 1);
                    scratch = scratch.max(drawn);
                    0.0
                }
                filter::Kind::Blend(_)
                | filter::Kind::ColorMatrix(_)
                | filter::Kind::ComponentTransfer(_)
                | filter::Kind::Composite(_)
                | filter::Kind::Flood(_)
                | filter::Kind::Offset(_) => COMPOSITE,
            };
            self.work += pixels * extra;
        }
        held + scratch
    }
}

/// How many dashes tiny-skia makes of a path: its length (the control polygon's, an upper bound for curves) times
/// dashes per interval, capped where tiny-skia gives up.
fn dash_count(points: &[usvg::tiny_skia_path::Point], dashes: &[f32]) -> f64 {
    let interval: f64 = dashes.iter().map(|d| f64::from(*d)).sum();
    if interval <= 0.0 || interval.is_nan() {
        return 0.0;
    }
    let length: f64 = points
        .windows(2)
        .map(|w| f64::from(w[1].x - w[0].x).hypot(f64::from(w[1].y - w[0].y)))
        .filter(|l| l.is_finite())
        .sum();
    (length * (dashes.len() / 2).max(1) as f64 / interval).min(MAX_DASHES)
}

#[cfg(test)]
mod tests;
