//! Running registered models on libtorch. Each model is loaded once per host, on one device, and served by the
//! workers its [`Plan`] gives it, which take batches of requests from every plugin instance off one [`Queue`]
//! and run one forward pass per batch. Callers decode and resize their images in parallel before queueing, in
//! plain Rust (no libtorch op, so no OpenMP team per caller), and the workers only stack tensors and run the
//! model.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tch::{Device, Kind, Tensor};
use tokio::sync::oneshot;

use super::plan::Plan;
use super::preprocess::{self, InputError};
use super::queue::{Batchable, Queue};
use super::registry::{ModelError, Registered, Registry, Task};
use crate::budget::{Meter, Work as HostWork, WorkLimits};

/// Most pixels per image of the pairs one forward pass of a `distance` model compares (8 pairs of 256 px, 2 of
/// 512 px): LPIPS over VGG holds about 1 KB of activations per pixel of a pair.
const PAIR_PIXELS_PER_PASS: i64 = 1 << 19;

/// Where models run.
pub fn parse_device(text: &str) -> Result<Device, String> {
    match text {
        "auto" => Ok(Device::cuda_if_available()),
        "cpu" => Ok(Device::Cpu),
        other => {
            let index = other
                .strip_prefix("cuda:")
                .or_else(|| (other == "cuda").then_some("0"))
                .and_then(|i| i.parse::<usize>().ok())
                .ok_or_else(|| format!("`{other}` is not a device: use auto, cpu, cuda or cuda:N"))?;
            let count = tch::Cuda::device_count();
            if !tch::Cuda::is_available() || index as i64 >= count {
                return Err(format!("`{other}` is not available here ({count} CUDA device(s)); use --device cpu"));
            }
            Ok(Device::Cuda(index))
        }
    }
}

/// libtorch's intra-op threads for the calling thread's parallel regions (OpenMP and MKL keep the count per
/// thread) and, process-wide, whether ops may run in parallel at all. Each model worker sets its plan's count on
/// itself; the main thread sets it too, for the little libtorch work done elsewhere.
pub fn set_cpu_threads(n: usize) {
    tch::set_num_threads(i32::try_from(n.max(1)).unwrap_or(i32::MAX));
}

enum Work {
    Images(Tensor),
    Texts(Tensor),
    Captions(Tensor),
    Labels(Tensor),
    /// Image pairs as `[B, 6, H, W]`: the first image's three channels, then the second's.
    Pairs(Tensor),
}

impl Work {
    fn tensor(&self) -> &Tensor {
        match self {
            Work::Images(t) | Work::Texts(t) | Work::Captions(t) | Work::Labels(t) | Work::Pairs(t) => t,
        }
    }

    /// The TorchScript method that runs this kind of work.
    fn method(&self) -> &'static str {
        match self {
            Work::Images(_) => "encode_image",
            Work::Texts(_) => "encode_text",
            Work::Captions(_) => "caption",
            Work::Labels(_) => "classify",
            Work::Pairs(_) => "distance",
        }
    }
}

impl Batchable for Job {
    fn rows(&self) -> usize {
        self.work.tensor().size().first().copied().map_or(0, |n| usize::try_from(n).unwrap_or(0))
    }
    fn kind(&self) -> u8 {
        match &self.work {
            Work::Images(_) => 0,
            Work::Texts(_) => 1,
            Work::Captions(_) => 2,
            Work::Labels(_) => 3,
            Work::Pairs(_) => 4,
        }
    }
}

struct Job {
    work: Work,
    reply: oneshot::Sender<Result<Tensor, String>>,
}

/// One loaded model and the queue its workers serve.
pub struct LoadedModel {
    pub registered: Registered,
    /// None for classifiers, which take no text.
    tokenizer: Option<tokenizers::Tokenizer>,
    jobs: Arc<Queue<Job>>,
    pub stats: Arc<BatchStats>,
}

impl Drop for LoadedModel {
    /// The workers finish what is queued and stop.
    fn drop(&mut self) {
        self.jobs.close();
    }
}

/// How the batching went, for benchmarks and `-v` logs.
#[derive(Debug, Default)]
pub struct BatchStats {
    /// Forward passes run.
    pub batches: std::sync::atomic::AtomicU64,
    pub rows: std::sync::atomic::AtomicU64,
}

