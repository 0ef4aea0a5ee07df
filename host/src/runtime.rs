//! The sandbox: one wasmtime engine per process, a fresh store per plugin instance, and the limits that keep an
//! untrusted plugin from harming the host. A plugin that breaks a limit is stopped alone, with a message that
//! names it and the limit.
//!
//! Time is limited two ways. *Plugin time* (`cpu`) counts only time spent running the plugin's own code, checked
//! on every epoch tick, so a crawler waiting hours on polite HTTP is fine while a busy loop is stopped. *Wall time*
//! (`wall`) bounds the whole call, host calls included, with a tokio timeout, because epochs cannot interrupt a
//! plugin blocked inside a host call.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, ResourceLimiter, Store, UpdateDeadline};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::bindings;
use crate::budget::{Meter, Work, WorkError, WorkLimits};
use crate::capabilities::RunContext;
use crate::manifest::PluginFile;

pub mod output;

/// How often the epoch advances. Deadlines are checked at this granularity.
const TICK: Duration = Duration::from_millis(10);
/// Ticks between checks of the plugin's time, each also a chance for other tasks to run.
const TICKS_PER_CHECK: u64 = 5;

/// The limits one plugin instance runs under.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest linear memory, in bytes.
    pub memory: usize,
    /// Time running the plugin's own code, per call.
    pub cpu: Duration,
    /// Time for a whole call, host calls included; None: no limit.
    pub wall: Option<Duration>,
    /// Instructions (wasmtime fuel) per call, for results that must not depend on the machine's speed. Needs an
    /// engine made with [`Runtime::deterministic`].
    pub fuel: Option<u64>,
    /// Fixed clocks and seeded randomness, so the same plugin on the same input does the same thing every time.
    pub deterministic: bool,
    /// Host work done on the plugin's behalf (see [`crate::budget`]).
    pub work: WorkLimits,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory: 256 << 20,
            cpu: Duration::from_secs(300),
            wall: None,
            fuel: None,
            deterministic: false,
            work: WorkLimits::default(),
        }
    }
}

/// A limit a plugin broke. Carried through wasmtime's error so the failure can say which one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LimitExceeded {
    #[error("it ran its own code for longer than its CPU limit of {} (raise it with `--cpu-limit SECS`)", human_duration(*limit))]
    Cpu { limit: Duration },
    #[error("it ran longer than its time limit of {} (raise it with `--timeout SECS`)", human_duration(*limit))]
    Wall { limit: Duration },
    #[error(
        "it tried to grow its memory to {:.1} MiB, over its limit of {:.1} MiB (raise it with `--memory-limit MIB`)",
        *requested as f64 / 1048576.0, *limit as f64 / 1048576.0
    )]
    Memory { limit: usize, requested: usize },
    #[error("it used up its fuel of {limit} instructions (raise it with `--fuel N`)")]
    Fuel { limit: u64 },
    #[error(
        "it had the host do more than its budget of {:.0} s of estimated work in one call (raise it with `--host-work SECS`)",
        *limit as f64 / crate::budget::UNITS_PER_SECOND as f64
    )]
    HostWork { limit: u64 },
}

fn human_duration(d: Duration) -> String {
    if d.as_secs() >= 1 && d.subsec_millis() == 0 { format!("{} s", d.as_secs()) } else { format!("{d:?}") }
}

/// Why a plugin call failed.
#[derive(Debug, thiserror::Error)]
pub enum PluginFailure {
    #[error("plugin {plugin} was stopped: {limit}")]
    Limit { plugin: String, limit: LimitExceeded },
    #[error("plugin {plugin} crashed: {message}{}", stderr_note(stderr))]
    Trap { plugin: String, message: String, stderr: String },
    #[error("plugin {plugin} failed: {message}")]
    Returned { plugin: String, message: String },
    #[error("plugin {plugin} could not start: {message}")]
    Instantiate { plugin: String, message: String },
}

fn stderr_note(stderr: &str) -> String {
    let tail: String =
        stderr.trim().lines().rev().take(6).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n    ");
    if tail.is_empty() { String::new() } else { format!("\n  its output ended with:\n    {tail}") }
}

