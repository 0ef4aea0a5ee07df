//! Host work done on a plugin's behalf, bounded.
//!
//! A plugin's own code is held by the sandbox (memory, CPU time, fuel), but a call such as `svg.rasterize` or
//! `mesh.facts` makes the *host* do work whose size the plugin controls: a 300-byte SVG can ask for minutes of
//! filter rendering, a glTF header for hundreds of millions of indices. Every capability that does real work
//! therefore goes through this module:
//!
//! 1. It **estimates the cost before it allocates or computes**, from declared sizes only (the raster size and the
//!    filter primitives, the accessor counts in a glTF header, an image's dimensions and bit depth), and
//!    [`Work::charge`]s it. The estimate is a [`Cost`]: `work` in *work units* (about one nanosecond of one core
//!    on a 2020s laptop; the estimates are deterministic, never timed, so grading stays reproducible) and `bytes`
//!    the step will hold at once.
//! 2. A charge over the **per-call caps** (`call_work`, `call_bytes`) is refused with [`WorkError::TooCostly`] or
//!    [`WorkError::TooLarge`]: the plugin gets a `limit` error about that one input and can drop it.
//! 3. Every charge also counts against the **per-plugin-call budget** (`plugin_work`: one `judge`, `grade` or
//!    `crawl` call, host calls summed). Spending it all is a broken limit: the plugin is stopped
//!    ([`LimitExceeded::HostWork`](crate::runtime::LimitExceeded)), the same way, at the same call, on every run.
//! 4. The bytes are **reserved from one process-wide pool** ([`configure_memory`], `--host-memory`) before they
//!    are allocated, and given back when the call ends, so however many plugin instances run at once, the host's
//!    own working memory stays under the pool's size. A call waits for room (up to its time limit).
//! 5. The work runs on a blocking thread with a **per-call time limit** (`call_time`), a backstop for estimates
//!    that are wrong. When it passes, the plugin gets a `limit` error at once and the thread is told to stop: long
//!    work calls [`Work::check`] between its stages. A thread that cannot stop mid-stage is abandoned, never
//!    joined: the process exits without waiting for it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Work units in one second of estimated work (a unit is about a nanosecond).
pub const UNITS_PER_SECOND: u64 = 1_000_000_000;

/// What one step of host work is estimated to cost, from declared sizes, before it runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cost {
    /// Work units (about nanoseconds of one core).
    pub work: u64,
    /// Bytes the step holds at once (decoded pixels, index buffers, ...).
    pub bytes: u64,
}

impl Cost {
    /// A cost of `work` units holding `bytes`.
    pub const fn new(work: u64, bytes: u64) -> Self {
        Self { work, bytes }
    }

    /// Work units only (the step's memory is small or already reserved).
    pub const fn work(work: u64) -> Self {
        Self { work, bytes: 0 }
    }
}

/// The bounds on host work done for one plugin instance.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkLimits {
    /// Most work units one host call may be charged.
    pub call_work: u64,
    /// Most bytes one host call may hold at once.
    pub call_bytes: u64,
    /// Longest one host call may take, wall clock (a backstop for wrong estimates).
    pub call_time: Duration,
    /// Most work units one plugin call (`judge`, `grade`, `crawl`, ...) may have the host do, over all its host
    /// calls. Deterministic: the same calls on the same inputs spend the same units.
    pub plugin_work: u64,
}

impl Default for WorkLimits {
    fn default() -> Self {
        Self {
            call_work: 20 * UNITS_PER_SECOND,
            call_bytes: 512 << 20,
            call_time: Duration::from_secs(60),
            plugin_work: 120 * UNITS_PER_SECOND,
        }
    }
}

/// Why host work was refused or stopped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WorkError {
    /// One step would cost more than a host call may.
    #[error(
        "{what} would take about {} of host work, over the host's limit of {} per call",
        seconds(*units), seconds(*limit)
    )]
    TooCostly { what: String, units: u64, limit: u64 },
    /// One step would hold more memory than a host call may.
    #[error("{what} would need about {} MiB of host memory, over the host's limit of {} MiB per call", mib(*bytes), mib(*limit))]
    TooLarge { what: String, bytes: u64, limit: u64 },
    /// The call ran past its wall-clock limit.
    #[error("{what} took longer than the host's limit of {} per call", seconds_of(*limit))]
    TimedOut { what: String, limit: Duration },
    /// The plugin call's whole budget is spent; the plugin is stopped.
    #[error("host work for this call reached its budget of {}", seconds(*limit))]
    Exhausted { limit: u64 },
    /// The host could not start the work (no thread could be made).
    #[error("the host could not start {what}: {reason}")]
    Unavailable { what: String, reason: String },
}

