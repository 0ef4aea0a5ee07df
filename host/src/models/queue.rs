//! The requests waiting for one model, shared by its workers. A free worker takes the oldest request and every
//! other waiting request of the same kind (images, texts, ...) up to the plan's batch size, so requests that
//! arrive while the workers are busy form the next batches (continuous batching) and no worker idles while
//! something is queued.
//!
//! A worker waits for a small batch to grow only when that costs no core: while every other worker is running a
//! pass and some callers are still elsewhere (preparing their next request), its own core serves them, and the
//! bigger pass it then runs is cheaper per row. When another worker is idle, or every caller is already queued or
//! in a pass, it runs what it has at once.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Instant;

use super::plan::Plan;

/// Something a worker can batch: its rows and which forward method it needs.
pub trait Batchable {
    fn rows(&self) -> usize;
    fn kind(&self) -> u8;
}

/// A queue of `T` that workers take batches from.
pub struct Queue<T> {
    state: Mutex<State<T>>,
    arrived: Condvar,
}

struct State<T> {
    waiting: VecDeque<T>,
    /// Workers running a pass, and the requests in those passes.
    running: usize,
    in_passes: usize,
    closed: bool,
}

impl<T: Batchable> Queue<T> {
    pub fn new() -> Self {
        let state = State { waiting: VecDeque::new(), running: 0, in_passes: 0, closed: false };
        Self { state: Mutex::new(state), arrived: Condvar::new() }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // A worker that panicked while holding the lock left the queue itself consistent (it only pushes and
        // removes whole requests), so the others go on.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues `request`; false once the queue is closed.
    pub fn push(&self, request: T) -> Result<(), T> {
        let mut state = self.lock();
        if state.closed {
            return Err(request);
        }
        state.waiting.push_back(request);
        drop(state);
        self.arrived.notify_one();
        Ok(())
    }

    /// No more requests: workers finish what is queued and stop.
    pub fn close(&self) {
        self.lock().closed = true;
        self.arrived.notify_all();
    }

    /// The next batch, waiting until there is one: the oldest request and the waiting requests of its kind, in
    /// order, up to `plan.max_batch` rows (the first is taken whole whatever its size). Below `plan.fill_rows`,
    /// the worker waits up to `plan.window` for more while that costs no core (see the module's docs). None once
    /// closed and empty. The worker calls [`Self::finished`] with the batch's length after its pass.
    pub fn next_batch(&self, plan: &Plan) -> Option<Vec<T>> {
        let mut state = self.lock();
        while state.waiting.is_empty() {
            if state.closed {
                return None;
            }
            state = self.arrived.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        let first = state.waiting.pop_front()?;
        let kind = first.kind();
        let mut rows = first.rows();
        let mut batch = vec![first];
        take_matching(&mut state.waiting, kind, plan.max_batch, &mut rows, &mut batch);
        let deadline = Instant::now() + plan.window;
        while rows < plan.fill_rows.min(plan.max_batch) && !state.closed {
            let others_busy = state.running + 1 >= plan.workers;
            let accounted = state.in_passes + state.waiting.len() + batch.len();
            let may_come = plan.callers > accounted;
            let left = deadline.saturating_duration_since(Instant::now());
            if !others_busy || !may_come || left.is_zero() {
                break;
            }
            let (next, _) = self.arrived.wait_timeout(state, left).unwrap_or_else(|poisoned| poisoned.into_inner());
            state = next;
            take_matching(&mut state.waiting, kind, plan.max_batch, &mut rows, &mut batch);
        }
        state.running += 1;
        state.in_passes += batch.len();
        // Another worker may take what this one left (another kind, or more than its batch holds).
        if !state.waiting.is_empty() {
            self.arrived.notify_one();
        }
        Some(batch)
    }

    /// A worker's pass over `requests` requests is over: a worker filling a batch may now find a worker idle.
    pub fn finished(&self, requests: usize) {
        let mut state = self.lock();
        state.running = state.running.saturating_sub(1);
        state.in_passes = state.in_passes.saturating_sub(requests);
        drop(state);
        self.arrived.notify_all();
    }
}

/// Moves the waiting requests of `kind` into `batch`, in order, while they fit in `max_rows`.
fn take_matching<T: Batchable>(
    waiting: &mut VecDeque<T>,
    kind: u8,
    max_rows: usize,
    rows: &mut usize,
    batch: &mut Vec<T>,
) {
    let mut index = 0;
    while index < waiting.len() && *rows < max_rows {
        let request = &waiting[index];
        if request.kind() == kind && *rows + request.rows() <= max_rows {
            *rows += request.rows();
            if let Some(request) = waiting.remove(index) {
                batch.push(request);
            }
        } else {
            index += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[derive(Debug, PartialEq)]
    struct Request(u8, usize, &'static str);

    impl Batchable for Request {
        fn rows(&self) -> usize {
            self.1
        }
        fn kind(&self) -> u8 {
            self.0
        }
    }

    fn plan(max_batch: usize, window_ms: u64) -> Plan {
        Plan {
            workers: 1,
            threads: 1,
            max_batch,
            fill_rows: max_batch,
            window: Duration::from_millis(window_ms),
            callers: usize::MAX,
        }
    }

    fn names(batch: &[Request]) -> Vec<&'static str> {
        batch.iter().map(|r| r.2).collect()
    }

    #[test]
    fn a_batch_is_the_oldest_request_and_the_waiting_ones_of_its_kind_up_to_the_size() {
        let queue = Queue::new();
        for request in
            [Request(0, 1, "a"), Request(1, 1, "t"), Request(0, 2, "b"), Request(0, 2, "c"), Request(0, 1, "d")]
        {
            queue.push(request).unwrap();
        }
        // a + b + d fit in 4 rows; c (2 rows) would not, and keeps its place for the next batch.
        assert_eq!(names(&queue.next_batch(&plan(4, 0)).unwrap()), ["a", "b", "d"]);
        assert_eq!(names(&queue.next_batch(&plan(4, 0)).unwrap()), ["t"]);
        assert_eq!(names(&queue.next_batch(&plan(4, 0)).unwrap()), ["c"]);
    }

    #[test]
    fn a_request_larger_than_a_batch_is_taken_whole() {
        let queue = Queue::new();
        queue.push(Request(0, 100, "big")).unwrap();
        queue.push(Request(0, 1, "small")).unwrap();
        assert_eq!(names(&queue.next_batch(&plan(32, 0)).unwrap()), ["big"]);
        assert_eq!(names(&queue.next_batch(&plan(32, 0)).unwrap()), ["small"]);
    }

    #[test]
    fn without_a_window_a_worker_runs_what_is_queued_at_once() {
        let queue = Queue::new();
        queue.push(Request(0, 1, "a")).unwrap();
        let started = Instant::now();
        assert_eq!(names(&queue.next_batch(&plan(32, 0)).unwrap()), ["a"]);
        assert!(started.elapsed() < Duration::from_millis(50));
    }

    #[test]
    fn with_a_window_a_worker_waits_for_requests_arriving_meanwhile() {
        let queue = Arc::new(Queue::new());
        queue.push(Request(0, 1, "a")).unwrap();
        let late = Arc::clone(&queue);
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            late.push(Request(0, 1, "b")).unwrap();
        });
        assert_eq!(names(&queue.next_batch(&plan(2, 2_000)).unwrap()), ["a", "b"]);
        sender.join().unwrap();
    }

    #[test]
    fn a_worker_does_not_wait_while_another_worker_is_idle() {
        let queue = Queue::new();
        queue.push(Request(0, 1, "a")).unwrap();
        let two = Plan { workers: 2, ..plan(8, 2_000) };
        let started = Instant::now();
        assert_eq!(names(&queue.next_batch(&two).unwrap()), ["a"]);
        assert!(started.elapsed() < Duration::from_millis(500), "waited with a worker idle");
    }

    #[test]
    fn a_worker_does_not_wait_for_callers_that_are_all_accounted_for() {
        let queue = Queue::new();
        let three_callers = Plan { callers: 3, ..plan(8, 2_000) };
        queue.push(Request(0, 1, "a")).unwrap();
        queue.push(Request(0, 1, "b")).unwrap();
        let first = queue.next_batch(&Plan { max_batch: 1, ..three_callers }).unwrap();
        assert_eq!(names(&first), ["a"]);
        // "a" is in a pass, "b" is taken now, and the third caller comes:
        let late = std::thread::scope(|scope| {
            scope.spawn(|| {
                std::thread::sleep(Duration::from_millis(20));
                queue.push(Request(0, 1, "c")).unwrap();
            });
            queue.next_batch(&three_callers).unwrap()
        });
        assert_eq!(names(&late), ["b", "c"]);
        // Every caller is now in a pass or queued: nobody else can come, so no waiting.
        queue.finished(1);
        queue.push(Request(0, 1, "a2")).unwrap();
        let started = Instant::now();
        assert_eq!(names(&queue.next_batch(&three_callers).unwrap()), ["a2"]);
        assert!(started.elapsed() < Duration::from_millis(500), "waited for callers already in a pass");
    }

    #[test]
    fn a_worker_filling_a_batch_stops_waiting_when_another_worker_comes_free() {
        let queue = Queue::new();
        let two = Plan { workers: 2, ..plan(8, 5_000) };
        queue.push(Request(0, 1, "a")).unwrap();
        queue.push(Request(1, 1, "t")).unwrap();
        // The first worker runs "a"; the second takes "t" and, the first being busy, waits for texts...
        assert_eq!(names(&queue.next_batch(&Plan { max_batch: 1, ..two }).unwrap()), ["a"]);
        let started = Instant::now();
        let second = std::thread::scope(|scope| {
            scope.spawn(|| {
                std::thread::sleep(Duration::from_millis(30));
                queue.finished(1);
            });
            queue.next_batch(&two).unwrap()
        });
        // ...until the first worker's pass is over.
        assert_eq!(names(&second), ["t"]);
        assert!(started.elapsed() < Duration::from_millis(2_000));
    }

    #[test]
    fn closing_lets_workers_finish_the_queue_and_then_stop() {
        let queue = Arc::new(Queue::new());
        queue.push(Request(0, 1, "a")).unwrap();
        queue.close();
        assert!(queue.push(Request(0, 1, "late")).is_err());
        assert_eq!(names(&queue.next_batch(&plan(4, 0)).unwrap()), ["a"]);
        assert!(queue.next_batch(&plan(4, 0)).is_none());
        // A worker blocked on an empty queue wakes up when it closes.
        let open = Arc::new(Queue::<Request>::new());
        let waiting = Arc::clone(&open);
        let worker = std::thread::spawn(move || waiting.next_batch(&plan(4, 0)).is_none());
        std::thread::sleep(Duration::from_millis(20));
        open.close();
        assert!(worker.join().unwrap());
    }
}