/// A failure's message and captured output held to [`crate::plugin_text`]'s caps, so a plugin that returns or
/// prints 64 MiB costs a few KiB wherever the failure is stored or printed. Output keeps its end (a panic's
/// message is its last line).
fn capped_failure(plugin: String, message: String, stderr: Option<&str>) -> PluginFailure {
    let message = crate::plugin_text::cap_message(message);
    match stderr {
        None => PluginFailure::Returned { plugin, message },
        Some(stderr) => PluginFailure::Trap {
            plugin,
            message,
            stderr: crate::plugin_text::cap_tail(stderr, crate::plugin_text::MESSAGE_CAP).into_owned(),
        },
    }
}

/// Per-store memory accounting; refusing a grow with an error (not `false`) stops the plugin at once with a
/// message, instead of letting its allocator abort with a bare `unreachable`.
pub struct MemoryLimiter {
    max: usize,
    peak: usize,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.max {
            return Err(wasmtime::Error::new(LimitExceeded::Memory { limit: self.max, requested: desired }));
        }
        self.peak = self.peak.max(desired);
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }
}

/// The data of one plugin instance's store.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    limiter: MemoryLimiter,
    /// What the run lends this instance: dataset, HTTP client, config, log.
    pub ctx: Arc<RunContext>,
    /// Time spent inside host calls during the current call, so it is not charged as plugin time.
    pub host_time: Duration,
    call_started: Instant,
    cpu_limit: Duration,
    fuel_limit: u64,
    /// What the plugin prints on stdout and stderr (see [`output`]).
    output: output::PluginOutput,
    /// Host work done for this instance's current call.
    pub meter: Arc<Meter>,
}

/// A clock that always says the epoch (the Unix one), for deterministic runs.
struct FixedClock;

impl wasmtime_wasi::HostWallClock for FixedClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

impl wasmtime_wasi::HostMonotonicClock for FixedClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

