#!/usr/bin/env python3
"""Reads an image export back with the reader its users use and prints what it found as one JSON document, for
the suite's export tests (tests/all/image_export.rs):

    python tests/export/read_back.py webdataset DIR     # webdataset.WebDataset over DIR/*.tar
    python tests/export/read_back.py imagefolder DIR    # datasets.load_dataset("imagefolder", data_dir=DIR)
    python tests/export/read_back.py textual-inversion DIR   # each concepts.json folder as diffusers reads it

webdataset: per split, the samples in order with their key, the extensions present, the caption (`txt`), the
`json` record's fields, and the image decoded with PIL (its size; SVGs are counted, not decoded).
imagefolder: per split, the rows with every column but the image, and each image's decoded size and mode.
textual-inversion: concepts.json, and per style folder what diffusers' TextualInversionDataset does with it
(`os.listdir`, then every entry opened with PIL): the entries, their modes before its convert("RGB"), and whether
any entry is not a file PIL opens.
Runs offline (`make export-venv`: datasets, webdataset, pyarrow, pillow).
"""

import glob
import io
import json
import os
import sys
import tempfile


def read_webdataset(folder):
    import webdataset as wds
    from PIL import Image

    out = {}
    for split in ("train", "test"):
        shards = sorted(glob.glob(os.path.join(folder, f"{split}-*.tar")))
        if not shards:
            continue
        samples = []
        for sample in wds.WebDataset(shards, shardshuffle=False, empty_check=False):
            record = json.loads(sample["json"])
            image = next((ext for ext in ("png", "jpg", "jpeg", "webp", "gif", "svg") if ext in sample), None)
            size = None
            if image and image != "svg":
                with Image.open(io.BytesIO(sample[image])) as decoded:
                    size = list(decoded.size)
            samples.append({
                "key": sample["__key__"],
                "extensions": sorted(k for k in sample if not k.startswith("__")),
                "caption": sample["txt"].decode("utf-8") if "txt" in sample else None,
                "record": record,
                "image": image,
                "size": size,
            })
        out[split] = {"shards": [os.path.basename(s) for s in shards], "samples": samples}
    return out


def read_imagefolder(folder):
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    os.environ["HF_HUB_OFFLINE"] = "1"
    import datasets

    with tempfile.TemporaryDirectory() as cache:
        loaded = datasets.load_dataset("imagefolder", data_dir=folder, cache_dir=cache)
        out = {}
        for split, table in loaded.items():
            rows = []
            for row in table:
                image = row.pop("image")
                rows.append({**row, "size": list(image.size), "mode": image.mode})
            out[split] = {"columns": sorted(table.column_names), "rows": rows}
    return out


def read_textual_inversion(folder):
    from PIL import Image

    with open(os.path.join(folder, "concepts.json"), encoding="utf-8") as f:
        concepts = json.load(f)
    folders = {}
    for concept in concepts:
        style_dir = os.path.join(folder, concept["folder"])
        entries, modes, unreadable = sorted(os.listdir(style_dir)), [], []
        for entry in entries:
            try:
                with Image.open(os.path.join(style_dir, entry)) as image:
                    modes.append(image.mode)
                    image.convert("RGB").load()
            except Exception as error:  # what the trainer would crash on
                unreadable.append(f"{entry}: {error}")
        folders[concept["folder"]] = {"entries": entries, "modes": sorted(set(modes)), "unreadable": unreadable}
    return {"concepts": concepts, "folders": folders}


def main():
    kind, folder = sys.argv[1], sys.argv[2]
    readers = {"webdataset": read_webdataset, "imagefolder": read_imagefolder, "textual-inversion": read_textual_inversion}
    result = readers[kind](folder)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
