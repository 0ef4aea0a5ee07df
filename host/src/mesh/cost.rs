//! What reading, measuring and drawing a model costs, estimated from declared sizes before the work is done (see
//! [`crate::budget`]). Every formula is `units = count x nanoseconds per thing` and `bytes = count x bytes per
//! thing`, with the counts from headers only (a zip entry's declared size, a glTF accessor's `count`, an image's
//! header, the lines of an OBJ), so the same model always costs the same.
//!
//! The nanosecond constants were measured on the development machine (2 cores, release build) with
//! `cargo nextest run --release -p aigc-tests --run-ignored only -E 'test(calibrate_mesh_costs)'`, which times
//! each stage on generated models (a 980 k-triangle grid as GLB and OBJ, facts, inflating, a 4096^2 PNG, views)
//! and prints estimated against measured. On the shared build machine (load 2-4 on 2 cores) the estimates came
//! to 0.5-1.6 of the measured times: within a factor of two either way, deterministic, and far below what any
//! hostile input needs to be refused. The byte constants come from the layouts of the structures each step fills.

use crate::budget::{Cost, Work, WorkError};

use super::MeshError;

/// Copying bytes already in memory (item files read from the store, one page fault per 4 KiB included).
const READ_NS_PER_BYTE: u64 = 1;
/// Inflating a zip entry, per decompressed byte.
const INFLATE_NS_PER_BYTE: u64 = 4;
/// Opening a zip archive: one central directory record, and what the `zip` crate holds per entry.
const ZIP_ENTRY_NS: u64 = 2_000;
const ZIP_ENTRY_BYTES: u64 = 512;
/// Parsing and validating glTF JSON into `gltf`'s document, per byte of JSON; the document holds several times
/// the text (every accessor, view and node is a struct with optional fields and `extras`).
const JSON_NS_PER_BYTE: u64 = 25;
const JSON_BYTES_PER_BYTE: u64 = 8;
/// Base64 `data:` URIs, per encoded byte.
const BASE64_NS_PER_BYTE: u64 = 3;
/// Following one node of the hierarchy (a 4x4 matrix product).
const NODE_VISIT_NS: u64 = 200;
/// Reading one vertex of a glTF primitive: position, normal, texture coordinate and colour iterators, the world
/// transform and the finiteness check.
const GLTF_VERTEX_NS: u64 = 60;
/// Reading one index and turning strips and fans into triangle lists.
const GLTF_INDEX_NS: u64 = 10;
/// Reading an image's header for its size.
const IMAGE_HEADER_NS: u64 = 20_000;
/// Decoding one pixel (PNG inflate and unfilter, or JPEG IDCT), converting it to RGBA8 and downscaling.
const DECODE_NS_PER_PIXEL: u64 = 30;
/// Scanning OBJ text for its counts before `tobj` parses it.
const OBJ_SCAN_NS_PER_BYTE: u64 = 4;
/// `tobj`: parsing text (floats, face indices), per byte, and one vertex-index hash lookup per face corner.
const OBJ_PARSE_NS_PER_BYTE: u64 = 30;
const OBJ_CORNER_NS: u64 = 100;
/// What `tobj` holds: its `Face` enum is 104 bytes whatever the face, a polygon's corners 24 bytes each, the
/// unique vertex map about 48 bytes an entry, and vectors grow by doubling (a quarter more on average).
const OBJ_FACE_BYTES: u64 = 104;
const OBJ_CORNER_BYTES: u64 = 24;
const OBJ_VERTEX_MAP_BYTES: u64 = 48;
const OBJ_CORNER_SET_BYTES: u64 = 40;
/// An MTL line (a map insert at worst), and what a material and a line hold.
const MTL_LINE_NS: u64 = 100;
const MTL_MATERIAL_BYTES: u64 = 512;
const MTL_LINE_BYTES: u64 = 64;
/// Facts: welding positions (one hash lookup per vertex), union-find per face, area per face.
const FACTS_VERTEX_NS: u64 = 300;
const FACTS_FACE_NS: u64 = 150;
/// Facts hold the weld map (~56 bytes an entry at its load factor), union-find (8), ids (4) per vertex, and per
/// face its root and area (16) plus a component entry in the worst case (one component per face, ~40).
const FACTS_VERTEX_BYTES: u64 = 68;
const FACTS_FACE_BYTES: u64 = 56;

/// Bytes of one vertex of a [`Scene`](super::Scene) with every attribute: position 12, normal 12, texture
/// coordinate 8, colour 16.
pub(super) const VERTEX_BYTES: u64 = 48;
/// Bytes of one triangle's indices.
pub(super) const TRIANGLE_BYTES: u64 = 12;

