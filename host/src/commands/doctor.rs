//! `aigc-host doctor`: is everything this host needs in place?

use std::process::ExitCode;

use serde::Serialize;

#[derive(Serialize)]
struct Report {
    version: &'static str,
    wit: &'static [&'static str],
    wasm_engine: Result<String, String>,
    torch: crate::models::TorchInfo,
    data_dir: Option<String>,
    cache_dir: Option<String>,
}

pub fn doctor(json: bool) -> anyhow::Result<ExitCode> {
    let engine = crate::runtime::Runtime::new().map(|_| "wasmtime 48 ready".to_string()).map_err(|e| e.to_string());
    let dirs = directories::ProjectDirs::from("", "", "aigc-host");
    let report = Report {
        version: env!("CARGO_PKG_VERSION"),
        wit: crate::manifest::SUPPORTED_WIT,
        wasm_engine: engine,
        torch: crate::models::torch_info(),
        data_dir: dirs.as_ref().map(|d| d.data_dir().display().to_string()),
        cache_dir: dirs.as_ref().map(|d| d.cache_dir().display().to_string()),
    };
    let ok = report.wasm_engine.is_ok() && report.torch.self_check.is_ok();
    if json {
        super::print_json(&report)?;
    } else {
        println!("aigc-host {} (runs {})", report.version, report.wit.join(", "));
        match &report.wasm_engine {
            Ok(text) => println!("engine: {text}"),
            Err(e) => println!("engine: FAILED: {e}"),
        }
        let t = &report.torch;
        let cuda = if t.cuda_available { format!("{} device(s)", t.cuda_devices) } else { "none (CPU only)".into() };
        match &t.self_check {
            Ok(check) => println!("libtorch: {check}; CUDA: {cuda}"),
            Err(e) => println!("libtorch: FAILED: {e}"),
        }
        let models = crate::models::registry::Registry::default_location();
        println!("models: {} registered in {}", models.list().len(), models.dir().display());
        println!("data: {}", report.data_dir.as_deref().unwrap_or("unknown"));
        println!("cache: {}", report.cache_dir.as_deref().unwrap_or("unknown"));
    }
    Ok(super::exit(ok))
}
