#!/usr/bin/env python3
"""The Python baseline of the SVG benchmark: the work of the three SVG rules (sdk/svg-rules, as the plugins
svg-no-text, svg-no-prohibition and svg-single-object run it) done the usual Python way: CairoSVG rasterizes at
256 px, NumPy/SciPy measure the alpha mask's parts, the colour regions and their holes exactly as the host's
`svg.analyze` defines them (host/src/svg/shapes.rs), and the same decisions with the same default thresholds
decide. svg-no-text also asks the `svg-text` classifier (models/svg-text) for P(text) on a 64 px raster, here
through torch.jit in the same process.

One analysis per SVG serves all three decisions (the plugins each ask the host for their own), which favours the
baseline. Used by run.py (`--jobs` processes); on its own it prints the verdicts of a few files:

    bench/svg/work/venv/bin/python bench/svg/baseline.py FILE.svg...
    bench/svg/work/venv/bin/python bench/svg/baseline.py --bench LIST_FILE JOBS   # what run.py calls
"""

import io
import sys
from pathlib import Path

import numpy as np
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SIZE, MAX_SHAPES, MIN_AREA = 256, 32, 4
DRAWN_ALPHA, REGION_TOLERANCE, MAX_HOLES = 128, 24, 8
MODEL_SIZE = 64
EIGHT = np.ones((3, 3), dtype=bool)


# ----------------------------------------------------------------------------------------------------------------
# Rendering


def rasterize(svg_bytes, size):
    """Straight-alpha RGBA uint8 [size, size, 4]: the SVG fitted into the square, aspect kept, centred."""
    import cairosvg
    from PIL import Image

    png = cairosvg.svg2png(bytestring=svg_bytes, output_width=size, output_height=size, unsafe=False)
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    if image.size != (size, size):
        canvas = Image.new("RGBA", (size, size))
        image.thumbnail((size, size))
        canvas.paste(image, ((size - image.width) // 2, (size - image.height) // 2))
        image = canvas
    return np.asarray(image)


# ----------------------------------------------------------------------------------------------------------------
# Shape statistics (host/src/svg/shapes.rs)


def region_labels(px, drawn):
    """8-connected regions of drawn pixels whose neighbours differ by at most REGION_TOLERANCE per channel."""
    h, w = drawn.shape
    idx = np.arange(h * w).reshape(h, w)
    rgb = px[:, :, :3].astype(np.int16)
    rows, cols = [], []
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        y0, y1 = 0, h - dy
        x0, x1 = max(0, -dx), w - max(0, dx)
        a = (slice(y0, y1), slice(x0, x1))
        b = (slice(y0 + dy, y1 + dy), slice(x0 + dx, x1 + dx))
        ok = drawn[a] & drawn[b] & (np.abs(rgb[a] - rgb[b]) <= REGION_TOLERANCE).all(axis=2)
        rows.append(idx[a][ok])
        cols.append(idx[b][ok])
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(h * w, h * w))
    _, comp = connected_components(graph, directed=False)
    comp = comp.reshape(h, w)
    # Renumber the drawn pixels' components 1..n in first-pixel order (as the host's scan does); 0 = not drawn.
    labels = np.zeros((h, w), dtype=np.int32)
    drawn_comp = comp[drawn]
    _, first, inverse = np.unique(drawn_comp, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))
    labels[drawn] = order[inverse] + 1
    return labels, len(first)


