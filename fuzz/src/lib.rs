//! What every fuzz target shares: the panic policy.
//!
//! libfuzzer-sys installs a panic hook that aborts the process on *any* panic, including the ones the host
//! catches on purpose around third-party parsers (`svg::guarded`, `mesh::load`): every known resvg or gltf panic
//! would then stop the run as a "crash" although the host contains it. By default a fuzz target therefore prints
//! a caught panic on one line and goes on; a panic that escapes the host still aborts (libfuzzer-sys wraps each
//! input in `catch_unwind` and aborts when it unwinds out), and that is the crash libFuzzer saves.
//! `AIGC_FUZZ_STRICT=1` keeps libfuzzer-sys's hook, to hunt the libraries' own panics.

/// Called once before fuzzing (the targets' `init:`).
pub fn init() {
    if std::env::var_os("AIGC_FUZZ_STRICT").is_some() {
        return;
    }
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!("panic{location}: {message}");
    }));
}
