//! Running registered models on libtorch. Each model is loaded once per host, on one device, and served by a
//! worker thread that batches requests from every plugin instance: it takes what arrived within a short window
//! (or until the batch is full) and runs one forward pass for all of it. Callers decode and resize their images
//! in parallel before queueing, so the worker only stacks tensors and runs the model.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tch::{Device, Kind, Tensor};
use tokio::sync::oneshot;

use super::preprocess::{self, InputError};
use super::registry::{ModelError, Registered, Registry, Task};
use crate::budget::{Meter, Work as HostWork, WorkLimits};

/// How long the worker waits for more requests once one arrived (less when every possible caller has asked).
const BATCH_WINDOW: Duration = Duration::from_millis(3);
/// Most rows (images or texts) in one forward pass.
const MAX_BATCH: usize = 64;

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

/// libtorch's intra-op threads for this process (each forward pass and each image's preprocessing on the CPU).
/// With one thread per core by default, libtorch's OpenMP threads spin against the host's own workers when
/// those already fill the cores: a small model run per item then costs several times what it does on one thread.
pub fn set_cpu_threads(n: usize) {
    tch::set_num_threads(i32::try_from(n.max(1)).unwrap_or(i32::MAX));
}

enum Work {
    Images(Tensor),
    Texts(Tensor),
    Captions(Tensor),
    Labels(Tensor),
}

impl Work {
    fn rows(&self) -> i64 {
        match self {
            Work::Images(t) | Work::Texts(t) | Work::Captions(t) | Work::Labels(t) => {
                t.size().first().copied().unwrap_or(0)
            }
        }
    }
    fn kind(&self) -> u8 {
        match self {
            Work::Images(_) => 0,
            Work::Texts(_) => 1,
            Work::Captions(_) => 2,
            Work::Labels(_) => 3,
        }
    }
}

struct Job {
    work: Work,
    reply: oneshot::Sender<Result<Tensor, String>>,
}

/// One loaded model and the channel to its worker.
pub struct LoadedModel {
    pub registered: Registered,
    /// None for classifiers, which take no text.
    tokenizer: Option<tokenizers::Tokenizer>,
    jobs: std::sync::mpsc::Sender<Job>,
    pub stats: Arc<BatchStats>,
}

/// How the batching went, for benchmarks and `-v` logs.
#[derive(Debug, Default)]
pub struct BatchStats {
    pub batches: std::sync::atomic::AtomicU64,
    pub rows: std::sync::atomic::AtomicU64,
}

/// The models of one host process, loaded on first use.
pub struct ModelEngine {
    registry: Registry,
    device: Device,
    loaded: Mutex<HashMap<String, Arc<LoadedModel>>>,
    /// The most requests that can be waiting at once (unknown: unbounded).
    callers: usize,
}

impl ModelEngine {
    pub fn new(registry: Registry, device: Device) -> Self {
        Self { registry, device, loaded: Mutex::new(HashMap::new()), callers: usize::MAX }
    }

    /// At most `callers` requests can be waiting at once (a clean run's jobs: each judges one item at a time),
    /// so a batch holding that many is run at once instead of waiting out the window for callers there are not.
    pub fn with_callers(mut self, callers: usize) -> Self {
        self.callers = callers.max(1);
        self
    }

    pub fn device(&self) -> Device {
        self.device
    }

    /// The model registered as `name`, loading it (once) if needed.
    pub fn model(&self, name: &str) -> Result<Arc<LoadedModel>, ModelError> {
        let mut loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(model) = loaded.get(name) {
            return Ok(Arc::clone(model));
        }
        let registered = self.registry.get(name)?;
        let model = Arc::new(load(registered, self.device, self.callers)?);
        loaded.insert(name.to_string(), Arc::clone(&model));
        Ok(model)
    }
}

