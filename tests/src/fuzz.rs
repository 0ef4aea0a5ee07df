//! A stable, deterministic stand-in for libFuzzer, for the test suite: it runs a fuzz target of
//! [`aigc_host::fuzzing`] over a corpus and over seeded mutations of it, each execution on a worker thread under a
//! time bound, and tells accepted and refused inputs from bugs (a panic that escaped the host's guards, a hang, a
//! process whose peak memory passed the bound).
//!
//! Mutations are the usual byte-level ones (bit flips, byte insertions and deletions, repeated chunks, splices
//! with another input, interesting integers over 8/16/32-bit fields in both byte orders), plus two for the text
//! formats most targets read (decimal numbers swapped for extreme ones, dictionary tokens inserted) and one for
//! zip archives (an entry's content mutated and the archive written again with correct checksums, so a mutation
//! reaches the model or submission inside rather than stopping at a CRC error). Every case has its own seed: the
//! same seed and corpus give the same input.

use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use aigc_host::fuzzing::Target;

/// SplitMix64: tiny, fast, and the same on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }

    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// The seed of case `index` of a run whose base seed is `base`: independent of every other case, so a failing
/// case can be named and rerun alone.
pub fn case_seed(base: u64, index: u64) -> u64 {
    Rng::new(base ^ index.wrapping_mul(0xD6E8_FEB8_6659_FD93)).next_u64()
}

/// Values that sit on the edges of integer fields: sizes, counts, offsets.
const INTERESTING: &[u64] = &[
    0,
    1,
    2,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0x8000,
    0xffff,
    0x1_0000,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_fffe,
    0xffff_ffff,
];

/// Decimal numbers that stress text formats: negative, huge, fractional, exponent, not a number.
const INTERESTING_DECIMALS: &[&str] = &[
    "0",
    "-1",
    "1e38",
    "-1e38",
    "1e309",
    "4294967295",
    "4294967296",
    "2147483648",
    "18446744073709551615",
    "99999999",
    "1000000",
    "0.0000001",
    "NaN",
    "-0",
    "65535",
    "1e-45",
];

/// Inputs grow at most to this size: the committed corpus is small, and a fuzzer's strength is many executions.
const MAX_INPUT: usize = 256 << 10;

/// One to four stacked mutations of `input`; `others` are the rest of the corpus (for splices), `dictionary` the
/// target's tokens.
pub fn mutate(input: &[u8], others: &[Vec<u8>], dictionary: &[Vec<u8>], rng: &mut Rng) -> Vec<u8> {
    if input.starts_with(b"PK")
        && rng.chance(2)
        && let Some(rezipped) = mutate_zip_entry(input, others, dictionary, rng)
    {
        return rezipped;
    }
    let mut data = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        mutate_once(&mut data, others, dictionary, rng);
    }
    data.truncate(MAX_INPUT);
    data
}

