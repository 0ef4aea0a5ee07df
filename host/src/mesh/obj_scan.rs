//! Counts of an OBJ (and MTL) file, read line by line the way `tobj` reads it, before `tobj` parses it: `tobj`
//! holds every face (104 bytes each, whatever its size) and builds every mesh in memory before returning, so
//! its cost has to be known from the text first.
//!
//! Two passes. [`scan`] counts lines, faces and corners, holding nothing. [`unique_vertices`] then counts the
//! vertices `tobj` will make: one per distinct `v/vt/vn` corner of each object, which only a set of the corners
//! can tell (three `v` lines and a million `vt` lines make a million vertices); the set's memory is reserved
//! before it grows, a block at a time.

use std::collections::HashSet;

use super::cost::ObjCounts;

/// What an OBJ file declares.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct ObjScan {
    pub counts: ObjCounts,
    /// The `mtllib` names, in order, as `tobj` will ask for them.
    pub libraries: Vec<String>,
}

/// The lines of `text` as `tobj` reads them: split on `\n` (a trailing `\r` dropped), up to the first that is
/// not UTF-8 (where `tobj` stops with an error), each with its keyword.
fn lines(text: &[u8]) -> impl Iterator<Item = (&str, Option<&str>, std::str::SplitWhitespace<'_>)> {
    text.split(|&b| b == b'\n').map_while(|raw| {
        let line = std::str::from_utf8(raw.strip_suffix(b"\r").unwrap_or(raw)).ok()?;
        let mut words = line.split_whitespace();
        let keyword = words.next();
        Some((line, keyword, words))
    })
}

/// Counts `text` as `tobj` will parse it.
pub(super) fn scan(text: &[u8]) -> ObjScan {
    let mut out =
        ObjScan { counts: ObjCounts { bytes: text.len() as u64, ..ObjCounts::default() }, ..ObjScan::default() };
    let c = &mut out.counts;
    for (line, keyword, words) in lines(text) {
        match keyword {
            Some("v") => c.positions += 1,
            Some("vt") => c.texcoords += 1,
            Some("vn") => c.normals += 1,
            // `l` lines are parsed as faces too: one of three or more corners becomes triangles like an `f`.
            Some("f") | Some("l") => {
                let corners = words.count() as u64;
                c.faces += 1;
                c.corners += corners;
                if corners > 4 {
                    c.polygon_corners += corners;
                }
                c.triangles += corners.saturating_sub(2);
            }
            // `tobj` takes the name after the first space of the line, whitespace trimmed.
            Some("mtllib") => out.libraries.push(line.split_once(' ').unwrap_or_default().1.trim().to_string()),
            _ => {}
        }
    }
    out
}

/// Index `text` refers to, as `tobj` resolves it: 1-based, or negative counting back from the last so far.
fn index(text: &str, so_far: u64) -> Option<u64> {
    if text.is_empty() {
        return Some(u64::MAX);
    }
    let x: i64 = text.parse().ok()?;
    Some(if x < 0 { so_far.wrapping_add_signed(x) } else { (x as u64).wrapping_sub(1) })
}

/// Entries the set of corners is first reserved for, and grows by (doubling) when full.
const SET_BLOCK: u64 = 1 << 16;

/// The vertices `tobj` will make: per group of faces (between `o`, `g` and `usemtl` lines, where `tobj` may
/// start a new mesh), the distinct corners of faces of three or more. At least what `tobj` makes, since a mesh
/// of `tobj` is one or more whole groups. Stops where `tobj` would stop with an error. `reserve(n)` is asked
/// before the set grows by `n` entries; its error ends the count.
pub(super) fn unique_vertices<E>(text: &[u8], mut reserve: impl FnMut(u64) -> Result<(), E>) -> Result<u64, E> {
    let (mut v, mut vt, mut vn) = (0u64, 0u64, 0u64);
    let mut seen: HashSet<(u64, u64, u64)> = HashSet::new();
    let mut reserved = 0u64;
    let mut total = 0u64;
    for (_, keyword, words) in lines(text) {
        match keyword {
            Some("v") => v += 1,
            Some("vt") => vt += 1,
            Some("vn") => vn += 1,
            Some("f") | Some("l") => {
                let mut corners = Vec::new();
                for word in words {
                    let mut parts = word.split('/');
                    let mut next = |so_far| parts.next().map_or(Some(u64::MAX), |p| index(p, so_far));
                    match (next(v), next(vt), next(vn)) {
                        (Some(a), Some(b), Some(c)) => corners.push((a, b, c)),
                        _ => return Ok(total),
                    }
                }
                if corners.len() >= 3 {
                    for corner in corners {
                        if seen.len() as u64 == reserved {
                            let more = reserved.max(SET_BLOCK);
                            reserve(more)?;
                            reserved += more;
                        }
                        if seen.insert(corner) {
                            total += 1;
                        }
                    }
                }
            }
            // Cleared, the set keeps its room for the next group.
            Some("o") | Some("g") | Some("usemtl") => seen.clear(),
            _ => {}
        }
    }
    Ok(total)
}

