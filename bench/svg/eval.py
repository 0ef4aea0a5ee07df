#!/usr/bin/env python3
"""Precision and recall of the three SVG rules on the labelled evaluation set (build_eval.py), per split.

For each split (tune = Twemoji, test-openmoji, test-fluent, the classifiers' training splits train-* and
validation split val-emojione-v1) this imports the SVGs into a fresh dataset (category =
label folder), runs

    aigc-host clean DS --rule plugins/svg-no-text.wasm --rule plugins/svg-no-prohibition.wasm \\
                       --rule plugins/svg-single-object.wasm --json

and reads the verdicts back with `aigc-host dataset ls --json`. A rule dropping an item is a positive prediction
for that rule's label (svg-no-text: text, svg-no-prohibition: prohibition, svg-single-object: several); an item
carries a label when labels.csv lists it (🔞 is both prohibition and text). The table gives, per rule and split,
positives, TP / FP / FN, precision and recall, and how many clean icons all three rules keep; `--worst N` lists
the false positives and negatives with the rule's reason and score, to tune from.

    make plugins && python3 bench/svg/build_eval.py
    python3 bench/svg/eval.py                         # all splits; --split tune to tune; --set KEY=VALUE
    python3 bench/svg/eval.py --markdown              # the table as bench/svg/README.md shows it

The classifiers (models/svg-text, models/svg-objects) are registered into a registry under bench/svg/work/models
for the run; `--without svg-objects` measures svg-single-object by shape alone.
"""

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORK = HERE / "work"
EVAL = WORK / "eval"
RULES = {"svg-no-text": "text", "svg-no-prohibition": "prohibition", "svg-single-object": "several"}