fn load(registered: Registered, device: Device, callers: usize) -> Result<LoadedModel, ModelError> {
    let invalid = |reason: String| ModelError::Invalid { path: registered.dir.clone(), reason };
    let tokenizer = match registered.tokenizer() {
        Some(path) => Some(
            tokenizers::Tokenizer::from_file(path).map_err(|e| invalid(format!("cannot load the tokenizer: {e}")))?,
        ),
        None => None,
    };
    let module = tch::CModule::load_on_device(registered.weights(), device)
        .map_err(|e| invalid(format!("cannot load `{}` on {device:?}: {e}", registered.spec.weights)))?;
    let (sender, receiver) = std::sync::mpsc::channel::<Job>();
    let stats = Arc::new(BatchStats::default());
    let worker_stats = Arc::clone(&stats);
    let name = registered.name.clone();
    std::thread::Builder::new()
        .name(format!("model-{name}"))
        .spawn(move || serve(module, device, receiver, &worker_stats, callers))
        .map_err(|e| ModelError::Io(format!("cannot start the worker for `{name}`: {e}")))?;
    tracing::debug!("loaded model `{}` on {device:?}", registered.name);
    Ok(LoadedModel { registered, tokenizer, jobs: sender, stats })
}

/// The worker: batch what arrives within the window, run it, answer each caller with its rows.
fn serve(
    module: tch::CModule,
    device: Device,
    jobs: std::sync::mpsc::Receiver<Job>,
    stats: &BatchStats,
    callers: usize,
) {
    let _guard = tch::no_grad_guard();
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        let deadline = Instant::now() + BATCH_WINDOW;
        let mut rows: i64 = batch[0].work.rows();
        while rows < MAX_BATCH as i64 && batch.len() < callers {
            let left = deadline.saturating_duration_since(Instant::now());
            match jobs.recv_timeout(left) {
                Ok(job) => {
                    rows += job.work.rows();
                    batch.push(job);
                }
                Err(_) => break,
            }
        }
        // One forward pass per kind of work in the batch.
        for kind in 0..4u8 {
            let group: Vec<Job> = {
                let (mine, rest): (Vec<Job>, Vec<Job>) = batch.into_iter().partition(|j| j.work.kind() == kind);
                batch = rest;
                mine
            };
            if group.is_empty() {
                continue;
            }
            run_group(&module, device, group, stats);
        }
    }
}

fn run_group(module: &tch::CModule, device: Device, group: Vec<Job>, stats: &BatchStats) {
    let sizes: Vec<i64> = group.iter().map(|j| j.work.rows()).collect();
    let (method, inputs): (&str, Vec<&Tensor>) = match &group[0].work {
        Work::Images(_) => (
            "encode_image",
            group.iter().filter_map(|j| if let Work::Images(t) = &j.work { Some(t) } else { None }).collect(),
        ),
        Work::Texts(_) => (
            "encode_text",
            group.iter().filter_map(|j| if let Work::Texts(t) = &j.work { Some(t) } else { None }).collect(),
        ),
        Work::Captions(_) => (
            "caption",
            group.iter().filter_map(|j| if let Work::Captions(t) = &j.work { Some(t) } else { None }).collect(),
        ),
        Work::Labels(_) => (
            "classify",
            group.iter().filter_map(|j| if let Work::Labels(t) = &j.work { Some(t) } else { None }).collect(),
        ),
    };
    let result = Tensor::f_cat(&inputs, 0)
        .and_then(|x| x.f_to_device(device))
        .and_then(|x| module.method_ts(method, &[x]))
        .and_then(|y| y.f_to_device(Device::Cpu));
    stats.batches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    stats.rows.fetch_add(sizes.iter().sum::<i64>() as u64, std::sync::atomic::Ordering::Relaxed);
    match result {
        Ok(output) => {
            let mut start = 0;
            for (job, size) in group.into_iter().zip(sizes) {
                let part = output.f_narrow(0, start, size).map_err(|e| e.to_string());
                start += size;
                let _ = job.reply.send(part);
            }
        }
        Err(error) => {
            let message = format!("the model's `{method}` failed: {error}");
            for job in group {
                let _ = job.reply.send(Err(message.clone()));
            }
        }
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
        self.jobs.send(Job { work, reply }).map_err(|_| "the model worker stopped".to_string())?;
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
        let mut tensors = Vec::with_capacity(images.len());
        for (i, bytes) in images.iter().enumerate() {
            let tensor =
                preprocess::image_tensor(bytes, spec.image_size, &spec.mean, &spec.std, work).map_err(|e| match e {
                    InputError::Invalid(m) => InputError::Invalid(format!("image {i}: {m}")),
                    InputError::Limit(m) => InputError::Limit(format!("image {i}: {m}")),
                })?;
            tensors.push(tensor);
            work.check()?;
        }
        Tensor::f_cat(&tensors, 0).map_err(|e| InputError::Invalid(e.to_string()))
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
