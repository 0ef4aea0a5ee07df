//! Duplicates: of each group of identical or nearly identical images, keep the best and drop the rest. A group
//! is what the host's `image.similar` returns: every raster image of the dataset whose bytes are identical to this
//! one's or whose perceptual hash (pHash, as CleanVision and `imagehash` compute it) is at most `max_distance` bits
//! away, directly or through other members. The host builds the groups once per run from the whole dataset, so
//! every member of a group sees the same group and picks the same winner whatever `--jobs` is.
//!
//! SVGs take part through their rendering (256 px on white, by the host), so an icon saved twice with different
//! markup groups too.
//!
//! The best image has the most pixels, then the largest file (less compressed), then the lowest item id, so the
//! choice is deterministic. A dropped item's verdict says "duplicate" (identical bytes to the kept one) or
//! "near-duplicate", its score is the pHash distance to the kept one, and the kept item's id is stored as the
//! annotation `duplicate-of`.

use std::cmp::Reverse;

use aigc_sdk::dataset::Item;
use aigc_sdk::image::{self, SimilarImage};
use aigc_sdk::{Cleaner, Result, Verdict, annotate, config};

aigc_sdk::manifest!({
    "kind": "cleaner",
    "description": "Keeps the best of each group of exact or near-duplicate images (pHash) and drops the others",
    "config": {
        "max_distance": { "default": "6", "help": "most pHash bits in which near-duplicates differ, 0 to 16 (0: identical hashes only, as CleanVision; imagededup uses up to 10)" },
        "file": { "default": "", "help": "which file of the item to compare (default: its first PNG, JPEG, WebP, GIF or SVG)" }
    }
});

struct Dedup;

/// Most pixels, then largest file, then lowest item id (and file name, for items with several images).
fn best(group: &[SimilarImage]) -> Option<&SimilarImage> {
    group.iter().max_by_key(|m| {
        (u64::from(m.width) * u64::from(m.height), m.size, Reverse(m.item_id.as_str()), Reverse(m.file.as_str()))
    })
}

impl Cleaner for Dedup {
    fn check(item: Item) -> Result<Verdict> {
        let max_distance: u32 = config::parse_or("max_distance", 6)?;
        let wanted = config::get_or("file", "");
        let Some(file) = item
            .files
            .iter()
            .find(|f| if wanted.is_empty() { image::is_comparable(&f.media_type) } else { f.name == wanted })
        else {
            return Ok(Verdict { keep: true, reason: "no-image".into(), score: None });
        };
        let group = image::similar(&item.id, &file.name, max_distance)?;
        let Some(kept) = best(&group) else {
            return Ok(Verdict { keep: true, reason: "unique".into(), score: None });
        };
        if kept.item_id == item.id {
            forget_earlier_duplicate(&item.id)?;
            let reason = if group.len() > 1 { "best-of-duplicates" } else { "unique" };
            return Ok(Verdict { keep: true, reason: reason.into(), score: Some(group.len() as f64) });
        }
        annotate::put(&item.id, "duplicate-of", &kept.item_id, Some(f64::from(kept.distance)))?;
        let reason = if kept.exact { "duplicate" } else { "near-duplicate" };
        Ok(Verdict { keep: false, reason: reason.into(), score: Some(f64::from(kept.distance)) })
    }
}

/// A rerun with other settings may keep an item an earlier run dropped; its stale `duplicate-of` is blanked.
fn forget_earlier_duplicate(id: &str) -> Result<()> {
    let mine = env!("CARGO_PKG_NAME");
    if annotate::get(id, "duplicate-of").iter().any(|a| a.plugin == mine && !a.value.is_empty()) {
        annotate::put(id, "duplicate-of", "", None)?;
    }
    Ok(())
}

aigc_sdk::export_cleaner!(Dedup);