fn mutate_once(data: &mut Vec<u8>, others: &[Vec<u8>], dictionary: &[Vec<u8>], rng: &mut Rng) {
    let len = data.len();
    match rng.below(11) {
        // Flip one bit.
        0 if len > 0 => {
            let at = rng.below(len);
            data[at] ^= 1 << rng.below(8);
        }
        // Set one byte.
        1 if len > 0 => {
            let at = rng.below(len);
            data[at] = rng.next_u64() as u8;
        }
        // Insert random bytes.
        2 => {
            let at = rng.below(len + 1);
            let bytes: Vec<u8> = (0..1 + rng.below(8)).map(|_| rng.next_u64() as u8).collect();
            data.splice(at..at, bytes);
        }
        // Delete a range.
        3 if len > 0 => {
            let at = rng.below(len);
            let end = (at + 1 + rng.below(64.min(len - at))).min(len);
            data.drain(at..end);
        }
        // Repeat a chunk: nesting, many elements, long lines.
        4 if len > 0 => {
            let at = rng.below(len);
            let end = (at + 1 + rng.below(256.min(len - at))).min(len);
            let chunk = data[at..end].to_vec();
            let times = 1 + rng.below(16);
            let repeated: Vec<u8> = chunk.iter().copied().cycle().take(chunk.len() * times).collect();
            data.splice(end..end, repeated);
        }
        // Splice: this input's head with another's tail.
        5 if !others.is_empty() => {
            let other = &others[rng.below(others.len())];
            let head = rng.below(len + 1);
            let tail = rng.below(other.len() + 1);
            data.truncate(head);
            data.extend_from_slice(&other[tail..]);
        }
        // An interesting integer over a 1, 2 or 4-byte field, either byte order.
        6 if len > 0 => {
            let value = INTERESTING[rng.below(INTERESTING.len())];
            let width = [1usize, 2, 4][rng.below(3)].min(len);
            let at = rng.below(len - width + 1);
            let bytes = value.to_le_bytes();
            for i in 0..width {
                data[at + i] = if rng.chance(2) { bytes[i] } else { bytes[width - 1 - i] };
            }
        }
        // A decimal number in text swapped for an extreme one.
        7 | 8 => {
            let numbers = digit_runs(data);
            if numbers.is_empty() {
                return;
            }
            let (start, end) = numbers[rng.below(numbers.len())];
            let value = INTERESTING_DECIMALS[rng.below(INTERESTING_DECIMALS.len())];
            data.splice(start..end, value.bytes());
        }
        // A dictionary token inserted, or written over what is there.
        9 | 10 if !dictionary.is_empty() => {
            let token = &dictionary[rng.below(dictionary.len())];
            let at = rng.below(len + 1);
            if rng.chance(2) {
                data.splice(at..at, token.iter().copied());
            } else {
                let end = (at + token.len()).min(len);
                data.splice(at..end, token.iter().copied());
            }
        }
        _ => {
            let at = rng.below(len + 1);
            data.insert(at, INTERESTING[rng.below(INTERESTING.len())] as u8);
        }
    }
}

/// Byte ranges of the ASCII decimal numbers in `data` (at most the first 4096 found).
fn digit_runs(data: &[u8]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < data.len() && runs.len() < 4096 {
        if data[i].is_ascii_digit() {
            let start = i;
            while i < data.len() && (data[i].is_ascii_digit() || data[i] == b'.') {
                i += 1;
            }
            runs.push((start, i));
        } else {
            i += 1;
        }
    }
    runs
}

/// The archive with one entry's content mutated, written again (deflated, correct checksums); None when the
/// input is not a readable zip.
fn mutate_zip_entry(input: &[u8], others: &[Vec<u8>], dictionary: &[Vec<u8>], rng: &mut Rng) -> Option<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(input)).ok()?;
    let mut entries = Vec::new();
    for index in 0..archive.len().min(256) {
        let mut entry = archive.by_index(index).ok()?;
        let mut data = Vec::new();
        entry.by_ref().take(MAX_INPUT as u64).read_to_end(&mut data).ok()?;
        entries.push((entry.name().ok()?.to_string(), entry.is_dir(), data));
    }
    if entries.is_empty() {
        return None;
    }
    let chosen = rng.below(entries.len());
    if !entries[chosen].1 {
        entries[chosen].2 = mutate(&entries[chosen].2, others, dictionary, rng);
    }
    // Now and then the name too: a mutated path is as likely to find a bug as mutated content.
    if rng.chance(8) {
        let mut name = entries[chosen].0.clone().into_bytes();
        mutate_once(&mut name, &[], dictionary, rng);
        entries[chosen].0 = String::from_utf8_lossy(&name).into_owned();
    }
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(if rng.chance(2) {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    });
    for (name, is_dir, data) in &entries {
        if *is_dir {
            writer.add_directory(name.as_str(), options).ok()?;
        } else {
            writer.start_file(name.as_str(), options).ok()?;
            writer.write_all(data).ok()?;
        }
    }
    Some(writer.finish().ok()?.into_inner())
}

