//! Shape statistics of a rendered SVG: the alpha mask's connected parts, regions of nearly uniform colour, and
//! the holes inside each. No image library needed: the parts and regions are labelled in one raster pass with a
//! union-find over provisional labels, and each shape's holes are found on runs of the pixels in its bounding
//! box that are not in it (a few hundred runs where a flood would visit tens of thousands of pixels).
//!
//! Labels and holes are numbered in raster order of their first pixel, exactly as a flood fill started at each
//! unlabelled pixel in raster order numbers them (the `reference` tests compare the two on random rasters).

use resvg::tiny_skia::Pixmap;

use super::{AnalysisOptions, Hole, Rect, Rgba, Shape, ShapeStats};

/// A pixel counts as drawn from half opacity up.
const DRAWN_ALPHA: u8 = 128;
/// Neighbouring drawn pixels belong to one colour region when no channel differs by more than this (gradients
/// chain through; anti-aliased edges between two fills do not).
const REGION_TOLERANCE: i16 = 24;
/// Holes listed per shape.
const MAX_HOLES: usize = 8;

/// Straight-alpha RGBA of every pixel.
fn pixels(pixmap: &Pixmap) -> Vec<[u8; 4]> {
    pixmap
        .pixels()
        .iter()
        .map(|p| {
            let c = p.demultiply();
            [c.red(), c.green(), c.blue(), c.alpha()]
        })
        .collect()
}

/// Union-find over provisional labels; the root of a set is its smallest member.
struct Sets {
    parent: Vec<u32>,
}

impl Sets {
    fn new() -> Self {
        Self { parent: Vec::new() }
    }

    fn add(&mut self) -> u32 {
        let id = self.parent.len() as u32;
        self.parent.push(id);
        id
    }

    fn find(&mut self, mut a: u32) -> u32 {
        while self.parent[a as usize] != a {
            let up = self.parent[self.parent[a as usize] as usize];
            self.parent[a as usize] = up;
            a = up;
        }
        a
    }

    /// Joins the sets of `a` and `b`; the smaller root wins. Returns the new root.
    fn union(&mut self, a: u32, b: u32) -> u32 {
        let (ra, rb) = (self.find(a), self.find(b));
        let (low, high) = if ra <= rb { (ra, rb) } else { (rb, ra) };
        self.parent[high as usize] = low;
        low
    }
}

/// Labels 8-connected sets of active pixels joined where `same(a, b)` (symmetric); 0 is "no label". Labels are
/// numbered 1.. in raster order of each set's first pixel.
fn label(w: usize, h: usize, active: &[bool], same: impl Fn(usize, usize) -> bool) -> (Vec<u32>, u32) {
    // Provisional labels are 1-based indices into `sets` (0 in `labels` means none).
    let mut labels = vec![0u32; w * h];
    let mut sets = Sets::new();
    sets.add(); // provisional 0 is "no label"
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            if !active[i] {
                continue;
            }
            let mut current = 0u32;
            // The last neighbour's provisional label joined: neighbours inside one fill share it, so most
            // pixels need no union at all.
            let mut joined = 0u32;
            let mut join = |sets: &mut Sets, j: usize, labels: &[u32]| {
                let lj = labels[j];
                if lj != 0 && lj != joined && same(i, j) {
                    current = if current == 0 { sets.find(lj) } else { sets.union(current, lj) };
                    joined = lj;
                }
            };
            if x > 0 {
                join(&mut sets, i - 1, &labels);
            }
            if y > 0 {
                let up = i - w;
                if x > 0 {
                    join(&mut sets, up - 1, &labels);
                }
                join(&mut sets, up, &labels);
                if x + 1 < w {
                    join(&mut sets, up + 1, &labels);
                }
            }
            labels[i] = if current == 0 { sets.add() } else { current };
        }
    }
    let mut numbered = vec![0u32; sets.parent.len()];
    let mut next = 0u32;
    for l in labels.iter_mut().filter(|l| **l != 0) {
        let root = sets.find(*l) as usize;
        if numbered[root] == 0 {
            next += 1;
            numbered[root] = next;
        }
        *l = numbered[root];
    }
    (labels, next)
}