/// Charges `cost` for `stage` ("the geometry of `scene.gltf` (...)"); a refusal names the stage.
pub(super) fn charge(work: &mut Work, stage: impl FnOnce() -> String, cost: Cost) -> Result<(), MeshError> {
    work.charge(cost).map_err(|e| refused(stage(), e))
}

/// A refused charge as a limit error about `stage`.
pub(super) fn refused(stage: String, error: WorkError) -> MeshError {
    match error {
        WorkError::TooCostly { units, limit, .. } => MeshError::Limit(format!(
            "{stage} would take about {:.1} s of host work; the host's limit per call is {:.1} s",
            seconds(units),
            seconds(limit)
        )),
        WorkError::TooLarge { bytes, limit, .. } => MeshError::Limit(format!(
            "{stage} would need about {} MiB of host memory; the host's limit per call is {} MiB",
            bytes >> 20,
            limit >> 20
        )),
        other => MeshError::from(other),
    }
}

fn seconds(units: u64) -> f64 {
    units as f64 / crate::budget::UNITS_PER_SECOND as f64
}

/// Reading `bytes` of item files from the store into memory.
pub(super) fn read(bytes: u64) -> Cost {
    Cost::new(bytes.saturating_mul(READ_NS_PER_BYTE), bytes)
}

/// Inflating a zip entry that declares `bytes` uncompressed.
pub(super) fn inflate(bytes: u64) -> Cost {
    Cost::new(bytes.saturating_mul(INFLATE_NS_PER_BYTE), bytes)
}

/// Opening a zip archive whose central directory declares `entries`.
pub(super) fn zip_directory(entries: u64) -> Cost {
    Cost::new(entries.saturating_mul(ZIP_ENTRY_NS), entries.saturating_mul(ZIP_ENTRY_BYTES))
}

/// Parsing `bytes` of glTF JSON.
pub(super) fn json(bytes: u64) -> Cost {
    Cost::new(bytes.saturating_mul(JSON_NS_PER_BYTE), bytes.saturating_mul(JSON_BYTES_PER_BYTE))
}

/// Decoding a base64 `data:` URI of `encoded` bytes.
pub(super) fn base64(encoded: u64) -> Cost {
    Cost::new(encoded.saturating_mul(BASE64_NS_PER_BYTE), encoded / 4 * 3 + 3)
}

/// Reading the headers of `images` images.
pub(super) fn image_headers(images: u64) -> Cost {
    Cost::work(images.saturating_mul(IMAGE_HEADER_NS))
}

/// Decoding a `width` x `height` image whose decoder holds `native` bytes, converted to RGBA8 and downscaled to
/// at most `side` on a side.
pub(super) fn decode(width: u32, height: u32, native: u64, side: u32) -> Cost {
    let pixels = u64::from(width) * u64::from(height);
    let scaled = u64::from(width.min(side)) * u64::from(height.min(side));
    Cost::new(pixels.saturating_mul(DECODE_NS_PER_PIXEL), native.saturating_add(pixels * 4).saturating_add(scaled * 4))
}

/// The declared geometry of a glTF model, over every instance of every drawn primitive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Geometry {
    pub node_visits: u64,
    pub vertices: u64,
    /// Indices read (a primitive without indices reads one per vertex).
    pub indices: u64,
    pub triangles: u64,
    /// Bytes of the attributes read (12 for a position, 12 a normal, 8 a texture coordinate, 16 a colour).
    pub attribute_bytes: u64,
}

/// Reading `geometry` into a scene: the indices as read plus the triangle lists they become, and the attributes.
pub(super) fn gltf_geometry(geometry: &Geometry) -> Cost {
    let work = geometry
        .node_visits
        .saturating_mul(NODE_VISIT_NS)
        .saturating_add(geometry.vertices.saturating_mul(GLTF_VERTEX_NS))
        .saturating_add(geometry.indices.saturating_mul(GLTF_INDEX_NS));
    let bytes = geometry
        .attribute_bytes
        .saturating_add(geometry.indices.saturating_mul(4))
        .saturating_add(geometry.triangles.saturating_mul(TRIANGLE_BYTES));
    Cost::new(work, bytes)
}

/// The counts of an OBJ file, from a scan of its lines (see [`super::obj_scan`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct ObjCounts {
    pub bytes: u64,
    /// `v`, `vt` and `vn` lines.
    pub positions: u64,
    pub texcoords: u64,
    pub normals: u64,
    /// `f` and `l` lines, their corners, the corners of those with more than four, and the triangles they
    /// become (`tobj` splits a polygon of k corners into k - 2).
    pub faces: u64,
    pub corners: u64,
    pub polygon_corners: u64,
    pub triangles: u64,
}

