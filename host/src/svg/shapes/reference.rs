//! The first implementation of the shape statistics (a stack flood fill per label and per shape's holes), kept
//! as the reference the faster one must match exactly, on random anti-aliased rasters.

#![allow(clippy::needless_range_loop, clippy::unnecessary_sort_by)] // the first implementation, as it was

use resvg::tiny_skia::{self, Pixmap};

use super::super::{AnalysisOptions, Hole, Rect, Rgba, Shape, ShapeStats};

const DRAWN_ALPHA: u8 = 128;
const REGION_TOLERANCE: i16 = 24;
const MAX_HOLES: usize = 8;

const NEIGHBOURS_8: [(i32, i32); 8] = [(-1, -1), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1)];
const NEIGHBOURS_4: [(i32, i32); 4] = [(0, -1), (-1, 0), (1, 0), (0, 1)];

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

/// Labels 8-connected sets of active pixels joined where `same(a, b)`; 0 is "no label".
fn label(w: usize, h: usize, active: impl Fn(usize) -> bool, same: impl Fn(usize, usize) -> bool) -> (Vec<u32>, u32) {
    let mut labels = vec![0u32; w * h];
    let mut next = 0u32;
    let mut stack = Vec::new();
    for start in 0..w * h {
        if labels[start] != 0 || !active(start) {
            continue;
        }
        next += 1;
        labels[start] = next;
        stack.push(start);
        while let Some(i) = stack.pop() {
            let (x, y) = ((i % w) as i32, (i / w) as i32);
            for (dx, dy) in NEIGHBOURS_8 {
                let (nx, ny) = (x + dx, y + dy);
                if nx < 0 || ny < 0 || nx >= w as i32 || ny >= h as i32 {
                    continue;
                }
                let j = ny as usize * w + nx as usize;
                if labels[j] == 0 && active(j) && same(i, j) {
                    labels[j] = next;
                    stack.push(j);
                }
            }
        }
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
    for (i, &l) in labels.iter().enumerate() {
        if l == 0 {
            continue;
        }
        let (x, y) = (i % w, i / w);
        let a = &mut acc[l as usize];
        a.area += 1;
        a.min = (a.min.0.min(x), a.min.1.min(y));
        a.max = (a.max.0.max(x), a.max.1.max(y));
        a.sum.0 += x as f64;
        a.sum.1 += y as f64;
        for c in 0..4 {
            a.colour[c] += u64::from(px[i][c]);
        }
        let edge = NEIGHBOURS_4.iter().any(|(dx, dy)| {
            let (nx, ny) = (x as i32 + dx, y as i32 + dy);
            nx < 0 || ny < 0 || nx >= w as i32 || ny >= h as i32 || labels[ny as usize * w + nx as usize] != l
        });
        a.perimeter += u32::from(edge);
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
    for k in 0..out.len() {
        let (l, shape) = &out[k];
        let (holes, inside) = holes(w, labels, *l, shape, options.min_area, &centres, k);
        out[k].1.holes = holes;
        out[k].1.encloses = inside;
    }
    (out.into_iter().map(|(_, s)| s).collect(), passed)
}

/// Holes of the shape labelled `l`: pixels in its bounding box not in it and not reachable from the box's edge.
/// Also counts the other shapes whose centre lies in one of them.
fn holes(
    w: usize,
    labels: &[u32],
    l: u32,
    shape: &Shape,
    min_area: u32,
    centres: &[(usize, usize)],
    own: usize,
) -> (Vec<Hole>, u32) {
    let (x0, y0) = (shape.bbox.x as usize, shape.bbox.y as usize);
    let (bw, bh) = (shape.bbox.width as usize, shape.bbox.height as usize);
    if bw < 3 || bh < 3 {
        return (Vec::new(), 0);
    }
    let member = |x: usize, y: usize| labels[(y0 + y) * w + x0 + x] == l;
    // 0 unknown, 1 outside (reached from the edge), 2+ hole labels.
    let mut mark = vec![0u32; bw * bh];
    let mut stack = Vec::new();
    let flood = |mark: &mut Vec<u32>,
                 stack: &mut Vec<usize>,
                 start: usize,
                 value: u32|
     -> (u32, (usize, usize), (usize, usize)) {
        let mut area = 0u32;
        let (mut min, mut max) = ((usize::MAX, usize::MAX), (0, 0));
        mark[start] = value;
        stack.push(start);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % bw, i / bw);
            area += 1;
            min = (min.0.min(x), min.1.min(y));
            max = (max.0.max(x), max.1.max(y));
            for (dx, dy) in NEIGHBOURS_4 {
                let (nx, ny) = (x as i32 + dx, y as i32 + dy);
                if nx < 0 || ny < 0 || nx >= bw as i32 || ny >= bh as i32 {
                    continue;
                }
                let j = ny as usize * bw + nx as usize;
                if mark[j] == 0 && !member(nx as usize, ny as usize) {
                    mark[j] = value;
                    stack.push(j);
                }
            }
        }
        (area, min, max)
    };
    for y in 0..bh {
        for x in 0..bw {
            let edge = x == 0 || y == 0 || x == bw - 1 || y == bh - 1;
            let i = y * bw + x;
            if edge && mark[i] == 0 && !member(x, y) {
                flood(&mut mark, &mut stack, i, 1);
            }
        }
    }
    let mut found = Vec::new();
    let mut next = 2u32;
    for i in 0..bw * bh {
        if mark[i] == 0 && !member(i % bw, i / bw) {
            let (area, min, max) = flood(&mut mark, &mut stack, i, next);
            if area >= min_area.max(1) {
                let bbox = Rect {
                    x: (x0 + min.0) as f32,
                    y: (y0 + min.1) as f32,
                    width: (max.0 - min.0 + 1) as f32,
                    height: (max.1 - min.1 + 1) as f32,
                };
                found.push(Hole { area, bbox });
            }
            next += 1;
        }
    }
    let inside = centres
        .iter()
        .enumerate()
        .filter(|(k, (cx, cy))| {
            *k != own
                && (x0..x0 + bw).contains(cx)
                && (y0..y0 + bh).contains(cy)
                && mark[(cy - y0) * bw + (cx - x0)] >= 2
        })
        .count() as u32;
    found.sort_by(|a, b| b.area.cmp(&a.area));
    found.truncate(MAX_HOLES);
    (found, inside)
}

