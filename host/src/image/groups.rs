//! Near-duplicate groups over a whole dataset, for `image.similar`. A cleaner judges one item at a time from a
//! pool of instances, but "is this a duplicate, and is it the one to keep?" needs the other items. So the host
//! measures every raster image of the dataset once per run (in parallel, each distinct blob once), links images
//! with identical bytes or pHashes at most `max-distance` bits apart, and answers each item from the groups
//! (connected components). The groups depend only on the dataset, never on the order items are judged in or on
//! `--jobs`, which is what makes the verdicts deterministic.
//!
//! Memory: the index measures on every core, but each file's decode and measurements are priced from its header
//! and reserved from the host's memory pool ([`crate::budget`]) before they run, so at the image cap (about
//! 1 GiB of pixels and working copies each) the threads take turns instead of holding a gigabyte per core.
//!
//! Finding the close pairs without comparing all of them: two 64-bit hashes at most `d` bits apart agree exactly
//! on at least one of `d + 1` disjoint pieces of the hash (pigeonhole), so only hashes that share a piece are
//! compared (multi-index hashing). Identical hashes are merged first so a flat region of many equal hashes costs
//! nothing.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use super::{Facts, ImageError, phash};
use crate::budget::{Meter, Work, WorkLimits};
use crate::store::Dataset;

/// The largest `max-distance` accepted: beyond about a quarter of the 64 bits unrelated images start to match.
pub const MAX_DISTANCE: u32 = 16;

/// Media types the index measures.
pub fn is_raster(media_type: &str) -> bool {
    matches!(media_type, "image/png" | "image/jpeg" | "image/webp" | "image/gif")
}

/// SVGs are compared by their rendering: fitted into this square on white, then hashed like any image.
pub const SVG_RASTER: u32 = 256;
const SVG_MEDIA_TYPE: &str = "image/svg+xml";

/// Media types the duplicate index holds: raster images, and SVGs through their rendering.
pub fn is_indexed(media_type: &str) -> bool {
    is_raster(media_type) || media_type == SVG_MEDIA_TYPE
}

/// One indexed file.
#[derive(Debug, Clone)]
pub struct Node {
    pub item_id: String,
    pub file: String,
    pub sha256: String,
    pub size: u64,
    /// None when the image did not decode; it can then only match identical bytes.
    pub facts: Option<Arc<Facts>>,
}

/// The groups of one dataset at one distance.
#[derive(Debug, Default)]
pub struct Groups {
    nodes: Vec<Node>,
    /// (item id, file) -> node index.
    index: HashMap<(String, String), usize>,
    /// Node index -> its group's members, sorted by (item id, file); shared by every member.
    group_of: Vec<Arc<Vec<usize>>>,
}

/// A member of a group as `similar` reports it, relative to the asked image.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub item_id: String,
    pub file: String,
    pub distance: u32,
    pub exact: bool,
    pub width: u32,
    pub height: u32,
    pub size: u64,
}

