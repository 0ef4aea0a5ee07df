//! `aigc:plugin/evaluation`: the two sets a metric plugin evaluates and the host's measures over them
//! ([`crate::metrics`]). Samples never cross into the sandbox; the plugin names them by side and index, and
//! feature matrices stay in the host as `features` resources.
//!
//! Every measure is metered host work: a call over many samples is charged per batch against the plugin call's
//! budget (`aigc-host evaluate --host-work`), and no call holds more than one batch of decoded images.

use std::path::PathBuf;
use std::sync::Arc;

use wasmtime::component::Resource;

use crate::bindings::evaluation::{
    Host, HostFeatures, ImageOptions, ImageScores, KernelOptions, KernelResult, Media, MeshOptions, MeshScores, Sample,
    Side, SsimWindow,
};
use crate::bindings::types::Error;
use crate::budget::{Cost, Work};
use crate::metrics::pairs::{self, Planes, SsimOptions};
use crate::progress::Progress;
use crate::runtime::HostState;

mod distance;
mod measures;

/// Samples decoded and run through a model per step of `image-features`.
const FEATURE_BATCH: usize = 32;
/// The side SVGs are rasterized at before they are measured (on white, fitted into the square), as StarVector
/// compares SVG renders.
pub const SVG_RASTER: u32 = 512;
/// Most pairs or texts in one call.
const CALL_CAP: usize = 1_000_000;
/// Estimated host work per pixel of a compared image pair (decode, SSIM's five filtered planes), nanoseconds.
const COMPARE_PER_PIXEL: f64 = 150.0;

/// One sample on disk.
#[derive(Debug, Clone)]
pub struct SampleFile {
    /// Its path relative to its side's folder.
    pub name: String,
    pub media: Media,
    pub path: PathBuf,
    pub prompt: Option<String>,
}

/// What one evaluation lends its plugin: both sides and their pairs.
#[derive(Default)]
pub struct Sets {
    pub generated: Vec<SampleFile>,
    pub reference: Vec<SampleFile>,
    pub pairs: Vec<(u32, u32)>,
    /// A bar on the terminal for the long calls (features, comparisons), each counting its own samples or pairs.
    pub progress: Option<Progress>,
}

impl Sets {
    /// Shows `done` of `total` on the bar, if there is one.
    fn report(&self, done: usize, total: usize, message: impl FnOnce() -> String) {
        if let Some(progress) = &self.progress {
            progress.update(done as u64, Some(total as u64), &message());
        }
    }

    pub fn side(&self, side: Side) -> &[SampleFile] {
        match side {
            Side::Generated => &self.generated,
            Side::Reference => &self.reference,
        }
    }
}

/// A feature matrix held by the host: `rows` rows of `dim` values.
#[derive(Debug)]
pub struct Features {
    dim: usize,
    /// Shared, so work on another thread needs no copy.
    values: Arc<Vec<f32>>,
}

impl Features {
    pub fn rows(&self) -> usize {
        self.values.len().checked_div(self.dim).unwrap_or(0)
    }
    pub fn row(&self, index: usize) -> Option<&[f32]> {
        self.values.get(index * self.dim..(index + 1) * self.dim)
    }
}

/// Feature rows gathered batch by batch.
struct Collected {
    values: Vec<f32>,
    dim: usize,
    /// Samples whose rows are in.
    done: usize,
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Generated => "generated",
        Side::Reference => "reference",
    }
}

impl HostState {
    fn sets(&self) -> Result<Arc<Sets>, Error> {
        self.ctx.evaluation.clone().ok_or_else(|| Error::Denied("this run evaluates nothing".into()))
    }

    /// The features behind a handle (sharing their values).
    fn features_of(&mut self, handle: &Resource<Features>) -> wasmtime::Result<Features> {
        Ok(self.table().get(handle)?.clone_values())
    }

    /// The bytes of one sample as an image the decoders read: SVGs rasterized on white.
    fn image_bytes(sample: &SampleFile, work: &mut Work) -> Result<Vec<u8>, Error> {
        let bytes = crate::regular_file::read(&sample.path, crate::regular_file::Links::Follow)
            .map_err(|e| Error::Invalid(format!("sample `{}`: {e}", sample.name)))?;
        match sample.media {
            Media::Image => Ok(bytes),
            Media::Svg => {
                let white = crate::svg::Rgba { r: 255, g: 255, b: 255, a: 255 };
                crate::svg::rasterize_metered(&bytes, SVG_RASTER, Some(white), &crate::svg::Limits::default(), work)
                    .map_err(|e| Error::Invalid(format!("sample `{}`: {e}", sample.name)))
            }
            Media::Mesh => Err(Error::Invalid(format!(
                "sample `{}` is a 3D model, not an image; compare meshes with compare-meshes",
                sample.name
            ))),
        }
    }

