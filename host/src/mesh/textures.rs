//! Base colour textures: each distinct image decoded once per model, whatever number of textures and materials
//! use it, with its size and pixel format read from the header and the decode charged before it runs.

use std::collections::HashMap;
use std::io::Cursor;
use std::ops::Range;
use std::sync::Arc;

use image::ImageDecoder;

use super::{Limits, MeshError, cost};
use crate::budget::{Work, WorkError};

/// The bytes of one image: a range of a shared buffer or file, never a copy.
#[derive(Clone)]
pub(super) struct Source {
    pub data: Arc<Vec<u8>>,
    pub range: Range<usize>,
}

impl Source {
    pub fn whole(data: Arc<Vec<u8>>) -> Self {
        let range = 0..data.len();
        Self { data, range }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.data[self.range.clone()]
    }

    /// Two sources with the same key are the same bytes (one allocation, one range).
    fn key(&self) -> (usize, usize, usize) {
        (Arc::as_ptr(&self.data) as usize, self.range.start, self.range.end)
    }
}

/// A decoded texture: sRGB RGBA8, downscaled to the cap on a side.
#[derive(Debug)]
pub(super) struct Decoded {
    pub width: u32,
    pub height: u32,
    pub rgba: Arc<Vec<u8>>,
}

/// The images of one model decoded so far (or why one could not be: said once, in a warning).
#[derive(Default)]
pub(super) struct Textures {
    decoded: HashMap<(usize, usize, usize), Result<Arc<Decoded>, String>>,
}

impl Textures {
    /// The decoded pixels of `source`, decoding it on first use. `Ok(Err(why))`: this texture is not drawn (not an
    /// image, over the pixel cap, or its decode would take the host call over its caps) and the model loads
    /// without it; `Err`: the model cannot go on (out of time, or the plugin call's budget is spent).
    pub fn get(
        &mut self,
        source: &Source,
        limits: &Limits,
        work: &mut Work,
    ) -> Result<Result<Arc<Decoded>, String>, MeshError> {
        if let Some(done) = self.decoded.get(&source.key()) {
            return Ok(done.clone());
        }
        let outcome = match decode(source.bytes(), limits, work) {
            Ok(decoded) => Ok(Arc::new(decoded)),
            Err(Failure::Skip(why)) => Err(why),
            Err(Failure::Stop(e)) => return Err(MeshError::from(e)),
        };
        self.decoded.insert(source.key(), outcome.clone());
        Ok(outcome)
    }
}

enum Failure {
    Skip(String),
    Stop(WorkError),
}

/// Width and height from an image header, without decoding it.
pub(super) fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    image::ImageReader::new(Cursor::new(bytes)).with_guessed_format().ok()?.into_dimensions().ok()
}

/// RGBA8 pixels of an encoded image, downscaled to the cap on a side; its cost charged from the header first.
fn decode(bytes: &[u8], limits: &Limits, work: &mut Work) -> Result<Decoded, Failure> {
    let skip = |e: &dyn std::fmt::Display| Failure::Skip(e.to_string());
    let mut reader = image::ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| skip(&e))?;
    let mut image_limits = image::Limits::default();
    image_limits.max_alloc = Some(limits.texture_pixels * 8);
    reader.limits(image_limits);
    let decoder = reader.into_decoder().map_err(|e| skip(&e))?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > limits.texture_pixels {
        return Err(Failure::Skip(format!(
            "{w}x{h} is more than the {} pixel limit; not decoded",
            limits.texture_pixels
        )));
    }
    let side = limits.texture_side.max(1);
    match work.charge(cost::decode(w, h, decoder.total_bytes(), side)) {
        Ok(()) => {}
        Err(e @ (WorkError::TooCostly { .. } | WorkError::TooLarge { .. })) => {
            let refused = cost::refused(format!("decoding it ({w}x{h})"), e);
            return Err(Failure::Skip(refused.message().to_string()));
        }
        Err(e) => return Err(Failure::Stop(e)),
    }
    let mut rgba = image::DynamicImage::from_decoder(decoder).map_err(|e| skip(&e))?.into_rgba8();
    if rgba.width() > side || rgba.height() > side {
        let scale = f64::from(side) / f64::from(rgba.width().max(rgba.height()));
        let nw = ((f64::from(rgba.width()) * scale).round() as u32).max(1);
        let nh = ((f64::from(rgba.height()) * scale).round() as u32).max(1);
        rgba = image::imageops::thumbnail(&rgba, nw, nh);
    }
    Ok(Decoded { width: rgba.width(), height: rgba.height(), rgba: Arc::new(rgba.into_raw()) })
}