impl Groups {
    /// Links the nodes and computes the groups.
    pub fn build(nodes: Vec<Node>, max_distance: u32) -> Self {
        let mut sets = DisjointSets::new(nodes.len());
        let mut by_sha: HashMap<&str, usize> = HashMap::new();
        let mut by_hash: BTreeMap<u64, usize> = BTreeMap::new();
        for (i, node) in nodes.iter().enumerate() {
            if let Some(&first) = by_sha.get(node.sha256.as_str()) {
                sets.union(first, i);
            } else {
                by_sha.insert(&node.sha256, i);
            }
            if let Some(facts) = &node.facts {
                match by_hash.get(&facts.phash) {
                    Some(&first) => sets.union(first, i),
                    None => {
                        by_hash.insert(facts.phash, i);
                    }
                }
            }
        }
        if max_distance > 0 {
            let distinct: Vec<(u64, usize)> = by_hash.into_iter().collect();
            for piece in pieces(max_distance) {
                let mut buckets: HashMap<u64, Vec<usize>> = HashMap::new();
                for (position, &(hash, _)) in distinct.iter().enumerate() {
                    buckets.entry(piece.of(hash)).or_default().push(position);
                }
                for bucket in buckets.values() {
                    for (i, &a) in bucket.iter().enumerate() {
                        for &b in &bucket[i + 1..] {
                            if phash::distance(distinct[a].0, distinct[b].0) <= max_distance {
                                sets.union(distinct[a].1, distinct[b].1);
                            }
                        }
                    }
                }
            }
        }
        let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for i in 0..nodes.len() {
            members.entry(sets.find(i)).or_default().push(i);
        }
        // Every node is in exactly one group, so each placeholder below is replaced.
        let mut group_of: Vec<Arc<Vec<usize>>> = Vec::new();
        group_of.resize_with(nodes.len(), Default::default);
        for (_, mut group) in members {
            group.sort_by(|&a, &b| (&nodes[a].item_id, &nodes[a].file).cmp(&(&nodes[b].item_id, &nodes[b].file)));
            let group = Arc::new(group);
            for &i in group.iter() {
                group_of[i] = Arc::clone(&group);
            }
        }
        let index = nodes.iter().enumerate().map(|(i, n)| ((n.item_id.clone(), n.file.clone()), i)).collect();
        Self { nodes, index, group_of }
    }

    /// The group of an item's file, itself included, or None if the file is not an indexed raster image.
    pub fn group(&self, item_id: &str, file: &str) -> Option<Vec<Member>> {
        let &position = self.index.get(&(item_id.to_owned(), file.to_owned()))?;
        let asked = &self.nodes[position];
        let members = &self.group_of[position];
        Some(
            members
                .iter()
                .map(|&i| {
                    let node = &self.nodes[i];
                    let exact = node.sha256 == asked.sha256;
                    let distance = match (&node.facts, &asked.facts) {
                        _ if exact => 0,
                        (Some(a), Some(b)) => phash::distance(a.phash, b.phash),
                        _ => 64,
                    };
                    let (width, height) = node.facts.as_ref().map(|f| (f.width, f.height)).unwrap_or((0, 0));
                    Member {
                        item_id: node.item_id.clone(),
                        file: node.file.clone(),
                        distance,
                        exact,
                        width,
                        height,
                        size: node.size,
                    }
                })
                .collect(),
        )
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// A contiguous run of bits of the hash.
struct Piece {
    shift: u32,
    mask: u64,
}

impl Piece {
    fn of(&self, hash: u64) -> u64 {
        (hash >> self.shift) & self.mask
    }
}

/// 64 bits cut into `max_distance + 1` pieces as even as possible.
fn pieces(max_distance: u32) -> Vec<Piece> {
    let count = max_distance + 1;
    let mut out = Vec::new();
    let mut shift = 0;
    for i in 0..count {
        let bits = 64 / count + u32::from(i < 64 % count);
        let mask = if bits >= 64 { u64::MAX } else { (1u64 << bits) - 1 };
        out.push(Piece { shift, mask });
        shift += bits;
    }
    out
}

struct DisjointSets {
    parent: Vec<usize>,
}

impl DisjointSets {
    fn new(n: usize) -> Self {
        Self { parent: (0..n).collect() }
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    /// The smaller root wins, so the result does not depend on the order links are found in.
    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            let (low, high) = (a.min(b), a.max(b));
            self.parent[high] = low;
        }
    }
}

/// What a clean run shares among its rules and instances: facts by blob (each distinct image decoded once per run,
/// whichever rule asks first) and the groups per distance (built once, by the first instance that asks).
#[derive(Default)]
pub struct RunImages {
    facts: Mutex<HashMap<String, Result<Arc<Facts>, ImageError>>>,
    groups: Mutex<HashMap<u32, Arc<tokio::sync::OnceCell<Arc<Groups>>>>>,
}

impl RunImages {
    /// The facts of a stored blob, measured once per run (charged to `work` when measured here; free when
    /// known). Work stopped for the caller's sake is not remembered: the next caller measures again.
    pub fn facts_of(
        &self,
        sha256: &str,
        read: impl FnOnce() -> Result<Vec<u8>, ImageError>,
        work: &mut Work,
    ) -> Result<Arc<Facts>, ImageError> {
        if let Some(known) = self.lock_facts().get(sha256) {
            return known.clone();
        }
        let measured = read().and_then(|bytes| super::facts_metered(&bytes, work)).map(Arc::new);
        if !matches!(measured, Err(ImageError::Stopped(_))) {
            self.lock_facts().insert(sha256.to_owned(), measured.clone());
        }
        measured
    }

