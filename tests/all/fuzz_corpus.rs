//! The fuzz targets of `aigc_host::fuzzing`, run the stable way (no libFuzzer, no nightly flags) on every test
//! run: each target over (a) its seed corpus `fuzz/corpus/<target>/` and every crash found so far
//! `fuzz/regressions/<target>/`, and (b) a fixed budget of seeded mutations of the corpus ([`MUTATIONS`], or
//! [`MUTATION_BUDGET`] of time, whichever ends first). An input the host refuses is fine; a panic past the host's
//! guards, an input that takes over [`HANG`], a process whose peak RSS passes [`MEMORY_BOUND_KIB`], or one that
//! aborts fails the test, naming the file or the case's seed (the input is saved under
//! `target/fuzz-findings/<target>/`). The work runs in a child process of this test binary, so that an abort (a
//! panic during unwinding, a native crash) is reported with its input instead of ending the test run.
//!
//! Longer runs: `AIGC_FUZZ_SECONDS=600` runs mutations for that long instead of the fixed count, and
//! `AIGC_FUZZ_SEED=<n>` changes the base seed. `make fuzz` runs the same targets under libFuzzer (`fuzz/`).
//! Cases listed in `fuzz/regressions/known_failures.txt` are bugs found and left to their code's owner: they are
//! run, reported, and fail the test only once they pass (so the list is kept honest).

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use aigc_tests::fuzz::{self, Executor, Rng, Verdict};

/// Longest one execution may take before it counts as a hang (libFuzzer's `-timeout` in `make fuzz` too).
const HANG: Duration = Duration::from_secs(5);
/// Peak resident memory of the test process that counts as unbounded allocation: libFuzzer's default
/// `-rss_limit_mb=2048`.
const MEMORY_BOUND_KIB: u64 = 2048 * 1024;
/// Mutations per target on an ordinary test run ...
const MUTATIONS: u64 = 10_000;
/// ... unless this much time has passed first (a slow machine runs fewer, and says so).
const MUTATION_BUDGET: Duration = Duration::from_secs(5);
/// Executions spent minimising a panicking input before it is saved.
const MINIMIZE_ATTEMPTS: usize = 400;

fn fuzz_dir() -> PathBuf {
    aigc_tests::root().join("fuzz")
}

/// The dictionary each target's mutations draw tokens from (the same files `make fuzz` hands libFuzzer).
fn dictionary(target: &str) -> Vec<Vec<u8>> {
    let name = match target {
        "model_zip" | "submission_zip" => "zip",
        other => other,
    };
    let mut tokens = fuzz::read_dictionary(&fuzz_dir().join("dictionaries").join(format!("{name}.dict")));
    // Inside a model archive the entries are glTF and OBJ files.
    if target == "model_zip" {
        tokens.extend(fuzz::read_dictionary(&fuzz_dir().join("dictionaries/gltf.dict")));
        tokens.extend(fuzz::read_dictionary(&fuzz_dir().join("dictionaries/obj.dict")));
    }
    tokens
}

/// `target/file` of every known failure, with the note after it.
fn known_failures() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(fuzz_dir().join("regressions/known_failures.txt")).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (case, note) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            (case.to_string(), note.trim().to_string())
        })
        .collect()
}

fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    let value = value.trim();
    value.strip_prefix("0x").map_or_else(|| value.parse().ok(), |hex| u64::from_str_radix(hex, 16).ok())
}

/// Counts of what a set of executions did.
#[derive(Default)]
struct Tally {
    accepted: u64,
    refused: u64,
    slowest: Duration,
}

impl Tally {
    fn add(&mut self, execution: &fuzz::Execution) {
        match execution.verdict {
            Verdict::Accepted => self.accepted += 1,
            Verdict::Refused(_) => self.refused += 1,
            _ => {}
        }
        self.slowest = self.slowest.max(execution.elapsed);
    }

    fn total(&self) -> u64 {
        self.accepted + self.refused
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} accepted, {} refused, slowest {:.0?}", self.accepted, self.refused, self.slowest)
    }
}