impl HostState {
    /// The instance's resource table (WASI's handles and the host's own resources, such as feature matrices).
    pub(crate) fn table(&mut self) -> &mut ResourceTable {
        &mut self.table
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl HostState {
    /// Runs a host call's future and books its time as host time.
    pub async fn timed<T>(&mut self, work: impl Future<Output = T>) -> T {
        let start = Instant::now();
        let out = work.await;
        self.host_time += start.elapsed();
        out
    }

    /// Runs one host call's metered work (see [`crate::budget`]) on its own thread, booked as host time. `job`
    /// charges each step's estimated cost before the step; a step over the per-call caps comes back as the
    /// job's error (the plugin gets a `limit` error), and a plugin call that spent its whole budget is stopped
    /// here, as a trap.
    pub async fn host_work<T, E>(
        &mut self,
        what: impl Into<String>,
        job: impl FnOnce(&mut Work) -> Result<T, E> + Send + 'static,
    ) -> wasmtime::Result<Result<T, E>>
    where
        T: Send + 'static,
        E: From<WorkError> + Send + 'static,
    {
        let work = self.meter.start(what);
        let outcome = self.timed(work.run(job)).await;
        self.stop_if_spent()?;
        Ok(outcome)
    }

    /// A trap once the current plugin call spent its host-work budget: for host calls that charge the meter
    /// themselves.
    pub fn stop_if_spent(&self) -> wasmtime::Result<()> {
        if self.meter.exhausted() {
            return Err(wasmtime::Error::new(LimitExceeded::HostWork { limit: self.meter.limits().plugin_work }));
        }
        Ok(())
    }

    /// Peak linear memory this instance used, in bytes.
    pub fn peak_memory(&self) -> usize {
        self.limiter.peak
    }
}

/// The process-wide engine and its epoch ticker.
pub struct Runtime {
    engine: Engine,
    /// Where compiled plugins are kept; None without a cache folder (then every run compiles).
    compiled: Option<CompiledCache>,
}

/// Compiled plugins, one file per plugin build and engine configuration:
/// `<cache dir>/aigc-host/compiled/<plugin sha256>-<engine hash>.cwasm`, written by the first run (or `aigc-host
/// compile`) and mapped from the file by every later one: no decompression or copy, the code pages are shared
/// between processes and only those touched are resident, and wasmtime's copy-on-write memory images map the
/// plugin's initial memory (a Python or JavaScript runtime's heap snapshot) straight from the file.
struct CompiledCache {
    dir: std::path::PathBuf,
    /// wasmtime's compatibility hash of this engine's configuration (version, target, fuel, ...).
    engine_hash: u64,
}

/// The compiled-code cache is trimmed to this size after each new entry, least recently used first.
const COMPILED_CACHE_MAX: u64 = 4 << 30;

impl Runtime {
    /// Builds the engine: component model, async host calls, epoch interruption, and a cache of compiled plugins
    /// (see [`CompiledCache`]) so a plugin is compiled once per version rather than on every run.
    pub fn new() -> anyhow::Result<Self> {
        Self::build(false)
    }

    /// An engine that also counts fuel, for runs whose results must not depend on timing (grading).
    pub fn deterministic() -> anyhow::Result<Self> {
        Self::build(true)
    }

    /// The engine plugins of `kind` run under: graders under the deterministic one (`grade`), every other kind
    /// under the ordinary one (`run`, `clean`, `annotate`). Each kind runs under one command only, so compiling a
    /// plugin with this engine (`aigc-host compile`, `aigc-host build`) fills the cache entry its command reads.
    pub fn for_kind(kind: crate::manifest::Kind) -> anyhow::Result<Self> {
        match kind {
            crate::manifest::Kind::Grader => Self::deterministic(),
            _ => Self::new(),
        }
    }

    fn build(fuel: bool) -> anyhow::Result<Self> {
        let mut config = Config::new();
        config.consume_fuel(fuel);
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        // The component-model async ABI (WASI 0.3) is not used and slows synchronous calls; keep it off.
        config.wasm_component_model_async(false);
        config.concurrency_support(false);
        let engine = Engine::new(&config).map_err(|e| anyhow::anyhow!("cannot start the WebAssembly engine: {e}"))?;
        let weak = engine.weak();
        std::thread::Builder::new().name("aigc-epoch".into()).spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(TICK);
            }
        })?;
        let compiled = directories::ProjectDirs::from("", "", "aigc-host").map(|dirs| {
            let mut hasher = std::hash::DefaultHasher::new();
            std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut hasher);
            CompiledCache { dir: dirs.cache_dir().join("compiled"), engine_hash: std::hash::Hasher::finish(&hasher) }
        });
        Ok(Self { engine, compiled })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Compiles a plugin (or loads it from the cache). A component importing what the world of its kind does not
    /// give is refused first, with the fix, rather than compiled for seconds and refused by the linker.
    pub fn compile(&self, plugin: &PluginFile) -> anyhow::Result<Component> {
        crate::build::check_imports(&plugin.path, &plugin.bytes, plugin.manifest.plugin.kind, None)?;
        let invalid = |e: wasmtime::Error| {
            anyhow::anyhow!("`{}` is not a valid WebAssembly component: {e}", plugin.path.display())
        };
        let Some(cache) = &self.compiled else {
            return Component::new(&self.engine, &plugin.bytes).map_err(invalid);
        };
        let path = cache.dir.join(format!("{}-{:016x}.cwasm", plugin.sha256, cache.engine_hash));
        if path.is_file() {
            match cache.load(&self.engine, &path) {
                Ok(component) => {
                    tracing::debug!("{}: compiled code from {}", plugin.label(), path.display());
                    return Ok(component);
                }
                Err(e) => tracing::debug!("{}: compiling again ({e})", path.display()),
            }
        }
        // One compile per plugin at a time across processes (parallel test processes, a TA's parallel commands):
        // the others wait for it and map its result instead of compiling the same code again.
        let _lock = cache.lock(&path);
        if path.is_file()
            && let Ok(component) = cache.load(&self.engine, &path)
        {
            return Ok(component);
        }
        let started = Instant::now();
        let compiled = self.engine.precompile_component(&plugin.bytes).map_err(invalid)?;
        tracing::debug!("{}: compiled in {:.1?}", plugin.label(), started.elapsed());
        match cache.store(&path, &compiled).and_then(|()| cache.load(&self.engine, &path)) {
            Ok(component) => Ok(component),
            Err(e) => {
                tracing::debug!("compiled code not cached at {}: {e}", path.display());
                // SAFETY: the bytes were made by `precompile_component` of this very engine just above.
                #[allow(unsafe_code)]
                unsafe { Component::deserialize(&self.engine, &compiled) }.map_err(invalid)
            }
        }
    }

    /// A linker with WASI (granting nothing) and the interfaces of `world`.
    pub fn linker(&self, kind: crate::manifest::Kind) -> anyhow::Result<Linker<HostState>> {
        use crate::manifest::Kind;
        let mut linker = Linker::new(&self.engine);
        // A std guest imports WASI; the empty context below grants none of it (no files, env, sockets, stdin).
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(|e| anyhow::anyhow!("{e}"))?;
        let result = match kind {
            Kind::Crawler => bindings::crawler::Crawler::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s),
            Kind::Cleaner => bindings::cleaner::Cleaner::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s),
            Kind::Annotator => bindings::annotator::Annotator::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s),
            Kind::Grader => bindings::grader::Grader::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s),
            Kind::Metric => bindings::metric::Metric::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s),
        };
        result.map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(linker)
    }

    /// A fresh store for one instance of the plugin described by `ctx`.
    pub fn store(&self, ctx: Arc<RunContext>, limits: &Limits) -> Store<HostState> {
        let output = output::PluginOutput::new(ctx.clone());
        let mut wasi = WasiCtx::builder();
        wasi.stdout(output.stream(0)).stderr(output.stream(1));
        if limits.deterministic {
            use rand_wasi::SeedableRng;
            wasi.wall_clock(FixedClock)
                .monotonic_clock(FixedClock)
                .secure_random(rand_wasi::rngs::StdRng::seed_from_u64(0x5eed))
                .insecure_random(rand_wasi::rngs::StdRng::seed_from_u64(0x5eed))
                .insecure_random_seed(0x5eed);
        }
        let wasi = wasi.build();
        let state = HostState {
            wasi,
            table: ResourceTable::new(),
            limiter: MemoryLimiter { max: limits.memory, peak: 0 },
            ctx,
            host_time: Duration::ZERO,
            call_started: Instant::now(),
            cpu_limit: limits.cpu,
            fuel_limit: limits.fuel.unwrap_or(0),
            output,
            meter: Meter::new(limits.work.clone()),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limiter);
        if let Some(fuel) = limits.fuel {
            // Without fuel consumption in the engine this errors; deterministic engines always have it.
            let _ = store.set_fuel(fuel);
        }
        store.set_epoch_deadline(TICKS_PER_CHECK);
        store.epoch_deadline_callback(|ctx| {
            let state = ctx.data();
            let plugin_time = state.call_started.elapsed().saturating_sub(state.host_time);
            if plugin_time > state.cpu_limit {
                return Err(wasmtime::Error::new(LimitExceeded::Cpu { limit: state.cpu_limit }));
            }
            Ok(UpdateDeadline::Yield(TICKS_PER_CHECK))
        });
        store
    }
}

