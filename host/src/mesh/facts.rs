//! What a cleaner judges a model by: counts, bounds, textures, degenerate faces and connected components.

use std::collections::HashMap;

use serde::Serialize;

use super::{Format, Scene};

/// Measurements of one model. Serialised as the `facts` JSON that `aigc-host render --json` and tests read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Facts {
    pub format: Format,
    /// The model file inside the item or its archive.
    pub model_file: String,
    pub vertices: u64,
    /// Triangles (quads and polygons count as the triangles they split into).
    pub faces: u64,
    /// Primitives drawn (glTF primitives, OBJ groups).
    pub meshes: u32,
    /// Primitives with no faces.
    pub empty_meshes: u32,
    /// Point or line primitives, which are not drawn.
    pub skipped_primitives: u32,
    /// Faces with (nearly) zero area.
    pub degenerate_faces: u64,
    /// Axis-aligned bounds in the file's units and axes (+Y up); None without faces.
    pub bbox_min: Option<[f32; 3]>,
    pub bbox_max: Option<[f32; 3]>,
    pub surface_area: f64,
    pub materials: u32,
    /// Images the file declares, with their sizes (0x0 when unreadable).
    pub textures: Vec<TextureFact>,
    /// A base colour texture is drawn on at least one face (with texture coordinates to place it).
    pub textured: bool,
    pub vertex_colors: bool,
    pub animations: u32,
    pub scenes: u32,
    pub nodes: u32,
    /// Groups of faces connected through shared vertex positions.
    pub components: u32,
    /// The largest component (by area): its share of the faces and of the surface area, in [0, 1].
    pub largest_component_face_share: f64,
    pub largest_component_area_share: f64,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextureFact {
    pub name: String,
    pub width: u32,
    pub height: u32,
}

impl Facts {
    pub fn of(scene: &Scene) -> Self {
        let bounds = scene.bounds();
        let diagonal = bounds
            .map(|(min, max)| ((0..3).map(|k| f64::from(max[k] - min[k]).powi(2)).sum::<f64>()).sqrt())
            .unwrap_or(0.0);
        // Faces below this area are degenerate: a millionth of the diagonal squared, so units do not matter.
        let tiny = (diagonal * 1e-6).powi(2);
        // Positions closer than this are one vertex for connectivity (glTF splits vertices at UV seams).
        let cell = (diagonal * 1e-6).max(f64::MIN_POSITIVE);

        let mut welded: HashMap<[i64; 3], u32> = HashMap::new();
        let mut sets = UnionFind::default();
        let mut face_roots = Vec::with_capacity(scene.face_count());
        let mut degenerate = 0u64;
        let mut area_total = 0.0;
        for p in &scene.primitives {
            let ids: Vec<u32> = p
                .positions
                .iter()
                .map(|v| {
                    let key = v.map(|x| (f64::from(x) / cell).round() as i64);
                    *welded.entry(key).or_insert_with(|| sets.add())
                })
                .collect();
            for t in p.indices.chunks_exact(3) {
                let [a, b, c] = [t[0], t[1], t[2]].map(|i| i as usize);
                let area = triangle_area(p.positions[a], p.positions[b], p.positions[c]);
                if area <= tiny {
                    degenerate += 1;
                }
                area_total += area;
                sets.union(ids[a], ids[b]);
                sets.union(ids[a], ids[c]);
                face_roots.push((ids[a], area));
            }
        }
        let mut components: HashMap<u32, (u64, f64)> = HashMap::new();
        for (vertex, area) in face_roots {
            let entry = components.entry(sets.find(vertex)).or_default();
            entry.0 += 1;
            entry.1 += area;
        }
        let faces = scene.face_count() as u64;
        let largest = components.values().copied().max_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let (face_share, area_share) = match largest {
            Some((f, a)) if faces > 0 => (f as f64 / faces as f64, if area_total > 0.0 { a / area_total } else { 1.0 }),
            _ => (0.0, 0.0),
        };
        let textured = scene.primitives.iter().any(|p| {
            !p.uvs.is_empty()
                && !p.indices.is_empty()
                && p.material.and_then(|m| scene.materials.get(m)).is_some_and(|m| m.texture.is_some())
        });
        Facts {
            format: scene.format,
            model_file: scene.model_path.clone(),
            vertices: scene.vertex_count() as u64,
            faces,
            meshes: scene.primitives.len() as u32,
            empty_meshes: scene.primitives.iter().filter(|p| p.indices.is_empty()).count() as u32,
            skipped_primitives: scene.declared.skipped_primitives as u32,
            degenerate_faces: degenerate,
            bbox_min: bounds.map(|b| b.0),
            bbox_max: bounds.map(|b| b.1),
            surface_area: area_total,
            materials: scene.materials.len() as u32,
            textures: scene
                .declared
                .images
                .iter()
                .map(|(name, width, height)| TextureFact { name: name.clone(), width: *width, height: *height })
                .collect(),
            textured,
            vertex_colors: scene.primitives.iter().any(|p| !p.colors.is_empty()),
            animations: scene.declared.animations as u32,
            scenes: scene.declared.scenes as u32,
            nodes: scene.declared.nodes as u32,
            components: components.len() as u32,
            largest_component_face_share: face_share,
            largest_component_area_share: area_share,
            warnings: scene.declared.warnings.clone(),
        }
    }
}

fn triangle_area(a: [f32; 3], b: [f32; 3], c: [f32; 3]) -> f64 {
    let u = [0, 1, 2].map(|k| f64::from(b[k] - a[k]));
    let v = [0, 1, 2].map(|k| f64::from(c[k] - a[k]));
    let cross = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
    0.5 * (cross[0] * cross[0] + cross[1] * cross[1] + cross[2] * cross[2]).sqrt()
}

/// Disjoint sets with path halving and union by size.
#[derive(Default)]
struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    fn add(&mut self) -> u32 {
        self.parent.push(self.parent.len() as u32);
        self.size.push(1);
        (self.parent.len() - 1) as u32
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a as usize] < self.size[b as usize] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b as usize] = a;
        self.size[a as usize] += self.size[b as usize];
    }
}