/// Lines and materials of an MTL file.
pub(super) fn scan_mtl(text: &[u8]) -> (u64, u64) {
    let mut lines = 0;
    let mut materials = 0;
    for raw in text.split(|&b| b == b'\n') {
        lines += 1;
        if std::str::from_utf8(raw).is_ok_and(|l| l.split_whitespace().next() == Some("newmtl")) {
            materials += 1;
        }
    }
    (lines, materials)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faces_count_as_the_triangles_tobj_makes() {
        let text = b"mtllib my lib.mtl\r\nv 0 0 0\nv 1 0 0\nv 0 1 0\nv 1 1 0\nvt 0 0\nvn 0 0 1\n\
                     f 1 2 3\nf 1/1 2/1 3/1 4/1\nl 1 2\nf 1 2 3 4 1 2\n# f 1 2 3\n";
        let s = scan(text);
        assert_eq!(s.libraries, ["my lib.mtl"]);
        let c = s.counts;
        assert_eq!((c.positions, c.texcoords, c.normals), (4, 1, 1));
        assert_eq!((c.faces, c.corners, c.polygon_corners, c.triangles), (4, 15, 6, 1 + 2 + 4));
        // 1, 2, 3; 1/1, 2/1, 3/1, 4/1; 4 (the line's corners are not drawn).
        assert_eq!(unique_vertices(text, |_| Ok::<_, ()>(())), Ok(8));
    }

    #[test]
    fn vertices_are_the_distinct_corners_of_each_group() {
        // Three positions, many texture coordinates: every corner is its own vertex.
        let text = b"v 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nvt 1 0\nvt 0 1\nvt 1 1\nf 1/1 2/2 3/3\nf 1/4 2/2 3/3\n\
                     o second\nf 1/1 2/2 3/3\nf -3/-4 -2/-3 -1/-2\n";
        // 4 in the first group; 3 in the second (the relative corners are the same three).
        assert_eq!(unique_vertices(text, |_| Ok::<_, ()>(())), Ok(7));
        // tobj stops at a face it cannot parse, and so does the count.
        assert_eq!(unique_vertices(b"v 0 0 0\nf 1 1 1\nf 1 x 1\nf 1/1 1 1\n", |_| Ok::<_, ()>(())), Ok(1));
    }

    #[test]
    fn the_set_is_reserved_before_it_grows_and_a_refusal_ends_the_count() {
        let mut text = b"v 0 0 0\n".to_vec();
        for i in 0..70_000 {
            text.extend_from_slice(format!("vt {i} 0\n").as_bytes());
        }
        for i in 0..70_000 {
            text.extend_from_slice(format!("f 1/{} 1/{} 1/{}\n", i + 1, i + 1, i + 1).as_bytes());
        }
        let mut asked = Vec::new();
        assert_eq!(
            unique_vertices(&text, |n| {
                asked.push(n);
                Ok::<_, ()>(())
            }),
            Ok(70_000)
        );
        assert_eq!(asked, [SET_BLOCK, SET_BLOCK]);
        assert_eq!(unique_vertices(&text, |n| if n > 1000 { Err(n) } else { Ok(()) }), Err(SET_BLOCK));
    }

    #[test]
    fn a_line_that_is_not_utf8_ends_the_scan_as_it_ends_tobj() {
        let s = scan(b"v 0 0 0\nf 1 1 1\n\xff\xfe\nf 1 1 1\n");
        assert_eq!(s.counts.faces, 1);
        assert_eq!(scan_mtl(b"newmtl a\nKd 1 1 1\nnewmtl b\n"), (4, 2));
    }
}