fn seconds(units: u64) -> String {
    format!("{:.1} s", units as f64 / UNITS_PER_SECOND as f64)
}

fn seconds_of(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1048576.0)
}

/// The host work of one plugin instance: its limits, what its current plugin call has spent, and whether that
/// budget ran out. Shared (behind an `Arc`) with the threads doing the work.
#[derive(Debug)]
pub struct Meter {
    limits: WorkLimits,
    spent: AtomicU64,
    exhausted: AtomicBool,
}

impl Meter {
    pub fn new(limits: WorkLimits) -> Arc<Self> {
        Arc::new(Self { limits, spent: AtomicU64::new(0), exhausted: AtomicBool::new(false) })
    }

    pub fn limits(&self) -> &WorkLimits {
        &self.limits
    }

    /// Starts a new plugin call: nothing spent.
    pub fn reset(&self) {
        self.spent.store(0, Ordering::Relaxed);
        self.exhausted.store(false, Ordering::Relaxed);
    }

    /// Work units the current plugin call has been charged.
    pub fn spent(&self) -> u64 {
        self.spent.load(Ordering::Relaxed)
    }

    /// Whether the current plugin call spent its whole budget (the plugin must be stopped).
    pub fn exhausted(&self) -> bool {
        self.exhausted.load(Ordering::Relaxed)
    }

    /// Charges work done outside [`Work`] (a cheap call with a fixed price). Err once the budget is spent.
    pub fn charge_units(&self, units: u64) -> Result<(), WorkError> {
        let total = self.spent.fetch_add(units, Ordering::Relaxed).saturating_add(units);
        if total > self.limits.plugin_work {
            self.exhausted.store(true, Ordering::Relaxed);
            return Err(WorkError::Exhausted { limit: self.limits.plugin_work });
        }
        Ok(())
    }

    /// A handle for one host call's work: `what` names it in errors ("SVG `logo.svg` of item `x`").
    pub fn start(self: &Arc<Self>, what: impl Into<String>) -> Work {
        Work {
            meter: Arc::clone(self),
            what: what.into(),
            started: Instant::now(),
            cancelled: Arc::new(AtomicBool::new(false)),
            work: 0,
            bytes: 0,
            reserved: Vec::new(),
        }
    }
}

/// One host call's work in progress: charges, memory reservations (given back on drop) and cancellation.
#[derive(Debug)]
pub struct Work {
    meter: Arc<Meter>,
    what: String,
    started: Instant,
    cancelled: Arc<AtomicBool>,
    work: u64,
    bytes: u64,
    reserved: Vec<Reservation>,
}

impl Work {
    /// What this work is, for messages.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// Charges the next step's estimated cost before the step runs: refused if it takes this host call over
    /// its caps or the plugin call over its budget; otherwise its bytes are reserved from the process pool
    /// (waiting for room) until this `Work` is dropped.
    pub fn charge(&mut self, cost: Cost) -> Result<(), WorkError> {
        self.check()?;
        let limits = &self.meter.limits;
        let work = self.work.saturating_add(cost.work);
        if work > limits.call_work {
            return Err(WorkError::TooCostly { what: self.what.clone(), units: work, limit: limits.call_work });
        }
        let bytes = self.bytes.saturating_add(cost.bytes);
        if bytes > limits.call_bytes {
            return Err(WorkError::TooLarge { what: self.what.clone(), bytes, limit: limits.call_bytes });
        }
        self.meter.charge_units(cost.work)?;
        self.work = work;
        if cost.bytes > 0 {
            let deadline = self.started + limits.call_time;
            let reservation = match pool().try_reserve(cost.bytes) {
                Some(reservation) => reservation,
                None => {
                    // Waiting while holding part of the pool could wait forever: on this call itself (steps larger
                    // than the pool) or on another call doing the same. So what this call holds is given back and
                    // the whole is waited for at once.
                    self.reserved.clear();
                    pool().reserve(bytes, deadline, &self.cancelled).ok_or_else(|| self.timed_out())?
                }
            };
            self.reserved.push(reservation);
            self.bytes = bytes;
        }
        Ok(())
    }

    /// Err once the call was given up (its time limit passed): long work calls this between stages.
    pub fn check(&self) -> Result<(), WorkError> {
        if self.cancelled.load(Ordering::Relaxed) || self.started.elapsed() > self.meter.limits.call_time {
            return Err(self.timed_out());
        }
        Ok(())
    }

    fn timed_out(&self) -> WorkError {
        WorkError::TimedOut { what: self.what.clone(), limit: self.meter.limits.call_time }
    }

    /// Work units charged to this host call so far.
    pub fn charged(&self) -> u64 {
        self.work
    }

