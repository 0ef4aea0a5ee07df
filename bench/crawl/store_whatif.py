#!/usr/bin/env python3
"""What-if for the crawl benchmark's diagnosis: how fast can N small items (4 KiB each) be stored durably on this
disk, the way the dataset store does it today and the ways it could? Python stdlib (sqlite3) only; every variant
is durable when it returns (fsync before a row names a blob, WAL with synchronous=FULL).

    python3 bench/crawl/store_whatif.py [--items 2000] [--dir DIR]

Variants:
- per item, as now: blob to a temp file, fsync, rename into its shard, fsync the shard (and blobs/ when the
  shard is new), then one SQLite transaction: about 3 fsyncs per item, one after another;
- per item, blobs in SQLite: the blob bytes go in the same transaction as the rows: 1 fsync per item;
- batch of 100, blob files: write and fsync a batch's blob files from a thread pool, fsync each touched shard
  once, then one transaction for the batch;
- batch of 100, blobs in SQLite: one transaction (one WAL fsync) per batch.
"""

import argparse
import hashlib
import os
import shutil
import sqlite3
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def manifest(root: Path, blobs_table: bool) -> sqlite3.Connection:
    db = sqlite3.connect(root / "manifest.sqlite", isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE items (source_key TEXT PRIMARY KEY, sha256 TEXT NOT NULL)")
    if blobs_table:
        db.execute("CREATE TABLE blobs (sha256 TEXT PRIMARY KEY, data BLOB NOT NULL)")
    return db


def write_blob_file(root: Path, data: bytes, tmp_name: str) -> str:
    sha = hashlib.sha256(data).hexdigest()
    tmp = root / "blobs" / "tmp" / tmp_name
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    shard = root / "blobs" / sha[:2]
    try:
        shard.mkdir()
        fsync_path(root / "blobs")
    except FileExistsError:
        pass
    os.rename(tmp, shard / sha)
    return sha


def per_item_files(root: Path, items: list[bytes]) -> None:
    (root / "blobs" / "tmp").mkdir(parents=True)
    db = manifest(root, False)
    for i, data in enumerate(items):
        sha = write_blob_file(root, data, "blob")
        fsync_path(root / "blobs" / sha[:2])
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO items VALUES (?, ?)", (f"item-{i}", sha))
        db.execute("COMMIT")


def in_sqlite(root: Path, items: list[bytes], batch: int) -> None:
    root.mkdir(parents=True)
    db = manifest(root, True)
    for start in range(0, len(items), batch):
        db.execute("BEGIN IMMEDIATE")
        for i in range(start, min(start + batch, len(items))):
            sha = hashlib.sha256(items[i]).hexdigest()
            db.execute("INSERT OR IGNORE INTO blobs VALUES (?, ?)", (sha, items[i]))
            db.execute("INSERT INTO items VALUES (?, ?)", (f"item-{i}", sha))
        db.execute("COMMIT")


def batched_files(root: Path, items: list[bytes], batch: int = 100) -> None:
    (root / "blobs" / "tmp").mkdir(parents=True)
    db = manifest(root, False)
    with ThreadPoolExecutor(16) as pool:
        for start in range(0, len(items), batch):
            indices = range(start, min(start + batch, len(items)))
            shas = list(pool.map(lambda i: write_blob_file(root, items[i], f"blob-{i}"), indices))
            list(pool.map(fsync_path, {root / "blobs" / sha[:2] for sha in shas}))
            db.execute("BEGIN IMMEDIATE")
            for i, sha in zip(indices, shas):
                db.execute("INSERT INTO items VALUES (?, ?)", (f"item-{i}", sha))
            db.execute("COMMIT")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--dir", type=Path, help="where to write (default: a temp folder, removed at the end)")
    args = parser.parse_args()
    items = [os.urandom(4096) for _ in range(args.items)]
    variants = [
        ("per item, as now (blob files)", per_item_files),
        ("per item, blobs in SQLite", lambda root, items: in_sqlite(root, items, 1)),
        ("batch of 100, blob files", batched_files),
        ("batch of 100, blobs in SQLite", lambda root, items: in_sqlite(root, items, 100)),
    ]
    work = Path(tempfile.mkdtemp(prefix="aigc-store-whatif-", dir=args.dir))
    try:
        print(f"| storing {args.items} items of 4 KiB durably | seconds | items/s |")
        print("|---|---:|---:|")
        for n, (name, run) in enumerate(variants):
            os.sync()
            start = time.perf_counter()
            run(work / str(n), items)
            seconds = time.perf_counter() - start
            print(f"| {name} | {seconds:.2f} | {args.items / seconds:.0f} |", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
