//! `aigc:plugin/svg`: SVG facts, rasters and shape statistics computed by [`crate::svg`], off the async
//! workers. The `*-file` calls read an item's file here, so its bytes never cross into the plugin.
//!
//! Every call is metered host work ([`HostState::host_work`]): parsing and rendering are estimated and charged
//! before they run, so an SVG that asks for minutes of filter work is a `limit` error, and a plugin looping on
//! these calls spends its host-work budget. What the per-run caches below already hold costs nothing.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use crate::bindings::svg::{
    Analysis, AnalysisOptions, ColourUse, Facts, Hole, Host, Rect, Rgba, Shape, ShapeStats, TextElement,
};
use crate::bindings::types::Error;
use crate::budget::Work;
use crate::capabilities::RunContext;
use crate::runtime::HostState;
use crate::svg::{self, Limits, SvgError};

/// Most shapes a plugin may ask to be listed per list.
const MAX_SHAPES: u32 = 256;

impl From<SvgError> for Error {
    fn from(error: SvgError) -> Self {
        match error {
            SvgError::Invalid(m) => Error::Invalid(m),
            SvgError::Limit(m) | SvgError::Stopped(m) => Error::Limit(m),
        }
    }
}

fn rgba(c: svg::Rgba) -> Rgba {
    Rgba { r: c.r, g: c.g, b: c.b, a: c.a }
}

fn rect(r: svg::Rect) -> Rect {
    Rect { x: r.x, y: r.y, width: r.width, height: r.height }
}

fn shape(s: svg::Shape) -> Shape {
    Shape {
        area: s.area,
        bbox: rect(s.bbox),
        cx: s.cx,
        cy: s.cy,
        perimeter: s.perimeter,
        colour: rgba(s.colour),
        holes: s.holes.into_iter().map(|h| Hole { area: h.area, bbox: rect(h.bbox) }).collect(),
        encloses: s.encloses,
    }
}

impl From<svg::Facts> for Facts {
    fn from(f: svg::Facts) -> Self {
        Facts {
            width: f.width,
            height: f.height,
            view_box: f.view_box.map(rect),
            elements: f.elements,
            paths: f.paths,
            images: f.images,
            external_refs: f.external_refs,
            texts: f
                .texts
                .into_iter()
                .map(|t| TextElement {
                    content: t.content,
                    font_families: t.font_families,
                    font_size: t.font_size,
                    bbox: t.bbox.map(rect),
                })
                .collect(),
            content_bbox: f.content_bbox.map(rect),
            colours: f.colours.into_iter().map(|(c, uses)| ColourUse { colour: rgba(c), uses }).collect(),
            fonts_available: f.fonts_available,
        }
    }
}

impl From<svg::ShapeStats> for ShapeStats {
    fn from(s: svg::ShapeStats) -> Self {
        ShapeStats {
            size: s.size,
            drawn: s.drawn,
            fill_ratio: s.fill_ratio,
            drawn_bbox: s.drawn_bbox.map(rect),
            components: s.components.into_iter().map(shape).collect(),
            component_count: s.component_count,
            regions: s.regions.into_iter().map(shape).collect(),
            region_count: s.region_count,
            spread: s.spread,
        }
    }
}

fn options(o: AnalysisOptions) -> svg::AnalysisOptions {
    svg::AnalysisOptions { size: o.size, max_shapes: o.max_shapes.min(MAX_SHAPES), min_area: o.min_area }
}

/// Where the SVG comes from: bytes the plugin passed, or an item's file read here.
enum Source {
    Bytes(Vec<u8>),
    File { item: String, file: String },
}

/// The sha256 of an item's stored file, after checking its size against the byte cap.
fn stored_file(ctx: &RunContext, item: &str, file: &str, limits: &Limits) -> Result<String, Error> {
    let dataset = ctx.dataset.as_ref().ok_or_else(|| {
        Error::Denied("this run lends no dataset; pass the SVG's bytes to the call without `-file` instead".into())
    })?;
    let missing = || Error::NotFound(format!("item `{item}` has no file `{file}`"));
    let stored = dataset.get(item).map_err(super::store_error)?;
    let info = stored.as_ref().and_then(|i| i.files.iter().find(|f| f.name == file)).ok_or_else(missing)?;
    if info.size > limits.max_bytes as u64 {
        return Err(Error::Limit(format!(
            "file `{file}` of item `{item}` is {} bytes, over the host's SVG cap of {} bytes",
            info.size, limits.max_bytes
        )));
    }
    Ok(info.sha256.clone())
}

