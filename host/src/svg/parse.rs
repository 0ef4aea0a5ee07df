//! Parsing an untrusted SVG: XML with caps first (roxmltree), checks on the element tree (depth, `<use>`
//! expansion), then usvg with options that can reach nothing outside the bytes.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use resvg::usvg::{self, fontdb, roxmltree};

use super::{Facts, Rect, Rgba, SvgError, TextElement, cost};
use crate::budget::Work;

/// The caps on one SVG.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest input, in bytes.
    pub max_bytes: usize,
    /// Most XML nodes (elements, text, comments).
    pub max_nodes: u32,
    /// Deepest element nesting, `<use>` references included (the SVG libraries recurse on it).
    pub max_depth: u32,
    /// Most elements after every `<use>` is expanded (a "use bomb" multiplies them).
    pub max_expanded: u64,
    /// Largest raster side, in pixels.
    pub max_raster: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_bytes: 8 << 20, max_nodes: 200_000, max_depth: 96, max_expanded: 500_000, max_raster: 2048 }
    }
}

/// The system fonts, loaded once per process and shared by every parse. Loading reads only font files the
/// operating system lists; an SVG cannot add fonts.
fn fonts() -> Arc<fontdb::Database> {
    static FONTS: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    Arc::clone(FONTS.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_system_fonts();
        // The generic families resolve to fonts this machine actually has (fontdb's defaults name Windows fonts).
        if db.faces().any(|f| f.families.iter().any(|(name, _)| name == "DejaVu Sans")) {
            db.set_sans_serif_family("DejaVu Sans");
            db.set_serif_family("DejaVu Serif");
            db.set_monospace_family("DejaVu Sans Mono");
        }
        Arc::new(db)
    }))
}

/// A parsed SVG with what only the XML tells.
pub(super) struct Parsed {
    pub tree: usvg::Tree,
    elements: Vec<(String, u32)>,
    view_box: Option<Rect>,
    images: u32,
    external_refs: u32,
    fonts_available: bool,
}