impl CompiledCache {
    /// Maps a compiled plugin from the cache and marks it used (for trimming).
    fn load(&self, engine: &Engine, path: &std::path::Path) -> anyhow::Result<Component> {
        // SAFETY: deserializing runs no checks on the machine code, so the file must be one this host wrote with
        // `precompile_component`: it is in the user's own cache folder, named by the plugin's hash and the engine's
        // configuration, written whole and renamed into place (never changed after), and wasmtime checks its
        // header against the engine. Anyone able to write there can already change this binary.
        #[allow(unsafe_code)]
        let component = unsafe { Component::deserialize_file(engine, path) }?;
        if let Ok(file) = std::fs::File::options().write(true).open(path) {
            let _ = file.set_modified(std::time::SystemTime::now());
        }
        Ok(component)
    }

    /// An exclusive lock on compiling `path` (released when the file is dropped); None when it cannot be taken,
    /// and then the compile goes ahead unlocked.
    fn lock(&self, path: &std::path::Path) -> Option<std::fs::File> {
        std::fs::create_dir_all(&self.dir).ok()?;
        let file = std::fs::File::create(path.with_extension("lock")).ok()?;
        file.lock().ok()?;
        Some(file)
    }

    /// Writes a compiled plugin whole, then trims the cache.
    fn store(&self, path: &std::path::Path, compiled: &[u8]) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        std::io::Write::write_all(&mut tmp, compiled)?;
        tmp.persist(path)?;
        self.trim(path);
        Ok(())
    }

    /// Removes the least recently used entries past [`COMPILED_CACHE_MAX`], never `keep`.
    fn trim(&self, keep: &std::path::Path) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        let mut files: Vec<(std::time::SystemTime, u64, std::path::PathBuf)> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "cwasm"))
            .filter_map(|e| {
                let meta = e.metadata().ok()?;
                Some((meta.modified().ok()?, meta.len(), e.path()))
            })
            .collect();
        let mut total: u64 = files.iter().map(|f| f.1).sum();
        files.sort();
        for (_, size, path) in files {
            if total <= COMPILED_CACHE_MAX {
                break;
            }
            if path != keep && std::fs::remove_file(&path).is_ok() {
                let _ = std::fs::remove_file(path.with_extension("lock"));
                total -= size;
            }
        }
    }
}