/// The SVG's bytes: passed by the plugin, or an item's file read here.
fn read_source(ctx: &RunContext, source: Source, limits: &Limits) -> Result<Vec<u8>, Error> {
    let (item, file) = match source {
        Source::Bytes(bytes) => return Ok(bytes),
        Source::File { item, file } => (item, file),
    };
    stored_file(ctx, &item, &file, limits)?;
    let missing = || Error::NotFound(format!("item `{item}` has no file `{file}`"));
    let dataset = ctx.dataset.as_ref().ok_or_else(missing)?;
    dataset.read_file(&item, &file).map_err(super::store_error)?.ok_or_else(missing)
}

/// (dataset, item id, file name): an item's file within a run. Stored files are content-addressed and a run's
/// items do not change under it, so the name stands for the bytes.
type FileKey = (usize, String, String);
/// An item's file and what an analysis depends on besides it: size, max shapes, min area.
type Key = (FileKey, u32, u32, u32);
/// An item's file, raster size and background.
type RasterKey = (FileKey, u32, Option<svg::Rgba>);

/// What the last few files gave: rules of one clean run ask about the same item one after another, so the second
/// and third rule get the first one's analysis without a store lookup, a parse or a render, and a classifier's
/// raster is rendered from the analysis's parsed document (and shared by every rule asking for the same size).
struct Recent {
    analyses: VecDeque<(Key, Result<Arc<svg::Analysis>, SvgError>)>,
    documents: VecDeque<(FileKey, Arc<svg::Document>)>,
    rasters: VecDeque<(RasterKey, Arc<Vec<u8>>)>,
}

static RECENT: Mutex<Recent> =
    Mutex::new(Recent { analyses: VecDeque::new(), documents: VecDeque::new(), rasters: VecDeque::new() });
/// Analyses remembered (small records).
const RECENT_CAP: usize = 64;
/// Parsed documents and PNGs remembered (a document holds the whole tree, so fewer).
const DOCUMENTS_CAP: usize = 16;

fn recent() -> std::sync::MutexGuard<'static, Recent> {
    RECENT.lock().unwrap_or_else(|p| p.into_inner())
}

/// Appends to a bounded queue, dropping the oldest entry when full.
fn remember<K, V>(queue: &mut VecDeque<(K, V)>, cap: usize, key: K, value: V) {
    if queue.len() >= cap {
        queue.pop_front();
    }
    queue.push_back((key, value));
}

fn file_key(ctx: &RunContext, item: &str, file: &str) -> FileKey {
    let dataset = ctx.dataset.as_ref().map_or(0, |d| Arc::as_ptr(d) as usize);
    (dataset, item.to_string(), file.to_string())
}

fn key(ctx: &RunContext, item: &str, file: &str, o: &svg::AnalysisOptions) -> Key {
    (file_key(ctx, item, file), o.size, o.max_shapes, o.min_area)
}

fn cached(key: &Key) -> Option<Result<Arc<svg::Analysis>, SvgError>> {
    recent().analyses.iter().find(|(k, _)| k == key).map(|(_, hit)| hit.clone())
}

/// Whether a result may be remembered for the rest of the run: everything the file itself decides (an analysis,
/// invalid XML, over a cap), never work that was stopped for the caller's sake (time, spent budget).
fn lasting<T>(result: &Result<T, SvgError>) -> bool {
    !matches!(result, Err(SvgError::Stopped(_)))
}

/// Reads, checks and analyses an item's file, remembering the result (errors too) for the next rules, and the
/// parsed document for rasters of the same file.
fn analyze_stored(
    ctx: &RunContext,
    key: Key,
    o: &svg::AnalysisOptions,
    work: &mut Work,
) -> Result<Arc<svg::Analysis>, Error> {
    let limits = Limits::default();
    let source = Source::File { item: key.0.1.clone(), file: key.0.2.clone() };
    let bytes = read_source(ctx, source, &limits)?;
    let (result, document) = match svg::analyze_document_metered(&bytes, o, &limits, work) {
        Ok((analysis, document)) => (Ok(Arc::new(analysis)), Some(Arc::new(document))),
        Err(e) => (Err(e), None),
    };
    let mut cache = recent();
    if let Some(document) = document {
        remember(&mut cache.documents, DOCUMENTS_CAP, key.0.clone(), document);
    }
    if lasting(&result) {
        remember(&mut cache.analyses, RECENT_CAP, key, result.clone());
    }
    result.map_err(Error::from)
}