/// Parses and checks `svg`, charging `work` for each stage before it runs: the XML by its bytes, usvg's
/// conversion by the elements and the text it lays out.
pub(super) fn parse(svg: &[u8], limits: &Limits, work: &mut Work) -> Result<Parsed, SvgError> {
    if svg.len() > limits.max_bytes {
        return Err(SvgError::Limit(format!(
            "the SVG is {} bytes, over the host's cap of {} bytes",
            svg.len(),
            limits.max_bytes
        )));
    }
    if svg.starts_with(&[0x1f, 0x8b]) {
        return Err(SvgError::Invalid("compressed SVG (svgz) is not accepted; store it uncompressed".into()));
    }
    work.charge(cost::xml(svg.len()))?;
    let text = std::str::from_utf8(svg)
        .map_err(|e| SvgError::Invalid(format!("the SVG is not UTF-8 text (at byte {})", e.valid_up_to())))?;
    let xml_options =
        roxmltree::ParsingOptions { allow_dtd: true, nodes_limit: limits.max_nodes, ..Default::default() };
    let doc = roxmltree::Document::parse_with_options(text, xml_options).map_err(|e| match e {
        roxmltree::Error::NodesLimitReached => {
            SvgError::Limit(format!("the SVG has more than {} XML nodes (the host's cap)", limits.max_nodes))
        }
        roxmltree::Error::EntityReferenceLoop(_) => {
            SvgError::Limit(format!("the SVG's entity references expand too far (an entity bomb?): {e}"))
        }
        e => SvgError::Invalid(format!("malformed XML: {e}")),
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "svg" {
        return Err(SvgError::Invalid(format!("the root element is <{}>, not <svg>", root.tag_name().name())));
    }
    let expanded = check_expansion(&doc, limits)?;
    let (elements, images, external_refs) = census(&doc);
    let view_box = root.attribute("viewBox").and_then(view_box);
    work.charge(cost::convert(&doc, expanded))?;
    work.charge(cost::arcs(&doc, expanded))?;

    let fontdb = fonts();
    let fonts_available = !fontdb.is_empty();
    let options = usvg::Options {
        resources_dir: None,
        fontdb,
        font_family: "DejaVu Sans".into(),
        image_href_resolver: usvg::ImageHrefResolver {
            // Raster data URLs are kept (this host does not draw them); nested SVG images are refused, since
            // they would be parsed without this module's caps.
            resolve_data: Box::new(|mime, data, _| match mime {
                "image/png" => Some(usvg::ImageKind::PNG(data)),
                "image/jpeg" | "image/jpg" => Some(usvg::ImageKind::JPEG(data)),
                "image/gif" => Some(usvg::ImageKind::GIF(data)),
                "image/webp" => Some(usvg::ImageKind::WEBP(data)),
                _ => None,
            }),
            // Never a file or URL.
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    };
    let tree =
        usvg::Tree::from_xmltree(&doc, &options).map_err(|e| SvgError::Invalid(format!("not a usable SVG: {e}")))?;
    Ok(Parsed { tree, elements, view_box, images, external_refs, fonts_available })
}

/// Refuses documents nested too deep or whose `<use>` references would expand past the caps. Each element's
/// weight is itself plus its children plus, for `<use>`, what it references; cycles are refused here rather
/// than left to the renderer.
/// Returns the expanded element count.
fn check_expansion(doc: &roxmltree::Document, limits: &Limits) -> Result<u64, SvgError> {
    let ids: HashMap<&str, roxmltree::Node> =
        doc.descendants().filter_map(|n| n.attribute("id").map(|id| (id, n))).collect();
    let mut memo: HashMap<roxmltree::NodeId, (u64, u32)> = HashMap::new();
    let mut visiting = std::collections::HashSet::new();
    let (weight, depth) = weigh(doc.root_element(), &ids, &mut memo, &mut visiting, 0, limits)?;
    if weight > limits.max_expanded {
        return Err(SvgError::Limit(format!(
            "the SVG expands to {weight} elements through <use>, over the host's cap of {}",
            limits.max_expanded
        )));
    }
    debug_assert!(depth <= limits.max_depth);
    Ok(weight)
}

fn href<'a>(node: &roxmltree::Node<'a, '_>) -> Option<&'a str> {
    node.attributes().find(|a| a.name() == "href").map(|a| a.value())
}

/// (expanded element count, depth) of `node`, memoised; errors on too deep, cycles and over the cap.
fn weigh<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    ids: &HashMap<&str, roxmltree::Node<'a, 'i>>,
    memo: &mut HashMap<roxmltree::NodeId, (u64, u32)>,
    visiting: &mut std::collections::HashSet<roxmltree::NodeId>,
    level: u32,
    limits: &Limits,
) -> Result<(u64, u32), SvgError> {
    if level > limits.max_depth {
        return Err(SvgError::Limit(format!(
            "the SVG nests elements (with <use> references) deeper than {} levels, the host's cap",
            limits.max_depth
        )));
    }
    if let Some(known) = memo.get(&node.id()) {
        return Ok(*known);
    }
    if !visiting.insert(node.id()) {
        return Err(SvgError::Invalid(format!("<use> references form a cycle through <{}>", node.tag_name().name())));
    }
    let mut weight = 1u64;
    let mut depth = 0u32;
    let referenced = (node.tag_name().name() == "use")
        .then(|| href(&node).and_then(|h| h.strip_prefix('#')).and_then(|id| ids.get(id)))
        .flatten();
    for child in node.children().filter(|c| c.is_element()).chain(referenced.copied()) {
        let (w, d) = weigh(child, ids, memo, visiting, level + 1, limits)?;
        weight = weight.saturating_add(w);
        depth = depth.max(d + 1);
        if weight > limits.max_expanded {
            return Err(SvgError::Limit(format!(
                "the SVG expands to more than {} elements through <use>, the host's cap",
                limits.max_expanded
            )));
        }
    }
    visiting.remove(&node.id());
    memo.insert(node.id(), (weight, depth));
    Ok((weight, depth))
}

/// Element counts by tag (most frequent first), `<image>` count, and references to anything outside the file.
fn census(doc: &roxmltree::Document) -> (Vec<(String, u32)>, u32, u32) {
    let mut counts: HashMap<&str, u32> = HashMap::new();
    let mut external = 0;
    for node in doc.descendants().filter(|n| n.is_element()) {
        *counts.entry(node.tag_name().name()).or_default() += 1;
        if let Some(h) = href(&node) {
            let h = h.trim();
            if !h.starts_with('#') && !h.starts_with("data:") {
                external += 1;
            }
        }
    }
    let images = counts.get("image").copied().unwrap_or(0);
    let mut elements: Vec<(String, u32)> = counts.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    elements.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    (elements, images, external)
}

/// `viewBox="x y w h"` (spaces or commas); none when malformed or empty.
fn view_box(value: &str) -> Option<Rect> {
    let n: Vec<f32> = value
        .split([' ', ',', '\t', '\n', '\r'])
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    match n.as_slice() {
        [x, y, width, height] if *width > 0.0 && *height > 0.0 => {
            Some(Rect { x: *x, y: *y, width: *width, height: *height })
        }
        _ => None,
    }
}

fn rect(r: usvg::Rect) -> Rect {
    Rect { x: r.x(), y: r.y(), width: r.width(), height: r.height() }
}

/// Colour uses and path count, walking groups, text outlines and clip/mask-free content.
#[derive(Default)]
struct Walk {
    paths: u32,
    colours: HashMap<Rgba, u32>,
    texts: Vec<TextElement>,
}

impl Walk {
    fn paint(&mut self, paint: &usvg::Paint, opacity: f32) {
        let mut add = |c: usvg::Color, o: f32| {
            let a = (o.clamp(0.0, 1.0) * 255.0).round() as u8;
            *self.colours.entry(Rgba { r: c.red, g: c.green, b: c.blue, a }).or_default() += 1;
        };
        match paint {
            usvg::Paint::Color(c) => add(*c, opacity),
            usvg::Paint::LinearGradient(g) => {
                g.stops().iter().for_each(|s| add(s.color(), opacity * s.opacity().get()))
            }
            usvg::Paint::RadialGradient(g) => {
                g.stops().iter().for_each(|s| add(s.color(), opacity * s.opacity().get()))
            }
            usvg::Paint::Pattern(_) => {}
        }
    }

    fn group(&mut self, group: &usvg::Group) {
        for node in group.children() {
            match node {
                usvg::Node::Group(g) => self.group(g),
                usvg::Node::Path(p) => {
                    if !p.is_visible() {
                        continue;
                    }
                    self.paths += 1;
                    if let Some(f) = p.fill() {
                        self.paint(f.paint(), f.opacity().get());
                    }
                    if let Some(s) = p.stroke() {
                        self.paint(s.paint(), s.opacity().get());
                    }
                }
                usvg::Node::Image(_) => {}
                usvg::Node::Text(t) => {
                    self.texts.push(text_element(t));
                    self.group(t.flattened());
                }
            }
        }
    }
}

fn text_element(text: &usvg::Text) -> TextElement {
    let mut families: Vec<String> = Vec::new();
    let mut font_size = 0f32;
    for span in text.chunks().iter().flat_map(|c| c.spans()) {
        font_size = font_size.max(span.font_size().get());
        for family in span.font().families() {
            // Display quotes named families; the name alone is what a rule compares.
            let name = match family {
                usvg::FontFamily::Named(name) => name.clone(),
                generic => generic.to_string(),
            };
            if !families.contains(&name) {
                families.push(name);
            }
        }
    }
    let content = text.chunks().iter().map(|c| c.text().trim()).filter(|t| !t.is_empty()).collect::<Vec<_>>().join(" ");
    let laid_out = text.flattened().has_children();
    let bbox = laid_out.then(|| rect(text.abs_bounding_box()));
    TextElement { content, font_families: families, font_size, bbox }
}

impl Parsed {
    pub fn facts(&self) -> Facts {
        let mut walk = Walk::default();
        walk.group(self.tree.root());
        let size = self.tree.size();
        let content_bbox = self.tree.root().has_children().then(|| rect(self.tree.root().abs_stroke_bounding_box()));
        let mut colours: Vec<(Rgba, u32)> = walk.colours.into_iter().collect();
        colours.sort_by(|a, b| {
            b.1.cmp(&a.1).then_with(|| (a.0.r, a.0.g, a.0.b, a.0.a).cmp(&(b.0.r, b.0.g, b.0.b, b.0.a)))
        });
        Facts {
            width: size.width(),
            height: size.height(),
            view_box: self.view_box,
            elements: self.elements.clone(),
            paths: walk.paths,
            images: self.images,
            external_refs: self.external_refs,
            texts: walk.texts,
            content_bbox,
            colours,
            fonts_available: self.fonts_available,
        }
    }
}