/// Why `plugin` could not be linked into the world of its kind: the imports it has that the world does not give,
/// with the fix in every language (see [`crate::build::check_imports`]), or else the linker's own message.
pub fn link_error(plugin: &PluginFile, error: wasmtime::Error) -> anyhow::Error {
    let kind = plugin.manifest.plugin.kind;
    match crate::build::check_imports(&plugin.path, &plugin.bytes, kind, None) {
        Err(foreign @ crate::build::BuildError::ForeignImports(_)) => anyhow::Error::new(foreign),
        _ => anyhow::anyhow!("`{}` does not fit the {kind} world: {error}", plugin.path.display()),
    }
}

/// Runs one export call with the store's limits, turning every way it can fail into a [`PluginFailure`].
pub async fn call<T>(
    store: &mut Store<HostState>,
    limits: &Limits,
    call: impl AsyncFnOnce(&mut Store<HostState>) -> wasmtime::Result<Result<T, String>>,
) -> Result<T, PluginFailure> {
    let plugin = store.data().ctx.plugin.label.clone();
    store.data_mut().call_started = Instant::now();
    store.data_mut().host_time = Duration::ZERO;
    store.data().meter.reset();
    let outcome = match limits.wall {
        Some(wall) => match tokio::time::timeout(wall, call(store)).await {
            Ok(outcome) => outcome,
            Err(_) => {
                store.data().output.end_call();
                return Err(PluginFailure::Limit { plugin, limit: LimitExceeded::Wall { limit: wall } });
            }
        },
        None => call(store).await,
    };
    store.data().output.end_call();
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(message)) => Err(capped_failure(plugin, message, None)),
        Err(error) => Err(failure(store, error)),
    }
}

/// Classifies a wasmtime error from `store`'s plugin: a limit we raised, or a trap with the plugin's last words.
pub fn failure(store: &Store<HostState>, error: wasmtime::Error) -> PluginFailure {
    let plugin = store.data().ctx.plugin.label.clone();
    if let Some(limit) = error.downcast_ref::<LimitExceeded>() {
        return PluginFailure::Limit { plugin, limit: limit.clone() };
    }
    if let Some(wasmtime::Trap::OutOfFuel) = error.downcast_ref::<wasmtime::Trap>() {
        let limit = store.data().fuel_limit;
        return PluginFailure::Limit { plugin, limit: LimitExceeded::Fuel { limit } };
    }
    let stderr = captured_output(store);
    let message = match error.downcast_ref::<wasmtime::Trap>() {
        Some(trap) => format!("{trap}"),
        None => format!("{error:#}"),
    };
    capped_failure(plugin, message, Some(&stderr))
}

/// The end of what the plugin wrote to stdout/stderr (its last [`output::TAIL`] bytes).
pub fn captured_output(store: &Store<HostState>) -> String {
    store.data().output.tail()
}
