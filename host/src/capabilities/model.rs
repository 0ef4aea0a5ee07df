//! `aigc:plugin/model`: the models a plugin's manifest names, run by the host's [`ModelEngine`], batched.
//!
//! Preparing the inputs is metered host work ([`HostState::host_work`]): each image's decode is priced from its
//! header and charged before it runs, only the pixels the model's resize reads become floats, and texts are cut
//! to a bound derived from the context length before they are tokenized (see [`crate::models::preprocess`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::bindings::model::Host;
use crate::bindings::types::Error;
use crate::models::engine::{LoadedModel, ModelEngine};
use crate::models::preprocess::InputError;
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
    pub(crate) fn model(&self, name: &str) -> Result<Arc<LoadedModel>, Error> {
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

impl From<InputError> for Error {
    fn from(error: InputError) -> Self {
        match error {
            InputError::Invalid(m) => Error::Invalid(m),
            InputError::Limit(m) => Error::Limit(m),
        }
    }
}

impl HostState {
    /// Decodes, resizes and normalises images for `model` as metered host work, off the async workers (in
    /// parallel across callers).
    async fn pixels(
        &mut self,
        model: &Arc<LoadedModel>,
        images: Vec<Vec<u8>>,
    ) -> wasmtime::Result<Result<tch::Tensor, Error>> {
        let model = Arc::clone(model);
        let what = format!("{} image(s) for model `{}`", images.len(), model.registered.name);
        self.host_work(what, move |work| model.preprocess_metered(&images, work).map_err(Error::from)).await
    }

    /// Token ids for `model` as metered host work.
    async fn tokens(
        &mut self,
        model: &Arc<LoadedModel>,
        texts: Vec<String>,
    ) -> wasmtime::Result<Result<tch::Tensor, Error>> {
        let model = Arc::clone(model);
        let what = format!("{} text(s) for model `{}`", texts.len(), model.registered.name);
        self.host_work(what, move |work| model.tokenize_metered(&texts, work).map_err(Error::from)).await
    }
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl HostState {
    async fn embed_images_inner(
        &mut self,
        model: &str,
        images: Vec<Vec<u8>>,
    ) -> wasmtime::Result<Result<Vec<Vec<f32>>, Error>> {
        if let Some(e) = too_many(images.len()) {
            return Ok(Err(e));
        }
        let model = match self.models().and_then(|m| m.model(model)) {
            Ok(m) => m,
            Err(e) => return Ok(Err(e)),
        };
        let pixels = match self.pixels(&model, images).await? {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        Ok(self.timed(async { model.embed_images(pixels).await.map_err(Error::Other) }).await)
    }

    async fn embed_texts_inner(
        &mut self,
        model: &str,
        texts: Vec<String>,
    ) -> wasmtime::Result<Result<Vec<Vec<f32>>, Error>> {
        if let Some(e) = too_many(texts.len()) {
            return Ok(Err(e));
        }
        let model = match self.models().and_then(|m| m.model(model)) {
            Ok(m) => m,
            Err(e) => return Ok(Err(e)),
        };
        let tokens = match self.tokens(&model, texts).await? {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        Ok(self.timed(async { model.embed_texts(tokens).await.map_err(Error::Other) }).await)
    }

    async fn similarities(
        &mut self,
        model: &str,
        image: Vec<u8>,
        texts: Vec<String>,
    ) -> wasmtime::Result<Result<(Vec<f32>, f64), Error>> {
        let scale = match self.models().and_then(|m| m.model(model)) {
            Ok(m) => m.logit_scale(),
            Err(e) => return Ok(Err(e)),
        };
        let image = match self.embed_images_inner(model, vec![image]).await? {
            Ok(i) => i,
            Err(e) => return Ok(Err(e)),
        };
        let texts = match self.embed_texts_inner(model, texts).await? {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        let Some(image) = image.first() else {
            return Ok(Err(Error::Other("no embedding came back".into())));
        };
        Ok(Ok((texts.iter().map(|t| cosine(image, t)).collect(), scale)))
    }

    /// A classifier model: the softmax probability of each asked-for label among all of the model's labels.
    async fn classify_fixed(
        &mut self,
        model: Arc<LoadedModel>,
        image: Vec<u8>,
        labels: Vec<String>,
    ) -> wasmtime::Result<Result<Vec<f32>, Error>> {
        let indices = match model.label_indices(&labels) {
            Ok(i) => i,
            Err(e) => return Ok(Err(Error::Invalid(e))),
        };
        let pixels = match self.pixels(&model, vec![image]).await? {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let work = async {
            let probabilities = model.label_probabilities(pixels).await.map_err(Error::Other)?;
            let row = probabilities.first().ok_or_else(|| Error::Other("no probabilities came back".into()))?;
            Ok(indices.iter().map(|&i| row[i]).collect())
        };
        Ok(self.timed(work).await)
    }
}

impl Host for HostState {
    async fn embed_images(
        &mut self,
        model: String,
        images: Vec<Vec<u8>>,
    ) -> wasmtime::Result<Result<Vec<Vec<f32>>, Error>> {
        self.embed_images_inner(&model, images).await
    }

    async fn embed_texts(
        &mut self,
        model: String,
        texts: Vec<String>,
    ) -> wasmtime::Result<Result<Vec<Vec<f32>>, Error>> {
        self.embed_texts_inner(&model, texts).await
    }

    async fn similarity(
        &mut self,
        model: String,
        image: Vec<u8>,
        texts: Vec<String>,
    ) -> wasmtime::Result<Result<Vec<f32>, Error>> {
        Ok(self.similarities(&model, image, texts).await?.map(|(s, _)| s))
    }

    async fn classify(
        &mut self,
        model: String,
        image: Vec<u8>,
        labels: Vec<String>,
    ) -> wasmtime::Result<Result<Vec<f32>, Error>> {
        if let Ok(loaded) = self.models().and_then(|m| m.model(&model))
            && loaded.has_fixed_labels()
        {
            return self.classify_fixed(loaded, image, labels).await;
        }
        Ok(self.similarities(&model, image, labels).await?.map(|(sims, scale)| {
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
        let pixels = match self.pixels(&model, images).await? {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        Ok(self.timed(async { model.caption(pixels).await.map_err(Error::Other) }).await)
    }
}
