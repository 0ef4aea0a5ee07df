//! A crawler for the host-call benchmark: makes `calls` near-empty host calls (a config lookup) and returns.

use aigc_sdk::{Crawler, Result, config};

aigc_sdk::manifest!({
    "kind": "crawler",
    "description": "Benchmark: makes `calls` config lookups",
    "config": { "calls": { "default": "0", "help": "how many host calls to make" } }
});

struct BenchCalls;

impl Crawler for BenchCalls {
    fn crawl() -> Result<()> {
        let calls: u64 = config::parse_or("calls", 0)?;
        for _ in 0..calls {
            std::hint::black_box(config::get("calls"));
        }
        Ok(())
    }
}

aigc_sdk::export_crawler!(BenchCalls);