/// An item's file as a PNG: remembered, else rendered from a remembered parse, else read, parsed and rendered.
fn raster_stored(ctx: &RunContext, key: RasterKey, work: &mut Work) -> Result<Arc<Vec<u8>>, Error> {
    let document = {
        let cache = recent();
        if let Some((_, png)) = cache.rasters.iter().find(|(k, _)| *k == key) {
            return Ok(Arc::clone(png));
        }
        cache.documents.iter().find(|(k, _)| *k == key.0).map(|(_, d)| Arc::clone(d))
    };
    let limits = Limits::default();
    let (size, background) = (key.1, key.2);
    let png = match document {
        Some(document) => document.rasterize_metered(size, background, &limits, work)?,
        None => {
            let source = Source::File { item: key.0.1.clone(), file: key.0.2.clone() };
            svg::rasterize_metered(&read_source(ctx, source, &limits)?, size, background, &limits, work)?
        }
    };
    let png = Arc::new(png);
    remember(&mut recent().rasters, DOCUMENTS_CAP, key, Arc::clone(&png));
    Ok(png)
}

/// How the host names an SVG in limit messages.
fn named(source: &Source) -> String {
    match source {
        Source::Bytes(bytes) => format!("an SVG of {} bytes", bytes.len()),
        Source::File { item, file } => format!("SVG `{file}` of item `{item}`"),
    }
}

impl HostState {
    /// Reads the source and runs `job` as metered host work (see [`crate::budget`]).
    async fn svg_work<T: Send + 'static>(
        &mut self,
        source: Source,
        job: impl FnOnce(&[u8], &Limits, &mut Work) -> Result<T, SvgError> + Send + 'static,
    ) -> wasmtime::Result<Result<T, Error>> {
        let ctx = Arc::clone(&self.ctx);
        self.host_work(named(&source), move |work| {
            let limits = Limits::default();
            let bytes = read_source(&ctx, source, &limits)?;
            job(&bytes, &limits, work).map_err(Error::from)
        })
        .await
    }
}

fn background(c: Option<Rgba>) -> Option<svg::Rgba> {
    c.map(|c| svg::Rgba { r: c.r, g: c.g, b: c.b, a: c.a })
}

fn analysis(a: svg::Analysis) -> Analysis {
    Analysis { facts: a.facts.into(), stats: a.stats.into() }
}

impl Host for HostState {
    async fn rasterize(
        &mut self,
        svg: Vec<u8>,
        size: u32,
        bg: Option<Rgba>,
    ) -> wasmtime::Result<Result<Vec<u8>, Error>> {
        self.svg_work(Source::Bytes(svg), move |b, l, w| svg::rasterize_metered(b, size, background(bg), l, w)).await
    }

    async fn rasterize_file(
        &mut self,
        item: String,
        file: String,
        size: u32,
        bg: Option<Rgba>,
    ) -> wasmtime::Result<Result<Vec<u8>, Error>> {
        let what = named(&Source::File { item: item.clone(), file: file.clone() });
        let key = (file_key(&self.ctx, &item, &file), size, background(bg));
        let ctx = Arc::clone(&self.ctx);
        let png = self.host_work(what, move |work| raster_stored(&ctx, key, work)).await?;
        Ok(png.map(|png| png.to_vec()))
    }

    async fn describe(&mut self, svg: Vec<u8>) -> wasmtime::Result<Result<Facts, Error>> {
        self.svg_work(Source::Bytes(svg), |b, l, w| svg::facts_metered(b, l, w).map(Facts::from)).await
    }

    async fn analyze(&mut self, svg: Vec<u8>, o: AnalysisOptions) -> wasmtime::Result<Result<Analysis, Error>> {
        let o = options(o);
        self.svg_work(Source::Bytes(svg), move |b, l, w| {
            svg::analyze_document_metered(b, &o, l, w).map(|(a, _)| analysis(a))
        })
        .await
    }

    async fn analyze_file(
        &mut self,
        item: String,
        file: String,
        o: AnalysisOptions,
    ) -> wasmtime::Result<Result<Analysis, Error>> {
        let o = options(o);
        let key = key(&self.ctx, &item, &file, &o);
        let result = match cached(&key) {
            Some(hit) => hit.map_err(Error::from),
            None => {
                let what = named(&Source::File { item, file });
                let ctx = Arc::clone(&self.ctx);
                self.host_work(what, move |work| analyze_stored(&ctx, key, &o, work)).await?
            }
        };
        Ok(result.map(|a| analysis(svg::Analysis::clone(&a))))
    }
}