#[derive(Clone, Default)]
struct Acc {
    area: u64,
    min: (usize, usize),
    max: (usize, usize),
    sum: (f64, f64),
    colour: [u64; 4],
    perimeter: u32,
}

/// Shapes of a labelling, largest first, those under `min_area` dropped, capped; and how many passed the floor.
fn shapes(
    w: usize,
    h: usize,
    px: &[[u8; 4]],
    labels: &[u32],
    count: u32,
    options: &AnalysisOptions,
) -> (Vec<Shape>, u32) {
    let mut acc = vec![Acc { min: (usize::MAX, usize::MAX), ..Acc::default() }; count as usize + 1];
    // A row at a time, one run of equal labels at a time: bounds and coordinate sums per run, colours and the
    // edge test per pixel. Coordinate sums are of whole numbers far below 2^53, so exact in any order.
    for y in 0..h {
        let row = &labels[y * w..(y + 1) * w];
        let mut x = 0;
        while x < w {
            let l = row[x];
            let start = x;
            while x < w && row[x] == l {
                x += 1;
            }
            if l == 0 {
                continue;
            }
            let (first, last, len) = (start, x - 1, x - start);
            let a = &mut acc[l as usize];
            a.area += len as u64;
            a.min = (a.min.0.min(first), a.min.1.min(y));
            a.max = (a.max.0.max(last), a.max.1.max(y));
            a.sum.0 += ((first + last) * len / 2) as f64;
            a.sum.1 += (y * len) as f64;
            let mut colour = [0u64; 4];
            let mut perimeter = 0u32;
            for x in first..=last {
                let i = y * w + x;
                for (sum, &c) in colour.iter_mut().zip(&px[i]) {
                    *sum += u64::from(c);
                }
                // On the edge: a 4-neighbour outside the raster or in another label (the run's ends always are).
                let edge = x == first || x == last || y == 0 || y + 1 == h || labels[i - w] != l || labels[i + w] != l;
                perimeter += u32::from(edge);
            }
            for (total, sum) in a.colour.iter_mut().zip(colour) {
                *total += sum;
            }
            a.perimeter += perimeter;
        }
    }
    let mut kept: Vec<(u32, &Acc)> = acc
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, a)| a.area >= u64::from(options.min_area.max(1)))
        .map(|(l, a)| (l as u32, a))
        .collect();
    let passed = kept.len() as u32;
    kept.sort_by(|a, b| b.1.area.cmp(&a.1.area).then(a.0.cmp(&b.0)));
    kept.truncate(options.max_shapes as usize);
    let mut out: Vec<(u32, Shape)> = kept
        .into_iter()
        .map(|(l, a)| {
            let n = a.area as f64;
            let mean = |c: usize| (a.colour[c] as f64 / n).round() as u8;
            let shape = Shape {
                area: a.area as u32,
                bbox: Rect {
                    x: a.min.0 as f32,
                    y: a.min.1 as f32,
                    width: (a.max.0 - a.min.0 + 1) as f32,
                    height: (a.max.1 - a.min.1 + 1) as f32,
                },
                cx: (a.sum.0 / n) as f32 + 0.5,
                cy: (a.sum.1 / n) as f32 + 0.5,
                perimeter: a.perimeter,
                colour: Rgba { r: mean(0), g: mean(1), b: mean(2), a: mean(3) },
                holes: Vec::new(),
                encloses: 0,
            };
            (l, shape)
        })
        .collect();
    let centres: Vec<(usize, usize)> =
        out.iter().map(|(_, s)| ((s.cx as usize).min(w - 1), (s.cy as usize).min(h - 1))).collect();
    let mut runs = Runs::default();
    for (k, (l, shape)) in out.iter_mut().enumerate() {
        let (holes, inside) = holes(w, labels, *l, shape, options.min_area, &centres, k, &mut runs);
        shape.holes = holes;
        shape.encloses = inside;
    }
    (out.into_iter().map(|(_, s)| s).collect(), passed)
}

