//! Zero-1-to-3's training layout, as its loader (`ldm/data/simple.py`, `ObjaverseData`) reads it:
//!
//! ```text
//! <out>/valid_paths.json          JSON list of the uid folders
//! <out>/<uid>/000.png ... 011.png  512x512 RGBA renders (the loader whitens alpha == 0 itself)
//! <out>/<uid>/000.npy ... 011.npy  3x4 float32 world-to-camera RT, Blender camera convention
//! ```
//!
//! The uid is the model item's id, which derives from its source key and so is the same in every dataset. Only
//! models no rule dropped and that have every view `0..views` of the render set are exported; the rest are
//! listed in the summary's `skipped` with the reason.

use std::fs::{self, File};
use std::io::BufWriter;

use super::output::{self, Staged};
use super::{Collection, ExportError, Options, Result, Summary, copy_blob, write_npy_f32};
use crate::progress::Progress;
use crate::store::Dataset;

pub fn write(
    dataset: &Dataset,
    collection: &Collection,
    options: &Options,
    progress: Option<&Progress>,
) -> Result<Summary> {
    collection.require_renders(dataset, &options.set)?;
    output::check_target(&options.out, options.force)?;
    let mut summary = Summary::new(options.format, &options.out);
    let staged = Staged::dir(&options.out)?;
    if let Some(bar) = progress {
        bar.update(0, Some(collection.models.len() as u64), "");
    }
    let mut uids = Vec::new();
    for model in &collection.models {
        if let Some(bar) = progress {
            bar.inc(1);
        }
        let id = &model.item.id;
        if let Some(reason) = model.dropped_because() {
            summary.skip(id, reason);
            continue;
        }
        let views = collection.views(id, &options.set);
        let missing: Vec<String> = (0..options.views)
            .filter(|v| views.is_none_or(|views| !views.contains_key(v)))
            .map(|v| format!("{v:03}"))
            .collect();
        if !missing.is_empty() {
            let have = options.views - missing.len();
            summary.skip(
                id,
                format!("{have} of {} `{}` views (missing {})", options.views, options.set, missing.join(", ")),
            );
            continue;
        }
        let Some(views) = views else { continue };
        let folder = staged.tmp.join(id);
        fs::create_dir(&folder).map_err(ExportError::io("creating", &folder))?;
        for (view, render) in views.range(0..options.views) {
            let png = folder.join(format!("{view:03}.png"));
            let mut out = BufWriter::new(File::create(&png).map_err(ExportError::io("creating", &png))?);
            summary.bytes += copy_blob(dataset, &render.file, &mut out, &png)?;
            out.into_inner().map_err(|e| ExportError::Io {
                action: "writing",
                path: png.clone(),
                source: e.into_error(),
            })?;
            let npy = folder.join(format!("{view:03}.npy"));
            let bytes = write_npy_f32(&render.rt);
            fs::write(&npy, &bytes).map_err(ExportError::io("writing", &npy))?;
            summary.bytes += bytes.len() as u64;
            summary.files += 2;
        }
        uids.push(id.clone());
        summary.items += 1;
    }
    if uids.is_empty() {
        return Err(ExportError::Refused(format!(
            "no model has all {} `{}` views and is kept by the rules ({} skipped); render with at least {} views \
             (`aigc-host render {}`) or pass a smaller --views",
            options.views,
            options.set,
            summary.skipped.len(),
            options.views,
            dataset.root().display()
        )));
    }
    let list = staged.tmp.join("valid_paths.json");
    let json =
        serde_json::to_vec(&uids).map_err(|e| ExportError::Refused(format!("cannot write valid_paths.json: {e}")))?;
    fs::write(&list, &json).map_err(ExportError::io("writing", &list))?;
    summary.files += 1;
    summary.bytes += json.len() as u64;
    staged.commit()?;
    Ok(summary)
}