    /// A small JPEG of a sample for a report, as a `data:` URI: images and SVGs (rasterized on white), under the
    /// default caps; None for meshes and for what does not decode.
    pub fn thumbnail(sample: &SampleFile, side: u32) -> Option<String> {
        use base64::Engine;
        let meter = crate::budget::Meter::new(crate::budget::WorkLimits::default());
        let mut work = meter.start("a report thumbnail");
        let bytes = Self::image_bytes(sample, &mut work).ok()?;
        let jpeg =
            crate::image::resize_metered(&bytes, side, side, crate::image::Encoding::Jpeg(80), &mut work).ok()?;
        Some(format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(jpeg)))
    }

    async fn image_features_inner(&mut self, model: String, side: Side) -> wasmtime::Result<Result<Features, Error>> {
        let sets = match self.sets() {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        let model = match self.ctx.models.as_deref().map(|m| m.model(&model)) {
            Some(Ok(m)) => m,
            Some(Err(e)) => return Ok(Err(e)),
            None => return Ok(Err(Error::Denied("this run lends no models".into()))),
        };
        let samples = sets.side(side);
        if samples.is_empty() {
            return Ok(Err(Error::Invalid(format!("the {} set is empty", side_name(side)))));
        }
        // Batches are decoded on a host-work thread while earlier ones run through the model: up to one more
        // batch in flight than the model has workers, so a worker that finishes finds the next batch ready.
        let in_flight = self.ctx.models.as_deref().map_or(1, |m| m.engine.plan().workers) + 1;
        let mut pending = std::collections::VecDeque::new();
        let mut collected = Collected { values: Vec::new(), dim: 0, done: 0 };
        let batches = samples.len().div_ceil(FEATURE_BATCH);
        for (batch, chunk) in samples.chunks(FEATURE_BATCH).enumerate() {
            let (loaded, chunk_owned) = (Arc::clone(&model), chunk.to_vec());
            let what = format!("{} {} sample(s) for model `{}`", chunk.len(), side_name(side), loaded.registered.name);
            let pixels = self
                .host_work(what, move |work| {
                    let images = chunk_owned.iter().map(|sample| Self::image_bytes(sample, work)).collect::<Result<
                        Vec<_>,
                        Error,
                    >>(
                    )?;
                    loaded.preprocess_metered(&images, work).map_err(|e| {
                        Error::from(e).with_prefix(&format!("batch {batch} of the {} set", side_name(side)))
                    })
                })
                .await?;
            let pixels = match pixels {
                Ok(p) => p,
                Err(e) => return Ok(Err(e)),
            };
            let loaded = Arc::clone(&model);
            // Spawned so the request is queued now, not when it is first awaited.
            pending.push_back((chunk, tokio::spawn(async move { loaded.image_features(pixels).await })));
            // Wait for the oldest batch when the pipeline is full, and for all of them after the last.
            while pending.len() >= in_flight || (batch + 1 == batches && !pending.is_empty()) {
                let Some((chunk, rows)) = pending.pop_front() else { break };
                if let Err(e) = self.collect_rows(&mut collected, chunk, rows, side).await {
                    return Ok(Err(e));
                }
                sets.report(collected.done, samples.len(), || {
                    format!("{} set through `{}`", side_name(side), model.registered.name)
                });
            }
        }
        let Collected { values, dim, .. } = collected;
        Ok(Ok(Features { dim, values: Arc::new(values) }))
    }

    /// Waits for one batch's features and appends them, checking every row has the first row's length and only
    /// finite values.
    async fn collect_rows(
        &mut self,
        collected: &mut Collected,
        chunk: &[SampleFile],
        rows: tokio::task::JoinHandle<Result<Vec<Vec<f32>>, String>>,
        side: Side,
    ) -> Result<(), Error> {
        let rows = match self.timed(rows).await {
            Ok(Ok(rows)) => rows,
            Ok(Err(e)) => return Err(Error::Other(e)),
            Err(e) => return Err(Error::Other(format!("the model request stopped: {e}"))),
        };
        for (offset, row) in rows.into_iter().enumerate() {
            let name = chunk.get(offset).map_or("", |s| s.name.as_str());
            if collected.dim == 0 {
                collected.dim = row.len();
            }
            if row.len() != collected.dim {
                return Err(Error::Other(format!(
                    "model gave {} values for `{name}`, {} before",
                    row.len(),
                    collected.dim
                )));
            }
            if row.iter().any(|v| !v.is_finite()) {
                return Err(Error::Invalid(format!(
                    "the features of `{name}` ({} set) are not finite numbers: the model gave NaN or infinity",
                    side_name(side)
                )));
            }
            collected.values.extend_from_slice(&row);
        }
        collected.done += chunk.len();
        Ok(())
    }

    async fn compare_images_inner(
        &mut self,
        pairs: Vec<(u32, u32)>,
        options: ImageOptions,
    ) -> wasmtime::Result<Result<Vec<ImageScores>, Error>> {
        let sets = match self.sets() {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        if pairs.len() > CALL_CAP {
            return Ok(Err(Error::Limit(format!("{} pairs in one call; the limit is {CALL_CAP}", pairs.len()))));
        }
        let ssim = match options.ssim_window {
            SsimWindow::Gaussian => SsimOptions::gaussian(1.0),
            SsimWindow::Uniform => SsimOptions::skimage_default(1.0),
            SsimWindow::Starvector => SsimOptions::starvector(1.0),
        };
        let mut scores = Vec::with_capacity(pairs.len());
        for chunk in pairs.chunks(FEATURE_BATCH) {
            let (shared, chunk) = (Arc::clone(&sets), chunk.to_vec());
            let what = format!("{} image pair(s)", chunk.len());
            let done =
                self.host_work(what, move |work| compare_chunk(&shared, &chunk, options.size, &ssim, work)).await?;
            match done {
                Ok(mut part) => scores.append(&mut part),
                Err(e) => return Ok(Err(e)),
            }
            sets.report(scores.len(), pairs.len(), || "image pairs compared".into());
        }
        Ok(Ok(scores))
    }
}

impl Error {
    /// The same error, its message prefixed with where it happened.
    fn with_prefix(self, context: &str) -> Error {
        match self {
            Error::NotFound(m) => Error::NotFound(format!("{context}: {m}")),
            Error::Denied(m) => Error::Denied(format!("{context}: {m}")),
            Error::Invalid(m) => Error::Invalid(format!("{context}: {m}")),
            Error::Limit(m) => Error::Limit(format!("{context}: {m}")),
            Error::Other(m) => Error::Other(format!("{context}: {m}")),
        }
    }
}

/// The sample of `side` at `index`, or an error naming the index and the set's size.
fn sample(sets: &Sets, side: Side, index: u32) -> Result<&SampleFile, Error> {
    let samples = sets.side(side);
    samples
        .get(index as usize)
        .ok_or_else(|| Error::Invalid(format!("no {} sample {index}: the set has {}", side_name(side), samples.len())))
}

/// One image of a pair as RGB planes in [0, 1], resized to `size` when asked.
fn planes(sample: &SampleFile, size: Option<u32>, work: &mut Work) -> Result<Planes, Error> {
    let bytes = HostState::image_bytes(sample, work)?;
    let (header, decoder) =
        crate::image::open(&bytes).map_err(|e| Error::Invalid(format!("`{}`: {e}", sample.name)))?;
    work.charge(header.decode())?;
    let image =
        crate::image::decode_pixels(&header, decoder).map_err(|e| Error::Invalid(format!("`{}`: {e}", sample.name)))?;
    let image = match size {
        Some(side) if side > 0 && (image.width() != side || image.height() != side) => {
            image.resize_exact(side, side, image::imageops::FilterType::Triangle)
        }
        _ => image,
    };
    Planes::from_image(&image).map_err(|e| Error::Invalid(format!("`{}`: {e}", sample.name)))
}

/// MSE, PSNR, SSIM and StarVector's masked L2 for each pair of `chunk`.
fn compare_chunk(
    sets: &Sets,
    chunk: &[(u32, u32)],
    size: Option<u32>,
    ssim: &SsimOptions,
    work: &mut Work,
) -> Result<Vec<ImageScores>, Error> {
    let mut out = Vec::with_capacity(chunk.len());
    for &(g, r) in chunk {
        let (generated, reference) = (sample(sets, Side::Generated, g)?, sample(sets, Side::Reference, r)?);
        let a = planes(generated, size, work)?;
        let b = planes(reference, size, work)?;
        let pixels = (a.width() * a.height()) as f64;
        work.charge(Cost::new((pixels * COMPARE_PER_PIXEL) as u64, (pixels * 4.0 * 3.0 * 6.0) as u64))?;
        let named = |e: pairs::PairError| {
            Error::Invalid(format!("comparing `{}` with `{}`: {e}", generated.name, reference.name))
        };
        let mse = pairs::mse(&a, &b).map_err(named)?;
        let psnr = pairs::psnr(&a, &b, 1.0).map_err(named)?;
        let structural = pairs::ssim(&a, &b, ssim).map_err(named)?;
        let masked_l2 = pairs::masked_l2(&a, &b, 1.0).map_err(named)?;
        out.push(ImageScores { mse, psnr: psnr.is_finite().then_some(psnr), ssim: structural.mean, masked_l2 });
    }
    Ok(out)
}

impl Host for HostState {
    async fn samples(&mut self, side: Side) -> wasmtime::Result<Vec<Sample>> {
        let Ok(sets) = self.sets() else { return Ok(Vec::new()) };
        Ok(sets
            .side(side)
            .iter()
            .map(|s| Sample { name: s.name.clone(), media: s.media, prompt: s.prompt.clone() })
            .collect())
    }

    async fn pairs(&mut self) -> wasmtime::Result<Vec<(u32, u32)>> {
        Ok(self.sets().map(|s| s.pairs.clone()).unwrap_or_default())
    }

    async fn image_features(
        &mut self,
        model: String,
        side: Side,
    ) -> wasmtime::Result<Result<Resource<Features>, Error>> {
        match self.image_features_inner(model, side).await? {
            Ok(features) => Ok(Ok(self.table().push(features)?)),
            Err(e) => Ok(Err(e)),
        }
    }

    async fn text_features(
        &mut self,
        model: String,
        texts: Vec<String>,
    ) -> wasmtime::Result<Result<Resource<Features>, Error>> {
        if texts.is_empty() || texts.len() > CALL_CAP {
            return Ok(Err(Error::Invalid(format!("{} texts: give between 1 and {CALL_CAP}", texts.len()))));
        }
        let model = match self.ctx.models.as_deref().map(|m| m.model(&model)) {
            Some(Ok(m)) => m,
            Some(Err(e)) => return Ok(Err(e)),
            None => return Ok(Err(Error::Denied("this run lends no models".into()))),
        };
        let mut values = Vec::new();
        let mut dim = 0;
        for chunk in texts.chunks(FEATURE_BATCH) {
            let (loaded, chunk) = (Arc::clone(&model), chunk.to_vec());
            let what = format!("{} text(s) for model `{}`", chunk.len(), loaded.registered.name);
            let tokens = match self.host_work(what, move |work| loaded.tokenize_metered(&chunk, work)).await? {
                Ok(t) => t,
                Err(e) => return Ok(Err(Error::from(e))),
            };
            let rows = match self.timed(model.embed_texts(tokens)).await {
                Ok(rows) => rows,
                Err(e) => return Ok(Err(Error::Other(e))),
            };
            for row in rows {
                dim = row.len();
                values.extend_from_slice(&row);
            }
        }
        Ok(Ok(self.table().push(Features { dim, values: Arc::new(values) })?))
    }

    async fn frechet_distance(
        &mut self,
        a: Resource<Features>,
        b: Resource<Features>,
    ) -> wasmtime::Result<Result<f64, Error>> {
        let (a, b) = (self.features_of(&a)?, self.features_of(&b)?);
        let what = format!("the Fréchet distance of {} and {} rows of {}", a.rows(), b.rows(), a.dim);
        self.host_work(what, move |work| measures::frechet(&a, &b, work)).await
    }

    async fn kernel_distance(
        &mut self,
        a: Resource<Features>,
        b: Resource<Features>,
        options: KernelOptions,
    ) -> wasmtime::Result<Result<KernelResult, Error>> {
        let (a, b) = (self.features_of(&a)?, self.features_of(&b)?);
        let what = format!("the kernel distance of {} and {} rows", a.rows(), b.rows());
        self.host_work(what, move |work| measures::kernel(&a, &b, &options, work)).await
    }

    async fn cosine(
        &mut self,
        a: Resource<Features>,
        b: Resource<Features>,
        pairs: Vec<(u32, u32)>,
    ) -> wasmtime::Result<Result<Vec<f64>, Error>> {
        let (a, b) = (self.features_of(&a)?, self.features_of(&b)?);
        if a.dim != b.dim {
            return Ok(Err(Error::Invalid(format!("rows of {} and {} values cannot be compared", a.dim, b.dim))));
        }
        let mut out = Vec::with_capacity(pairs.len().min(CALL_CAP));
        for (i, j) in pairs.into_iter().take(CALL_CAP) {
            let (Some(x), Some(y)) = (a.row(i as usize), b.row(j as usize)) else {
                return Ok(Err(Error::Invalid(format!(
                    "no pair ({i}, {j}): the feature sets have {} and {} rows",
                    a.rows(),
                    b.rows()
                ))));
            };
            out.push(cosine(x, y));
        }
        Ok(Ok(out))
    }

    async fn compare_images(
        &mut self,
        pairs: Vec<(u32, u32)>,
        options: ImageOptions,
    ) -> wasmtime::Result<Result<Vec<ImageScores>, Error>> {
        self.compare_images_inner(pairs, options).await
    }

    async fn image_distance(
        &mut self,
        model: String,
        pairs: Vec<(u32, u32)>,
        size: Option<u32>,
    ) -> wasmtime::Result<Result<Vec<f64>, Error>> {
        self.image_distance_inner(model, pairs, size).await
    }

    async fn compare_meshes(
        &mut self,
        pairs: Vec<(u32, u32)>,
        options: MeshOptions,
    ) -> wasmtime::Result<Result<Vec<MeshScores>, Error>> {
        let sets = match self.sets() {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        if pairs.len() > CALL_CAP {
            return Ok(Err(Error::Limit(format!("{} pairs in one call; the limit is {CALL_CAP}", pairs.len()))));
        }
        let mut scores = Vec::with_capacity(pairs.len());
        for &(g, r) in &pairs {
            let (generated, reference) = match (sample(&sets, Side::Generated, g), sample(&sets, Side::Reference, r)) {
                (Ok(a), Ok(b)) => (a.clone(), b.clone()),
                (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
            };
            let what = format!("comparing meshes `{}` and `{}`", generated.name, reference.name);
            match self.host_work(what, move |work| measures::meshes(&generated, &reference, &options, work)).await? {
                Ok(s) => scores.push(s),
                Err(e) => return Ok(Err(e)),
            }
            sets.report(scores.len(), pairs.len(), || "mesh pairs compared".into());
        }
        Ok(Ok(scores))
    }
}

impl Features {
    /// A handle to the same values for work on another thread (host work runs off the plugin's thread).
    fn clone_values(&self) -> Features {
        Features { dim: self.dim, values: Arc::clone(&self.values) }
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn values(&self) -> &[f32] {
        &self.values
    }
}

/// The cosine similarity of two rows, in f64.
fn cosine(x: &[f32], y: &[f32]) -> f64 {
    let (mut dot, mut xx, mut yy) = (0f64, 0f64, 0f64);
    for (a, b) in x.iter().zip(y) {
        let (a, b) = (f64::from(*a), f64::from(*b));
        dot += a * b;
        xx += a * a;
        yy += b * b;
    }
    if xx == 0.0 || yy == 0.0 { 0.0 } else { dot / (xx.sqrt() * yy.sqrt()) }
}

impl HostFeatures for HostState {
    async fn rows(&mut self, handle: Resource<Features>) -> wasmtime::Result<u32> {
        Ok(u32::try_from(self.features_of(&handle)?.rows()).unwrap_or(u32::MAX))
    }

    async fn dim(&mut self, handle: Resource<Features>) -> wasmtime::Result<u32> {
        Ok(u32::try_from(self.features_of(&handle)?.dim).unwrap_or(u32::MAX))
    }

    async fn row(&mut self, handle: Resource<Features>, index: u32) -> wasmtime::Result<Result<Vec<f32>, Error>> {
        let features = self.features_of(&handle)?;
        Ok(features
            .row(index as usize)
            .map(<[f32]>::to_vec)
            .ok_or_else(|| Error::Invalid(format!("no row {index}: there are {}", features.rows()))))
    }

    async fn drop(&mut self, handle: Resource<Features>) -> wasmtime::Result<()> {
        self.table().delete(handle)?;
        Ok(())
    }
}