    /// Runs `job` with this work on a blocking thread, giving up on it when the per-call time limit passes (the
    /// thread is told to stop and left to finish alone; see the module docs).
    pub async fn run<T, E>(self, job: impl FnOnce(&mut Work) -> Result<T, E> + Send + 'static) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<WorkError> + Send + 'static,
    {
        let limit = self.meter.limits.call_time.saturating_sub(self.started.elapsed());
        let cancelled = Arc::clone(&self.cancelled);
        let timed_out = self.timed_out();
        let (done, result) = tokio::sync::oneshot::channel();
        let mut work = self;
        // A plain thread rather than tokio's blocking pool: a runtime waits for its blocking tasks when it shuts
        // down, and this work may have to be abandoned.
        let spawned = std::thread::Builder::new().name("aigc-host-work".into()).spawn(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut work)));
            drop(work);
            let _ = done.send(outcome);
        });
        if let Err(e) = spawned {
            return Err(E::from(WorkError::Unavailable { what: timed_out_what(&timed_out), reason: e.to_string() }));
        }
        let deadline = std::time::Instant::now() + limit;
        match tokio::time::timeout(limit, result).await {
            // Work that ends past its limit is over it even when it beats the timer (a loaded machine fires the
            // timer late): the same answer whichever wins.
            Ok(Ok(Ok(_))) if std::time::Instant::now() > deadline => {
                cancelled.store(true, Ordering::Relaxed);
                Err(E::from(timed_out))
            }
            Ok(Ok(Ok(outcome))) => outcome,
            Ok(Ok(Err(panic))) => std::panic::resume_unwind(panic),
            Ok(Err(_)) | Err(_) => {
                cancelled.store(true, Ordering::Relaxed);
                Err(E::from(timed_out))
            }
        }
    }
}

fn timed_out_what(error: &WorkError) -> String {
    match error {
        WorkError::TimedOut { what, .. } => what.clone(),
        other => other.to_string(),
    }
}

/// Bytes of a pool held by one host call's step; given back to that pool on drop.
#[derive(Debug)]
struct Reservation {
    bytes: u64,
    pool: &'static MemoryPool,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.pool.release(self.bytes);
    }
}

/// The process-wide pool of host working memory.
#[derive(Debug)]
pub struct MemoryPool {
    capacity: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

/// Default size of the pool: 1 GiB.
pub const DEFAULT_HOST_MEMORY: u64 = 1 << 30;

static POOL: OnceLock<MemoryPool> = OnceLock::new();

/// Sets the pool's size, once, before any host work (`--host-memory`). Later calls are ignored; false then.
pub fn configure_memory(bytes: u64) -> bool {
    POOL.set(MemoryPool::new(bytes)).is_ok()
}

fn pool() -> &'static MemoryPool {
    POOL.get_or_init(|| MemoryPool::new(DEFAULT_HOST_MEMORY))
}

/// The pool's size and what is reserved now, in bytes.
pub fn memory_in_use() -> (u64, u64) {
    let pool = pool();
    (pool.capacity, *pool.used.lock().unwrap_or_else(|p| p.into_inner()))
}

impl MemoryPool {
    fn new(capacity: u64) -> Self {
        Self { capacity, used: Mutex::new(0), freed: Condvar::new() }
    }

    /// Reserves `bytes` if they fit now (a request larger than the pool fits an empty pool); None otherwise.
    fn try_reserve(&'static self, bytes: u64) -> Option<Reservation> {
        let bytes = bytes.min(self.capacity);
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        if *used + bytes > self.capacity {
            return None;
        }
        *used += bytes;
        Some(Reservation { bytes, pool: self })
    }

    /// Waits until `bytes` fit, then reserves them; None when `deadline` passes or the call is cancelled first.
    /// A request larger than the whole pool waits for the pool to be empty, then takes it all, so one large
    /// (but per-call-allowed) step still runs, alone.
    fn reserve(&'static self, bytes: u64, deadline: Instant, cancelled: &AtomicBool) -> Option<Reservation> {
        let bytes = bytes.min(self.capacity);
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        while *used + bytes > self.capacity {
            let now = Instant::now();
            if now >= deadline || cancelled.load(Ordering::Relaxed) {
                return None;
            }
            // Wake up now and then to notice a cancellation.
            let wait = (deadline - now).min(Duration::from_millis(100));
            used = self.freed.wait_timeout(used, wait).unwrap_or_else(|p| p.into_inner()).0;
        }
        *used += bytes;
        Some(Reservation { bytes, pool: self })
    }