/// What the child process running a target reports, one line each on its stdout.
const BUG: &str = "fuzz bug: ";
const CAUGHT: &str = "fuzz caught: ";
const NOTE: &str = "fuzz note: ";
const DONE: &str = "fuzz done: ";
/// A child that found a hang prints this and the target's stage, and exits with [`HANG_EXIT`].
const HANG_MARK: &str = "fuzz hang in ";
const HANG_EXIT: i32 = 3;
/// What `run_one_fuzz_input` prints when the host handled its input.
const OUTCOME: &str = "fuzz outcome: ";
/// A target's run is given up after this many abnormal ends of its child that are new bugs (each reported) ...
const MAX_NEW_ENDS: usize = 5;
/// ... or this many that are known failures found again (each costs a child, a hang five seconds more).
const MAX_KNOWN_ENDS: usize = 50;

/// How a child process failed: what to tell, and a signature (where it first panicked, or how it ended) to match
/// a known failure by.
#[derive(Debug, Clone)]
struct Failure {
    description: String,
    signature: Vec<String>,
}

/// Runs one target over its corpus, regressions and mutations, in child processes (an input may abort the
/// process, which no `catch_unwind` sees); panics with every bug found.
///
/// 1. Each known failure runs alone in a child: still failing, it is reported and its signature noted; passing,
///    it is an error (its line in known_failures.txt is to go).
/// 2. A child (`fuzz_child`) runs every corpus and fixed regression input, then the mutations, writing each input
///    to `last-input` before running it. When the child dies, that input is the culprit: a known failure's
///    signature is reported as such, anything else is a bug (input saved). The next child starts after it.
fn run_target(name: &str) {
    let prefix = format!("{name}/");
    let known: Vec<(String, String)> =
        known_failures().into_iter().filter(|(case, _)| case.starts_with(&prefix)).collect();
    let findings = fuzz::findings_dir(name);
    let mut bugs: Vec<String> = Vec::new();

    let mut signatures = std::collections::BTreeSet::new();
    for (case, note) in &known {
        match run_in_child(name, &fuzz_dir().join("regressions").join(case)) {
            Ok(outcome) => bugs.push(format!(
                "fuzz/regressions/{case} now passes ({outcome}): remove it from fuzz/regressions/known_failures.txt"
            )),
            Err(failure) => {
                println!("known failure fuzz/regressions/{case} still fails ({}): {note}", failure.description);
                // Panic locations and hang stages only: "signal 6" would make every abort look known.
                signatures
                    .extend(failure.signature.into_iter().filter(|s| s.contains(".rs:") || s.starts_with("hang in ")));
            }
        }
    }

    let budget = env_number("AIGC_FUZZ_SECONDS").map_or(MUTATION_BUDGET, Duration::from_secs);
    let started = Instant::now();
    let mut caught: BTreeMap<String, (u64, String, String)> = BTreeMap::new();
    // Children go on from each other, so the last case reached counts every case run.
    let (mut from, mut ends, mut rediscovered, mut reached) = (0u64, 0usize, 0usize, 0u64);
    let mut done = None;
    while done.is_none() && ends - rediscovered < MAX_NEW_ENDS && rediscovered < MAX_KNOWN_ENDS {
        let remaining = budget.saturating_sub(started.elapsed());
        let (lines, failure) = run_child(name, from, remaining);
        for line in &lines {
            // libtest writes `test fuzz_child ... ` before the child's first line: a report starts mid-line.
            let line =
                [BUG, NOTE, DONE, CAUGHT].iter().find_map(|m| line.find(m)).map_or(line.as_str(), |at| &line[at..]);
            if let Some(bug) = line.strip_prefix(BUG) {
                bugs.push(bug.to_string());
            } else if let Some(note) = line.strip_prefix(NOTE) {
                println!("  {note}");
            } else if let Some(summary) = line.strip_prefix(DONE) {
                done = Some(summary.to_string());
            } else if let Some(panic) = line.strip_prefix(CAUGHT) {
                let mut fields = panic.splitn(3, '\t');
                let (times, first, message) = (fields.next(), fields.next(), fields.next());
                let place = message.and_then(|m| m.rsplit_once(" at ")).map_or("?", |(_, at)| at).to_string();
                let entry = caught
                    .entry(place)
                    .or_insert_with(|| (0, first.unwrap_or("").into(), message.unwrap_or("").into()));
                entry.0 += times.and_then(|t| t.parse().ok()).unwrap_or(1);
            }
        }
        let progress = std::fs::read_to_string(findings.join("progress")).unwrap_or_default();
        let (case, label) = progress.split_once(' ').unwrap_or(("", "an unknown input"));
        if let Ok(case) = case.parse::<u64>() {
            reached = reached.max(case + 1);
        }
        let Some(failure) = failure else { continue };
        ends += 1;
        let Ok(case) = case.parse::<u64>() else {
            bugs.push(format!("the fuzz child ended before running any input: {}", failure.description));
            break;
        };
        from = case + 1;
        let known = failure.signature.iter().any(|s| signatures.contains(s));
        let kind = match (known, failure.signature.iter().any(|s| s.starts_with("hang in "))) {
            (true, _) => "known",
            (false, true) => "hang",
            (false, false) => "abort",
        };
        let saved = findings.join(format!("{kind}-{}", label.replace(|c: char| !c.is_ascii_alphanumeric(), "-")));
        let _ = std::fs::copy(findings.join("last-input"), &saved);
        if known {
            rediscovered += 1;
            println!(
                "  {label} fails as a known failure does ({}; input saved to {})",
                failure.description,
                saved.display()
            );
            continue;
        }
        bugs.push(format!("{label}: {} (input saved to {})", failure.description, saved.display()));
    }
    let files = fuzz::read_inputs(&fuzz_dir().join("corpus").join(name)).len()
        + fuzz::read_inputs(&fuzz_dir().join("regressions").join(name)).len()
        - known.len();
    println!(
        "fuzz {name}: {reached} cases ({files} files, {} mutations) in {:.1?} by {} child process(es); \
         {} known failures ({rediscovered} found again by mutations)",
        reached.saturating_sub(files as u64),
        started.elapsed(),
        ends + 1,
        known.len()
    );
    match &done {
        Some(summary) => println!("  last child: {summary}"),
        None if rediscovered >= MAX_KNOWN_ENDS => {
            println!("  stopped after finding known failures {rediscovered} times")
        }
        None => bugs.push(format!("the run of `{name}` did not finish ({ends} abnormal ends)")),
    }
    for (times, first, panic) in caught.values() {
        println!("  caught panic x{times} (first: {first}): {panic}");
    }
    assert!(bugs.is_empty(), "fuzz target `{name}` found {} bug(s):\n{}", bugs.len(), bugs.join("\n"));
}