pub(super) fn stats(pixmap: &Pixmap, options: &AnalysisOptions) -> ShapeStats {
    let (w, h) = (pixmap.width() as usize, pixmap.height() as usize);
    let px = pixels(pixmap);
    let drawn_at = |i: usize| px[i][3] >= DRAWN_ALPHA;

    let mut drawn = 0u32;
    let (mut min, mut max) = ((usize::MAX, usize::MAX), (0usize, 0usize));
    let (mut sx, mut sy) = (0f64, 0f64);
    for i in (0..w * h).filter(|&i| drawn_at(i)) {
        let (x, y) = (i % w, i / w);
        drawn += 1;
        min = (min.0.min(x), min.1.min(y));
        max = (max.0.max(x), max.1.max(y));
        sx += x as f64;
        sy += y as f64;
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
        let var: f64 = (0..w * h)
            .filter(|&i| drawn_at(i))
            .map(|i| {
                let (x, y) = ((i % w) as f64 - mx, (i / w) as f64 - my);
                x * x + y * y
            })
            .sum::<f64>()
            / n;
        (Some(bbox), drawn as f32 / (bbox.width * bbox.height), (var.sqrt() / w as f64) as f32)
    };

    let (labels, count) = label(w, h, drawn_at, |_, _| true);
    let (components, component_count) = shapes(w, h, &px, &labels, count, options);
    let close =
        |i: usize, j: usize| (0..3).all(|c| (i16::from(px[i][c]) - i16::from(px[j][c])).abs() <= REGION_TOLERANCE);
    let (labels, count) = label(w, h, drawn_at, close);
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

/// A deterministic raster of overlapping anti-aliased discs, rings, bars and strokes in a few colours (some
/// within the region tolerance of each other), on transparency, sometimes with specks and half-transparent fills.
fn raster(seed: u64, size: u32) -> Pixmap {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = move |n: u32| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % u64::from(n.max(1))) as u32
    };
    let mut pixmap = Pixmap::new(size, size).expect("a small raster");
    let palette = [(220, 40, 40), (235, 50, 45), (30, 90, 200), (20, 20, 20), (250, 250, 250), (60, 170, 60)];
    let s = size as f32;
    for _ in 0..1 + next(9) {
        let (r, g, b) = palette[next(palette.len() as u32) as usize];
        let alpha = if next(5) == 0 { 100 + next(120) as u8 } else { 255 };
        let mut paint = tiny_skia::Paint::default();
        paint.set_color_rgba8(r, g, b, alpha);
        paint.anti_alias = next(4) != 0;
        let (cx, cy) = (next(size) as f32, next(size) as f32);
        let radius = 1.0 + next(size / 2) as f32;
        let mut pb = tiny_skia::PathBuilder::new();
        match next(4) {
            0 => pb.push_circle(cx, cy, radius),
            1 => {
                if let Some(rect) = tiny_skia::Rect::from_xywh(cx - radius, cy - radius / 2.0, 2.0 * radius, radius) {
                    pb.push_rect(rect);
                }
            }
            _ => {
                pb.move_to(cx, cy);
                pb.line_to(next(size) as f32, next(size) as f32);
                pb.line_to(next(size) as f32, next(size) as f32);
            }
        }
        let Some(path) = pb.finish() else { continue };
        if next(2) == 0 {
            pixmap.fill_path(&path, &paint, tiny_skia::FillRule::EvenOdd, tiny_skia::Transform::identity(), None);
        } else {
            let stroke = tiny_skia::Stroke { width: 0.5 + next(8) as f32 * s / 128.0, ..Default::default() };
            pixmap.stroke_path(&path, &paint, &stroke, tiny_skia::Transform::identity(), None);
        }
    }
    pixmap
}

