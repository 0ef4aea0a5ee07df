"""CleanVision over the same files, the same checks (dark, light, blurry, low information, odd aspect ratio, exact
and near duplicates), for bench/image/run.py. Prints one JSON line: seconds and issue counts.

    bench/image/work/venv/bin/python bench/image/cleanvision_baseline.py LIST_FILE JOBS
"""

import json
import sys
import time

from cleanvision import Imagelab

ISSUES = ["dark", "light", "blurry", "low_information", "odd_aspect_ratio", "exact_duplicates", "near_duplicates"]


def main():
    paths = [line for line in open(sys.argv[1]).read().splitlines() if line]
    jobs = int(sys.argv[2])
    start = time.perf_counter()
    lab = Imagelab(filepaths=paths)
    lab.find_issues(issue_types={name: {} for name in ISSUES}, n_jobs=jobs, verbose=False)
    seconds = time.perf_counter() - start
    counts = {name: int(lab.issues[f"is_{name}_issue"].sum()) for name in ISSUES}
    print(json.dumps({"seconds": seconds, "images": len(paths), "issues": counts}))


if __name__ == "__main__":
    main()