/// Runs `fuzz_child` for `target` from case `from` with `budget` for mutations; returns its report lines, and
/// how it failed if it did not end normally.
fn run_child(target: &str, from: u64, budget: Duration) -> (Vec<String>, Option<Failure>) {
    let findings = fuzz::findings_dir(target);
    let _ = std::fs::create_dir_all(&findings);
    let _ = std::fs::remove_file(findings.join("progress"));
    let env = [
        ("AIGC_FUZZ_CHILD", target.to_string()),
        ("AIGC_FUZZ_FROM", from.to_string()),
        ("AIGC_FUZZ_BUDGET_MS", budget.as_millis().to_string()),
        ("AIGC_FUZZ_VERBOSE", "1".to_string()),
    ];
    // Corpus and regressions come on top of the mutations' budget; a hang is bounded in the child already.
    let limit = budget + HANG * 6 + Duration::from_secs(60);
    match child_output("fuzz_corpus::fuzz_child", &env, &findings.join("child-output"), limit) {
        Ok(text) if text.lines().any(|l| l.contains(DONE)) => (text.lines().map(String::from).collect(), None),
        Ok(text) => (text.lines().map(String::from).collect(), Some(failure_of(&text, "ended without its report"))),
        Err((text, failure)) => (text.lines().map(String::from).collect(), Some(failure)),
    }
}

/// Runs one input of `target` in a child process (`run_one_fuzz_input`), so an input that aborts the process (a
/// panic that cannot unwind, a native crash) or hangs is seen from outside: Ok with the outcome when the host
/// handled it, Err with how the child failed otherwise.
fn run_in_child(target: &str, input: &Path) -> Result<String, Failure> {
    let env = [("AIGC_FUZZ_ONE", target.to_string()), ("AIGC_FUZZ_ONE_INPUT", input.display().to_string())];
    let file = input.file_name().map_or("input".into(), |f| f.to_string_lossy().into_owned());
    let output = fuzz::findings_dir(target).join(format!("output-of-{file}"));
    let _ = std::fs::create_dir_all(fuzz::findings_dir(target));
    match child_output("fuzz_corpus::run_one_fuzz_input", &env, &output, HANG * 2) {
        // libtest writes `test run_one_fuzz_input ... ` before the child's line.
        Ok(text) => text
            .lines()
            .find_map(|l| l.find(OUTCOME).map(|at| l[at + OUTCOME.len()..].to_string()))
            .ok_or_else(|| failure_of(&text, "no outcome")),
        Err((_, failure)) => Err(failure),
    }
}

