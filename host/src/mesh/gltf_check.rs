//! What a glTF document declares, checked and counted before any of it is read: every buffer view inside its
//! buffer's real bytes, every accessor (and sparse part) inside its view, and the vertices, indices and triangles
//! the drawn scene will hold, over every node that instances a mesh. The `gltf` crate's readers trust the
//! header's `count`: a sparse accessor with no buffer view yields `count` zeros from a few bytes of JSON, so the
//! counts are capped and charged here, from the JSON alone.

use std::collections::HashMap;

use gltf::Document;
use gltf::mesh::{Mode, Semantic};

use super::cost::Geometry;
use super::{Limits, MeshError};

/// Deepest node hierarchy followed; deeper (or cyclic) hierarchies are malformed.
pub(super) const MAX_DEPTH: usize = 256;
/// Most node visits (nodes that share children are visited once per path, so a small file could ask for
/// 2^256 of them).
pub(super) const MAX_NODE_VISITS: u64 = 1_000_000;

/// Checks every view against the real length of its buffer (`buffer_lengths`, by buffer index) and every
/// accessor against its view, so that nothing read later can reach past the bytes the file has.
pub(super) fn check_layout(document: &Document, buffer_lengths: &[usize], path: &str) -> Result<(), MeshError> {
    for view in document.views() {
        let length = buffer_lengths.get(view.buffer().index()).copied().unwrap_or(0);
        if view.offset().checked_add(view.length()).is_none_or(|end| end > length) {
            return Err(MeshError::Truncated(format!(
                "bufferView {} of `{path}` ({} bytes at {}) ends past the {length} bytes of buffer {}",
                view.index(),
                view.length(),
                view.offset(),
                view.buffer().index()
            )));
        }
    }
    for accessor in document.accessors() {
        let (index, count, element) = (accessor.index(), accessor.count(), accessor.size());
        let what = |part: &str| format!("accessor {index}{part} of `{path}`");
        if count == 0 {
            return Err(MeshError::Malformed(format!("{} has a count of 0", what(""))));
        }
        if let Some(view) = accessor.view() {
            fits(&what(""), accessor.offset(), view.stride(), count, element, &view)?;
        }
        if let Some(sparse) = accessor.sparse() {
            let n = sparse.count();
            if n == 0 || n > count {
                return Err(MeshError::Malformed(format!("{} has {n} sparse values for {count} elements", what(""))));
            }
            let indices = sparse.indices();
            let view = indices.view();
            fits(&what(" (sparse indices)"), indices.offset(), view.stride(), n, indices.index_type().size(), &view)?;
            let values = sparse.values();
            let view = values.view();
            fits(&what(" (sparse values)"), values.offset(), view.stride(), n, element, &view)?;
        }
    }
    Ok(())
}

/// `count` elements of `element` bytes, `stride` apart from `offset`, lie inside `view`.
fn fits(
    what: &str,
    offset: usize,
    stride: Option<usize>,
    count: usize,
    element: usize,
    view: &gltf::buffer::View,
) -> Result<(), MeshError> {
    let stride = stride.unwrap_or(element);
    if stride < element {
        return Err(MeshError::Malformed(format!(
            "{what} has {element}-byte elements but its bufferView's stride is {stride}"
        )));
    }
    let needed = (count as u64 - 1)
        .checked_mul(stride as u64)
        .and_then(|n| n.checked_add(element as u64))
        .and_then(|n| n.checked_add(offset as u64));
    match needed {
        Some(needed) if needed <= view.length() as u64 => Ok(()),
        _ => Err(MeshError::Truncated(format!(
            "{what} declares {count} elements of {element} bytes, more than the {} bytes of bufferView {}",
            view.length(),
            view.index()
        ))),
    }
}