/// Horizontal runs of the pixels in a box that are not in a shape, row by row, left to right, with their sets
/// (4-connected: runs on neighbouring rows that share a column are joined). Reused across shapes.
#[derive(Default)]
struct Runs {
    /// (first column, one past the last column), relative to the box.
    spans: Vec<(u32, u32)>,
    /// Where each row's runs start in `spans`; one more entry than rows.
    rows: Vec<usize>,
    sets: Vec<u32>,
}

impl Runs {
    fn find(&mut self, mut a: u32) -> u32 {
        while self.sets[a as usize] != a {
            let up = self.sets[self.sets[a as usize] as usize];
            self.sets[a as usize] = up;
            a = up;
        }
        a
    }

    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        let (low, high) = if ra <= rb { (ra, rb) } else { (rb, ra) };
        self.sets[high as usize] = low;
    }

    /// The runs of the `bw` x `bh` box at (`x0`, `y0`) where `labels` is not `l`, joined into sets.
    fn build(&mut self, w: usize, labels: &[u32], l: u32, (x0, y0, bw, bh): (usize, usize, usize, usize)) {
        self.spans.clear();
        self.rows.clear();
        for y in 0..bh {
            self.rows.push(self.spans.len());
            let row = &labels[(y0 + y) * w + x0..(y0 + y) * w + x0 + bw];
            let mut x = 0;
            while x < bw {
                if row[x] == l {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < bw && row[x] != l {
                    x += 1;
                }
                self.spans.push((start as u32, x as u32));
            }
        }
        self.rows.push(self.spans.len());
        self.sets.clear();
        self.sets.extend(0..self.spans.len() as u32);
        for y in 1..bh {
            let (mut a, a_end) = (self.rows[y - 1], self.rows[y]);
            let (mut b, b_end) = (self.rows[y], self.rows[y + 1]);
            while a < a_end && b < b_end {
                let (sa, sb) = (self.spans[a], self.spans[b]);
                if sa.0 < sb.1 && sb.0 < sa.1 {
                    self.union(a as u32, b as u32);
                }
                if sa.1 < sb.1 {
                    a += 1;
                } else {
                    b += 1;
                }
            }
        }
    }
}

/// Holes of the shape labelled `l`: pixels in its bounding box not in it and not reachable from the box's edge
/// (4-connected), largest first, then in raster order of their first pixel. Also counts the other shapes whose
/// centre lies in a hole (of any size).
#[allow(clippy::too_many_arguments)]
fn holes(
    w: usize,
    labels: &[u32],
    l: u32,
    shape: &Shape,
    min_area: u32,
    centres: &[(usize, usize)],
    own: usize,
    runs: &mut Runs,
) -> (Vec<Hole>, u32) {
    let (x0, y0) = (shape.bbox.x as usize, shape.bbox.y as usize);
    let (bw, bh) = (shape.bbox.width as usize, shape.bbox.height as usize);
    if bw < 3 || bh < 3 {
        return (Vec::new(), 0);
    }
    runs.build(w, labels, l, (x0, y0, bw, bh));
    // Per set (indexed by its root, the set's first run in raster order): touches the box's edge, area, bounds.
    struct Set {
        outside: bool,
        area: u32,
        min: (u32, u32),
        max: (u32, u32),
    }
    let n = runs.spans.len();
    let mut root_of = Vec::with_capacity(n);
    let mut sets: Vec<Option<Set>> = (0..n).map(|_| None).collect();
    for y in 0..bh {
        for r in runs.rows[y]..runs.rows[y + 1] {
            let root = runs.find(r as u32);
            root_of.push(root); // runs are visited in order, so this is `root_of[r]`
            let (s, e) = runs.spans[r];
            let edge = y == 0 || y + 1 == bh || s == 0 || e as usize == bw;
            let y = y as u32;
            let set = sets[root as usize].get_or_insert(Set { outside: false, area: 0, min: (s, y), max: (e - 1, y) });
            set.outside |= edge;
            set.area += e - s;
            set.min = (set.min.0.min(s), set.min.1.min(y));
            set.max = (set.max.0.max(e - 1), set.max.1.max(y));
        }
    }
    let mut found: Vec<Hole> = sets
        .iter()
        .flatten()
        .filter(|s| !s.outside && s.area >= min_area.max(1))
        .map(|s| Hole {
            area: s.area,
            bbox: Rect {
                x: (x0 + s.min.0 as usize) as f32,
                y: (y0 + s.min.1 as usize) as f32,
                width: (s.max.0 - s.min.0 + 1) as f32,
                height: (s.max.1 - s.min.1 + 1) as f32,
            },
        })
        .collect();
    let in_hole = |cx: usize, cy: usize| {
        let (x, y) = ((cx - x0) as u32, cy - y0);
        (runs.rows[y]..runs.rows[y + 1])
            .find(|&r| runs.spans[r].0 <= x && x < runs.spans[r].1)
            .and_then(|r| sets[root_of[r] as usize].as_ref())
            .is_some_and(|s| !s.outside)
    };
    let inside = centres
        .iter()
        .enumerate()
        .filter(|(k, (cx, cy))| {
            *k != own && (x0..x0 + bw).contains(cx) && (y0..y0 + bh).contains(cy) && in_hole(*cx, *cy)
        })
        .count() as u32;
    found.sort_by_key(|hole| std::cmp::Reverse(hole.area)); // stable: equal areas stay in raster order
    found.truncate(MAX_HOLES);
    (found, inside)
}