def host_cmd(host, *args, env=None, check=True):
    out = subprocess.run([str(host), *map(str, args)], capture_output=True, text=True, env=env)
    if check and out.returncode != 0:
        sys.exit(f"aigc-host {' '.join(map(str, args))} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return out


def registry(host, without=()):
    """A registry holding the committed classifiers (svg-text, svg-objects), for the rules that ask for them;
    `--without NAME` leaves one out, to measure a rule by shape alone."""
    models = WORK / "models"
    if models.exists():
        shutil.rmtree(models)
    env = dict(os.environ, AIGC_HOST_MODELS=str(models))
    for name in ("svg-text", "svg-objects"):
        if name not in without and (ROOT / "models" / name / "model.json").exists():
            host_cmd(host, "models", "add", ROOT / "models" / name, env=env)
    return env


def run_split(host, env, split, rules, sets, jobs):
    """Import one split into a fresh dataset, clean it, and return ({file name: verdicts}, clean summary, seconds)."""
    ds = WORK / "ds" / split
    if ds.exists():
        shutil.rmtree(ds)
    host_cmd(host, "dataset", "import", ds, EVAL / split, "--json", env=env)
    args = ["clean", ds, "--jobs", jobs, "--device", "cpu", "--json"]
    for rule in rules:
        args += ["--rule", rule]
    for kv in sets:
        args += ["--set", kv]
    start = time.perf_counter()
    summary = json.loads(host_cmd(host, *args, env=env).stdout)
    seconds = time.perf_counter() - start
    listing = json.loads(host_cmd(host, "dataset", "ls", ds, "--json", env=env).stdout)
    verdicts = {}
    for item in listing["items"]:
        name = item.get("title") or (item.get("files") or [""])[0]
        verdicts[Path(name).name] = {v["rule"]: v for v in item.get("verdicts", [])}
    return verdicts, summary, seconds


def score(rows, verdicts, worst):
    """Per rule: counts, precision, recall and the worst mistakes; plus how many clean icons every rule keeps."""
    table, missing = {}, [r["file"] for r in rows if Path(r["file"]).name not in verdicts]
    for rule, label in RULES.items():
        tp = fp = fn = tn = 0
        fps, fns = [], []
        for r in rows:
            v = verdicts.get(Path(r["file"]).name, {}).get(rule)
            if v is None:
                continue
            positive = label in r["labels"].split(";")
            dropped = not v["keep"]
            tp += positive and dropped
            fp += (not positive) and dropped
            fn += positive and not dropped
            tn += (not positive) and not dropped
            measured = "" if v.get("score") is None else f", {v['score']:.3g}"
            note = f"{r['file']} [{v.get('reason', '')}{measured}]"
            if dropped and not positive:
                fps.append(note)
            elif positive and not dropped:
                fns.append(note)
        table[rule] = {
            "label": label, "judged": tp + fp + fn + tn, "positives": tp + fn, "tp": tp, "fp": fp, "fn": fn,
            "precision": tp / (tp + fp) if tp + fp else None, "recall": tp / (tp + fn) if tp + fn else None,
            "false_positives": fps[:worst], "false_negatives": fns[:worst],
        }
    clean = [r for r in rows if r["labels"] == "clean"]
    kept = sum(1 for r in clean if all(v["keep"] for v in verdicts.get(Path(r["file"]).name, {}).values())
               and Path(r["file"]).name in verdicts)
    return table, {"clean": len(clean), "kept_by_all": kept, "not_in_dataset": missing}


def fmt(x):
    return "–" if x is None else f"{x:.3f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default=str(ROOT / "target" / "release" / "aigc-host"))
    ap.add_argument("--plugins", default=str(ROOT / "plugins"), help="folder with svg-*.wasm")
    ap.add_argument("--split", action="append",
                    help="tune, test-openmoji, test-fluent, train-noto, ...; a prefix picks all it starts "
                         "(--split train, --split test); default: all")
    ap.add_argument("--set", action="append", default=[], help="KEY=VALUE passed to the rules; repeatable")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--worst", type=int, default=8, help="mistakes listed per rule")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--without", action="append", default=[], help="leave a classifier unregistered: svg-text, svg-objects")
    args = ap.parse_args()

    if not (EVAL / "labels.csv").exists():
        sys.exit("no evaluation set: run python3 bench/svg/build_eval.py first")
    rules = [Path(args.plugins) / f"{name}.wasm" for name in RULES]
    absent = [str(r) for r in rules if not r.exists()]
    if absent:
        sys.exit(f"missing rule plugins {absent}: run `make plugins`")
    with open(EVAL / "labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    every = sorted({r["split"] for r in rows}, key=lambda s: (not s.startswith("tune"), not s.startswith("test"), s))
    splits = [s for s in every if not args.split or any(s == p or s.startswith(p) for p in args.split)]
    if not splits:
        sys.exit(f"no split matches {args.split}; the set has {every}")
    env = registry(args.host, args.without)

    results = {}
    for split in splits:
        part = [r for r in rows if r["split"] == split]
        verdicts, summary, seconds = run_split(args.host, env, split, rules, args.set, args.jobs)
        table, clean = score(part, verdicts, args.worst)
        results[split] = {"table": table, "clean": clean, "seconds": round(seconds, 2),
                          "errors": summary.get("errors"), "failures": summary.get("failures", [])[:5]}

    if args.markdown:
        print("| split | rule | label | positives | TP | FP | FN | precision | recall |")
        print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for split, res in results.items():
            for rule, t in res["table"].items():
                print(f"| {split} | {rule} | {t['label']} | {t['positives']} | {t['tp']} | {t['fp']} | {t['fn']} | "
                      f"{fmt(t['precision'])} | {fmt(t['recall'])} |")
        print()
        for split, res in results.items():
            c = res["clean"]
            print(f"- {split}: {c['kept_by_all']} of {c['clean']} clean icons kept by all three rules; "
                  f"{res['seconds']} s; errors {res['errors']}")
    else:
        print(f"{'split':<14} {'rule':<19} {'label':<12} {'pos':>4} {'TP':>4} {'FP':>4} {'FN':>4} "
              f"{'precision':>9} {'recall':>7}")
        for split, res in results.items():
            for rule, t in res["table"].items():
                print(f"{split:<14} {rule:<19} {t['label']:<12} {t['positives']:>4} {t['tp']:>4} {t['fp']:>4} "
                      f"{t['fn']:>4} {fmt(t['precision']):>9} {fmt(t['recall']):>7}")
            c = res["clean"]
            print(f"{'':<14} clean kept by all rules: {c['kept_by_all']}/{c['clean']}; {res['seconds']} s; "
                  f"errors {res['errors']}; not imported {len(c['not_in_dataset'])}")
        for split, res in results.items():
            for rule, t in res["table"].items():
                if t["false_positives"] or t["false_negatives"]:
                    print(f"\n{split} {rule}")
                    for line in t["false_positives"]:
                        print(f"  FP {line}")
                    for line in t["false_negatives"]:
                        print(f"  FN {line}")
    out = WORK / "eval-results.json"
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    print(f"\n(details in {out.relative_to(ROOT)})", file=sys.stderr)


if __name__ == "__main__":
    main()
