//! `aigc:plugin/model`: the models a plugin's manifest names, run by the host's [`ModelEngine`], batched.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::bindings::model::Host;
use crate::bindings::types::Error;
use crate::models::engine::{LoadedModel, ModelEngine};
use crate::runtime::HostState;

/// Most images or texts in one call.
const CALL_CAP: usize = 256;

/// The models one run may use: names from the manifest, mapped to registered models.
pub struct ModelGrants {
    pub engine: Arc<ModelEngine>,
    /// Manifest name -> registered name.
    pub names: BTreeMap<String, String>,
}

impl ModelGrants {
    fn model(&self, name: &str) -> Result<Arc<LoadedModel>, Error> {
        let registered = self.names.get(name).ok_or_else(|| {
            Error::Denied(format!("model `{name}` is not in this plugin's manifest (it may use: {})", self.listed()))
        })?;
        self.engine.model(registered).map_err(|e| Error::NotFound(e.to_string()))
    }

    fn listed(&self) -> String {
        if self.names.is_empty() { "none".into() } else { self.names.keys().cloned().collect::<Vec<_>>().join(", ") }
    }
}

impl HostState {
    fn models(&self) -> Result<&ModelGrants, Error> {
        self.ctx.models.as_deref().ok_or_else(|| Error::Denied("this run lends no models".into()))
    }
}

fn too_many(n: usize) -> Option<Error> {
    (n > CALL_CAP).then(|| Error::Limit(format!("{n} inputs in one call; the limit is {CALL_CAP}")))
}

/// Decoding and resizing happen off the async workers, in parallel across callers.
async fn pixels(model: &Arc<LoadedModel>, images: Vec<Vec<u8>>) -> Result<tch::Tensor, Error> {
    let model = Arc::clone(model);
    tokio::task::spawn_blocking(move || model.preprocess(&images))
        .await
        .map_err(|e| Error::Other(e.to_string()))?
        .map_err(Error::Invalid)
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl HostState {
    async fn embed_images_inner(&mut self, model: &str, images: Vec<Vec<u8>>) -> Result<Vec<Vec<f32>>, Error> {
        if let Some(e) = too_many(images.len()) {
            return Err(e);
        }
        let model = self.models()?.model(model)?;
        let work = async { model.embed_images(pixels(&model, images).await?).await.map_err(Error::Other) };
        self.timed(work).await
    }

    async fn embed_texts_inner(&mut self, model: &str, texts: Vec<String>) -> Result<Vec<Vec<f32>>, Error> {
        if let Some(e) = too_many(texts.len()) {
            return Err(e);
        }
        let model = self.models()?.model(model)?;
        let tokens = model.tokenize(&texts).map_err(Error::Invalid)?;
        self.timed(async { model.embed_texts(tokens).await.map_err(Error::Other) }).await
    }

    async fn similarities(&mut self, model: &str, image: Vec<u8>, texts: Vec<String>) -> Result<(Vec<f32>, f64), Error> {
        let scale = self.models()?.model(model)?.logit_scale();
        let image = self.embed_images_inner(model, vec![image]).await?;
        let texts = self.embed_texts_inner(model, texts).await?;
        let image = image.first().ok_or_else(|| Error::Other("no embedding came back".into()))?;
        Ok((texts.iter().map(|t| cosine(image, t)).collect(), scale))
    }
}

impl HostState {
    /// A classifier model: the softmax probability of each asked-for label among all of the model's labels.
    async fn classify_fixed(&mut self, model: Arc<LoadedModel>, image: Vec<u8>, labels: Vec<String>) -> Result<Vec<f32>, Error> {
        let indices = model.label_indices(&labels).map_err(Error::Invalid)?;
        let work = async {
            let probabilities = model.label_probabilities(pixels(&model, vec![image]).await?).await.map_err(Error::Other)?;
            let row = probabilities.first().ok_or_else(|| Error::Other("no probabilities came back".into()))?;
            Ok(indices.iter().map(|&i| row[i]).collect())
        };
        self.timed(work).await
    }
}

impl Host for HostState {
    async fn embed_images(&mut self, model: String, images: Vec<Vec<u8>>) -> wasmtime::Result<Result<Vec<Vec<f32>>, Error>> {
        Ok(self.embed_images_inner(&model, images).await)
    }

    async fn embed_texts(&mut self, model: String, texts: Vec<String>) -> wasmtime::Result<Result<Vec<Vec<f32>>, Error>> {
        Ok(self.embed_texts_inner(&model, texts).await)
    }

    async fn similarity(&mut self, model: String, image: Vec<u8>, texts: Vec<String>) -> wasmtime::Result<Result<Vec<f32>, Error>> {
        Ok(self.similarities(&model, image, texts).await.map(|(s, _)| s))
    }

    async fn classify(&mut self, model: String, image: Vec<u8>, labels: Vec<String>) -> wasmtime::Result<Result<Vec<f32>, Error>> {
        if let Ok(loaded) = self.models().and_then(|m| m.model(&model))
            && loaded.has_fixed_labels()
        {
            return Ok(self.classify_fixed(loaded, image, labels).await);
        }
        Ok(self.similarities(&model, image, labels).await.map(|(sims, scale)| {
            let logits: Vec<f64> = sims.iter().map(|s| f64::from(*s) * scale).collect();
            let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let exps: Vec<f64> = logits.iter().map(|l| (l - max).exp()).collect();
            let sum: f64 = exps.iter().sum();
            exps.iter().map(|e| (e / sum) as f32).collect()
        }))
    }

    async fn caption(&mut self, model: String, images: Vec<Vec<u8>>) -> wasmtime::Result<Result<Vec<String>, Error>> {
        if let Some(e) = too_many(images.len()) {
            return Ok(Err(e));
        }
        let model = match self.models().and_then(|m| m.model(&model)) {
            Ok(m) => m,
            Err(e) => return Ok(Err(e)),
        };
        let work = async { model.caption(pixels(&model, images).await?).await.map_err(Error::Other) };
        Ok(self.timed(work).await)
    }
}
