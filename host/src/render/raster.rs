//! The rasterizer: a visibility pass (triangles clipped at the near plane, edge functions, a depth buffer holding
//! which triangle covers each sample and where), then one shading pass per covered sample, then a box filter down
//! to the output size. Deferred shading means a pixel is textured and lit once, however many triangles overlap it.

use std::sync::LazyLock;

use super::camera::{View, intrinsics};
use super::{Normalised, Prim};
use crate::mesh::{AlphaMode, Texture, Wrap};

/// Nothing nearer to the camera than this is drawn (world units; the object is 1 across, cameras 1.5+ away).
pub(super) const NEAR: f32 = 0.01;
/// Light from fixed directions relative to the camera, so every view is lit alike: a key light up and to the right
/// of the camera, a weaker fill from the lower left, and ambient.
const AMBIENT: f32 = 0.3;
const KEY: (f32, [f32; 3]) = (0.75, [0.35, 0.55, 0.76]);
const FILL: (f32, [f32; 3]) = (0.2, [-0.6, -0.3, 0.74]);

/// sRGB byte to linear.
static TO_LINEAR: LazyLock<[f32; 256]> = LazyLock::new(|| {
    std::array::from_fn(|i| {
        let c = i as f32 / 255.0;
        if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    })
});

/// Linear in 4096 steps to an sRGB byte.
static TO_SRGB: LazyLock<Vec<u8>> = LazyLock::new(|| {
    (0..4096)
        .map(|i| {
            let c = i as f32 / 4095.0;
            let s = if c <= 0.003_130_8 { c * 12.92 } else { 1.055 * c.powf(1.0 / 2.4) - 0.055 };
            (s * 255.0 + 0.5).clamp(0.0, 255.0) as u8
        })
        .collect()
});

/// What covers one sample: a triangle of a primitive and the perspective-correct barycentrics of the point.
#[derive(Clone, Copy)]
struct Hit {
    prim: u32,
    tri: u32,
    b1: f32,
    b2: f32,
}

/// A clipped vertex: screen position, 1/depth, and its barycentrics in the original triangle.
#[derive(Clone, Copy)]
struct ScreenVertex {
    x: f32,
    y: f32,
    inv_w: f32,
    bary: [f32; 3],
}

struct Camera {
    /// World->camera rotation rows and translation.
    r: [[f32; 3]; 3],
    t: [f32; 3],
    location: [f32; 3],
    f: f32,
    c: f32,
    /// Light directions in world space.
    key: [f32; 3],
    fill: [f32; 3],
}

impl Camera {
    fn new(view: &View, samples: u32) -> Self {
        let rt = view.rt();
        let r: [[f32; 3]; 3] = std::array::from_fn(|i| std::array::from_fn(|k| rt[i][k] as f32));
        let k = intrinsics(samples);
        // A camera-space direction d is R^T d in the world.
        let world = |d: [f32; 3]| {
            let d = normalise(d);
            std::array::from_fn(|k| (0..3).map(|i| r[i][k] * d[i]).sum())
        };
        Self {
            r,
            t: std::array::from_fn(|i| rt[i][3] as f32),
            location: view.location.map(|x| x as f32),
            f: k[0][0] as f32,
            c: k[0][2] as f32,
            key: world(KEY.1),
            fill: world(FILL.1),
        }
    }

    fn to_camera(&self, p: [f32; 3]) -> [f32; 3] {
        std::array::from_fn(|i| self.r[i][0] * p[0] + self.r[i][1] * p[1] + self.r[i][2] * p[2] + self.t[i])
    }
}

/// Triangles drawn between two looks at whether the view was given up.
const CHECK_EVERY: usize = 1 << 14;

