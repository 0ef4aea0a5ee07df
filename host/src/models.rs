//! Model execution on libtorch through `tch`. The registry, inference and batching come with the model work;
//! this module already proves that libtorch is linked and reports the devices it sees.

use serde::Serialize;

/// What libtorch this host runs on.
#[derive(Debug, Serialize)]
pub struct TorchInfo {
    /// False when the host was built without the `torch` feature.
    pub linked: bool,
    pub cuda_available: bool,
    pub cuda_devices: i64,
    /// A small computation run through libtorch, so a broken install fails here rather than mid-run.
    pub self_check: Option<String>,
}

#[cfg(feature = "torch")]
pub fn torch_info() -> TorchInfo {
    let check = std::panic::catch_unwind(|| {
        let a = tch::Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
        let dot = a.dot(&a);
        f64::try_from(&dot).map(|v| format!("[1,2,3]·[1,2,3] = {v}"))
    });
    let self_check = match check {
        Ok(Ok(text)) => Some(text),
        Ok(Err(e)) => Some(format!("failed: {e}")),
        Err(_) => Some("failed: libtorch panicked".to_string()),
    };
    TorchInfo {
        linked: true,
        cuda_available: tch::Cuda::is_available(),
        cuda_devices: tch::Cuda::device_count(),
        self_check,
    }
}

#[cfg(not(feature = "torch"))]
pub fn torch_info() -> TorchInfo {
    TorchInfo { linked: false, cuda_available: false, cuda_devices: 0, self_check: None }
}
