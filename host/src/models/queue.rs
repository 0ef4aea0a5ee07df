//! The requests waiting for one model, shared by its workers. A free worker takes the oldest request and every
//! other waiting request of the same kind (images, texts, ...) up to the plan's batch size, so requests that
//! arrive while the workers are busy form the next batches (continuous batching) and no worker idles while
//! something is queued.

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
    closed: bool,
}

impl<T: Batchable> Queue<T> {
    pub fn new() -> Self {
        Self { state: Mutex::new(State { waiting: VecDeque::new(), closed: false }), arrived: Condvar::new() }
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
    /// order, up to `plan.max_batch` rows (the first is taken whole whatever its size). With a window, the worker
    /// waits that long for more requests of the kind while the batch could still grow. None once closed and
    /// empty.
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
        while rows < plan.max_batch && batch.len() < plan.callers && !state.closed {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            let (next, _) = self.arrived.wait_timeout(state, left).unwrap_or_else(|poisoned| poisoned.into_inner());
            state = next;
            take_matching(&mut state.waiting, kind, plan.max_batch, &mut rows, &mut batch);
        }
        // Another worker may take what this one left (another kind, or more than its batch holds).
        if !state.waiting.is_empty() {
            self.arrived.notify_one();
        }
        Some(batch)
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
        Plan { workers: 1, threads: 1, max_batch, window: Duration::from_millis(window_ms), callers: usize::MAX }
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
