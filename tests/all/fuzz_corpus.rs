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
use std::process::{Command, Stdio};
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
/// A target's run is given up after this many abnormal ends of its child (each one is reported).
const MAX_CHILD_ENDS: usize = 5;

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
    let known: Vec<(String, String)> = known_failures().into_iter().filter(|(case, _)| case.starts_with(&prefix)).collect();
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
                signatures.extend(failure.signature.into_iter().filter(|s| s.contains(".rs:") || s.starts_with("hang in ")));
            }
        }
    }

    let budget = env_number("AIGC_FUZZ_SECONDS").map_or(MUTATION_BUDGET, Duration::from_secs);
    let started = Instant::now();
    let mut caught: BTreeMap<String, (u64, String, String)> = BTreeMap::new();
    // Children go on from each other, so the last case reached counts every case run.
    let (mut from, mut ends, mut rediscovered, mut reached) = (0u64, 0usize, 0usize, 0u64);
    let mut done = None;
    while done.is_none() && ends < MAX_CHILD_ENDS {
        let remaining = budget.saturating_sub(started.elapsed());
        let (lines, failure) = run_child(name, from, remaining);
        for line in &lines {
            // libtest writes `test fuzz_child ... ` before the child's first line: a report starts mid-line.
            let line = [BUG, NOTE, DONE, CAUGHT].iter().find_map(|m| line.find(m)).map_or(line.as_str(), |at| &line[at..]);
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
                let entry = caught.entry(place).or_insert_with(|| (0, first.unwrap_or("").into(), message.unwrap_or("").into()));
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
            println!("  {label} fails as a known failure does ({}; input saved to {})", failure.description, saved.display());
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
fn child_output(test: &str, env: &[(&str, String)], output: &Path, limit: Duration) -> Result<String, (String, Failure)> {
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

mod seeds {
    //! The seed inputs: small, real-shaped files that reach each parser's main paths.

    use std::io::Cursor;

    use aigc_host::fuzzing::OBJ_MTL_SEPARATOR;
    use aigc_tests::meshes::{self, Model};
    use aigc_tests::zips::{self, RawEntry};
    use super::base64_light as b64;

    type Files = Vec<(String, Vec<u8>)>;

    pub fn all() -> Vec<(&'static str, Files)> {
        vec![
            ("svg", svg()),
            ("image", image()),
            ("gltf", gltf()),
            ("glb", glb()),
            ("obj", obj()),
            ("model_zip", model_zip()),
            ("submission_zip", submission_zip()),
            ("replay", replay()),
        ]
    }

    fn file(name: &str, bytes: impl Into<Vec<u8>>) -> (String, Vec<u8>) {
        (name.to_string(), bytes.into())
    }

    const NS: &str = "xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink'";

    fn svg() -> Files {
        let doc = |body: &str| format!("<svg {NS} viewBox='0 0 100 100' width='100' height='100'>{body}</svg>");
        let mut files: Files = ["dog_face", "family", "free_button", "keycap_1"]
            .iter()
            .map(|n| {
                let path = aigc_tests::root().join(format!("models/svg-text/parity/{n}.svg"));
                file(&format!("{n}.svg"), std::fs::read(path).unwrap())
            })
            .collect();
        files.extend([
            file("shapes.svg", doc("<rect x='5' y='5' width='40' height='30' rx='4'/><circle cx='70' cy='20' r='12' fill='red'/>\
                <ellipse cx='25' cy='70' rx='20' ry='10' fill='none' stroke='blue' stroke-width='3'/>\
                <line x1='50' y1='50' x2='95' y2='95' stroke='black' stroke-dasharray='4 2'/>\
                <polyline points='50,60 60,80 70,60 80,80' fill='none' stroke='green'/>\
                <polygon points='10,90 30,95 20,99' fill='#0f08'/>")),
            file("paths.svg", doc("<path d='M10 10 L90 10 Q95 50 90 90 C60 95 40 95 10 90 A40 40 0 0 1 10 10 Z \
                M30 30 h40 v40 h-40 z' fill-rule='evenodd' fill='rgb(20%,40%,60%)'/>\
                <path d='m5 50 s10-20 20 0 t20 0' stroke='black' fill='none' stroke-linecap='round'/>")),
            file("text.svg", doc("<text x='10' y='40' font-family='DejaVu Sans, sans-serif' font-size='20'>Hello\
                <tspan dy='20' font-weight='bold' fill='red'>world</tspan></text>\
                <text x='50' y='90' text-anchor='middle' font-size='12' letter-spacing='2'>NO ENTRY</text>")),
            file("gradients.svg", doc("<defs><linearGradient id='g' x1='0' x2='1' spreadMethod='reflect'>\
                <stop offset='0' stop-color='red'/><stop offset='1' stop-color='blue' stop-opacity='0.5'/>\
                </linearGradient><radialGradient id='r' cx='.5' cy='.5' r='.5' fx='.3'>\
                <stop offset='0' stop-color='white'/><stop offset='1' stop-color='black'/></radialGradient>\
                <pattern id='p' width='10' height='10' patternUnits='userSpaceOnUse'>\
                <circle cx='5' cy='5' r='3'/></pattern></defs>\
                <rect width='50' height='50' fill='url(#g)'/><circle cx='75' cy='25' r='20' fill='url(#r)'/>\
                <rect y='50' width='100' height='50' fill='url(#p)'/>")),
            file("filters.svg", doc("<defs><filter id='f' x='-10%' y='-10%' width='120%' height='120%'>\
                <feGaussianBlur in='SourceAlpha' stdDeviation='2' result='b'/><feOffset dx='2' dy='2' result='o'/>\
                <feFlood flood-color='#333' flood-opacity='.5'/><feComposite in2='o' operator='in'/>\
                <feMerge><feMergeNode/><feMergeNode in='SourceGraphic'/></feMerge></filter>\
                <filter id='m'><feMorphology operator='dilate' radius='2'/><feColorMatrix type='saturate' values='.3'/>\
                </filter><filter id='t'><feTurbulence baseFrequency='.05' numOctaves='2' seed='3'/>\
                <feDisplacementMap in='SourceGraphic' scale='4' xChannelSelector='R' yChannelSelector='G'/></filter>\
                <filter id='c'><feConvolveMatrix order='3' kernelMatrix='0 -1 0 -1 5 -1 0 -1 0'/>\
                <feComponentTransfer><feFuncR type='table' tableValues='0 1'/><feFuncA type='linear' slope='.8'/>\
                </feComponentTransfer><feDropShadow dx='1' dy='1' stdDeviation='1'/></filter>\
                <filter id='l'><feDiffuseLighting surfaceScale='2' lighting-color='white'>\
                <feDistantLight azimuth='45' elevation='30'/></feDiffuseLighting>\
                <feSpecularLighting specularExponent='8'><fePointLight x='50' y='50' z='20'/></feSpecularLighting>\
                <feBlend mode='screen' in2='SourceGraphic'/><feTile/></filter></defs>\
                <rect x='10' y='10' width='30' height='30' filter='url(#f)'/>\
                <circle cx='70' cy='30' r='15' filter='url(#m)'/><rect x='10' y='55' width='35' height='35' filter='url(#t)'/>\
                <rect x='55' y='55' width='35' height='35' fill='teal' filter='url(#c)'/>\
                <circle cx='50' cy='50' r='8' filter='url(#l)'/>")),
            file("masks.svg", doc("<defs><clipPath id='c'><circle cx='50' cy='50' r='40'/></clipPath>\
                <mask id='m'><rect width='100' height='100' fill='white'/><circle cx='50' cy='50' r='20' fill='black'/>\
                </mask><symbol id='s' viewBox='0 0 10 10'><path d='M0 0h10v10z'/></symbol>\
                <marker id='a' markerWidth='4' markerHeight='4' refX='2' refY='2' orient='auto'>\
                <circle cx='2' cy='2' r='2'/></marker></defs>\
                <g clip-path='url(#c)' opacity='.8'><rect width='100' height='100' fill='orange' mask='url(#m)'/></g>\
                <use href='#s' x='5' y='5' width='20' height='20'/><use xlink:href='#s' x='70' y='70' width='20' height='20' \
                 transform='rotate(30 80 80)'/>\
                <path d='M10 90 L40 60 L70 90' fill='none' stroke='black' marker-start='url(#a)' marker-mid='url(#a)'/>")),
            file("style.svg", format!("<?xml version='1.0' encoding='UTF-8'?>\n<!DOCTYPE svg [<!ENTITY c 'fill:#c00'>]>\
                <svg {NS} width='64' height='32' viewBox='0 0 64 32' preserveAspectRatio='xMidYMid slice'>\
                <style><![CDATA[.a {{ &c; }} rect:first-child {{ stroke: black }}]]></style>\
                <rect class='a' width='30' height='30'/><g transform='matrix(1 0 .2 1 32 0) scale(.9)'>\
                <rect class='a' width='30' height='30' style='opacity:.5;mix-blend-mode:multiply'/></g>\
                <svg x='40' y='0' width='20' height='20' viewBox='0 0 1 1'><circle r='.5' cx='.5' cy='.5'/></svg>\
                <switch><circle systemLanguage='en' r='3'/><rect width='3' height='3'/></switch>\
                <a href='https://example.org'><rect x='60' width='4' height='4'/></a></svg>")),
            file("image-ref.svg", doc("<image href='data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ\
                AAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==' width='50' height='50'/>\
                <image href='other.svg' x='50' width='50' height='50'/>")),
            file("empty.svg", format!("<svg {NS}/>")),
        ]);
        files
    }

    fn encode(image: &::image::DynamicImage, format: ::image::ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    fn image() -> Files {
        use ::image::{DynamicImage, ImageBuffer, ImageFormat, Luma, LumaA, Rgb, Rgba};
        let mut files: Files = ["checker", "diagonal_noise", "green_disc", "h_gradient", "rgba_square", "solid_red"]
            .iter()
            .map(|n| file(&format!("{n}.png"), std::fs::read(aigc_tests::root().join(format!("models/tiny/inputs/{n}.png"))).unwrap()))
            .collect();
        for n in ["64x36-amber", "64x36-teal"] {
            let path = aigc_tests::root().join(format!("examples/sketchfab/thumbs/{n}.jpeg"));
            files.push(file(&format!("{n}.jpeg"), std::fs::read(path).unwrap()));
        }
        let rgba = DynamicImage::ImageRgba8(ImageBuffer::from_fn(12, 8, |x, y| Rgba([(x * 20) as u8, (y * 30) as u8, 90, (x * y * 3) as u8])));
        let rgb = DynamicImage::ImageRgb8(ImageBuffer::from_fn(10, 10, |x, y| Rgb([(x * 25) as u8, 200, (y * 25) as u8])));
        let grey16 = DynamicImage::ImageLuma16(ImageBuffer::from_fn(8, 8, |x, y| Luma([(x * 8000 + y * 100) as u16])));
        let rgb16 = DynamicImage::ImageRgb16(ImageBuffer::from_fn(6, 6, |x, y| Rgb([(x * 9000) as u16, (y * 9000) as u16, 65535])));
        let grey_alpha = DynamicImage::ImageLumaA8(ImageBuffer::from_fn(8, 4, |x, _| LumaA([(x * 30) as u8, 128])));
        files.push(file("rgba.webp", encode(&rgba, ImageFormat::WebP)));
        files.push(file("rgb.webp", encode(&rgb, ImageFormat::WebP)));
        files.push(file("rgba.gif", encode(&rgba, ImageFormat::Gif)));
        files.push(file("grey16.png", encode(&grey16, ImageFormat::Png)));
        files.push(file("rgb16.png", encode(&rgb16, ImageFormat::Png)));
        files.push(file("grey-alpha.png", encode(&grey_alpha, ImageFormat::Png)));
        files.push(file("rgb.jpeg", encode(&rgb, ImageFormat::Jpeg)));
        files
    }

    /// A `.gltf` with its buffer (and texture, if any) inlined as `data:` URIs: one self-contained file.
    fn inline_gltf(model: &Model) -> serde_json::Value {
        let files = meshes::gltf_files(model);
        let mut root: serde_json::Value = serde_json::from_slice(&files[0].1).unwrap();
        root["buffers"][0]["uri"] = format!("data:application/octet-stream;base64,{}", b64::encode(&files[1].1)).into();
        if let Some((_, png)) = files.get(2) {
            root["images"][0]["uri"] = format!("data:image/png;base64,{}", b64::encode(png)).into();
        }
        root
    }

    fn gltf() -> Files {
        let mut files = vec![
            file("cube.gltf", serde_json::to_vec(&inline_gltf(&meshes::cube_model())).unwrap()),
            file("textured-quad.gltf", serde_json::to_vec(&inline_gltf(&meshes::textured_quad_model())).unwrap()),
            file("two-cubes.gltf", serde_json::to_vec(&inline_gltf(&meshes::two_cubes_model())).unwrap()),
        ];
        files.push(file("rich.gltf", serde_json::to_vec_pretty(&rich_gltf()).unwrap()));
        files
    }

    /// The cube again with what real files carry: a node hierarchy with a matrix and TRS, a camera, a sparse
    /// accessor, a strip primitive without indices, an animation, an extension and a masked material.
    fn rich_gltf() -> serde_json::Value {
        use serde_json::json;
        let files = meshes::gltf_files(&meshes::cube_model());
        let mut root: serde_json::Value = serde_json::from_slice(&files[0].1).unwrap();
        let mut bin = files[1].1.clone();
        let mut extra_view = |bin: &mut Vec<u8>, bytes: Vec<u8>| {
            let view = json!({"buffer": 0, "byteOffset": bin.len(), "byteLength": bytes.len()});
            bin.extend(bytes);
            let views = root["bufferViews"].as_array_mut().unwrap();
            views.push(view);
            views.len() - 1
        };
        let floats = |values: &[f32]| values.iter().flat_map(|f| f.to_le_bytes()).collect::<Vec<u8>>();
        let sparse_indices = extra_view(&mut bin, 0u32.to_le_bytes().to_vec());
        let sparse_values = extra_view(&mut bin, floats(&[0.0, 2.0, 0.0]));
        let times = extra_view(&mut bin, floats(&[0.0, 1.0]));
        let scales = extra_view(&mut bin, floats(&[1.0, 1.0, 1.0, 2.0, 2.0, 2.0]));
        let position = root["meshes"][0]["primitives"][0]["attributes"]["POSITION"].as_u64().unwrap() as usize;
        let mut sparse = root["accessors"][position].clone();
        sparse["sparse"] = json!({"count": 1, "indices": {"bufferView": sparse_indices, "componentType": 5125},
                                  "values": {"bufferView": sparse_values}});
        // The substitution moves vertex 0 to (0, 2, 0): the bounds glTF requires on positions change with it.
        sparse["min"] = json!([-0.5, -0.5, -0.5]);
        sparse["max"] = json!([0.5, 2.0, 0.5]);
        let accessors = root["accessors"].as_array_mut().unwrap();
        let first = accessors.len();
        accessors.push(sparse);
        accessors.push(json!({"bufferView": times, "componentType": 5126, "count": 2, "type": "SCALAR",
                              "min": [0.0], "max": [1.0]}));
        accessors.push(json!({"bufferView": scales, "componentType": 5126, "count": 2, "type": "VEC3"}));
        root["meshes"].as_array_mut().unwrap().push(json!({"primitives": [{"attributes": {"POSITION": first}, "mode": 5}]}));
        root["nodes"] = json!([
            {"children": [1], "matrix": [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 2, 0, 0, 1]},
            {"mesh": 0, "rotation": [0, 0.7071, 0, 0.7071], "scale": [1, 2, 1], "translation": [0, 1, 0]},
            {"mesh": 1, "camera": 0}
        ]);
        root["scenes"] = json!([{"nodes": [0, 2]}]);
        root["cameras"] = json!([{"type": "perspective", "perspective": {"yfov": 0.8, "znear": 0.1}}]);
        root["animations"] = json!([{"channels": [{"sampler": 0, "target": {"node": 1, "path": "scale"}}],
            "samplers": [{"input": first + 1, "output": first + 2, "interpolation": "LINEAR"}]}]);
        root["extensionsUsed"] = json!(["KHR_materials_unlit"]);
        root["materials"][0]["extensions"] = json!({"KHR_materials_unlit": {}});
        root["materials"][0]["alphaMode"] = "MASK".into();
        root["buffers"][0]["byteLength"] = bin.len().into();
        root["buffers"][0]["uri"] = format!("data:application/octet-stream;base64,{}", b64::encode(&bin)).into();
        root
    }

    fn glb() -> Files {
        let hand = std::fs::read(meshes::fixture_model("hand.glb")).unwrap();
        vec![
            file("cube.glb", meshes::glb(&meshes::cube_model())),
            file("textured-cube.glb", meshes::glb(&meshes::textured_cube_model())),
            file("two-cubes.glb", meshes::glb(&meshes::two_cubes_model())),
            file("hand.glb", hand),
        ]
    }

    /// An OBJ input: the `.obj`, the separator, then its `.mtl` (see `aigc_host::fuzzing::obj`).
    fn obj_input(model: &Model) -> Vec<u8> {
        let files = meshes::obj_files(model, "model");
        let mut out = files[0].1.clone();
        out.extend_from_slice(OBJ_MTL_SEPARATOR);
        out.extend_from_slice(&files[1].1);
        out
    }

    fn obj() -> Files {
        let polygons = "# quads, an n-gon, negative indices, normals, groups, lines and points\n\
            mtllib model.mtl\nv 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nv 0.5 1.5 0 1.0\nvt 0 0\nvt 1 0\nvt 1 1\nvt 0 1\n\
            vn 0 0 1\ng front\ns 1\nusemtl red\nf 1/1/1 2/2/1 3/3/1 4/4/1\no roof\nf -4//1 -3//1 -1//1\n\
            f 1 2 3 5 4\nl 1 2 3\np 4\nv 2 2 2\nf 6 1 2\n";
        let mut with_mtl = polygons.as_bytes().to_vec();
        with_mtl.extend_from_slice(OBJ_MTL_SEPARATOR);
        with_mtl.extend_from_slice(b"newmtl red\nKa 0.1 0 0\nKd 1 0 0\nKs 0.5 0.5 0.5\nNs 10\nd 0.9\nillum 2\n\
            map_Kd -s 1 1 1 -o 0 0 0 missing.png\nnewmtl unused\nTr 0.2\n");
        vec![
            file("cube.obj", obj_input(&meshes::cube_model())),
            file("textured-quad.obj", obj_input(&meshes::textured_quad_model())),
            file("two-cubes.obj", obj_input(&meshes::two_cubes_model())),
            file("polygons.obj", with_mtl),
        ]
    }

    fn model_zip() -> Files {
        let mut obj = meshes::obj_files(&meshes::textured_quad_model(), "model");
        obj.push(("__MACOSX/._model.obj".into(), b"junk".to_vec()));
        // Stored entries in folders, written raw: content a byte-level mutation reaches directly.
        let stored: Vec<RawEntry> = meshes::gltf_files(&meshes::two_cubes_model())
            .iter()
            .map(|(name, bytes)| RawEntry::file(&format!("source/{name}"), bytes))
            .collect();
        vec![
            file("sketchfab-textured-cube.zip", meshes::sketchfab_zip(&meshes::textured_cube_model())),
            file("obj-textured-quad.zip", meshes::zip_of(&obj)),
            file("stored-gltf.zip", zips::write(&stored)),
            file("glb-in-folder.zip", meshes::zip_of(&[("models/cube.glb".into(), meshes::glb(&meshes::cube_model()))])),
        ]
    }

    fn submission_zip() -> Files {
        let homework = vec![
            ("README.md".to_string(), b"# Homework 3\nRun `python main.py`.\n".to_vec()),
            ("src/main.py".to_string(), b"import sys\nprint(sum(map(int, sys.argv[1:])))\n".to_vec()),
            ("data/points.csv".to_string(), b"x,y\n1,2\n3,4\n".repeat(20)),
            ("renders/000.png".to_string(), meshes::checker_png(8, 2)),
        ];
        let mut gbk = RawEntry::file("", b"ni hao\n");
        gbk.name = vec![0xCF, 0xC2, 0xD4, 0xD8, b'/', b'a', b'.', b't', b'x', b't'];
        gbk.utf8_flag = false;
        let mut dir = RawEntry::file("empty/", b"");
        dir.unix_mode = 0o040755;
        let mut short = RawEntry::file("declared-larger.txt", b"only a few bytes");
        short.declared_size = Some(4096);
        vec![
            file("homework.zip", meshes::zip_of(&homework)),
            file("raw-entries.zip", zips::write(&[RawEntry::file("a/b/c.txt", b"nested\n"), gbk, dir, short])),
            file("empty.zip", meshes::zip_of(&[])),
        ]
    }

    /// The first `lines` exchanges of an example crawl's replay that are under `max` bytes each.
    fn replay_lines(example: &str, lines: usize, max: usize) -> Vec<u8> {
        let text = std::fs::read_to_string(aigc_tests::root().join(format!("examples/{example}/replay"))).unwrap();
        let mut out = String::new();
        for line in text.lines().filter(|l| l.len() <= max).take(lines) {
            out.push_str(line);
            out.push('\n');
        }
        out.into_bytes()
    }

    fn replay() -> Files {
        let mut files: Files = ["artic", "iconify", "met", "sketchfab", "smithsonian", "url-list", "wikimedia"]
            .iter()
            .map(|e| file(&format!("{e}.jsonl"), replay_lines(e, 3, 4096)))
            .collect();
        let binary = format!(
            "{{\"method\":\"GET\",\"url\":\"https://img.example.org/a.png\",\"status\":200,\
             \"headers\":[[\"content-type\",\"image/png\"]],\"body_base64\":\"{}\"}}\n\
             {{\"method\":\"get\",\"url\":\"https://img.example.org/a.png\",\"status\":304}}\n\n\
             {{\"method\":\"POST\",\"url\":\"https://api.example.org/c?q=%41\",\"status\":301,\
             \"headers\":[[\"location\",\"/d\"]],\"final_url\":\"https://api.example.org/d\",\"body\":\"\\u00e9\"}}\n",
            b64::encode(&meshes::checker_png(4, 2))
        );
        files.push(file("binary-and-odd-urls.jsonl", binary));
        files
    }
}

/// Standard base64, enough for the seeds' `data:` URIs (the test crate has no base64 dependency).
mod base64_light {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn encodes_like_the_standard() {
        assert_eq!(encode(b""), "");
        assert_eq!(encode(b"f"), "Zg==");
        assert_eq!(encode(b"fo"), "Zm8=");
        assert_eq!(encode(b"foo"), "Zm9v");
        assert_eq!(encode(b"foobar"), "Zm9vYmFy");
    }
}