/// The models of one host process, loaded on first use.
pub struct ModelEngine {
    registry: Registry,
    device: Device,
    loaded: Mutex<HashMap<String, Arc<LoadedModel>>>,
    plan: Plan,
}

impl ModelEngine {
    /// An engine whose callers are not counted: one worker per core on the CPU, each on one thread.
    pub fn new(registry: Registry, device: Device) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::with_plan(registry, device, Plan::new(device, cores, usize::MAX, None))
    }

    /// An engine that runs every model it loads by `plan` (see [`Plan::new`] for a run's plan).
    pub fn with_plan(registry: Registry, device: Device, plan: Plan) -> Self {
        Self { registry, device, loaded: Mutex::new(HashMap::new()), plan }
    }

    pub fn device(&self) -> Device {
        self.device
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The model registered as `name`, loading it (once) if needed.
    pub fn model(&self, name: &str) -> Result<Arc<LoadedModel>, ModelError> {
        let mut loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(model) = loaded.get(name) {
            return Ok(Arc::clone(model));
        }
        let registered = self.registry.get(name)?;
        let model = Arc::new(load(registered, self.device, self.plan)?);
        loaded.insert(name.to_string(), Arc::clone(&model));
        Ok(model)
    }
}

fn load(registered: Registered, device: Device, plan: Plan) -> Result<LoadedModel, ModelError> {
    let invalid = |reason: String| ModelError::Invalid { path: registered.dir.clone(), reason };
    let tokenizer = match registered.tokenizer() {
        Some(path) => Some(
            tokenizers::Tokenizer::from_file(path).map_err(|e| invalid(format!("cannot load the tokenizer: {e}")))?,
        ),
        None => None,
    };
    // One module for every worker: TorchScript methods may run concurrently (each call has its own interpreter
    // state; the graph executor locks its own compilation), so the weights are in memory once.
    let module = Arc::new(tch::CModule::load_on_device(registered.weights_for(device), device).map_err(|e| {
        let file = registered.weights_for(device);
        invalid(format!("cannot load `{}` on {device:?}: {e}", file.display()))
    })?);
    let jobs = Arc::new(Queue::new());
    let stats = Arc::new(BatchStats::default());
    let name = registered.name.clone();
    for index in 0..plan.workers {
        let (module, queue, stats) = (Arc::clone(&module), Arc::clone(&jobs), Arc::clone(&stats));
        let started = std::thread::Builder::new()
            .name(format!("model-{name}-{index}"))
            .spawn(move || serve(&module, device, &queue, &stats, &plan));
        if let Err(e) = started {
            jobs.close();
            return Err(ModelError::Io(format!("cannot start a worker for `{name}`: {e}")));
        }
    }
    tracing::debug!(
        "loaded model `{name}` on {device:?}: {} worker(s), {} thread(s) each, batches of at most {}",
        plan.workers,
        plan.threads,
        plan.max_batch
    );
    Ok(LoadedModel { registered, tokenizer, jobs, stats })
}

/// A worker: take a batch, run it, answer each caller with its rows; until the model is dropped.
fn serve(module: &tch::CModule, device: Device, jobs: &Queue<Job>, stats: &BatchStats, plan: &Plan) {
    // OpenMP and MKL read the thread count of the thread that enters a parallel region: this worker's own.
    set_cpu_threads(plan.threads);
    let _guard = tch::no_grad_guard();
    while let Some(batch) = jobs.next_batch(plan) {
        let requests = batch.len();
        run_batch(module, device, batch, stats, plan.max_batch);
        jobs.finished(requests);
    }
}

/// One forward pass over the batch's rows (several when one caller sent more than `max_batch`). Requests whose
/// rows differ in shape (image pairs at their own sizes) cannot be stacked, so then each runs on its own.
fn run_batch(module: &tch::CModule, device: Device, mut batch: Vec<Job>, stats: &BatchStats, max_batch: usize) {
    let Some(first) = batch.first() else { return };
    let method = first.work.method();
    let row_shape = |job: &Job| job.work.tensor().size().split_off(1);
    let shape = row_shape(first);
    if batch.iter().any(|job| row_shape(job) != shape) {
        while let Some(job) = batch.pop() {
            run_batch(module, device, vec![job], stats, max_batch);
        }
        return;
    }
    let sizes: Vec<i64> = batch.iter().map(|j| j.rows() as i64).collect();
    let inputs: Vec<&Tensor> = batch.iter().map(|j| j.work.tensor()).collect();
    let total: i64 = sizes.iter().sum();
    let result = Tensor::f_cat(&inputs, 0).and_then(|x| forward(module, device, method, &x, total, max_batch, stats));
    stats.rows.fetch_add(total.max(0) as u64, std::sync::atomic::Ordering::Relaxed);
    match result {
        Ok(output) => {
            let mut start = 0;
            for (job, size) in batch.into_iter().zip(sizes) {
                let part = output.f_narrow(0, start, size).map_err(|e| e.to_string());
                start += size;
                let _ = job.reply.send(part);
            }
        }
        Err(error) => {
            let message = format!("the model's `{method}` failed: {error}");
            for job in batch {
                let _ = job.reply.send(Err(message.clone()));
            }
        }
    }
}