    /// [`Self::facts_of`] for the index: a meter of its own per file under the default caps (the index is the
    /// run's work, not one plugin call's), retried when it was only stopped (it waited too long for memory), so
    /// that whether a file is measured never depends on what else was running.
    fn index_facts_of(
        &self,
        sha256: &str,
        what: String,
        read: impl Fn() -> Result<Vec<u8>, ImageError>,
    ) -> Result<Arc<Facts>, ImageError> {
        let mut attempt = 0;
        loop {
            let meter = Meter::new(WorkLimits::default());
            let mut work = meter.start(what.clone());
            match self.facts_of(sha256, &read, &mut work) {
                Err(ImageError::Stopped(message)) if attempt < INDEX_RETRIES => {
                    tracing::debug!("duplicate index: {message}; trying again");
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn lock_facts(&self) -> std::sync::MutexGuard<'_, HashMap<String, Result<Arc<Facts>, ImageError>>> {
        self.facts.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The groups of `dataset` at `max_distance`, built on first use; concurrent callers wait for one build.
    pub async fn groups(self: &Arc<Self>, dataset: &Arc<Dataset>, max_distance: u32) -> Result<Arc<Groups>, String> {
        let cell = {
            let mut all = self.groups.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(all.entry(max_distance).or_default())
        };
        let (this, dataset) = (Arc::clone(self), Arc::clone(dataset));
        let built = cell
            .get_or_try_init(|| async move {
                tokio::task::spawn_blocking(move || this.build(&dataset, max_distance))
                    .await
                    .map_err(|e| format!("building the duplicate index failed: {e}"))?
            })
            .await?;
        Ok(Arc::clone(built))
    }

    /// Lists every raster file of the dataset and measures them on all cores.
    fn build(&self, dataset: &Dataset, max_distance: u32) -> Result<Arc<Groups>, String> {
        let mut files = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = dataset.items(None, after.as_deref(), 1000).map_err(|e| e.to_string())?;
            let Some(last) = page.last() else { break };
            after = Some(last.id.clone());
            for item in page {
                for file in item.files.into_iter().filter(|f| is_indexed(&f.media_type)) {
                    files.push((item.id.clone(), file));
                }
            }
        }
        let next = std::sync::atomic::AtomicUsize::new(0);
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(files.len().max(1));
        let mut facts: Vec<Option<Arc<Facts>>> = vec![None; files.len()];
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some((id, file)) = files.get(i) else { return done };
                            let read = || {
                                let bytes = read_capped(dataset, id, &file.name, file.size)?;
                                if file.media_type == SVG_MEDIA_TYPE { rendered(&bytes) } else { Ok(bytes) }
                            };
                            let what = format!("file `{}` of item `{id}`", file.name);
                            done.push((i, self.index_facts_of(&file.sha256, what, read).ok()));
                        }
                    })
                })
                .collect();
            for worker in workers {
                // A measuring thread cannot panic on image data (decoding errors are values), so a join error
                // would be a bug; its files are then treated as undecodable rather than failing the run.
                for (i, measured) in worker.join().unwrap_or_default() {
                    facts[i] = measured;
                }
            }
        });
        let nodes = files
            .into_iter()
            .zip(facts)
            .map(|((item_id, file), facts)| Node {
                item_id,
                file: file.name,
                sha256: file.sha256,
                size: file.size,
                facts,
            })
            .collect();
        Ok(Arc::new(Groups::build(nodes, max_distance)))
    }
}

/// Times the index measures a file again after its work was stopped (each try waits up to the per-call time
/// limit for memory).
const INDEX_RETRIES: u32 = 3;