/// A libFuzzer dictionary (`"token"` per line, `\xNN`, `\\` and `\"` escapes, `#` comments, optional `name=`).
pub fn read_dictionary(path: &Path) -> Vec<Vec<u8>> {
    let Ok(text) = std::fs::read_to_string(path) else { return Vec::new() };
    let mut tokens = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let (Some(open), Some(close)) = (line.find('"'), line.rfind('"')) else { continue };
        if line.starts_with('#') || close <= open {
            continue;
        }
        let quoted = &line.as_bytes()[open + 1..close];
        let mut token = Vec::new();
        let mut i = 0;
        while i < quoted.len() {
            match (quoted[i], quoted.get(i + 1)) {
                (b'\\', Some(b'x')) if i + 4 <= quoted.len() => {
                    let hex = std::str::from_utf8(&quoted[i + 2..i + 4]).unwrap_or("");
                    token.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                    i += 4;
                }
                (b'\\', Some(&c)) => {
                    token.push(c);
                    i += 2;
                }
                (c, _) => {
                    token.push(c);
                    i += 1;
                }
            }
        }
        tokens.push(token);
    }
    tokens
}

/// What one execution did.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The host accepted the input.
    Accepted,
    /// The host refused it with this message: fine.
    Refused(String),
    /// A panic escaped the target (the host's guards did not hold): a bug.
    Panicked(String),
    /// The execution took longer than the time bound: a hang, in the target's stage
    /// ([`aigc_host::fuzzing::current_stage`]) named.
    Hung(Duration, &'static str),
    /// The process's peak resident memory passed the bound during this execution (KiB).
    Memory(u64),
}

impl Verdict {
    pub fn is_bug(&self) -> bool {
        matches!(self, Self::Panicked(_) | Self::Hung(..) | Self::Memory(_))
    }
}

/// One execution's result: the verdict and the panics the host caught inside its own guards on the way (a
/// library's bug the host contained; reported, not a failure).
#[derive(Debug, Clone)]
pub struct Execution {
    pub verdict: Verdict,
    pub caught_panics: Vec<String>,
    pub elapsed: Duration,
}

thread_local! {
    /// Panics seen on this thread since the last execution began, with where they happened.
    static PANICS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    /// Whether this thread is a fuzz worker (other threads' panics are left to the default hook alone).
    static WORKER: Cell<bool> = const { Cell::new(false) };
}

/// Executions started by every [`Executor`] of the process, so a panic printed by the hook names its execution.
static EXECUTIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Installs, once, a panic hook that records the panics of fuzz workers (message and location) and leaves other
/// threads' panics to the previous hook. Workers' panics are not printed: a host guard may catch thousands.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if WORKER.with(Cell::get) {
                let location = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
                let message = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(a non-text panic)".into());
                // In a child run the parent reads these to tell which panic ended the process (if one did).
                if std::env::var_os("AIGC_FUZZ_VERBOSE").is_some() {
                    let at = info
                        .location()
                        .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                        .unwrap_or_default();
                    let execution = EXECUTIONS.load(std::sync::atomic::Ordering::Relaxed);
                    eprintln!("fuzz execution {execution}: panicked at {at}:\n{message}");
                }
                PANICS.with(|p| p.borrow_mut().push(format!("{message}{location}")));
            } else {
                previous(info);
            }
        }));
    });
}

/// The process's peak resident set size so far, in KiB (Linux `VmHWM`; 0 where unknown).
pub fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

type Job = (Vec<u8>, mpsc::Sender<(Result<aigc_host::fuzzing::Outcome, String>, Vec<String>)>);

/// Runs a target's executions one at a time on a worker thread, so a hang can be told from slow work and
/// abandoned (a hung worker is left behind and a fresh one started; it ends with the process).
pub struct Executor {
    target: Target,
    time_bound: Duration,
    memory_bound_kib: u64,
    jobs: mpsc::Sender<Job>,
    last_input: Option<PathBuf>,
}

impl Executor {
    /// `memory_bound_kib`: peak RSS of the process that counts as unbounded allocation (libFuzzer's default
    /// `-rss_limit_mb` is 2048).
    pub fn new(target: Target, time_bound: Duration, memory_bound_kib: u64) -> Self {
        install_panic_hook();
        Self { target, time_bound, memory_bound_kib, jobs: spawn_worker(target), last_input: None }
    }