/// `method` over `rows` rows of `x`, at most `max_batch` rows per pass, the output on the CPU.
fn forward(
    module: &tch::CModule,
    device: Device,
    method: &str,
    x: &Tensor,
    rows: i64,
    max_batch: usize,
    stats: &BatchStats,
) -> Result<Tensor, tch::TchError> {
    let mut step = i64::try_from(max_batch.max(1)).unwrap_or(i64::MAX);
    if method == "distance" {
        // A pair model keeps every layer's activations of both images: bound the pixels of one pass instead.
        let pixels = x.size().iter().skip(2).product::<i64>().max(1);
        step = (PAIR_PIXELS_PER_PASS / pixels).clamp(1, step);
    }
    let mut outputs = Vec::new();
    let mut start = 0;
    loop {
        let slice = x.f_narrow(0, start, step.min(rows - start).max(0))?.f_to_device(device)?;
        let output = match method {
            // A pair model takes its two images as two arguments.
            "distance" => {
                let (first, second) = (slice.f_narrow(1, 0, 3)?, slice.f_narrow(1, 3, 3)?);
                module.method_ts(method, &[first, second])?.f_reshape([-1])?
            }
            _ => module.method_ts(method, &[slice])?,
        };
        outputs.push(output.f_to_device(Device::Cpu)?);
        stats.batches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        start += step;
        if start >= rows {
            break;
        }
    }
    match outputs.len() {
        1 => Ok(outputs.remove(0)),
        _ => Tensor::f_cat(&outputs, 0),
    }
}

impl LoadedModel {
    fn require(&self, task: Task, what: &str) -> Result<(), String> {
        if self.registered.spec.task == task {
            Ok(())
        } else {
            Err(format!(
                "model `{}` is a {:?} model and cannot {what}",
                self.registered.name, self.registered.spec.task
            ))
        }
    }

    async fn submit(&self, work: Work) -> Result<Tensor, String> {
        let (reply, answer) = oneshot::channel();
        self.jobs.push(Job { work, reply }).map_err(|_| "the model worker stopped".to_string())?;
        answer.await.map_err(|_| "the model worker stopped".to_string())?
    }

    /// Decodes, resizes and normalises encoded images into one `[N, 3, S, S]` tensor, on this thread, under a
    /// meter of its own with the default caps (for callers outside a plugin's host call).
    pub fn preprocess(&self, images: &[Vec<u8>]) -> Result<Tensor, String> {
        let meter = Meter::new(WorkLimits::default());
        self.preprocess_metered(images, &mut meter.start("model input images")).map_err(|e| e.to_string())
    }

    /// [`Self::preprocess`], charging `work` for each image before it is decoded (see [`preprocess`]).
    pub fn preprocess_metered(&self, images: &[Vec<u8>], work: &mut HostWork) -> Result<Tensor, InputError> {
        let spec = &self.registered.spec;
        if spec.task == Task::Distance {
            return Err(InputError::Invalid(format!(
                "model `{}` is a distance model: it compares image pairs (image-distance) and takes no single images",
                self.registered.name
            )));
        }
        let side = spec.image_size;
        let per_image = 3 * usize::try_from(side).unwrap_or(0).pow(2);
        // One buffer for the batch, so no libtorch op (an `f_cat`) runs on the caller's thread.
        let mut values = Vec::with_capacity(images.len().saturating_mul(per_image));
        for (i, bytes) in images.iter().enumerate() {
            preprocess::append_image(bytes, side, &spec.mean, &spec.std, work, &mut values).map_err(|e| match e {
                InputError::Invalid(m) => InputError::Invalid(format!("image {i}: {m}")),
                InputError::Limit(m) => InputError::Limit(format!("image {i}: {m}")),
            })?;
            work.check()?;
        }
        Tensor::f_from_slice(&values)
            .and_then(|t| t.f_view([images.len() as i64, 3, side, side]))
            .map_err(|e| InputError::Invalid(e.to_string()))
    }