    fn release(&self, bytes: u64) {
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        *used = used.saturating_sub(bytes);
        self.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> WorkLimits {
        WorkLimits { call_work: 100, call_bytes: 1000, call_time: Duration::from_secs(5), plugin_work: 250 }
    }

    #[test]
    fn a_step_over_the_per_call_caps_is_refused_before_it_runs() {
        let meter = Meter::new(limits());
        let mut work = meter.start("SVG `x.svg`");
        assert!(work.charge(Cost::new(60, 10)).is_ok());
        let refused = work.charge(Cost::work(41)).unwrap_err();
        assert!(matches!(refused, WorkError::TooCostly { units: 101, limit: 100, .. }), "{refused:?}");
        assert!(refused.to_string().starts_with("SVG `x.svg` would take about"), "{refused}");
        let refused = work.charge(Cost::new(0, 991)).unwrap_err();
        assert!(matches!(refused, WorkError::TooLarge { bytes: 1001, .. }), "{refused:?}");
        // Refused steps are not charged.
        assert_eq!(meter.spent(), 60);
        assert!(!meter.exhausted());
    }

    #[test]
    fn the_plugin_calls_budget_runs_out_across_host_calls_and_resets_per_call() {
        let meter = Meter::new(limits());
        for _ in 0..2 {
            meter.start("a").charge(Cost::work(100)).unwrap();
        }
        let spent = meter.start("b").charge(Cost::work(100)).unwrap_err();
        assert_eq!(spent, WorkError::Exhausted { limit: 250 });
        assert!(meter.exhausted());
        meter.reset();
        assert!(!meter.exhausted());
        assert!(meter.start("c").charge(Cost::work(100)).is_ok());
    }

    #[test]
    fn memory_is_reserved_until_the_work_ends_and_a_full_pool_makes_a_call_wait_then_time_out() {
        let pool: &'static MemoryPool = Box::leak(Box::new(MemoryPool::new(100)));
        let never = AtomicBool::new(false);
        let far = Instant::now() + Duration::from_secs(5);
        let first = pool.reserve(70, far, &never).unwrap();
        let soon = Instant::now() + Duration::from_millis(50);
        assert!(pool.reserve(40, soon, &never).is_none(), "no room until the first is given back");
        drop(first);
        let big = pool.reserve(500, far, &never).unwrap();
        assert_eq!(big.bytes, 100, "larger than the pool: runs alone, with all of it");
        drop(big);
        assert_eq!(*pool.used.lock().unwrap(), 0);
    }

    #[test]
    fn a_call_never_waits_on_memory_it_holds_itself_or_while_holding_any() {
        // Steps each larger than the pool: the second would wait forever for the first, held by the same call.
        let tiny: &'static MemoryPool = Box::leak(Box::new(MemoryPool::new(100)));
        let never = AtomicBool::new(false);
        let far = Instant::now() + Duration::from_secs(5);
        let first = tiny.try_reserve(150).unwrap();
        assert!(tiny.try_reserve(150).is_none());
        drop(first);
        assert!(tiny.reserve(300, far, &never).is_some(), "given back, the whole fits an empty pool");
        // Through `Work` on the process pool (1 GiB unless configured): two calls each holding most of it and
        // asking for more would wait on each other; each gives its share back and waits for all at once.
        let (capacity, _) = memory_in_use();
        let meter = Meter::new(WorkLimits { call_bytes: u64::MAX, call_time: Duration::from_secs(20), ..limits() });
        let started = Instant::now();
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let meter = Arc::clone(&meter);
                std::thread::spawn(move || {
                    let mut work = meter.start("a step in two parts");
                    work.charge(Cost::new(0, capacity / 2)).unwrap();
                    std::thread::sleep(Duration::from_millis(50));
                    work.charge(Cost::new(0, capacity / 2)).unwrap();
                    std::thread::sleep(Duration::from_millis(50));
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        assert!(started.elapsed() < Duration::from_secs(5), "no deadlock: {:?}", started.elapsed());
        assert_eq!(memory_in_use().1, 0);
    }

    #[tokio::test]
    async fn work_past_its_time_limit_is_given_up_and_told_to_stop() {
        let meter = Meter::new(WorkLimits { call_time: Duration::from_millis(100), ..limits() });
        let stopped = Arc::new(AtomicBool::new(false));
        let seen = Arc::clone(&stopped);
        let started = Instant::now();
        let result: Result<(), WorkError> = meter
            .start("a slow step")
            .run(move |work| {
                while work.check().is_ok() {
                    std::thread::sleep(Duration::from_millis(5));
                }
                seen.store(true, Ordering::Relaxed);
                Ok(())
            })
            .await;
        assert!(matches!(result, Err(WorkError::TimedOut { .. })), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
        std::thread::sleep(Duration::from_millis(100));
        assert!(stopped.load(Ordering::Relaxed), "the thread noticed it was given up");
    }
}
