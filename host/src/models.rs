//! Model execution on libtorch through `tch`: a [`registry`] of TorchScript models with their preprocessing and
//! tokenizers, and an [`engine`] that loads each once per host and batches calls from every plugin instance.

pub mod engine;
pub mod plan;
pub mod preprocess;
mod queue;
pub mod registry;

use serde::Serialize;

/// What libtorch this host runs on.
#[derive(Debug, Serialize)]
pub struct TorchInfo {
    pub cuda_available: bool,
    pub cuda_devices: i64,
    /// A small computation run through libtorch, so a broken install fails here rather than mid-run.
    pub self_check: Result<String, String>,
}

pub fn torch_info() -> TorchInfo {
    let check = std::panic::catch_unwind(|| {
        let a = tch::Tensor::f_from_slice(&[1.0f32, 2.0, 3.0])?;
        let dot = a.f_dot(&a)?;
        f64::try_from(&dot).map(|v| format!("[1,2,3]·[1,2,3] = {v}"))
    });
    let self_check = match check {
        Ok(Ok(text)) => Ok(text),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("libtorch panicked".to_string()),
    };
    TorchInfo { cuda_available: tch::Cuda::is_available(), cuda_devices: tch::Cuda::device_count(), self_check }
}
