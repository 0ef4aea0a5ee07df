//! `image-distance`: a learned distance (LPIPS) per image pair through a registered `distance` model. Pairs are
//! decoded here as `compare-images` decodes them (the same pixels SSIM sees), a few at a time, and run through the
//! model's queue; pairs of one size go in one request.

use std::sync::Arc;

use super::{HostState, Sets, planes, sample};
use crate::bindings::evaluation::Side;
use crate::bindings::types::Error;
use crate::budget::Work;
use crate::models::engine::LoadedModel;

/// Pairs decoded per step: at 1024 px, 8 pairs are about 200 MB of planes.
const DISTANCE_BATCH: usize = 8;

/// Decoded pairs of one size, ready for the model.
struct SameSize {
    pairs: usize,
    input: tch::Tensor,
}

impl HostState {
    pub(super) async fn image_distance_inner(
        &mut self,
        model: String,
        pairs: Vec<(u32, u32)>,
        size: Option<u32>,
    ) -> wasmtime::Result<Result<Vec<f64>, Error>> {
        let sets = match self.sets() {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        if pairs.len() > super::CALL_CAP {
            return Ok(Err(Error::Limit(format!(
                "{} pairs in one call; the limit is {}",
                pairs.len(),
                super::CALL_CAP
            ))));
        }
        if let Some(side) = size.filter(|s| !(8..=4096).contains(s)) {
            return Ok(Err(Error::Invalid(format!("size {side}: give a side between 8 and 4096, or none"))));
        }
        let model = match self.ctx.models.as_deref().map(|m| m.model(&model)) {
            Some(Ok(m)) => m,
            Some(Err(e)) => return Ok(Err(e)),
            None => return Ok(Err(Error::Denied("this run lends no models".into()))),
        };
        let mut distances = Vec::with_capacity(pairs.len());
        for chunk in pairs.chunks(DISTANCE_BATCH) {
            let (shared, loaded, owned) = (Arc::clone(&sets), Arc::clone(&model), chunk.to_vec());
            let what = format!("{} image pair(s) for model `{}`", chunk.len(), model.registered.name);
            let groups =
                match self.host_work(what, move |work| decode_pairs(&shared, &loaded, &owned, size, work)).await? {
                    Ok(groups) => groups,
                    Err(e) => return Ok(Err(e)),
                };
            for group in groups {
                let first = distances.len();
                let values = match self.timed(model.distances(group.input)).await {
                    Ok(values) if values.len() == group.pairs => values,
                    Ok(values) => {
                        return Ok(Err(Error::Other(format!(
                            "model `{}` gave {} distances for {} pairs",
                            model.registered.name,
                            values.len(),
                            group.pairs
                        ))));
                    }
                    Err(e) => return Ok(Err(Error::Other(e))),
                };
                for (offset, value) in values.into_iter().enumerate() {
                    if !value.is_finite() {
                        let (g, r) = pairs[first + offset];
                        let name = |side, index| sample(&sets, side, index).map(|s| s.name.clone()).unwrap_or_default();
                        return Ok(Err(Error::Invalid(format!(
                            "model `{}` gave {value} for `{}` against `{}`: not a distance",
                            model.registered.name,
                            name(Side::Generated, g),
                            name(Side::Reference, r)
                        ))));
                    }
                    distances.push(f64::from(value));
                }
            }
            sets.report(distances.len(), pairs.len(), || format!("image pairs through `{}`", model.registered.name));
        }
        Ok(Ok(distances))
    }
}

/// The pairs of `chunk` decoded, checked to be of one size per pair, and stacked into one model input per run of
/// equal sizes (in order, so the distances come back in the pairs' order).
fn decode_pairs(
    sets: &Sets,
    model: &LoadedModel,
    chunk: &[(u32, u32)],
    size: Option<u32>,
    work: &mut Work,
) -> Result<Vec<SameSize>, Error> {
    let mut decoded = Vec::with_capacity(chunk.len());
    for &(g, r) in chunk {
        let (generated, reference) = (sample(sets, Side::Generated, g)?, sample(sets, Side::Reference, r)?);
        let (a, b) = (planes(generated, size, work)?, planes(reference, size, work)?);
        if (a.width(), a.height()) != (b.width(), b.height()) {
            return Err(Error::Invalid(format!(
                "`{}` is {}x{} but `{}` is {}x{}: a learned distance compares images of one size; give the metric a \
                 size to resize both to",
                generated.name,
                a.width(),
                a.height(),
                reference.name,
                b.width(),
                b.height()
            )));
        }
        decoded.push((a, b));
    }
    let mut groups = Vec::new();
    let mut start = 0;
    while start < decoded.len() {
        let (width, height) = (decoded[start].0.width(), decoded[start].0.height());
        let end = decoded[start..]
            .iter()
            .position(|(a, _)| (a.width(), a.height()) != (width, height))
            .map_or(decoded.len(), |n| start + n);
        let run: Vec<(&[f32], &[f32])> = decoded[start..end].iter().map(|(a, b)| (a.data(), b.data())).collect();
        let input = model.pair_input(&run, height, width).map_err(Error::Other)?;
        groups.push(SameSize { pairs: run.len(), input });
        start = end;
    }
    Ok(groups)
}