pub(super) fn stats(pixmap: &Pixmap, options: &AnalysisOptions) -> ShapeStats {
    let (w, h) = (pixmap.width() as usize, pixmap.height() as usize);
    let px = pixels(pixmap);
    let drawn_mask: Vec<bool> = px.iter().map(|p| p[3] >= DRAWN_ALPHA).collect();

    let mut drawn = 0u32;
    let (mut min, mut max) = ((usize::MAX, usize::MAX), (0usize, 0usize));
    let (mut sx, mut sy) = (0f64, 0f64);
    for y in 0..h {
        for x in (0..w).filter(|&x| drawn_mask[y * w + x]) {
            drawn += 1;
            min = (min.0.min(x), min.1.min(y));
            max = (max.0.max(x), max.1.max(y));
            sx += x as f64;
            sy += y as f64;
        }
    }
    let (drawn_bbox, fill_ratio, spread) = if drawn == 0 {
        (None, 0.0, 0.0)
    } else {
        let bbox = Rect {
            x: min.0 as f32,
            y: min.1 as f32,
            width: (max.0 - min.0 + 1) as f32,
            height: (max.1 - min.1 + 1) as f32,
        };
        let n = f64::from(drawn);
        let (mx, my) = (sx / n, sy / n);
        // Summed in raster order (floating point: the order is part of the result).
        let mut sum = 0f64;
        for y in 0..h {
            let dy = y as f64 - my;
            for x in (0..w).filter(|&x| drawn_mask[y * w + x]) {
                let dx = x as f64 - mx;
                sum += dx * dx + dy * dy;
            }
        }
        let var = sum / n;
        (Some(bbox), drawn as f32 / (bbox.width * bbox.height), (var.sqrt() / w as f64) as f32)
    };

    let (labels, count) = label(w, h, &drawn_mask, |_, _| true);
    let (components, component_count) = shapes(w, h, &px, &labels, count, options);
    let close =
        |i: usize, j: usize| (0..3).all(|c| (i16::from(px[i][c]) - i16::from(px[j][c])).abs() <= REGION_TOLERANCE);
    let (labels, count) = label(w, h, &drawn_mask, close);
    let (regions, region_count) = shapes(w, h, &px, &labels, count, options);

    ShapeStats {
        size: w as u32,
        drawn,
        fill_ratio,
        drawn_bbox,
        components,
        component_count,
        regions,
        region_count,
        spread,
    }
}

#[cfg(test)]
mod reference;