/// Draws one view at `size` pixels with `ss` x `ss` samples per pixel; None once `stopped` says so (it is asked
/// every few thousand triangles and every few rows of shading).
pub(super) fn draw(
    scene: &Normalised,
    view: &View,
    size: u32,
    ss: u32,
    stopped: &dyn Fn() -> bool,
) -> Option<image::RgbaImage> {
    let samples = size * ss;
    let n = samples as usize;
    let camera = Camera::new(view, samples);
    let mut depth = vec![f32::INFINITY; n * n];
    let mut hits: Vec<Option<Hit>> = vec![None; n * n];

    for (pi, prim) in scene.primitives.iter().enumerate() {
        let cam: Vec<[f32; 3]> = prim.positions.iter().map(|&p| camera.to_camera(p)).collect();
        let alpha_test = match prim.material.alpha {
            AlphaMode::Opaque => None,
            AlphaMode::Mask(cutoff) => Some(cutoff),
            // Blended surfaces are drawn as one layer: what is barely there is cut, the rest keeps its alpha.
            AlphaMode::Blend => Some(0.05),
        };
        for (ti, tri) in prim.indices.chunks_exact(3).enumerate() {
            if ti % CHECK_EVERY == 0 && stopped() {
                return None;
            }
            let corners = [tri[0], tri[1], tri[2]].map(|i| cam[i as usize]);
            let mut polygon = [ScreenVertex { x: 0.0, y: 0.0, inv_w: 0.0, bary: [0.0; 3] }; 4];
            let count = clip_near(&corners, &mut polygon, &camera);
            for k in 1..count.saturating_sub(1) {
                let triangle = [polygon[0], polygon[k], polygon[k + 1]];
                raster(&triangle, n, &mut depth, &mut hits, |b1, b2| {
                    let keep = match alpha_test {
                        None => true,
                        Some(cutoff) => base_color(prim, tri, b1, b2)[3] >= cutoff,
                    };
                    keep.then_some(Hit { prim: pi as u32, tri: ti as u32, b1, b2 })
                });
            }
        }
    }

    // Shade each covered sample once, then average ss x ss samples into a pixel (premultiplied, then unpremultiplied).
    let mut out = image::RgbaImage::new(size, size);
    let per_pixel = (ss * ss) as f32;
    for y in 0..size {
        if y % 64 == 0 && stopped() {
            return None;
        }
        for x in 0..size {
            let mut sum = [0.0f32; 4];
            let first = hits[(y * ss) as usize * n + (x * ss) as usize];
            let index = |sx: u32, sy: u32| ((y * ss + sy) as usize) * n + (x * ss + sx) as usize;
            let same = first.is_some_and(|f| {
                (0..ss)
                    .all(|sy| (0..ss).all(|sx| hits[index(sx, sy)].is_some_and(|h| h.prim == f.prim && h.tri == f.tri)))
            });
            if let (true, Some(f)) = (same, first) {
                // Inside one triangle (most pixels): shade once at the samples' mean, as a GPU's MSAA does.
                let (mut b1, mut b2) = (0.0, 0.0);
                for sy in 0..ss {
                    for sx in 0..ss {
                        if let Some(h) = hits[index(sx, sy)] {
                            b1 += h.b1;
                            b2 += h.b2;
                        }
                    }
                }
                let [r, g, b, a] = shade(scene, &camera, Hit { b1: b1 / per_pixel, b2: b2 / per_pixel, ..f });
                sum = [r * a * per_pixel, g * a * per_pixel, b * a * per_pixel, a * per_pixel];
            } else {
                for sy in 0..ss {
                    for sx in 0..ss {
                        if let Some(hit) = hits[index(sx, sy)] {
                            let [r, g, b, a] = shade(scene, &camera, hit);
                            sum[0] += r * a;
                            sum[1] += g * a;
                            sum[2] += b * a;
                            sum[3] += a;
                        }
                    }
                }
            }
            if sum[3] > 0.0 {
                let srgb = |c: f32| TO_SRGB[((c / sum[3]).clamp(0.0, 1.0) * 4095.0) as usize];
                let alpha = (sum[3] / per_pixel * 255.0 + 0.5).clamp(0.0, 255.0) as u8;
                out.put_pixel(x, y, image::Rgba([srgb(sum[0]), srgb(sum[1]), srgb(sum[2]), alpha]));
            }
        }
    }
    Some(out)
}

/// Clips a camera-space triangle against the near plane and projects it; the polygon has 0, 3 or 4 vertices.
fn clip_near(corners: &[[f32; 3]; 3], out: &mut [ScreenVertex; 4], camera: &Camera) -> usize {
    let depth = |p: &[f32; 3]| -p[2];
    let unit = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    let mut count = 0;
    let mut emit = |p: [f32; 3], bary: [f32; 3]| {
        let w = -p[2];
        out[count] =
            ScreenVertex { x: camera.c + camera.f * p[0] / w, y: camera.c - camera.f * p[1] / w, inv_w: 1.0 / w, bary };
        count += 1;
    };
    for i in 0..3 {
        let (a, b) = (corners[i], corners[(i + 1) % 3]);
        let (da, db) = (depth(&a), depth(&b));
        if da >= NEAR {
            emit(a, unit[i]);
        }
        if (da >= NEAR) != (db >= NEAR) {
            let s = (NEAR - da) / (db - da);
            let p = std::array::from_fn(|k| a[k] + (b[k] - a[k]) * s);
            let bary = std::array::from_fn(|k| unit[i][k] + (unit[(i + 1) % 3][k] - unit[i][k]) * s);
            emit(p, bary);
        }
    }
    count
}

