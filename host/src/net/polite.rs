//! Per-host politeness: how many requests may be in flight to one host, and how long to wait between them. A
//! plugin may queue as many requests as it likes; the gate decides when each goes out. A host that answered 429 or
//! 503 is pushed back as a whole, not just the request that got the answer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// The per-host rules of a run.
#[derive(Debug, Clone)]
pub struct Politeness {
    /// Time between the starts of two requests to the same host; up to a quarter more is added at random so
    /// several crawlers do not fall into step.
    pub delay: Duration,
    /// Requests in flight at once to one host.
    pub per_host: usize,
}

impl Politeness {
    /// No delay and a generous per-host limit: for sites the operator owns, mirrors and benchmarks.
    pub fn off() -> Self {
        Self { delay: Duration::ZERO, per_host: 64 }
    }
}

impl Default for Politeness {
    fn default() -> Self {
        Self { delay: Duration::from_secs(1), per_host: 1 }
    }
}

struct HostSlot {
    in_flight: Arc<Semaphore>,
    /// Earliest moment the next request to this host may start.
    next_start: Mutex<Instant>,
    /// A crawl-delay from robots.txt, when longer than the run's delay.
    floor: Mutex<Duration>,
}

/// Gates requests per host.
pub struct HostGate {
    rules: Politeness,
    hosts: Mutex<HashMap<String, Arc<HostSlot>>>,
}

/// Held while a request to a host is in flight.
pub struct Pass {
    /// None only if the semaphore were closed, which the gate never does.
    _permit: Option<OwnedSemaphorePermit>,
}

impl HostGate {
    pub fn new(rules: Politeness) -> Self {
        Self { rules, hosts: Mutex::new(HashMap::new()) }
    }

    fn slot(&self, host: &str) -> Arc<HostSlot> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(hosts.entry(host.to_string()).or_insert_with(|| {
            Arc::new(HostSlot {
                in_flight: Arc::new(Semaphore::new(self.rules.per_host.max(1))),
                next_start: Mutex::new(Instant::now()),
                floor: Mutex::new(Duration::ZERO),
            })
        }))
    }

    /// Waits for a free slot on `host` and for its delay to pass, then lets one request go.
    pub async fn enter(&self, host: &str) -> Pass {
        let slot = self.slot(host);
        let permit = Arc::clone(&slot.in_flight).acquire_owned().await.ok();
        loop {
            let wait_until = {
                let mut next = slot.next_start.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                if *next <= now {
                    let floor = *slot.floor.lock().unwrap_or_else(|p| p.into_inner());
                    *next = now + self.spacing(floor);
                    None
                } else {
                    Some(*next)
                }
            };
            match wait_until {
                None => return Pass { _permit: permit },
                Some(until) => tokio::time::sleep_until(until).await,
            }
        }
    }

    /// Keeps every request to `host` back until `pause` from now (a Retry-After, a backoff).
    pub fn defer(&self, host: &str, pause: Duration) {
        let slot = self.slot(host);
        let mut next = slot.next_start.lock().unwrap_or_else(|p| p.into_inner());
        let until = Instant::now() + pause;
        if until > *next {
            *next = until;
        }
    }

    /// Makes `delay` the least spacing for `host` (robots.txt `Crawl-delay`).
    pub fn set_floor(&self, host: &str, delay: Duration) {
        *self.slot(host).floor.lock().unwrap_or_else(|p| p.into_inner()) = delay;
    }

    fn spacing(&self, floor: Duration) -> Duration {
        let base = self.rules.delay.max(floor);
        if base.is_zero() {
            return base;
        }
        let jitter = rand::rng().random_range(0.0..0.25);
        base + base.mul_f64(jitter)
    }
}

/// Backoff before retry `attempt` (0-based): 1 s, 2 s, 4 s, ... capped at 60 s, with jitter.
pub fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_secs(1u64 << attempt.min(6)).min(Duration::from_secs(60));
    base + base.mul_f64(rand::rng().random_range(0.0..0.25))
}

/// The wait a `Retry-After` header asks for: seconds, or an HTTP date.
pub fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(std::time::SystemTime::now()).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_to_one_host_are_spaced() {
        let gate = HostGate::new(Politeness { delay: Duration::from_secs(1), per_host: 4 });
        let start = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..3 {
            let _pass = gate.enter("a.example").await;
            starts.push(start.elapsed());
        }
        assert!(starts[0] < Duration::from_millis(10));
        assert!(starts[1] >= Duration::from_secs(1) && starts[1] <= Duration::from_millis(1250));
        assert!(starts[2] >= Duration::from_secs(2));
        // Another host is not held back.
        let t = Instant::now();
        let _pass = gate.enter("b.example").await;
        assert!(t.elapsed() < Duration::from_millis(10));
    }

    #[tokio::test(start_paused = true)]
    async fn defer_pushes_the_whole_host_back() {
        let gate = HostGate::new(Politeness::off());
        gate.defer("a.example", Duration::from_secs(2));
        let t = Instant::now();
        let _pass = gate.enter("a.example").await;
        assert!(t.elapsed() >= Duration::from_secs(2));
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(retry_after("soon"), None);
    }
}
