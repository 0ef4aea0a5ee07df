//! Model quality for single-object 3D datasets (Zero123-style training wants one textured object per model). The
//! host measures the model (`aigc_sdk::mesh`); this rule decides, first failing check wins:
//!
//! | reason | when | score |
//! |---|---|---|
//! | `unreadable` | the host cannot read the model (truncated, malformed, missing file, too large) | none |
//! | `empty` | no faces at all (an empty scene, only points or lines) | 0 |
//! | `too-few-faces` | fewer faces than `min_faces` | faces |
//! | `degenerate` | more than `max_degenerate_share` of the faces have zero area | that share |
//! | `untextured` | `require_texture` is on and no face shows a base colour texture | textures declared |
//! | `multiple-objects` | several disconnected parts and the largest holds less than `min_component_share` of the area | the largest part's share |
//! | `ok` | kept | faces |
//!
//! Items without a model file (renders, thumbnails) are kept with reason `not-a-model`: judging them is not
//! this rule's business.

use aigc_sdk::dataset::Item;
use aigc_sdk::mesh::{self, FactsError};
use aigc_sdk::{Cleaner, Result, Verdict, config};

aigc_sdk::manifest!({
    "kind": "cleaner",
    "description": "Drops 3D models that are unreadable, empty, too coarse, untextured or several disconnected objects",
    "config": {
        "min_faces": { "default": "100", "help": "fewest triangles a model may have" },
        "require_texture": { "default": "false", "help": "true: drop models that show no base colour texture" },
        "min_component_share": { "default": "0.3", "help": "least share of the surface area the largest connected part must hold when there are several (0 turns the check off)" },
        "max_degenerate_share": { "default": "0.5", "help": "most share of faces with zero area" }
    }
});

struct MeshQuality;

fn verdict(keep: bool, reason: &str, score: Option<f64>) -> Verdict {
    Verdict { keep, reason: reason.into(), score }
}

impl Cleaner for MeshQuality {
    fn check(item: Item) -> Result<Verdict> {
        if !item.files.iter().any(|f| mesh::is_model_file(&f.name)) {
            return Ok(verdict(true, "not-a-model", None));
        }
        let min_faces: u64 = config::parse_or("min_faces", 100)?;
        let require_texture: bool = config::parse_or("require_texture", false)?;
        let min_share: f64 = config::parse_or("min_component_share", 0.3)?;
        let max_degenerate: f64 = config::parse_or("max_degenerate_share", 0.5)?;
        let facts = match mesh::facts(&item.id) {
            Ok(facts) => facts,
            Err(FactsError::Unreadable(why)) => {
                aigc_sdk::log::info(&format!("item {}: {why}", item.id));
                return Ok(verdict(false, "unreadable", None));
            }
            // A zip with no model inside: nothing here is a model this rule can use.
            Err(FactsError::NoModel(why)) => {
                aigc_sdk::log::info(&format!("item {}: {why}", item.id));
                return Ok(verdict(false, "unreadable", None));
            }
            Err(e) => return Err(e.into()),
        };
        let faces = facts.faces as f64;
        if facts.faces == 0 {
            return Ok(verdict(false, "empty", Some(0.0)));
        }
        if facts.faces < min_faces {
            return Ok(verdict(false, "too-few-faces", Some(faces)));
        }
        let degenerate = facts.degenerate_faces as f64 / faces;
        if degenerate > max_degenerate {
            return Ok(verdict(false, "degenerate", Some(degenerate)));
        }
        if require_texture && !facts.textured {
            return Ok(verdict(false, "untextured", Some(facts.textures.len() as f64)));
        }
        if facts.components > 1 && facts.largest_component_area_share < min_share {
            return Ok(verdict(false, "multiple-objects", Some(facts.largest_component_area_share)));
        }
        Ok(verdict(true, "ok", Some(faces)))
    }
}

aigc_sdk::export_cleaner!(MeshQuality);