    /// Writes every input to `path` before running it: a process abort (a panic that cannot unwind, a stack
    /// overflow, a native crash) ends the test without any report, and this file is then the input that did it.
    pub fn keep_last_input(mut self, path: PathBuf) -> Self {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        self.last_input = Some(path);
        self
    }

    pub fn run(&mut self, input: &[u8]) -> Execution {
        EXECUTIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Some(path) = &self.last_input {
            let _ = std::fs::write(path, input);
        }
        let (reply, result) = mpsc::channel();
        let started = Instant::now();
        if self.jobs.send((input.to_vec(), reply.clone())).is_err() {
            self.jobs = spawn_worker(self.target);
            let _ = self.jobs.send((input.to_vec(), reply));
        }
        match result.recv_timeout(self.time_bound) {
            Ok((outcome, caught_panics)) => {
                let elapsed = started.elapsed();
                let peak = peak_rss_kib();
                let verdict = match outcome {
                    _ if peak > self.memory_bound_kib => Verdict::Memory(peak),
                    Ok(Ok(())) => Verdict::Accepted,
                    Ok(Err(message)) => Verdict::Refused(message),
                    Err(panic) => Verdict::Panicked(panic),
                };
                // The escaped panic is the verdict; the list keeps only the ones the host caught.
                let caught_panics = match &verdict {
                    Verdict::Panicked(_) => caught_panics[..caught_panics.len().saturating_sub(1)].to_vec(),
                    _ => caught_panics,
                };
                Execution { verdict, caught_panics, elapsed }
            }
            Err(_) => {
                // Abandon the worker: it is still inside the target.
                self.jobs = spawn_worker(self.target);
                let elapsed = started.elapsed();
                let verdict = Verdict::Hung(elapsed, aigc_host::fuzzing::current_stage());
                Execution { verdict, caught_panics: Vec::new(), elapsed }
            }
        }
    }
}

fn spawn_worker(target: Target) -> mpsc::Sender<Job> {
    let (jobs, inbox) = mpsc::channel::<Job>();
    let spawned = std::thread::Builder::new().name("fuzz-worker".into()).stack_size(8 << 20).spawn(move || {
        WORKER.with(|w| w.set(true));
        for (input, reply) in inbox {
            PANICS.with(|p| p.borrow_mut().clear());
            let outcome = catch_unwind(AssertUnwindSafe(|| target(&input)));
            let panics = PANICS.with(|p| std::mem::take(&mut *p.borrow_mut()));
            let outcome = outcome.map_err(|_| panics.last().cloned().unwrap_or_else(|| "(panic)".into()));
            let _ = reply.send((outcome, panics));
        }
    });
    spawned.expect("cannot start a fuzz worker thread");
    jobs
}

/// Greedy minimisation of an input that makes `executor` report a bug of the same kind: drops chunks (halves,
/// quarters, ... single bytes) while the bug stays, up to `attempts` executions.
pub fn minimize(executor: &mut Executor, input: &[u8], attempts: usize) -> Vec<u8> {
    let kind = |v: &Verdict| std::mem::discriminant(v);
    let wanted = kind(&executor.run(input).verdict);
    let mut best = input.to_vec();
    let mut chunk = best.len().div_ceil(2).max(1);
    let mut tries = 0;
    while chunk >= 1 && tries < attempts {
        let mut at = 0;
        let mut shrunk = false;
        while at < best.len() && tries < attempts {
            let mut candidate = best.clone();
            candidate.drain(at..(at + chunk).min(best.len()));
            tries += 1;
            let verdict = executor.run(&candidate).verdict;
            if verdict.is_bug() && kind(&verdict) == wanted {
                best = candidate;
                shrunk = true;
            } else {
                at += chunk;
            }
        }
        if !shrunk {
            if chunk == 1 {
                break;
            }
            chunk /= 2;
        }
    }
    best
}

/// The files directly under `dir`, sorted by name, with their bytes (none when the folder does not exist).
pub fn read_inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut inputs: Vec<(String, Vec<u8>)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| Some((e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).ok()?)))
        .filter(|(name, _)| !name.starts_with('.') && !name.ends_with(".md"))
        .collect();
    inputs.sort_by(|a, b| a.0.cmp(&b.0));
    inputs
}