/// Runs the ignored test `test` of this binary in a child with `env`, its output in `output` (a file, so a chatty
/// child never blocks on a full pipe), for at most `limit`. Ok with the output when it exited 0.
fn child_output(
    test: &str,
    env: &[(&str, String)],
    output: &Path,
    limit: Duration,
) -> Result<String, (String, Failure)> {
    let fail = |description: String| (String::new(), Failure { signature: vec![description.clone()], description });
    let exe = std::env::current_exe().map_err(|e| fail(format!("cannot find the test binary: {e}")))?;
    let file = std::fs::File::create(output).map_err(|e| fail(format!("cannot create {}: {e}", output.display())))?;
    let err = file.try_clone().map_err(|e| fail(format!("cannot share {}: {e}", output.display())))?;
    let mut command = Command::new(exe);
    command.args(["--exact", test, "--ignored", "--nocapture", "--test-threads=1"]).stdout(file).stderr(err);
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().map_err(|e| fail(format!("cannot start the child: {e}")))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(fail(format!("cannot wait for the child: {e}"))),
        }
    };
    let text = String::from_utf8_lossy(&std::fs::read(output).unwrap_or_default()).into_owned();
    match status {
        Some(status) if status.success() => Ok(text),
        Some(status) => {
            let how = match status.signal() {
                Some(signal) => format!("killed by signal {signal}"),
                None => format!("exit status {:?}", status.code()),
            };
            let failure = failure_of(&text, &how);
            Err((text, failure))
        }
        None => {
            let failure =
                Failure { description: format!("hung: still running after {limit:?}"), signature: vec!["hang".into()] };
            Err((text, failure))
        }
    }
}

/// How a child that printed `text` failed: `how` and the first panic it printed. The signature is where it
/// panicked (every location outside the standard library: an abort is a panic, then another one while unwinding,
/// and the same root cause may enter by either), else `how`.
fn failure_of(text: &str, how: &str) -> Failure {
    if let Some(stage) = text.lines().find_map(|l| l.find(HANG_MARK).map(|at| &l[at + HANG_MARK.len()..])) {
        let signature = format!("hang in {}", stage.trim());
        return Failure { description: format!("{signature} (over {HANG:?})"), signature: vec![signature] };
    }
    let mut panics: Vec<&str> = text.lines().filter(|l| l.contains("panicked at ")).collect();
    // A child run prints every panic with its execution's number: only the last execution's are about the end.
    let execution = |l: &str| l.strip_prefix("fuzz execution ").and_then(|r| r.split(':').next()).map(str::to_string);
    if let Some(last) = panics.last().and_then(|l| execution(l)) {
        panics.retain(|l| execution(l).as_deref() == Some(last.as_str()));
    }
    let location = |l: &str| l.split("panicked at ").nth(1).unwrap_or("").trim_end_matches(':').to_string();
    let signature: Vec<String> =
        panics.iter().map(|l| location(l)).filter(|l| !l.starts_with("/rustc/") && !l.is_empty()).collect();
    let Some(first) = panics.first() else {
        return Failure { description: how.to_string(), signature: vec![how.to_string()] };
    };
    let message = text.lines().skip_while(|l| l != first).nth(1).unwrap_or("").trim();
    Failure {
        description: format!("{how} after {} panic(s), first at {}: {message}", panics.len(), location(first)),
        signature: if signature.is_empty() { vec![how.to_string()] } else { signature },
    }
}