/// Scanning `bytes` of OBJ text.
pub(super) fn obj_scan(bytes: u64) -> Cost {
    Cost::work(bytes.saturating_mul(OBJ_SCAN_NS_PER_BYTE))
}

/// Counting the distinct corners of an OBJ of `corners` corners (one hash lookup each).
pub(super) fn obj_vertices(corners: u64) -> Cost {
    Cost::work(corners.saturating_mul(OBJ_CORNER_NS))
}

/// `entries` more entries of the set of distinct corners (~40 bytes each at its load factor).
pub(super) fn obj_vertex_set(entries: u64) -> Cost {
    Cost::new(0, entries.saturating_mul(OBJ_CORNER_SET_BYTES))
}

/// `tobj` parsing an OBJ with `counts` into its arrays and face records (what it holds before it builds any
/// mesh; known from the first scan alone).
pub(super) fn obj_faces(counts: &ObjCounts) -> Cost {
    let corners = counts.triangles.saturating_mul(3);
    let work = counts.bytes.saturating_mul(OBJ_PARSE_NS_PER_BYTE).saturating_add(corners.saturating_mul(OBJ_CORNER_NS));
    // tobj's own arrays: positions (and colours) 24 bytes, texture coordinates 8, normals 12.
    let arrays = counts.positions * 24 + counts.texcoords * 8 + counts.normals * 12;
    let faces = counts.faces.saturating_mul(OBJ_FACE_BYTES).saturating_add(counts.polygon_corners * OBJ_CORNER_BYTES);
    // Vectors grow by doubling: a quarter more on average.
    Cost::new(work, arrays.saturating_add(faces).saturating_mul(5) / 4)
}

/// The meshes `tobj` builds from the faces, and the scene made from them: per vertex its map entry and its
/// attributes in tobj's mesh and again in the scene, per triangle its indices once (moved into the scene).
pub(super) fn obj_meshes(vertices: u64, triangles: u64) -> Cost {
    let bytes = vertices
        .saturating_mul(OBJ_VERTEX_MAP_BYTES + 2 * VERTEX_BYTES)
        .saturating_add(triangles.saturating_mul(TRIANGLE_BYTES));
    Cost::new(0, bytes.saturating_mul(5) / 4)
}

/// Parsing an MTL file of `bytes` in `lines` declaring `materials`: `tobj` keeps a ~300-byte `Material` per
/// material (the scene another ~100, the name map ~60) and every unknown line as two strings in a map.
pub(super) fn mtl(bytes: u64, lines: u64, materials: u64) -> Cost {
    Cost::new(
        bytes.saturating_mul(OBJ_PARSE_NS_PER_BYTE).saturating_add(lines.saturating_mul(MTL_LINE_NS)),
        materials
            .saturating_mul(MTL_MATERIAL_BYTES)
            .saturating_add(lines.saturating_mul(MTL_LINE_BYTES))
            .saturating_add(bytes.saturating_mul(2)),
    )
}

/// Computing [`Facts`](super::Facts) of a scene of `vertices` and `faces`.
pub(super) fn facts(vertices: u64, faces: u64) -> Cost {
    Cost::new(
        vertices.saturating_mul(FACTS_VERTEX_NS).saturating_add(faces.saturating_mul(FACTS_FACE_NS)),
        vertices.saturating_mul(FACTS_VERTEX_BYTES).saturating_add(faces.saturating_mul(FACTS_FACE_BYTES)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_saturate_instead_of_wrapping() {
        let huge = Geometry { vertices: u64::MAX, indices: u64::MAX, triangles: u64::MAX, ..Geometry::default() };
        assert_eq!(gltf_geometry(&huge), Cost::new(u64::MAX, u64::MAX));
        assert_eq!(decode(u32::MAX, u32::MAX, u64::MAX, 2048).bytes, u64::MAX);
    }

    #[test]
    fn ten_million_obj_triangles_need_gigabytes() {
        // `f 1 2 3` ten million times: 80 MB of text that tobj holds as 10 M face records of 104 bytes.
        let counts = ObjCounts {
            bytes: 80_000_000,
            positions: 3,
            faces: 10_000_000,
            corners: 30_000_000,
            triangles: 10_000_000,
            ..ObjCounts::default()
        };
        assert!(obj_faces(&counts).bytes > 1 << 30);
    }
}
