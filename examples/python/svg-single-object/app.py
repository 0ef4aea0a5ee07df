"""Rule 3 of the course's SVG rules, in Python: a single object. Parts of the host's alpha mask that touch,
nearly touch or nest are one object; an SVG is dropped when two or more objects each hold a real share of the
drawing and none dominates. The largest object's share is the score. With the optional `svg-objects`
classifier, a high probability of "several" drops it too. The same decisions as plugins/svg-single-object.
"""

from aigc_sdk import Cleaner, Denied, Invalid, LimitExceeded, NotFound, Verdict, config, drop, keep, log, model, svg

MODEL = "svg-objects"
LABELS = ["several", "one"]


def threshold(key: str, default):
    """A number (or yes/no) from the config, the default when absent or empty."""
    text = (config.get(key) or "").strip()
    if not text:
        return default
    if isinstance(default, bool):
        if text not in ("true", "false"):
            raise ValueError(f"config `{key}` = `{text}` is not a valid number")
        return text == "true"
    try:
        return type(default)(text)
    except ValueError:
        raise ValueError(f"config `{key}` = `{text}` is not a valid number") from None


def gap(a, b) -> float:
    dx = max(b.x - (a.x + a.width), a.x - (b.x + b.width), 0.0)
    dy = max(b.y - (a.y + a.height), a.y - (b.y + b.height), 0.0)
    return max(dx, dy)


def contains(a, b) -> bool:
    return b.x >= a.x and b.y >= a.y and b.x + b.width <= a.x + a.width and b.y + b.height <= a.y + a.height


def union(a, b):
    x, y = min(a.x, b.x), min(a.y, b.y)
    return svg.Rect(x, y, max(a.x + a.width, b.x + b.width) - x, max(a.y + a.height, b.y + b.height) - y)


def by_shape(stats, c) -> Verdict:
    """The shape statistics alone: objects are parts merged when they touch, nearly touch or nest."""
    floor = c["min_part"] * stats.drawn
    objects = [[part.bbox, float(part.area)] for part in stats.components if part.area >= floor]
    reach = c["gap"] * stats.size
    merged = True
    while merged:
        merged = False
        for i in range(len(objects)):
            for j in range(i + 1, len(objects)):
                a, b = objects[i][0], objects[j][0]
                if gap(a, b) <= reach or contains(a, b) or contains(b, a):
                    objects[i] = [union(a, b), objects[i][1] + objects[j][1]]
                    objects[j] = objects[-1]  # Rust's swap_remove: the same merge order
                    objects.pop()
                    merged = True
                    break
            if merged:
                break
    total = max(sum(area for _, area in objects), 1.0)
    dominance = max((area for _, area in objects), default=0.0) / total
    counted = sum(1 for _, area in objects if area >= c["min_object"] * total)
    if counted >= 2 and dominance < c["dominance"]:
        return drop("several-objects", dominance)
    return keep("one-object", dominance)


class SingleObject(Cleaner):
    """Drops SVGs showing several unrelated objects."""

    def __init__(self) -> None:
        self.have_model = True

    def check(self, item) -> Verdict:
        c = {
            "min_part": threshold("min_part", 0.01),
            "gap": threshold("gap", 0.04),
            "min_object": threshold("min_object", 0.12),
            "dominance": threshold("dominance", 0.6),
            "several_probability": threshold("several_probability", 0.5),
            "shapes_too": threshold("shapes_too", True),
        }
        wanted = config.get_or("file", "")
        file = next((f.name for f in item.files if (f.name == wanted if wanted else svg.is_svg(f.media_type, f.name))), None)
        if file is None:
            names = ", ".join(f.name for f in item.files)
            raise ValueError(f"item {item.id} has no SVG file to judge (files: {names})")
        try:
            stats = svg.analyze_file(item.id, file, svg.options(size=config.int_or("size", 256))).stats
        except Invalid as e:
            return self.unreadable(item, file, "invalid-svg", e.message)
        except LimitExceeded as e:
            return self.unreadable(item, file, "svg-over-limit", e.message)
        if stats.drawn == 0:
            return drop("empty", 0.0)
        p = self.probability(item, file)
        if p is None:
            return by_shape(stats, c)
        if p >= c["several_probability"]:
            return drop("several-objects", p)
        if c["shapes_too"]:
            shapes = by_shape(stats, c)
            if not shapes.keep:
                return shapes
        return keep("one-object", p)

    def probability(self, item, file):
        """P(several) from the optional classifier, or None when the operator has not registered it."""
        if not self.have_model:
            return None
        png = svg.rasterize_file(item.id, file, config.int_or("model_size", 64))
        try:
            return float(model.classify(MODEL, png, LABELS)[0])
        except (Denied, NotFound):
            log.info(f"the {MODEL} classifier is not registered; judging by shape statistics alone")
            self.have_model = False
            return None

    @staticmethod
    def unreadable(item, file, reason, message) -> Verdict:
        log.warn(f"item {item.id}: {file} dropped as {reason}: {message}")
        return drop(reason)