/// The child side of [`run_in_child`]: runs the input named by `AIGC_FUZZ_ONE_INPUT` through the target
/// `AIGC_FUZZ_ONE`, unguarded; does nothing without them.
#[test]
#[ignore = "run by run_in_child in a child process"]
fn run_one_fuzz_input() {
    let (Some(name), Some(input)) = (std::env::var_os("AIGC_FUZZ_ONE"), std::env::var_os("AIGC_FUZZ_ONE_INPUT")) else {
        return;
    };
    println!();
    let name = name.to_string_lossy();
    let target = aigc_host::fuzzing::target(&name).unwrap_or_else(|| panic!("no fuzz target `{name}`"));
    let bytes = std::fs::read(&input).expect("the input file");
    let (done, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(target(&bytes).map_err(|e| e.chars().take(200).collect::<String>()));
    });
    match outcome.recv_timeout(HANG) {
        Ok(outcome) => println!("{OUTCOME}{outcome:?}"),
        // A panic ended the thread: the default hook printed it, and the parent reads it.
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("the target panicked"),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            println!("{HANG_MARK}{}", aigc_host::fuzzing::current_stage());
            std::process::exit(HANG_EXIT);
        }
    }
}

/// The child side of [`run_target`]: runs target `AIGC_FUZZ_CHILD` in this process from case `AIGC_FUZZ_FROM`
/// (cases are the corpus files, the fixed regressions, then the mutations by index) and prints its report;
/// does nothing without them.
#[test]
#[ignore = "run by run_target in a child process"]
fn fuzz_child() {
    let Some(name) = std::env::var_os("AIGC_FUZZ_CHILD") else { return };
    println!();
    let name = name.to_string_lossy().into_owned();
    let from = env_number("AIGC_FUZZ_FROM").unwrap_or(0);
    let budget = env_number("AIGC_FUZZ_BUDGET_MS").map_or(MUTATION_BUDGET, Duration::from_millis);
    let unlimited = std::env::var_os("AIGC_FUZZ_SECONDS").is_some();
    let target = aigc_host::fuzzing::target(&name).unwrap_or_else(|| panic!("no fuzz target `{name}`"));
    let corpus = fuzz::read_inputs(&fuzz_dir().join("corpus").join(&name));
    assert!(!corpus.is_empty(), "fuzz/corpus/{name}/ is empty: the target would test nothing");
    let known = known_failures();
    let regressions: Vec<(String, Vec<u8>)> = fuzz::read_inputs(&fuzz_dir().join("regressions").join(&name))
        .into_iter()
        .filter(|(file, _)| !known.contains_key(&format!("{name}/{file}")))
        .collect();
    let dictionary = dictionary(&name);
    let findings = fuzz::findings_dir(&name);
    let mut executor = Executor::new(target, HANG, MEMORY_BOUND_KIB).keep_last_input(findings.join("last-input"));
    let progress = |case: u64, label: &str| {
        let _ = std::fs::write(findings.join("progress"), format!("{case} {label}"));
    };
    let mut caught: BTreeMap<String, (u64, String, String)> = BTreeMap::new();
    let mut note_caught = |execution: &fuzz::Execution, case: &str| {
        for panic in &execution.caught_panics {
            let place = panic.rsplit_once(" at ").map_or(panic.as_str(), |(_, at)| at).to_string();
            caught.entry(place).or_insert_with(|| (0, case.to_string(), panic.clone())).0 += 1;
        }
    };

    // (a) Every committed input: the seeds, and every crash found so far that is fixed.
    let mut fixed = Tally::default();
    let files: Vec<(String, &Vec<u8>)> = corpus
        .iter()
        .map(|(f, b)| (format!("fuzz/corpus/{name}/{f}"), b))
        .chain(regressions.iter().map(|(f, b)| (format!("fuzz/regressions/{name}/{f}"), b)))
        .collect();
    for (case, (label, bytes)) in files.iter().enumerate() {
        let case = case as u64;
        if case < from {
            continue;
        }
        progress(case, label);
        let execution = executor.run(bytes);
        note_caught(&execution, label);
        if let Verdict::Hung(_, stage) = execution.verdict {
            println!("{HANG_MARK}{stage}");
            std::process::exit(HANG_EXIT);
        }
        match &execution.verdict {
            verdict if verdict.is_bug() => println!("{BUG}{label}: {verdict:?}"),
            // Seeds should reach deep; one the host refuses tests little, and is worth seeing.
            Verdict::Refused(message) => println!("{NOTE}{label} is refused: {message}"),
            _ => {}
        }
        fixed.add(&execution);
    }

    // (b) Seeded mutations of them.
    let inputs: Vec<Vec<u8>> = corpus.iter().chain(regressions.iter()).map(|(_, b)| b.clone()).collect();
    let salt = name.bytes().fold(0u64, |h, b| h.wrapping_mul(31) ^ u64::from(b));
    let base = env_number("AIGC_FUZZ_SEED").unwrap_or(0x00A1_6C00) ^ salt;
    let count = if unlimited { u64::MAX } else { MUTATIONS };
    let first = files.len() as u64;
    let mut mutated = Tally::default();
    let started = Instant::now();
    let mut index = from.saturating_sub(first);
    while index < count && started.elapsed() < budget {
        let seed = fuzz::case_seed(base, index);
        let label = format!("{name} mutation {index} (seed {seed:#018x})");
        progress(first + index, &label);
        index += 1;
        let mut rng = Rng::new(seed);
        let input = &inputs[rng.below(inputs.len())];
        let data = fuzz::mutate(input, &inputs, &dictionary, &mut rng);
        let execution = executor.run(&data);
        note_caught(&execution, &label);
        mutated.add(&execution);
        if let Verdict::Hung(_, stage) = execution.verdict {
            // The hung worker cannot be stopped and would slow every later case: end this child here, and the
            // parent (which matches the stage against known hangs) starts the next one after this case.
            println!("{HANG_MARK}{stage}");
            std::process::exit(HANG_EXIT);
        }
        if execution.verdict.is_bug() {
            let saved = match execution.verdict {
                Verdict::Panicked(_) => fuzz::minimize(&mut executor, &data, MINIMIZE_ATTEMPTS),
                _ => data,
            };
            let kind = if matches!(execution.verdict, Verdict::Panicked(_)) { "crash" } else { "oom" };
            let path = findings.join(format!("{kind}-{seed:016x}"));
            let _ = std::fs::write(&path, &saved);
            println!("{BUG}{label}: {:?} (input saved to {})", execution.verdict, path.display());
        }
    }
    let stopped = !unlimited && index < count;
    for (times, first, panic) in caught.values() {
        println!("{CAUGHT}{times}\t{first}\t{panic}");
    }
    println!(
        "{DONE}{} corpus + {} regression inputs from case {from} ({fixed}); {} mutations in {:.1?} ({mutated}){}; \
         peak RSS {} MiB",
        corpus.len(),
        regressions.len(),
        mutated.total(),
        started.elapsed(),
        if stopped { " (stopped at the time budget)" } else { "" },
        fuzz::peak_rss_kib() / 1024,
    );
}