/// Fills the samples a screen triangle covers where it is nearer than what is there and `accept` keeps it.
fn raster(
    v: &[ScreenVertex; 3],
    n: usize,
    depth: &mut [f32],
    hits: &mut [Option<Hit>],
    mut accept: impl FnMut(f32, f32) -> Option<Hit>,
) {
    let area = edge(v[0].x, v[0].y, v[1].x, v[1].y, v[2].x, v[2].y);
    // NaN areas (from degenerate projections) fail this test too.
    if area.abs().partial_cmp(&1e-12) != Some(std::cmp::Ordering::Greater) {
        return;
    }
    let min_x = v.iter().map(|p| p.x).fold(f32::INFINITY, f32::min).floor().max(0.0) as usize;
    let max_x = (v.iter().map(|p| p.x).fold(f32::NEG_INFINITY, f32::max).ceil() as isize).min(n as isize - 1);
    let min_y = v.iter().map(|p| p.y).fold(f32::INFINITY, f32::min).floor().max(0.0) as usize;
    let max_y = (v.iter().map(|p| p.y).fold(f32::NEG_INFINITY, f32::max).ceil() as isize).min(n as isize - 1);
    if max_x < 0 || max_y < 0 || min_x as isize > max_x || min_y as isize > max_y {
        return;
    }
    let (max_x, max_y) = (max_x as usize, max_y as usize);
    let inv_area = 1.0 / area;
    // Edge functions are linear in x: step them instead of recomputing.
    let e = |a: &ScreenVertex, b: &ScreenVertex, x: f32, y: f32| edge(a.x, a.y, b.x, b.y, x, y) * inv_area;
    let dx = [(v[1].y - v[2].y) * inv_area, (v[2].y - v[0].y) * inv_area, (v[0].y - v[1].y) * inv_area];
    for y in min_y..=max_y {
        let py = y as f32 + 0.5;
        let px = min_x as f32 + 0.5;
        let mut l = [e(&v[1], &v[2], px, py), e(&v[2], &v[0], px, py), e(&v[0], &v[1], px, py)];
        let row = y * n;
        for x in min_x..=max_x {
            if l[0] >= 0.0 && l[1] >= 0.0 && l[2] >= 0.0 {
                let iw = l[0] * v[0].inv_w + l[1] * v[1].inv_w + l[2] * v[2].inv_w;
                let w = 1.0 / iw;
                let index = row + x;
                if w < depth[index] {
                    let weight = |k: usize| l[k] * v[k].inv_w * w;
                    let (w0, w1, w2) = (weight(0), weight(1), weight(2));
                    let b1 = w0 * v[0].bary[1] + w1 * v[1].bary[1] + w2 * v[2].bary[1];
                    let b2 = w0 * v[0].bary[2] + w1 * v[1].bary[2] + w2 * v[2].bary[2];
                    if let Some(hit) = accept(b1, b2) {
                        depth[index] = w;
                        hits[index] = Some(hit);
                    }
                }
            }
            l[0] += dx[0];
            l[1] += dx[1];
            l[2] += dx[2];
        }
    }
}

/// Twice the signed area of (a, b, p).
#[inline]
fn edge(ax: f32, ay: f32, bx: f32, by: f32, px: f32, py: f32) -> f32 {
    (bx - ax) * (py - ay) - (by - ay) * (px - ax)
}

/// Interpolates a per-vertex attribute at barycentrics (1 - b1 - b2, b1, b2).
#[inline]
fn lerp<const N: usize>(values: &[[f32; N]], tri: &[u32], b1: f32, b2: f32) -> [f32; N] {
    let b0 = 1.0 - b1 - b2;
    let [a, b, c] = [tri[0], tri[1], tri[2]].map(|i| values[i as usize]);
    std::array::from_fn(|k| a[k] * b0 + b[k] * b1 + c[k] * b2)
}