def shapes(px, labels, count):
    """Shapes of a labelling, largest first, those under MIN_AREA dropped, at most MAX_SHAPES."""
    if count == 0:
        return []
    h, w = labels.shape
    flat = labels.ravel()
    area = np.bincount(flat, minlength=count + 1)
    ys, xs = np.indices((h, w))
    sx = np.bincount(flat, weights=xs.ravel(), minlength=count + 1)
    sy = np.bincount(flat, weights=ys.ravel(), minlength=count + 1)
    colours = [np.bincount(flat, weights=px[:, :, c].ravel().astype(np.float64), minlength=count + 1) for c in range(4)]
    padded = np.pad(labels, 1, constant_values=-1)
    centre = padded[1:-1, 1:-1]
    edge = ((padded[:-2, 1:-1] != centre) | (padded[2:, 1:-1] != centre) | (padded[1:-1, :-2] != centre)
            | (padded[1:-1, 2:] != centre))
    perimeter = np.bincount(flat, weights=edge.ravel(), minlength=count + 1)
    boxes = ndimage.find_objects(labels)
    keep = [l for l in range(1, count + 1) if area[l] >= MIN_AREA]
    keep.sort(key=lambda l: (-area[l], l))
    keep = keep[:MAX_SHAPES]
    out = []
    for l in keep:
        n = area[l]
        ysl, xsl = boxes[l - 1]
        out.append({
            "label": l, "area": int(n),
            "bbox": (float(xsl.start), float(ysl.start), float(xsl.stop - xsl.start), float(ysl.stop - ysl.start)),
            "cx": sx[l] / n + 0.5, "cy": sy[l] / n + 0.5, "perimeter": int(perimeter[l]),
            "colour": tuple(int(round(c[l] / n)) for c in colours), "holes": [], "encloses": 0,
        })
    centres = [(min(int(s["cx"]), w - 1), min(int(s["cy"]), h - 1)) for s in out]
    for k, s in enumerate(out):
        s["holes"], s["encloses"] = holes(labels, s, centres, k)
    return out


def holes(labels, shape, centres, own):
    x0, y0, bw, bh = (int(v) for v in shape["bbox"])
    if bw < 3 or bh < 3:
        return [], 0
    free = labels[y0:y0 + bh, x0:x0 + bw] != shape["label"]
    marks, n = ndimage.label(free)  # 4-connected, as the host floods holes
    outside = np.unique(np.concatenate([marks[0], marks[-1], marks[:, 0], marks[:, -1]]))
    found = []
    is_hole = np.zeros(n + 1, dtype=bool)
    for m, box in enumerate(ndimage.find_objects(marks), start=1):
        if box is None or m in outside:
            continue
        is_hole[m] = True
        area = int((marks[box] == m).sum())
        if area >= MIN_AREA:
            ys, xs = box
            found.append({"area": area, "bbox": (float(x0 + xs.start), float(y0 + ys.start),
                                                 float(xs.stop - xs.start), float(ys.stop - ys.start))})
    inside = sum(1 for k, (cx, cy) in enumerate(centres)
                 if k != own and x0 <= cx < x0 + bw and y0 <= cy < y0 + bh and is_hole[marks[cy - y0, cx - x0]])
    found.sort(key=lambda hole: -hole["area"])
    return found[:MAX_HOLES], inside


def analyze(px):
    drawn = px[:, :, 3] >= DRAWN_ALPHA
    n = int(drawn.sum())
    if n:
        ys, xs = np.nonzero(drawn)
        bbox = (float(xs.min()), float(ys.min()), float(xs.max() - xs.min() + 1), float(ys.max() - ys.min() + 1))
    else:
        bbox = None
    comp, count = ndimage.label(drawn, structure=EIGHT)
    regions, region_count = region_labels(px, drawn)
    return {"size": px.shape[1], "drawn": n, "drawn_bbox": bbox,
            "components": shapes(px, comp, count), "regions": shapes(px, regions, region_count)}


# ----------------------------------------------------------------------------------------------------------------
# Decisions (sdk/svg-rules), default thresholds


def right(b):
    return b[0] + b[2]


def centre(b):
    return b[0] + b[2] / 2, b[1] + b[3] / 2


def stroke_width(s):
    return 2.0 * s["area"] / max(s["perimeter"], 1)


def letter_like(s, size, min_h=0.06, max_h=0.5, max_stroke=0.22):
    w, h = s["bbox"][2], s["bbox"][3]
    fill = s["area"] / max(w * h, 1.0)
    return (min_h * size <= h <= max_h * size and w <= 1.2 * h and stroke_width(s) <= max_stroke * h
            and (0.12 <= fill <= 0.7 or w <= 0.35 * h))