/// Where a run saves the inputs that found bugs: `AIGC_FUZZ_FINDINGS`, else `target/fuzz-findings/`.
pub fn findings_dir(target: &str) -> PathBuf {
    let base = std::env::var_os("AIGC_FUZZ_FINDINGS")
        .map_or_else(|| crate::root().join("target/fuzz-findings"), PathBuf::from);
    base.join(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mutator finds a planted bug: a stand-in target that panics on inputs holding `BUG` (never in the seed)
    /// must be caught within the ordinary budget, and its input minimised. Without this, a mutator that changed
    /// nothing would pass every target.
    #[test]
    fn the_stable_runner_finds_a_planted_panic_and_a_planted_hang() {
        fn planted(data: &[u8]) -> aigc_host::fuzzing::Outcome {
            if data.windows(3).any(|w| w == b"BUG") {
                panic!("planted bug");
            }
            if data.windows(4).any(|w| w == b"HANG") {
                std::thread::sleep(Duration::from_secs(3600));
            }
            Err("refused".into())
        }
        let seed = b"<svg>B U G H A N G</svg>".to_vec();
        let dictionary = vec![b"BUG".to_vec()];
        let mut executor = Executor::new(planted, Duration::from_millis(300), 2048 * 1024);
        let mut found = None;
        for index in 0..2500 {
            let mut rng = Rng::new(case_seed(7, index));
            let data = mutate(&seed, &[], &dictionary, &mut rng);
            if matches!(executor.run(&data).verdict, Verdict::Panicked(_)) {
                found = Some(data);
                break;
            }
        }
        let found = found.expect("the planted panic was not found in the budget");
        let minimal = minimize(&mut executor, &found, 400);
        assert_eq!(minimal, b"BUG", "minimised from {:?}", String::from_utf8_lossy(&found));
        assert!(matches!(executor.run(b"HANG").verdict, Verdict::Hung(..)));
        // The runner goes on after abandoning the hung worker.
        assert_eq!(executor.run(b"fine").verdict, Verdict::Refused("refused".into()));
    }

    #[test]
    fn dictionaries_parse_libfuzzer_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.dict");
        std::fs::write(&path, "# comment\n\"a\\\"b\"\nkw=\"\\x00\\xffz\"\n\"back\\\\slash\"\n").unwrap();
        assert_eq!(read_dictionary(&path), vec![b"a\"b".to_vec(), vec![0, 0xff, b'z'], b"back\\slash".to_vec()]);
    }

    #[test]
    fn a_case_seed_gives_the_same_input_every_time() {
        let corpus = vec![b"<svg width='10'/>".to_vec(), b"PK\x03\x04 not a zip".to_vec()];
        let run = |seed| {
            let mut rng = Rng::new(case_seed(1, seed));
            mutate(&corpus[rng.below(2)], &corpus, &[b"<g>".to_vec()], &mut rng)
        };
        assert_eq!(run(42), run(42));
        let distinct: std::collections::HashSet<Vec<u8>> = (0..200).map(run).collect();
        assert!(distinct.len() > 150, "mutations repeat: {} distinct of 200", distinct.len());
    }

    #[test]
    fn zip_mutation_keeps_the_archive_readable() {
        let zip = crate::meshes::zip_of(&[("a.txt".into(), b"hello 123".to_vec()), ("b/c.txt".into(), b"x".to_vec())]);
        let mut readable = 0;
        for seed in 0..50 {
            let mut rng = Rng::new(seed);
            if let Some(out) = mutate_zip_entry(&zip, &[], &[], &mut rng) {
                let mut archive = zip::ZipArchive::new(std::io::Cursor::new(out)).unwrap();
                for i in 0..archive.len() {
                    std::io::copy(&mut archive.by_index(i).unwrap(), &mut std::io::sink()).unwrap();
                }
                readable += 1;
            }
        }
        assert_eq!(readable, 50);
    }
}