#[test]
fn fuzz_svg() {
    run_target("svg");
}

#[test]
fn fuzz_image() {
    run_target("image");
}

#[test]
fn fuzz_gltf() {
    run_target("gltf");
}

#[test]
fn fuzz_glb() {
    run_target("glb");
}

#[test]
fn fuzz_obj() {
    run_target("obj");
}

#[test]
fn fuzz_model_zip() {
    run_target("model_zip");
}

#[test]
fn fuzz_submission_zip() {
    run_target("submission_zip");
}

#[test]
fn fuzz_replay() {
    run_target("replay");
}

#[test]
fn every_fuzz_target_has_a_test_a_corpus_and_a_libfuzzer_target() {
    let source = std::fs::read_to_string(aigc_tests::root().join("tests/all/fuzz_corpus.rs")).expect("this file");
    for (name, _) in aigc_host::fuzzing::TARGETS {
        assert!(source.contains(&format!("fn fuzz_{name}()")), "no test runs the fuzz target `{name}`");
        assert!(
            fuzz_dir().join("fuzz_targets").join(format!("{name}.rs")).is_file(),
            "fuzz/fuzz_targets/{name}.rs is missing"
        );
        assert!(!fuzz::read_inputs(&fuzz_dir().join("corpus").join(name)).is_empty(), "fuzz/corpus/{name} is empty");
    }
}

/// Writes the seed corpus `fuzz/corpus/` from the test suite's own generators (tests/src/meshes.rs, zips.rs) and
/// committed fixtures. Run by hand after changing a generator:
/// `cargo nextest run --release -p aigc-tests --run-ignored only -E 'test(write_fuzz_seed_corpus)'`.
#[test]
#[ignore = "writes fuzz/corpus/; run by hand"]
fn write_fuzz_seed_corpus() {
    for (target, files) in seeds::all() {
        let dir = fuzz_dir().join("corpus").join(target);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in files {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
}

mod seeds;