def glyph_row(shapes_, size):
    glyphs = sorted((s for s in shapes_ if letter_like(s, size)), key=lambda s: s["bbox"][0])
    best = 0
    for i, anchor in enumerate(glyphs):
        h = anchor["bbox"][3]
        _, cy = centre(anchor["bbox"])
        last, count = anchor["bbox"], 1
        for nxt in glyphs[i + 1:]:
            ratio = nxt["bbox"][3] / h
            _, ny = centre(nxt["bbox"])
            gap = nxt["bbox"][0] - right(last)
            if 0.6 <= ratio <= 1.6 and abs(ny - cy) <= 0.25 * h and -0.1 * h <= gap <= 0.9 * h:
                count += 1
                last = nxt["bbox"]
        best = max(best, count)
    return best


def no_text(a, has_text_element, p_text, threshold=0.91, min_glyphs=3):
    if has_text_element:
        return False, "has-text", 1.0
    if p_text is not None:
        return (False, "has-text", p_text) if p_text >= threshold else (True, "no-text", p_text)
    glyphs = max(glyph_row(a["regions"], a["size"]), glyph_row(a["components"], a["size"]))
    score = min(glyphs / max(min_glyphs, 1), 1.0)
    return (False, "has-text", score) if glyphs >= max(min_glyphs, 2) else (True, "no-text", score)


def is_sign(s, roundness=0.2, min_hole=0.06, bar_aspect=2.5):
    x, y, w, h = s["bbox"]
    aspect = w / max(h, 1.0)
    if w < 12.0 or not (1.0 / (1.0 + roundness) <= aspect <= 1.0 + roundness):
        return False
    boxed = w * h
    hole_sum = sum(hole["area"] for hole in s["holes"])
    disc = (s["area"] + hole_sum) / boxed
    if not 0.6 <= disc <= 0.92:
        return False
    cx, cy = centre(s["bbox"])
    # The ink's centre of mass is the box's centre (a sign is point-symmetric).
    if abs(s["cx"] - cx) > 0.05 * w or abs(s["cy"] - cy) > 0.05 * h:
        return False
    hs = s["holes"]
    if len(hs) >= 2:
        big, small = max(hs[0]["area"], hs[1]["area"]), min(hs[0]["area"], hs[1]["area"])
        if small >= min_hole * boxed and small >= 0.5 * big:
            (x0, y0), (x1, y1) = centre(hs[0]["bbox"]), centre(hs[1]["bbox"])
            diagonal = abs(x1 - x0) >= 0.13 * w and abs(y1 - y0) >= 0.13 * h
            mx, my = (x0 + x1) / 2, (y0 + y1) / 2
            split = hs[0]["area"] + hs[1]["area"] >= 0.85 * hole_sum
            return diagonal and abs(mx - cx) <= 0.12 * w and abs(my - cy) <= 0.12 * h and split
    if hs:
        h0 = hs[0]
        hx, hy = centre(h0["bbox"])
        share = h0["area"] / boxed
        return (h0["bbox"][2] >= bar_aspect * h0["bbox"][3] and 0.06 <= share <= 0.4 and h0["area"] >= 0.7 * hole_sum
                and abs(hx - cx) <= 0.08 * w and abs(hy - cy) <= 0.08 * h)
    return False


def no_prohibition(a, min_size=0.5):
    if a["drawn_bbox"] is None:
        return True, "no-sign", 0.0
    side = max(a["drawn_bbox"][2], a["drawn_bbox"][3], 1.0)
    found = max((max(s["bbox"][2], s["bbox"][3]) / side for s in a["regions"] + a["components"] if is_sign(s)),
                default=0.0)
    found = found if found >= min_size else 0.0
    return (False, "prohibition-sign", found) if found > 0 else (True, "no-sign", 0.0)


def gap(a, b):
    dx = max(b[0] - right(a), a[0] - right(b), 0.0)
    dy = max(b[1] - (a[1] + a[3]), a[1] - (b[1] + b[3]), 0.0)
    return max(dx, dy)