    fn tokenizer(&self) -> Result<&tokenizers::Tokenizer, String> {
        self.tokenizer
            .as_ref()
            .ok_or_else(|| format!("model `{}` has no tokenizer: it takes no text", self.registered.name))
    }

    /// Token ids, padded or cut to the model's context length, as `[N, L]` int64, under a meter of its own.
    pub fn tokenize(&self, texts: &[String]) -> Result<Tensor, String> {
        let meter = Meter::new(WorkLimits::default());
        self.tokenize_metered(texts, &mut meter.start("model input texts")).map_err(|e| e.to_string())
    }

    /// [`Self::tokenize`], charging `work` first. Each text is cut to [`preprocess::text_bound`] bytes before it
    /// is tokenized, so a 32 MiB text costs what its first few kilobytes do.
    pub fn tokenize_metered(&self, texts: &[String], work: &mut HostWork) -> Result<Tensor, InputError> {
        let spec = &self.registered.spec;
        let tokenizer = self.tokenizer().map_err(InputError::Invalid)?;
        let bound = preprocess::text_bound(spec.context_length);
        work.charge(preprocess::tokenize_cost(texts, bound))?;
        let mut rows = Vec::with_capacity(texts.len() * spec.context_length);
        for text in texts {
            let text = preprocess::bounded_text(text, bound);
            let row = preprocess::token_row(tokenizer, text, spec.context_length, spec.pad_id)
                .map_err(InputError::Invalid)?;
            rows.extend(row);
        }
        Tensor::f_from_slice(&rows)
            .and_then(|t| t.f_view([texts.len() as i64, spec.context_length as i64]))
            .map_err(|e| InputError::Invalid(e.to_string()))
    }

    /// L2-normalised image embeddings.
    pub async fn embed_images(&self, pixels: Tensor) -> Result<Vec<Vec<f32>>, String> {
        self.require(Task::Clip, "embed images")?;
        rows_of(&normalise(&self.submit(Work::Images(pixels)).await?)?)
    }

    /// Image features for metrics: a `clip` model's L2-normalised embeddings, a `features` model's raw
    /// `encode_image` rows.
    pub async fn image_features(&self, pixels: Tensor) -> Result<Vec<Vec<f32>>, String> {
        match self.registered.spec.task {
            Task::Clip => self.embed_images(pixels).await,
            Task::Features => rows_of(&self.submit(Work::Images(pixels)).await?),
            other => Err(format!(
                "model `{}` is a {other:?} model and gives no image features; use a clip or features model",
                self.registered.name
            )),
        }
    }

    /// One distance per pair of `pairs` (`[B, 6, H, W]`, see [`Self::pair_input`]) from a `distance` model.
    pub async fn distances(&self, pairs: Tensor) -> Result<Vec<f32>, String> {
        self.require(Task::Distance, "compare image pairs")?;
        let want = pairs.size().first().copied().unwrap_or(0);
        let output = self.submit(Work::Pairs(pairs)).await?;
        if output.size() != [want] {
            return Err(format!(
                "model `{}` gave an output of shape {:?} for {want} pair(s); a distance model's `distance` returns one \
                 value per pair",
                self.registered.name,
                output.size()
            ));
        }
        Vec::<f32>::try_from(output.f_to_kind(Kind::Float).map_err(|e| e.to_string())?).map_err(|e| e.to_string())
    }

    /// Image pairs as a distance model's input: each pair's two images, as RGB planes in [0, 1] of the same
    /// `height` x `width`, normalised with the model's mean and std into one `[B, 6, H, W]` tensor.
    pub fn pair_input(&self, pairs: &[(&[f32], &[f32])], height: usize, width: usize) -> Result<Tensor, String> {
        let spec = &self.registered.spec;
        let per_image = 3 * height * width;
        let mut values = Vec::with_capacity(pairs.len() * 2 * per_image);
        for (index, (a, b)) in pairs.iter().enumerate() {
            if a.len() != per_image || b.len() != per_image {
                return Err(format!("pair {index}: both images must be {width}x{height} RGB"));
            }
            for image in [a, b] {
                let start = values.len();
                values.extend_from_slice(image);
                preprocess::normalise(&mut values[start..], &spec.mean, &spec.std);
            }
        }
        let dims = [pairs.len() as i64, 6, height as i64, width as i64];
        Tensor::f_from_slice(&values).and_then(|t| t.f_view(dims)).map_err(|e| e.to_string())
    }

