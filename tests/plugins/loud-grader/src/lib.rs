//! A grader that reports hostile text, as `mode` says; the tests check that `grade` caps it and never prints it
//! raw to the terminal.
//!
//! - `escape`: one passing check whose name and message hold terminal escapes, bidi overrides and line breaks;
//! - `huge`: one check with a 32 MiB name and a 32 MiB message;
//! - `error`: fails with a 64 MiB error that starts with escapes.

use aigc_sdk::{Check, Error, Grader, Report, Result, config};

aigc_sdk::manifest!({
    "kind": "grader",
    "description": "Test grader: reports hostile text as `mode` says",
    "config": {
        "mode": { "default": "escape", "help": "escape | huge | error" }
    }
});

const ESCAPES: &str = "\x1b[31mred\x1b[0m \x1b]0;pwned\x07 \u{9b}2J \u{202e}txt.exe\r";

const HUGE: usize = 64 << 20;

struct LoudGrader;

impl Grader for LoudGrader {
    fn grade() -> Result<Report> {
        let check = |name: String, message: String| Check { name, passed: true, points: 1.0, max_points: 1.0, message };
        match config::get_or("mode", "escape").as_str() {
            "escape" => Ok(Report {
                checks: vec![check(format!("{ESCAPES}name"), format!("line one\n[x] forged 10.0/10.0 {ESCAPES}"))],
            }),
            // Half each: wasmtime itself refuses to copy more than 128 MiB out of one call of a fuelled plugin.
            "huge" => Ok(Report { checks: vec![check("n".repeat(HUGE / 2), "m".repeat(HUGE / 2))] }),
            "error" => Err(Error::msg(format!("{ESCAPES}{}", "x".repeat(HUGE)))),
            other => Err(Error::msg(format!("unknown mode `{other}`"))),
        }
    }
}

aigc_sdk::export_grader!(LoudGrader);