def contains(a, b):
    return b[0] >= a[0] and b[1] >= a[1] and right(b) <= right(a) and b[1] + b[3] <= a[1] + a[3]


def union(a, b):
    x, y = min(a[0], b[0]), min(a[1], b[1])
    return (x, y, max(right(a), right(b)) - x, max(a[1] + a[3], b[1] + b[3]) - y)


def single_object(a, min_part=0.01, gap_share=0.04, min_object=0.12, dominance=0.6):
    if a["drawn"] == 0:
        return False, "empty", 0.0
    floor = min_part * a["drawn"]
    objects = [(c["bbox"], float(c["area"])) for c in a["components"] if c["area"] >= floor]
    reach = gap_share * a["size"]
    merged = True
    while merged:
        merged = False
        for i in range(len(objects)):
            for j in range(i + 1, len(objects)):
                p, q = objects[i][0], objects[j][0]
                if gap(p, q) <= reach or contains(p, q) or contains(q, p):
                    objects[i] = (union(p, q), objects[i][1] + objects[j][1])
                    objects[j] = objects[-1]
                    objects.pop()
                    merged = True
                    break
            if merged:
                break
    total = max(sum(o[1] for o in objects), 1.0)
    largest = max((o[1] for o in objects), default=0.0)
    share = largest / total
    counted = sum(1 for o in objects if o[1] >= min_object * total)
    return (False, "several-objects", share) if counted >= 2 and share < dominance else (True, "one-object", share)


# ----------------------------------------------------------------------------------------------------------------
# The classifier


_MODEL = None


def p_text(svg_bytes):
    """P(text) from models/svg-text on a 64 px raster, preprocessed as the host does (alpha over white)."""
    global _MODEL
    import torch

    if _MODEL is None:
        torch.set_num_threads(1)
        _MODEL = torch.jit.load(str(ROOT / "models" / "svg-text" / "model.pt")).eval()
    px = rasterize(svg_bytes, MODEL_SIZE).astype(np.float32) / 255.0
    rgb = px[:, :, :3] * px[:, :, 3:4] + (1.0 - px[:, :, 3:4])
    x = torch.from_numpy((rgb.transpose(2, 0, 1)[None] - 0.5) / 0.5)
    with torch.no_grad():
        return float(torch.softmax(_MODEL.classify(x), dim=1)[0, 0])


def judge(path, use_model=True):
    """The three verdicts of one SVG file: {rule: (keep, reason, score)}, or {"error": message}."""
    try:
        svg = Path(path).read_bytes()
        a = analyze(rasterize(svg, SIZE))
        has_text = b"<text" in svg
        p = p_text(svg) if use_model and not has_text else None
        return {"svg-no-text": no_text(a, has_text, p), "svg-no-prohibition": no_prohibition(a),
                "svg-single-object": single_object(a)}
    except Exception as error:  # a malformed SVG is a verdict, as in the plugins
        return {"error": f"{type(error).__name__}: {error}"}


def bench(list_file, jobs):
    """Judge every SVG named in `list_file` with `jobs` processes; print timing and verdicts as JSON."""
    import json
    import time
    from multiprocessing import Pool

    paths = Path(list_file).read_text().split("\n")
    paths = [p for p in paths if p]
    start = time.perf_counter()
    with Pool(jobs, initializer=_warm) as pool:
        verdicts = pool.map(judge, paths, chunksize=16)
    seconds = time.perf_counter() - start
    json.dump({"svgs": len(paths), "seconds": seconds, "errors": sum(1 for v in verdicts if "error" in v),
               "verdicts": dict(zip(paths, verdicts))}, sys.stdout)


def _warm():
    """Each process loads the model once, as the host does (its load is inside the timed span, as the host's is)."""
    p_text(b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>')


if __name__ == "__main__":
    if sys.argv[1:2] == ["--bench"]:
        bench(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 2)
    else:
        for name in sys.argv[1:]:
            print(name, judge(name))
