"""The first two checks of the course's project 2 grader (plugins/course-submission), in Python: the
submission's name (`<group>_<leader's student id>.zip`) and its three top folders (下载数据, 清洗后的数据,
渲染结果), with everything inside one wrapper folder taken as the top. Same names, points and messages as the
Rust grader."""

import math

from aigc_sdk import Grader, Report, check, config, submission

TOPS = ["下载数据", "清洗后的数据", "渲染结果"]


class Settings:
    """Points per check and the partial-credit rule, from the config."""

    def __init__(self) -> None:
        self.points = {}
        for key in ("zip-name", "top-folders"):
            value = config.float_or(f"points.{key}", 0.0)
            if value < 0:
                raise ValueError(f"config `points.{key}` must be a number of points, 0 or more")
            self.points[key] = value
        partial = config.get_or("partial_credit", "true").strip()
        if partial not in ("true", "yes", "1", "false", "no", "0"):
            raise ValueError(f"config `partial_credit` must be true or false, not `{partial}`")
        self.partial = partial in ("true", "yes", "1")

    def counted(self, name: str, good: int, total: int, message: str):
        """Full points when all `total` are right, else (with partial credit) a share in tenths below full."""
        full = self.points[name]
        passed = good >= total
        if passed:
            points = full
        elif self.partial and total > 0:
            share = math.floor(full * 10.0 * good / total + 1e-9) / 10.0
            points = max(min(share, full - 0.1), 0.0)
        else:
            points = 0.0
        return check(name, passed, points, full, message)

    def all_or_nothing(self, name: str, passed: bool, message: str):
        """Full points or none."""
        full = self.points[name]
        return check(name, passed, full if passed else 0.0, full, message)


def is_litter(path: str) -> bool:
    """What operating systems add to archives and folders."""
    last = path.rsplit("/", 1)[-1].lower()
    return any(p.startswith(".") or p == "__MACOSX" for p in path.split("/")) or last in ("thumbs.db", "desktop.ini")


def wrapper_of(entries) -> str:
    """`NAME/` when everything sits inside one folder that is not a top folder."""
    if not entries:
        return ""
    firsts = [e.path.split("/")[0] for e in entries]
    first = firsts[0]
    single = all(f == first for f in firsts)
    is_folder = any(e.path.startswith(first) and (e.is_dir or len(e.path) > len(first)) for e in entries)
    return f"{first}/" if single and is_folder and first not in TOPS else ""


def zip_name(settings: Settings, name: str):
    """Check 1: `<group>_<leader's student id>.zip`, digits only."""
    stem = name[: -len(".zip")] if name.endswith(".zip") else name
    group, _, student = stem.partition("_")
    passed = "_" in stem and all(s and s.isascii() and s.isdigit() for s in (group, student))
    if passed:
        message = f"`{name}` is named <group number>_<leader's student id>.zip"
    else:
        lower, hint = name.lower(), ""
        if lower.endswith((".rar", ".7z", ".tar", ".gz")):
            hint = " Hand in a .zip archive."
        elif lower.endswith(".zip") and not name.endswith(".zip"):
            hint = " Write the extension in lower case: .zip."
        elif "＿" in name or "-" in name or " " in name:
            hint = " Separate the two numbers with one ASCII underscore `_`, no spaces or dashes."
        message = (
            "the submission must be named <group number>_<leader's student id>.zip with digits only, like "
            f"12_2023001.zip (pattern ^\\d+_\\d+\\.zip$); found `{name}`.{hint}"
        )
    return settings.all_or_nothing("zip-name", passed, message)


def top_folders(settings: Settings, entries):
    """Check 2: the three top folders."""
    kept = [e for e in entries if not is_litter(e.path)]
    wrapper = wrapper_of(kept)
    present, other_top = [False, False, False], set()
    for e in kept:
        if not e.path.startswith(wrapper):
            continue
        inner = e.path[len(wrapper) :]
        if not inner:
            continue
        parts = inner.split("/")
        if parts[0] not in TOPS:
            other_top.add(f"{parts[0]}/" if len(parts) > 1 or e.is_dir else parts[0])
            continue
        if len(parts) == 1 and not e.is_dir:
            other_top.add(parts[0])  # a file named like a top folder is not the folder
            continue
        present[TOPS.index(parts[0])] = True
    missing = [t for t, p in zip(TOPS, present) if not p]
    if not missing:
        message = f"{', '.join(TOPS)} are present"
    else:
        found = ", ".join(sorted(other_top)) or "nothing else"
        message = (
            f"missing top-level folder(s): {', '.join(missing)}. The zip must hold exactly the folders "
            f"{', '.join(TOPS)} at its top (or inside one folder); besides those it holds: {found}"
        )
    if wrapper:
        message += f". Everything is inside the folder `{wrapper.rstrip('/')}`, which was taken as the top"
    if not missing and other_top:
        message += f" (also at the top, ignored: {', '.join(sorted(other_top))})"
    return settings.counted("top-folders", 3 - len(missing), 3, message)


class CourseLayout(Grader):
    """Grades a submission's name and top folders."""

    def grade(self) -> Report:
        settings = Settings()
        entries = submission.entries()
        return Report(checks=[zip_name(settings, submission.name()), top_folders(settings, entries)])
