//! A cleaner that hands back hostile text, as `mode` says; the tests check that the host caps it before storing,
//! counting or printing it, and that none of it reaches the terminal as control characters.
//!
//! - `huge-reason`: drops every item with a 64 MiB reason;
//! - `distinct`: drops every item with a reason of its own (`reason-<id>`), to grow the summary's reason counts;
//! - `escape`: drops every item with a reason full of terminal escapes and bidi overrides;
//! - `huge-error`: fails on every item with a 64 MiB error that starts with a screen-clearing escape.

use aigc_sdk::dataset::Item;
use aigc_sdk::{Cleaner, Error, Result, Verdict, config};

aigc_sdk::manifest!({
    "kind": "cleaner",
    "description": "Test rule: hands back hostile text as `mode` says",
    "config": {
        "mode": { "default": "escape", "help": "huge-reason | distinct | escape | huge-error" }
    }
});

/// Colours, a window-title change, an 8-bit CSI, a right-to-left override and a carriage return.
pub const ESCAPES: &str = "\x1b[31mred\x1b[0m \x1b]0;pwned\x07 \u{9b}2J \u{202e}txt.exe\r";

const HUGE: usize = 64 << 20;

struct LoudCleaner;

impl Cleaner for LoudCleaner {
    fn check(item: Item) -> Result<Verdict> {
        let drop = |reason: String| Ok(Verdict { keep: false, reason, score: Some(1.0) });
        match config::get_or("mode", "escape").as_str() {
            "huge-reason" => drop(format!("huge:{}", "r".repeat(HUGE))),
            "distinct" => drop(format!("reason-{}", item.id)),
            "escape" => drop(format!("{ESCAPES}reason")),
            "huge-error" => Err(Error::msg(format!("\x1b[2J{}", "e".repeat(HUGE)))),
            other => Err(Error::msg(format!("unknown mode `{other}`"))),
        }
    }
}

aigc_sdk::export_cleaner!(LoudCleaner);
