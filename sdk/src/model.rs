//! Models the host runs (CLIP-like encoders, captioners), batched across plugin instances. Name the models in the
//! manifest's `"models"` list; the host lends no others.
//!
//! ```ignore
//! let image = item.read("thumbnail.jpeg")?;
//! let scores = aigc_sdk::model::similarity("clip", &image, &["a photo of a cat".into()])?;
//! ```

use crate::Result;
use crate::bindings::aigc::plugin::model as raw;

/// One L2-normalised embedding per image (encoded bytes: PNG, JPEG, WebP, GIF).
pub fn embed_images(model: &str, images: &[Vec<u8>]) -> Result<Vec<Vec<f32>>> {
    Ok(raw::embed_images(model, images)?)
}

/// One L2-normalised embedding per text.
pub fn embed_texts(model: &str, texts: &[String]) -> Result<Vec<Vec<f32>>> {
    Ok(raw::embed_texts(model, texts)?)
}

/// Cosine similarity of the image to each text, in [-1, 1].
pub fn similarity(model: &str, image: &[u8], texts: &[String]) -> Result<Vec<f32>> {
    Ok(raw::similarity(model, image, texts)?)
}

/// A probability per label: zero-shot classification.
pub fn classify(model: &str, image: &[u8], labels: &[String]) -> Result<Vec<f32>> {
    Ok(raw::classify(model, image, labels)?)
}

/// A caption per image.
pub fn caption(model: &str, images: &[Vec<u8>]) -> Result<Vec<String>> {
    Ok(raw::caption(model, images)?)
}