/// An SVG rendered on white as a PNG, with the SVG capability's safety caps.
fn rendered(svg: &[u8]) -> Result<Vec<u8>, ImageError> {
    let white = crate::svg::Rgba { r: 255, g: 255, b: 255, a: 255 };
    crate::svg::rasterize(svg, SVG_RASTER, Some(white), &crate::svg::Limits::default()).map_err(|e| match e {
        crate::svg::SvgError::Limit(m) => ImageError::TooLarge(m),
        crate::svg::SvgError::Stopped(m) => ImageError::Stopped(m),
        crate::svg::SvgError::Invalid(m) => ImageError::Undecodable(m),
    })
}

/// An item's file, refused before reading when it is over the byte limit.
pub fn read_capped(dataset: &Dataset, id: &str, name: &str, size: u64) -> Result<Vec<u8>, ImageError> {
    if size > super::MAX_BYTES {
        return Err(ImageError::TooLarge(format!(
            "file `{name}` of item `{id}` is {size} bytes, over the {} MiB limit for an image",
            super::MAX_BYTES >> 20
        )));
    }
    match dataset.read_file(id, name) {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err(ImageError::Undecodable(format!("item `{id}` has no file `{name}`"))),
        Err(e) => Err(ImageError::Undecodable(format!("cannot read file `{name}` of item `{id}`: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, sha: &str, hash: Option<u64>, width: u32) -> Node {
        let facts = hash.map(|phash| {
            Arc::new(Facts {
                format: "png",
                width,
                height: width,
                has_alpha: false,
                sha256: sha.into(),
                brightness: 0.5,
                brightness_p5: 0.1,
                brightness_p99: 0.9,
                contrast: 0.2,
                entropy: 5.0,
                sharpness: 40.0,
                grey_spread: 10.0,
                phash,
            })
        });
        Node { item_id: id.into(), file: "image.png".into(), sha256: sha.into(), size: 100, facts }
    }

    fn ids(groups: &Groups, id: &str) -> Vec<String> {
        groups.group(id, "image.png").unwrap().into_iter().map(|m| m.item_id).collect()
    }

    #[test]
    fn exact_near_and_unrelated_images_group_as_expected() {
        let nodes = vec![
            node("a", "s1", Some(0b1111), 10),
            node("b", "s1", Some(0b1111), 10),      // same bytes
            node("c", "s2", Some(0b1000_0011), 20), // 3 bits from a
            node("d", "s3", Some(!0u64), 30),       // far from everything
            node("e", "s1", None, 0),               // did not decode, same bytes as a
            node("f", "s4", None, 0),               // did not decode, alone
        ];
        let groups = Groups::build(nodes.clone(), 3);
        assert_eq!(ids(&groups, "a"), ["a", "b", "c", "e"]);
        assert_eq!(ids(&groups, "d"), ["d"]);
        assert_eq!(ids(&groups, "f"), ["f"]);
        let from_c = groups.group("c", "image.png").unwrap();
        assert_eq!(from_c[0].distance, 3);
        assert!(!from_c[0].exact && from_c[2].exact);
        // A tighter distance splits c off; the input order never matters.
        let tight = Groups::build(nodes.iter().rev().cloned().collect(), 2);
        assert_eq!(ids(&tight, "a"), ["a", "b", "e"]);
        assert!(tight.group("a", "other.png").is_none());
    }

    #[test]
    fn pieces_cover_all_bits_and_find_every_close_pair() {
        for d in 0..=MAX_DISTANCE {
            let total: u32 = pieces(d).iter().map(|p| p.mask.count_ones()).sum();
            assert_eq!(total, 64, "distance {d}");
        }
        // Pairs at exactly the distance, with the differing bits spread to defeat each piece.
        let base = 0x0123_4567_89ab_cdefu64;
        for d in 1..=MAX_DISTANCE {
            let mut other = base;
            for k in 0..d {
                other ^= 1 << (k * 64 / d);
            }
            let groups = Groups::build(vec![node("x", "1", Some(base), 1), node("y", "2", Some(other), 1)], d);
            assert_eq!(ids(&groups, "x"), ["x", "y"], "distance {d}");
        }
    }
}
