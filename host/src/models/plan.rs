//! How one model's forward passes share the machine: how many run at once, with how many libtorch threads each,
//! how large a batch may grow and whether a worker waits for it to grow.
//!
//! On the CPU the host runs up to one forward pass per core, each on one libtorch thread, rather than one pass
//! spread over every core. A single-threaded pass has no OpenMP barriers, so nothing spins waiting for a sibling
//! thread that the plugins' own work (decoding, rasterizing, wasm) has preempted: when the model is the work, the
//! passes fill the cores between them, and when the plugins are the work, an idle worker costs nothing. Per image
//! that is also libtorch's cheapest way to run on the CPU (`bench/models/README.md`: 14 CPU ms per image on one
//! thread against 15-17 with two). Only when fewer requests can be in flight than there are cores (`--jobs 1`)
//! does a pass get several threads, because nothing else would use them.
//!
//! On a GPU one worker feeds the device, and it waits a few milliseconds for a batch to fill, since a bigger batch
//! costs the device little more than a small one.

use std::time::Duration;

use tch::Device;

/// Most rows in one forward pass on the CPU. Bigger batches are slower per image there (activations leave the
/// cache: batch 64 ran 15-20 % slower per image than 8-32 in the model benchmark), and a worker that takes fewer
/// rows leaves the rest to the next free worker.
const CPU_MAX_BATCH: usize = 32;
/// Rows a CPU worker waits for, when waiting costs no core: a one-thread pass over 1-3 rows costs 10-20 % more per
/// row than over 8 or more.
const CPU_FILL_ROWS: usize = 8;
/// How long a CPU worker waits at most for its batch to fill, about a third of a small model's pass.
const CPU_WINDOW: Duration = Duration::from_millis(10);
/// Most rows in one forward pass on a GPU.
const GPU_MAX_BATCH: usize = 128;
/// How long a GPU worker waits for more requests once one has arrived (less when every caller has asked).
const GPU_WINDOW: Duration = Duration::from_millis(3);

/// The execution plan for every model of one host process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Forward passes that may run at once, one worker thread each.
    pub workers: usize,
    /// libtorch intra-op threads in each pass (on the CPU; on a GPU, for the little CPU work around a pass).
    pub threads: usize,
    /// Most rows (images or texts) in one pass; a caller's larger request is run in slices of this many.
    pub max_batch: usize,
    /// Rows a worker waits for before it runs a batch, while waiting costs no core (see [`super::queue`]).
    pub fill_rows: usize,
    /// The longest a worker waits for its batch to fill. What arrives while every worker is busy forms the next
    /// batches in any case.
    pub window: Duration,
    /// The most requests that can be waiting at once (each of a run's jobs asks for one thing at a time), so a
    /// worker that holds that many stops waiting.
    pub callers: usize,
}

impl Plan {
    /// The plan for a run of `callers` concurrent jobs on `device`, with `cores` CPUs. `threads` fixes the
    /// intra-op threads per pass (`--model-threads`, or `OMP_NUM_THREADS`); the workers then share the cores.
    pub fn new(device: Device, cores: usize, callers: usize, threads: Option<usize>) -> Plan {
        let cores = cores.max(1);
        let callers = callers.max(1);
        if device != Device::Cpu {
            return Plan {
                workers: 1,
                threads: threads.unwrap_or(cores).max(1),
                max_batch: GPU_MAX_BATCH,
                fill_rows: GPU_MAX_BATCH,
                window: GPU_WINDOW,
                callers,
            };
        }
        let (workers, threads) = match threads {
            Some(threads) => ((cores / threads.max(1)).clamp(1, callers), threads.max(1)),
            None => {
                let workers = cores.min(callers);
                (workers, (cores / workers).max(1))
            }
        };
        Plan { workers, threads, max_batch: CPU_MAX_BATCH, fill_rows: CPU_FILL_ROWS, window: CPU_WINDOW, callers }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_the_cpu_passes_run_side_by_side_on_one_thread_each_when_there_are_enough_callers() {
        let plan = Plan::new(Device::Cpu, 2, 16, None);
        assert_eq!((plan.workers, plan.threads), (2, 1));
        let plan = Plan::new(Device::Cpu, 16, 64, None);
        assert_eq!((plan.workers, plan.threads), (16, 1));
    }

    #[test]
    fn a_lone_caller_gets_every_core_in_its_pass() {
        assert_eq!(Plan::new(Device::Cpu, 8, 1, None).threads, 8);
        let plan = Plan::new(Device::Cpu, 16, 4, None);
        assert_eq!((plan.workers, plan.threads), (4, 4));
    }

    #[test]
    fn fixed_threads_share_the_cores_between_workers() {
        let plan = Plan::new(Device::Cpu, 16, 64, Some(4));
        assert_eq!((plan.workers, plan.threads), (4, 4));
        // More threads than cores: one worker, as asked.
        let plan = Plan::new(Device::Cpu, 2, 64, Some(8));
        assert_eq!((plan.workers, plan.threads), (1, 8));
        // Never more workers than callers.
        assert_eq!(Plan::new(Device::Cpu, 16, 2, Some(1)).workers, 2);
    }

    #[test]
    fn a_gpu_gets_one_worker_that_waits_for_bigger_batches() {
        let plan = Plan::new(Device::Cuda(0), 16, 64, None);
        assert_eq!((plan.workers, plan.max_batch), (1, GPU_MAX_BATCH));
        assert!(!plan.window.is_zero());
    }
}