/// The scene's root nodes: the default scene's, else the first scene's; a file with no scenes shows every root
/// node, as Blender's importer does.
pub(super) fn roots(document: &Document) -> Vec<gltf::Node<'_>> {
    match document.default_scene().or_else(|| document.scenes().next()) {
        Some(scene) => scene.nodes().collect(),
        None => {
            let children: std::collections::HashSet<usize> =
                document.nodes().flat_map(|n| n.children().map(|c| c.index()).collect::<Vec<_>>()).collect();
            document.nodes().filter(|n| !children.contains(&n.index())).collect()
        }
    }
}

/// The geometry the scene under `roots` declares, every mesh counted once per node that draws it; refused when
/// over the vertex, face or node-visit caps.
pub(super) fn geometry(document: &Document, path: &str, limits: &Limits) -> Result<Geometry, MeshError> {
    let mut total = Geometry::default();
    let mut per_mesh: HashMap<usize, Geometry> = HashMap::new();
    let mut stack: Vec<(gltf::Node, usize)> = roots(document).into_iter().map(|n| (n, 0)).collect();
    while let Some((node, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(MeshError::Malformed(format!("the node hierarchy of `{path}` is deeper than {MAX_DEPTH}")));
        }
        total.node_visits += 1;
        if total.node_visits > MAX_NODE_VISITS {
            return Err(MeshError::Limit(format!(
                "`{path}` reaches more than {MAX_NODE_VISITS} nodes through its hierarchy"
            )));
        }
        if let Some(mesh) = node.mesh() {
            let g = *per_mesh
                .entry(mesh.index())
                .or_insert_with(|| mesh.primitives().map(|p| primitive(&p)).fold(Geometry::default(), add));
            total = add(total, g);
        }
        stack.extend(node.children().map(|child| (child, depth + 1)));
    }
    if total.vertices > limits.vertices as u64 {
        return Err(MeshError::Limit(format!(
            "`{path}` declares {} vertices; the limit is {}",
            total.vertices, limits.vertices
        )));
    }
    if total.triangles > limits.faces as u64 {
        return Err(MeshError::Limit(format!(
            "`{path}` declares {} triangles ({} indices); the limit is {} faces",
            total.triangles, total.indices, limits.faces
        )));
    }
    Ok(total)
}

fn add(a: Geometry, b: Geometry) -> Geometry {
    Geometry {
        node_visits: a.node_visits.saturating_add(b.node_visits),
        vertices: a.vertices.saturating_add(b.vertices),
        indices: a.indices.saturating_add(b.indices),
        triangles: a.triangles.saturating_add(b.triangles),
        attribute_bytes: a.attribute_bytes.saturating_add(b.attribute_bytes),
    }
}

/// What reading one primitive holds: its vertices (and the attributes the reader keeps: those with one value
/// per vertex), its indices and its triangles. Points and lines are not read.
fn primitive(p: &gltf::Primitive) -> Geometry {
    let mode = p.mode();
    let Some(positions) = p.get(&Semantic::Positions) else { return Geometry::default() };
    if !matches!(mode, Mode::Triangles | Mode::TriangleStrip | Mode::TriangleFan) {
        return Geometry::default();
    }
    let n = positions.count() as u64;
    let indices = p.indices().map_or(n, |a| a.count() as u64);
    let triangles = if mode == Mode::Triangles { indices / 3 } else { indices.saturating_sub(2) };
    let per_vertex = |semantic: Semantic| p.get(&semantic).is_some_and(|a| a.count() as u64 == n);
    let uv = p.attributes().any(|(s, a)| matches!(s, Semantic::TexCoords(_)) && a.count() as u64 == n);
    let bytes_per_vertex = 12
        + if per_vertex(Semantic::Normals) { 12 } else { 0 }
        + if uv { 8 } else { 0 }
        + if per_vertex(Semantic::Colors(0)) { 16 } else { 0 };
    Geometry { node_visits: 0, vertices: n, indices, triangles, attribute_bytes: n * bytes_per_vertex }
}
