//! Peak resident memory of a command, measured by GNU time (`/usr/bin/time -v`, "Maximum resident set size"),
//! for tests that hold the host to a memory bound whatever a plugin sends it.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::Output;

/// GNU time; the tests need the real binary (the shell keyword has no `-v`).
pub const GNU_TIME: &str = "/usr/bin/time";

/// What one measured run did.
#[derive(Debug)]
pub struct Measured {
    /// The command's own exit code, stdout and stderr (GNU time's report removed from stderr).
    pub output: Output,
    /// Peak resident set size, in KiB.
    pub peak_rss_kib: u64,
    /// Wall-clock time of the whole run.
    pub wall: Duration,
}

/// Runs `command` (for example `aigc_tests::command([...])`, its environment kept) under GNU time and returns
/// its output, peak RSS and wall time.
pub fn measure(command: Command) -> Measured {
    assert!(std::path::Path::new(GNU_TIME).exists(), "{GNU_TIME} (GNU time) is needed to measure peak memory");
    let mut timed = Command::new(GNU_TIME);
    timed.arg("-v").arg(command.get_program()).args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => timed.env(key, value),
            None => timed.env_remove(key),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        timed.current_dir(dir);
    }
    timed.stdin(std::process::Stdio::null());
    let started = Instant::now();
    let out = timed.output().expect("cannot start GNU time");
    let wall = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let (own, report) = split_report(&stderr);
    let peak_rss_kib = peak_rss(report).unwrap_or_else(|| panic!("GNU time printed no peak RSS:\n{stderr}"));
    Measured {
        output: Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: own.to_string(),
        },
        peak_rss_kib,
        wall,
    }
}

/// The command's stderr and GNU time's report after it (which starts with "\tCommand being timed:", or with
/// "Command exited with non-zero status" before that).
fn split_report(stderr: &str) -> (&str, &str) {
    let start = ["Command exited with non-zero status", "Command terminated by signal", "\tCommand being timed:"]
        .iter()
        .filter_map(|marker| stderr.find(marker))
        .min()
        .unwrap_or(stderr.len());
    stderr.split_at(start)
}

/// "Maximum resident set size (kbytes): N" from GNU time's report.
fn peak_rss(report: &str) -> Option<u64> {
    report.lines().find_map(|line| line.trim().strip_prefix("Maximum resident set size (kbytes):")?.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_report_is_split_off_and_parsed() {
        let stderr = "error: x\nCommand exited with non-zero status 1\n\tCommand being timed: \"a\"\n\tMaximum resident set size (kbytes): 12345\n";
        let (own, report) = super::split_report(stderr);
        assert_eq!(own, "error: x\n");
        assert_eq!(super::peak_rss(report), Some(12345));
    }
}