/// Linear base colour with alpha: factor x vertex colour x texture.
fn base_color(prim: &Prim, tri: &[u32], b1: f32, b2: f32) -> [f32; 4] {
    let mut color = prim.material.base_color;
    if !prim.colors.is_empty() {
        let c = lerp(&prim.colors, tri, b1, b2);
        color = std::array::from_fn(|k| color[k] * c[k]);
    }
    if let Some(texture) = &prim.texture {
        let uv = lerp(&prim.uvs, tri, b1, b2);
        let t = sample(texture, uv);
        color = std::array::from_fn(|k| color[k] * t[k]);
    }
    color
}

fn shade(scene: &Normalised, camera: &Camera, hit: Hit) -> [f32; 4] {
    let prim = &scene.primitives[hit.prim as usize];
    let start = hit.tri as usize * 3;
    let tri = &prim.indices[start..start + 3];
    let [r, g, b, a] = base_color(prim, tri, hit.b1, hit.b2);
    let p = [tri[0], tri[1], tri[2]].map(|i| prim.positions[i as usize]);
    let face = normalise(cross(sub(p[1], p[0]), sub(p[2], p[0])));
    let mut normal = if prim.normals.is_empty() { face } else { normalise(lerp(&prim.normals, tri, hit.b1, hit.b2)) };
    // Seen from behind: light the side that faces the camera.
    if dot(face, sub(camera.location, p[0])) < 0.0 {
        normal = normal.map(|x| -x);
    }
    let light = AMBIENT + KEY.0 * dot(normal, camera.key).max(0.0) + FILL.0 * dot(normal, camera.fill).max(0.0);
    let alpha = match prim.material.alpha {
        AlphaMode::Blend => a.clamp(0.0, 1.0),
        _ => 1.0,
    };
    [r * light, g * light, b * light, alpha]
}

/// Bilinear sample in linear RGBA, with the texture's wrap modes. `uv` (0, 0) is the image's top-left corner.
fn sample(texture: &Texture, uv: [f32; 2]) -> [f32; 4] {
    let (w, h) = (texture.width as i64, texture.height as i64);
    let x = uv[0] * w as f32 - 0.5;
    let y = uv[1] * h as f32 - 0.5;
    if !(x.is_finite() && y.is_finite()) {
        return [1.0; 4];
    }
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (x0, y0) = (x0 as i64, y0 as i64);
    let xs = [wrap(x0, w, texture.wrap_s), wrap(x0 + 1, w, texture.wrap_s)];
    let ys = [wrap(y0, h, texture.wrap_t), wrap(y0 + 1, h, texture.wrap_t)];
    let texel = |x: usize, y: usize| {
        let i = (y * texture.width as usize + x) * 4;
        let p = &texture.rgba[i..i + 4];
        [TO_LINEAR[p[0] as usize], TO_LINEAR[p[1] as usize], TO_LINEAR[p[2] as usize], f32::from(p[3]) / 255.0]
    };
    let [a, b, c, d] = [texel(xs[0], ys[0]), texel(xs[1], ys[0]), texel(xs[0], ys[1]), texel(xs[1], ys[1])];
    std::array::from_fn(|k| {
        let top = a[k] + (b[k] - a[k]) * fx;
        let bottom = c[k] + (d[k] - c[k]) * fx;
        top + (bottom - top) * fy
    })
}

fn wrap(i: i64, n: i64, mode: Wrap) -> usize {
    let i = match mode {
        Wrap::Clamp => i.clamp(0, n - 1),
        Wrap::Repeat => i.rem_euclid(n),
        Wrap::Mirror => {
            let period = i.rem_euclid(2 * n);
            if period < n { period } else { 2 * n - 1 - period }
        }
    };
    i as usize
}

fn sub(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn dot(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

fn normalise(a: [f32; 3]) -> [f32; 3] {
    let l = dot(a, a).sqrt();
    if l > 0.0 { [a[0] / l, a[1] / l, a[2] / l] } else { [0.0, 0.0, 1.0] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_modes() {
        assert_eq!([-1, 0, 3, 4].map(|i| wrap(i, 4, Wrap::Repeat)), [3, 0, 3, 0]);
        assert_eq!([-1, 0, 3, 4].map(|i| wrap(i, 4, Wrap::Clamp)), [0, 0, 3, 3]);
        assert_eq!([-1, 0, 3, 4, 8].map(|i| wrap(i, 4, Wrap::Mirror)), [0, 0, 3, 3, 0]);
    }
}
