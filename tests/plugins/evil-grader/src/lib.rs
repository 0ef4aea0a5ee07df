//! A grader that misbehaves in the way `mode` names — on every submission, or only on the one named `target`.
//! The tests check that each misdeed is contained to its submission with a clear error while the others are
//! graded normally, and that nothing it does changes the report between runs.

use aigc_sdk::{Check, Error, Grader, Report, Result, config, log, submission};

aigc_sdk::manifest!({
    "kind": "grader",
    "description": "Test grader: misbehaves as `mode` says",
    "config": {
        "mode": { "default": "ok", "help": "ok, loop, memory, recursion, many-checks, huge-message, log-flood, read-outside, network, write, over-max, nan-points, panic, exit, abort, env, clock, huge-alloc, error, read-all-big" },
        "target": { "default": "", "help": "misbehave only on the submission with this name (empty: on all)" }
    }
});

struct EvilGrader;

fn check(name: &str, passed: bool, points: f64, max_points: f64, message: String) -> Check {
    Check { name: name.into(), passed, points, max_points, message }
}

/// The honest grade: one point per file.
fn honest() -> Result<Report> {
    let files: Vec<_> = submission::entries().into_iter().filter(|e| !e.is_dir).collect();
    let mut checks = Vec::new();
    for f in &files {
        let ok = submission::read(&f.path).is_ok();
        checks.push(check(&f.path, ok, if ok { 1.0 } else { 0.0 }, 1.0, format!("{} bytes", f.size)));
    }
    Ok(Report { checks })
}

fn recurse(depth: u64, pad: [u8; 256]) -> u64 {
    std::hint::black_box(pad);
    if depth == u64::MAX { 0 } else { recurse(depth + 1, pad) + 1 }
}

impl Grader for EvilGrader {
    fn grade() -> Result<Report> {
        let target = config::get_or("target", "");
        if !target.is_empty() && submission::name() != target {
            return honest();
        }
        match config::get_or("mode", "ok").as_str() {
            "ok" => honest(),
            "loop" => {
                let mut x = 1u64;
                loop {
                    x = std::hint::black_box(x.wrapping_mul(3).wrapping_add(1));
                }
            }
            "memory" => {
                let mut hoard = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                }
            }
            "recursion" => Ok(Report { checks: vec![check("deep", true, 1.0, 1.0, recurse(0, [7; 256]).to_string())] }),
            "many-checks" => Ok(Report {
                checks: (0..100_000).map(|i| check(&format!("c{i}"), true, 1.0, 1.0, String::new())).collect(),
            }),
            "huge-message" => Ok(Report { checks: vec![check("big", true, 1.0, 1.0, "y".repeat(10 << 20))] }),
            "log-flood" => {
                for _ in 0..200_000 {
                    log::info(&"z".repeat(500));
                }
                honest()
            }
            "read-outside" => {
                let mut escaped = Vec::new();
                for path in ["../../etc/passwd", "/etc/passwd", "..", "C:\\Windows\\win.ini", "a/../../b"] {
                    if submission::read(path).is_ok() {
                        escaped.push(path);
                    }
                }
                if std::fs::read("/etc/passwd").is_ok() {
                    escaped.push("wasi:/etc/passwd");
                }
                Ok(Report {
                    checks: vec![check("escape", escaped.is_empty(), 0.0, 1.0, format!("escaped: {escaped:?}"))],
                })
            }
            "network" => {
                let reached = std::net::TcpStream::connect("127.0.0.1:80").is_ok()
                    || std::net::UdpSocket::bind("0.0.0.0:0").is_ok();
                Ok(Report { checks: vec![check("network", !reached, 0.0, 1.0, format!("reached: {reached}"))] })
            }
            "write" => {
                let wrote =
                    std::fs::write("grade.txt", b"x").is_ok() || std::fs::write("/tmp/evil-grader", b"x").is_ok();
                Ok(Report { checks: vec![check("write", !wrote, 0.0, 1.0, format!("wrote: {wrote}"))] })
            }
            "over-max" => Ok(Report { checks: vec![check("greedy", true, 100.0, 1.0, "I deserve more".into())] }),
            "nan-points" => Ok(Report {
                checks: vec![
                    check("nan", true, f64::NAN, 1.0, String::new()),
                    check("negative", true, -5.0, 1.0, String::new()),
                    check("infinite-max", true, f64::INFINITY, f64::INFINITY, String::new()),
                ],
            }),
            "panic" => panic!("the evil grader panics on {}", submission::name()),
            "exit" => std::process::exit(3),
            "abort" => std::process::abort(),
            "env" => {
                let vars: Vec<_> = std::env::vars().collect();
                let args: Vec<_> = std::env::args().collect();
                Ok(Report { checks: vec![check("env", vars.is_empty(), 0.0, 1.0, format!("{vars:?} {args:?}"))] })
            }
            "clock" => {
                // Time and randomness: the host makes both fixed, so this report is the same on every run.
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0);
                let mut seed = std::collections::hash_map::RandomState::new();
                let hashed = std::hash::BuildHasher::hash_one(&mut seed, 42u8);
                Ok(Report { checks: vec![check("clock", true, 1.0, 1.0, format!("now={now} hash={hashed}"))] })
            }
            "huge-alloc" => {
                // More than isize::MAX bytes: Rust refuses with a "capacity overflow" panic.
                let v: Vec<u8> = std::hint::black_box(Vec::with_capacity(std::hint::black_box(usize::MAX / 2 + 2)));
                Ok(Report { checks: vec![check("alloc", true, 1.0, 1.0, v.capacity().to_string())] })
            }
            "error" => Err(Error::msg("the grader gives up on purpose")),
            "read-all-big" => {
                let mut total = 0usize;
                for e in submission::entries().iter().filter(|e| !e.is_dir) {
                    total += submission::read(&e.path).map(|b| b.len()).unwrap_or(0);
                }
                Ok(Report { checks: vec![check("read", true, 1.0, 1.0, format!("{total} bytes"))] })
            }
            other => Err(Error::msg(format!("unknown mode {other}"))),
        }
    }
}

aigc_sdk::export_grader!(EvilGrader);