    /// L2-normalised text embeddings.
    pub async fn embed_texts(&self, tokens: Tensor) -> Result<Vec<Vec<f32>>, String> {
        self.require(Task::Clip, "embed texts")?;
        rows_of(&normalise(&self.submit(Work::Texts(tokens)).await?)?)
    }

    /// Raw (not normalised) outputs of the two encoders, for parity checks against Python.
    pub async fn raw(
        &self,
        pixels: Option<Tensor>,
        tokens: Option<Tensor>,
    ) -> Result<(Vec<Vec<f32>>, Vec<Vec<f32>>), String> {
        let images = match pixels {
            Some(p) => rows_of(&self.submit(Work::Images(p)).await?)?,
            None => Vec::new(),
        };
        let texts = match tokens {
            Some(t) => rows_of(&self.submit(Work::Texts(t)).await?)?,
            None => Vec::new(),
        };
        Ok((images, texts))
    }

    /// The logit scale CLIP multiplies cosine similarities by before a softmax.
    pub fn logit_scale(&self) -> f64 {
        self.registered.spec.logit_scale
    }

    /// Captions, decoded with the tokenizer (special tokens dropped).
    pub async fn caption(&self, pixels: Tensor) -> Result<Vec<String>, String> {
        self.require(Task::Captioner, "caption")?;
        let tokenizer = self.tokenizer()?;
        let ids = self.submit(Work::Captions(pixels)).await?;
        let ids: Vec<Vec<i64>> = Vec::<Vec<i64>>::try_from(ids.f_to_kind(Kind::Int64).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
        let pad = i64::from(self.registered.spec.pad_id);
        ids.into_iter()
            .map(|row| {
                let row: Vec<u32> =
                    row.into_iter().filter(|&i| i != pad && i >= 0).filter_map(|i| u32::try_from(i).ok()).collect();
                tokenizer.decode(&row, true).map_err(|e| e.to_string())
            })
            .collect()
    }
}

impl LoadedModel {
    /// A classifier's probability of every one of its labels per image: the softmax of `classify`'s logits, in
    /// the order of `labels` in model.json.
    pub async fn label_probabilities(&self, pixels: Tensor) -> Result<Vec<Vec<f32>>, String> {
        self.require(Task::Classifier, "classify with fixed labels")?;
        let logits = self.submit(Work::Labels(pixels)).await?;
        let want = self.registered.spec.labels.len() as i64;
        if logits.size().get(1).copied() != Some(want) {
            return Err(format!(
                "model `{}` gave logits of shape {:?}, but model.json lists {want} labels",
                self.registered.name,
                logits.size()
            ));
        }
        rows_of(&logits.f_softmax(1, Kind::Float).map_err(|e| e.to_string())?)
    }

    /// Where each asked-for label sits in the classifier's label list; an unknown label is an error naming them.
    pub fn label_indices(&self, labels: &[String]) -> Result<Vec<usize>, String> {
        let known = &self.registered.spec.labels;
        labels
            .iter()
            .map(|label| {
                known.iter().position(|k| k == label).ok_or_else(|| {
                    format!(
                        "model `{}` has no label `{label}`; its labels are: {}",
                        self.registered.name,
                        known.join(", ")
                    )
                })
            })
            .collect()
    }

    /// True for a classifier with fixed labels (rather than a CLIP model classifying zero-shot).
    pub fn has_fixed_labels(&self) -> bool {
        self.registered.spec.task == Task::Classifier
    }
}

fn normalise(t: &Tensor) -> Result<Tensor, String> {
    let norm = t.f_norm_scalaropt_dim(2, [1i64].as_slice(), true).map_err(|e| e.to_string())?;
    t.f_div(&norm.f_clamp_min(1e-12).map_err(|e| e.to_string())?).map_err(|e| e.to_string())
}

fn rows_of(t: &Tensor) -> Result<Vec<Vec<f32>>, String> {
    Vec::<Vec<f32>>::try_from(t.f_to_kind(Kind::Float).map_err(|e| e.to_string())?).map_err(|e| e.to_string())
}
