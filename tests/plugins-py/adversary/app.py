"""A crawler that tries to break one sandbox rule per run, chosen with `--set mode=...`: the Python twin of
tests/plugins/adversary. The tests check that the host stops it with the same message as for the Rust one, and
keeps the dataset intact."""

import sys

from aigc_sdk import Crawler, collect, config, http, log


def put_items() -> None:
    count = config.int_or("count", 3)
    item = lambda i: collect.new_item(  # noqa: E731
        f"adversary:{i}",
        f"http://example.org/{i}",
        category="test",
        title=f"item {i}",
        licence="CC0-1.0",
        metadata={"i": i},
        files=[collect.NewFile("data.txt", "text/plain", f"item {i}".encode())],
    )
    for i in range(count // 2):
        collect.put(item(i))
    for outcome in collect.put_many([item(i) for i in range(count // 2, count)]):
        if isinstance(outcome, Exception):
            raise outcome
    log.info(f"put {count} items")


def spin() -> None:
    x = 1
    while True:
        x = (x * 6364136223846793005 + 1) & 0xFFFFFFFFFFFFFFFF


def recurse(n: int) -> int:
    return recurse(n + 1) + 1


class Adversary(Crawler):
    def crawl(self) -> None:
        mode = config.get_or("mode", "ok")
        if mode == "ok":
            put_items()
        elif mode == "loop":
            spin()
        elif mode == "memory":
            hoard = []
            while True:
                hoard.append(bytearray(b"\x07" * (1 << 20)))
                log.debug(f"holding {len(hoard)} MiB")
        elif mode == "recursion":
            recurse(0)  # Python's own limit: a RecursionError
        elif mode == "deep-recursion":
            sys.setrecursionlimit(10**8)  # past the interpreter's guard: the wasm stack runs out
            recurse(0)
        elif mode == "fetch":
            url = config.get_or("url", "http://example.org/")
            response = http.get(url)
            log.info(f"fetched {url}: HTTP {response.status} from {response.final_url}: {response.text()}")
        elif mode == "log-flood":
            line = "x" * 1000
            for _ in range(200_000):  # 200 MB asked for; the cap is 1 MiB
                log.info(line)
        elif mode == "print-flood":
            line = "y" * 1000
            for _ in range(200_000):  # 200 MB asked for; the cap is 1 MiB
                print(line)
        elif mode == "huge-error":
            raise ValueError("z" * (64 << 20))
        elif mode == "raise-after-puts":
            put_items()
            raise RuntimeError("the adversary fails after its puts on purpose")
        else:
            raise ValueError(f"unknown mode `{mode}`")