#[test]
fn the_fast_statistics_equal_the_reference_on_random_rasters() {
    let options = [
        AnalysisOptions::default(),
        AnalysisOptions { size: 0, max_shapes: 3, min_area: 1 },
        AnalysisOptions { size: 0, max_shapes: 256, min_area: 0 },
    ];
    let mut checked = 0;
    for seed in 0..600u64 {
        let size = [7, 16, 33, 64, 97][seed as usize % 5];
        let pixmap = raster(seed, size);
        for o in &options {
            let o = AnalysisOptions { size, ..*o };
            assert_eq!(super::stats(&pixmap, &o), stats(&pixmap, &o), "seed {seed}, size {size}, {o:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, 1800);
}

#[test]
fn an_empty_and_a_full_raster_agree_too() {
    let mut pixmap = Pixmap::new(40, 30).expect("a small raster");
    let o = AnalysisOptions::default();
    assert_eq!(super::stats(&pixmap, &o), stats(&pixmap, &o));
    pixmap.fill(tiny_skia::Color::from_rgba8(10, 200, 30, 255));
    assert_eq!(super::stats(&pixmap, &o), stats(&pixmap, &o));
}

/// The same comparison on real SVGs rendered as the host renders them: every `.svg` under `AIGC_SVG_CORPUS`
/// (e.g. the corpus `bench/svg/run.py --setup` writes), at 256 px and 64 px.
/// `AIGC_SVG_CORPUS=$PWD/bench/svg/work/corpus cargo test --release -p aigc-host --lib svg::shapes -- --ignored`
#[test]
#[ignore = "needs a corpus of SVGs named by AIGC_SVG_CORPUS"]
fn the_fast_statistics_equal_the_reference_on_a_corpus() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("a readable corpus folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "svg") {
                out.push(path);
            }
        }
    }
    let dir = std::env::var_os("AIGC_SVG_CORPUS").expect("AIGC_SVG_CORPUS names a folder of SVGs");
    let mut files = Vec::new();
    walk(std::path::Path::new(&dir), &mut files);
    let limits = super::super::Limits::default();
    let mut compared = 0;
    for path in &files {
        let bytes = std::fs::read(path).expect("a readable SVG");
        // The host's caps (estimated work included), a fresh call per file.
        let meter = crate::budget::Meter::new(crate::budget::WorkLimits::default());
        let mut work = meter.start(path.display().to_string());
        let Ok(parsed) = super::super::parse::parse(&bytes, &limits, &mut work) else { continue };
        for size in [256, 64] {
            let Ok(pixmap) = super::super::render(&parsed.tree, size, None, &limits, &mut work) else { continue };
            let o = AnalysisOptions { size, ..AnalysisOptions::default() };
            assert_eq!(super::stats(&pixmap, &o), stats(&pixmap, &o), "{}", path.display());
            compared += 1;
        }
    }
    eprintln!("{compared} renders of {} SVGs: identical statistics", files.len());
    assert!(compared > 0);
}
