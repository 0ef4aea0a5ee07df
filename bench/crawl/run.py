#!/usr/bin/env python3
"""Crawl benchmark: aigc-host with tests/plugins/bench-crawler against an equivalent Scrapy spider, on the same
loopback fixture site, in the same run. Prints a Markdown table (items, median seconds, items/s, CPU seconds,
peak RSS) and the ratio of aigc-host's items/s to Scrapy's; the goal is at least 2x.

    python3 bench/crawl/run.py [--items 10000] [--runs 3]      # or: make bench-crawl

What it does, idempotently:
- checks target/release/aigc-host exists (it never builds the host: `make host`), builds the plugin
  (`cargo build --release --target wasm32-wasip2 -p bench-crawler --target-dir target/wasm`);
- installs what is missing: nginx (Debian `nginx-light`), GNU time (`time`), and Scrapy in its own virtual
  environment (~/.cache/aigc-host/bench-venv, override with BENCH_VENV);
- copies the host binary and the plugin into a temp folder (a build elsewhere cannot swap them mid-way),
  generates the fixture site once into it (gen_site.py) and serves it on 127.0.0.1 with nginx
  (access log off, keep-alive on; serve.py, a threaded Python server, only when nginx cannot be had);
- warms both crawlers up on one page (not measured), then runs each crawler RUNS times, rotating which goes
  first, into a fresh output folder each time, under `/usr/bin/time -v` (wall time, user+sys CPU, max RSS);
  before each run it `sync`s (so one run's dirty pages do not land on the next one's fsyncs) and measures the
  disk's latency for a durable small-file write (aigc-host's puts are durable, about 3 fsyncs per item, so its
  result depends on it); outputs are deleted only at the end (about 100 MB per run), since mass deletes slowed
  the next run's file creations;
- with --eatmydata, also runs aigc-host with fsync made a no-op (diagnostic: what durability costs);
- checks every run stored every item (aigc-host: `dataset stats`; Scrapy: feed lines with a downloaded file and
  the files on disk), then stops the server and removes the temp folder (unless --keep).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
HOST = ROOT / "target" / "release" / "aigc-host"
WASM_TARGET_DIR = ROOT / "target" / "wasm"
WASM = WASM_TARGET_DIR / "wasm32-wasip2" / "release" / "bench_crawler.wasm"
VENV = Path(os.environ.get("BENCH_VENV", Path.home() / ".cache" / "aigc-host" / "bench-venv"))
GNU_TIME = Path("/usr/bin/time")
CONCURRENCY = 64
NO_FSYNC = "aigc-host, fsync off (eatmydata; diagnostic)"
# The copies the runs use (see main).
host_binary = HOST
plugin_wasm = WASM


def log(message: str) -> None:
    print(f"[bench-crawl] {message}", file=sys.stderr, flush=True)


def die(message: str) -> None:
    print(f"bench-crawl: {message}", file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------------------------------------- setup


def apt_install(*packages: str) -> bool:
    """Installs the first of `packages` Debian can give; false when apt cannot be used."""
    if shutil.which("apt-get") is None:
        return False
    prefix = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
    if prefix is None:
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for attempt in range(2):
        if attempt == 1:
            subprocess.run(prefix + ["apt-get", "update", "-qq"], env=env, check=False)
        for package in packages:
            done = subprocess.run(
                prefix + ["apt-get", "install", "-y", "-qq", "--no-install-recommends", package],
                env=env,
                stdout=subprocess.DEVNULL,
                check=False,
            )
            if done.returncode == 0:
                return True
    return False


def nginx_binary() -> str | None:
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def ensure_tools(server: str) -> str | None:
    """GNU time and (unless the Python server is asked for) nginx; returns the nginx binary or None."""
    if not GNU_TIME.exists():
        log("installing GNU time (Debian `time`)")
        if not apt_install("time") or not GNU_TIME.exists():
            die("/usr/bin/time (GNU time) is missing and could not be installed: apt-get install time")
    if server == "python":
        return None
    nginx = nginx_binary()
    if nginx is None:
        log("installing nginx (Debian `nginx-light`)")
        apt_install("nginx-light", "nginx")
        nginx = nginx_binary()
    if nginx is None:
        if server == "nginx":
            die("nginx is missing and could not be installed")
        log("nginx could not be had: falling back to the threaded Python server (it may be the bottleneck)")
    return nginx


def ensure_scrapy() -> Path:
    scrapy = VENV / "bin" / "scrapy"
    stamp = VENV / ".scrapy-installed"
    if stamp.exists() and scrapy.exists():
        return scrapy
    log(f"installing Scrapy into {VENV}")
    VENV.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [str(VENV / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", "scrapy"], check=True
    )
    stamp.touch()
    return scrapy


def build_plugin() -> None:
    if not HOST.exists():
        die(f"{HOST} is missing: build the host first (`make host`); this benchmark does not build it")
    log("building tests/plugins/bench-crawler for wasm32-wasip2")
    command = [
        os.environ.get("CARGO", "cargo"), "build", "--release", "--target", "wasm32-wasip2", "-p", "bench-crawler",
        "--target-dir", str(WASM_TARGET_DIR), "--config", "profile.release.debug=false", "--quiet",
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("CARGO_TARGET_DIR", "RUSTFLAGS", "CARGO_BUILD_TARGET")}
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    if not WASM.exists():
        die(f"expected {WASM} after the build")


# ---------------------------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


NGINX_CONF = """\
worker_processes 1;
daemon off;
master_process on;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    open_file_cache max=20000 inactive=60s;
    client_body_temp_path {work}/nginx-tmp/body;
    proxy_temp_path {work}/nginx-tmp/proxy;
    fastcgi_temp_path {work}/nginx-tmp/fastcgi;
    uwsgi_temp_path {work}/nginx-tmp/uwsgi;
    scgi_temp_path {work}/nginx-tmp/scgi;
    types {{ application/json json; image/jpeg jpg; }}
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port} backlog=1024;
        root {site};
        location = /api/items {{
            if ($arg_page !~ "^[0-9]+$") {{ return 404; }}
            try_files /api/items/page-$arg_page.json =404;
        }}
        location /images/ {{ }}
        location / {{ return 404; }}
    }}
}}
"""


class Server:
    """The fixture site on 127.0.0.1:port, served by nginx (foreground) or serve.py."""

    def __init__(self, site: Path, work: Path, nginx: str | None):
        self.port = free_port()
        self.kind = "nginx" if nginx else "python (serve.py)"
        if nginx:
            (work / "nginx-tmp").mkdir(exist_ok=True)
            conf = work / "nginx.conf"
            conf.write_text(NGINX_CONF.format(work=work, site=site, port=self.port))
            # -e: the error log before the configuration is read (nginx >= 1.19.5), else /var/log/nginx.
            command = [nginx, "-p", str(work), "-c", str(conf), "-e", str(work / "nginx-error.log")]
            version = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr.strip()
            self.kind += " " + version.split("/")[-1]
        else:
            command = [sys.executable, str(HERE / "serve.py"), str(site), str(self.port)]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True)
        self.base_url = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            if self.process.poll() is not None:
                die(f"the {self.kind} server exited at start (code {self.process.returncode}); see {work}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/api/items?page=1", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        die(f"the {self.kind} server did not answer on {self.base_url}")

    def stop(self) -> None:
        if self.process.poll() is None:
            # nginx: SIGQUIT is a graceful stop of the master and its worker; serve.py: SIGTERM.
            self.process.send_signal(signal.SIGQUIT if self.kind.startswith("nginx") else signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


# ---------------------------------------------------------------------------------------------- crawlers


def measured(command: list[str], out: Path, cwd: Path) -> dict:
    """Runs `command` under GNU time: wall seconds, CPU seconds (user+sys) and max RSS (MiB)."""
    timing = out / "time.txt"
    with open(out / "stdout.txt", "wb") as stdout, open(out / "stderr.txt", "wb") as stderr:
        start = time.perf_counter()
        done = subprocess.run([str(GNU_TIME), "-v", "-o", str(timing), *command], cwd=cwd, stdout=stdout,
                              stderr=stderr, stdin=subprocess.DEVNULL, check=False)
        wall = time.perf_counter() - start
    if done.returncode != 0:
        tail = (out / "stderr.txt").read_text(errors="replace")[-3000:]
        die(f"`{' '.join(command)}` failed with code {done.returncode}:\n{tail}")
    fields = {}
    for line in timing.read_text().splitlines():
        key, _, value = line.strip().rpartition(": ")
        fields[key] = value
    return {
        "seconds": wall,
        "cpu": float(fields["User time (seconds)"]) + float(fields["System time (seconds)"]),
        "rss_mib": int(fields["Maximum resident set size (kbytes)"]) / 1024,
    }


def run_aigc(base_url: str, port: int, out: Path, max_pages: int = 0, prefix: list[str] | None = None) -> dict:
    dataset = out / "dataset"
    command = [
        *(prefix or []), str(host_binary), "run", str(plugin_wasm), "--dataset", str(dataset),
        "--set", f"base_url={base_url}",
        "--allow-host", f"127.0.0.1:{port}", "--delay", "0", "--per-host", str(CONCURRENCY),
        "--concurrency", str(CONCURRENCY), "--robots", "ignore", "--cache", "off", "--json",
    ]
    if max_pages:
        command += ["--set", f"max_pages={max_pages}"]
    result = measured(command, out, ROOT)
    stats = subprocess.run([str(host_binary), "dataset", "stats", str(dataset), "--json"], capture_output=True,
                           text=True, check=True)
    stats = json.loads(stats.stdout)
    result["items"] = stats["items"]
    result["complete"] = stats["files"]
    result["command"] = command
    return result


def run_scrapy(scrapy: Path, base_url: str, out: Path, max_pages: int = 0) -> dict:
    feed = out / "items.jsonl"
    files = out / "files"
    command = [
        str(scrapy), "runspider", str(HERE / "bench_spider.py"), "-a", f"base_url={base_url}",
        "-s", f"FILES_STORE={files}", "-O", f"{feed}:jsonlines",
    ]
    if max_pages:
        command += ["-a", f"max_pages={max_pages}"]
    # Run from the output folder so no scrapy.cfg of a surrounding project is picked up.
    result = measured(command, out, out)
    items = [json.loads(line) for line in feed.read_text().splitlines() if line.strip()]
    downloaded = sum(1 for i in items if i.get("files") and i["files"][0].get("status") == "downloaded")
    on_disk = sum(1 for _ in (files / "full").iterdir()) if (files / "full").exists() else 0
    result["items"] = len(items)
    result["complete"] = min(downloaded, on_disk)
    result["command"] = command
    return result


def fsync_probe(folder: Path, count: int = 100) -> float:
    """Median milliseconds of one durable small-file write into the new folder `folder` as the dataset store does
    it (create, write 4 KiB, fsync, rename, fsync the directory): aigc-host pays about this much per item, Scrapy
    nothing. The files stay until the end (see `main`)."""
    folder.mkdir(parents=True)
    times = []
    data = os.urandom(4096)
    for i in range(count):
        start = time.perf_counter()
        fd = os.open(folder / "tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, data)
        os.fsync(fd)
        os.close(fd)
        os.rename(folder / "tmp", folder / f"f{i}")
        fd = os.open(folder, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def ensure_eatmydata() -> str:
    if shutil.which("eatmydata") is None:
        log("installing eatmydata (Debian `eatmydata`)")
        apt_install("eatmydata")
    found = shutil.which("eatmydata")
    if found is None:
        die("--eatmydata: eatmydata is missing and could not be installed")
    return found


def slug(name: str) -> str:
    return {"aigc-host": "aigc", "Scrapy": "scrapy", NO_FSYNC: "aigc-nofsync"}[name]


# ---------------------------------------------------------------------------------------------- main


def main() -> None:
    global host_binary, plugin_wasm
    parser = argparse.ArgumentParser(description="aigc-host vs Scrapy on a loopback fixture site")
    parser.add_argument("--items", type=int, default=10000, help="items in the fixture site (default 10000)")
    parser.add_argument("--per-page", type=int, default=100, help="items per listing page (default 100)")
    parser.add_argument("--runs", type=int, default=3, help="measured runs of each crawler (default 3)")
    parser.add_argument("--server", choices=["auto", "nginx", "python"], default="auto")
    parser.add_argument("--workdir", type=Path, help="where the site and outputs go (default: a new temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (site, datasets, logs)")
    parser.add_argument("--json", action="store_true", help="also print every run as JSON on stdout")
    parser.add_argument("--eatmydata", action="store_true",
                        help="diagnostic: also run aigc-host under eatmydata (fsync a no-op) to show what the "
                             "durable puts cost; installs Debian `eatmydata` if missing")
    args = parser.parse_args()
    # A plain `kill` of the runner still goes through the `finally` that stops the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    build_plugin()
    nginx = ensure_tools(args.server)
    scrapy = ensure_scrapy()

    work = Path(args.workdir or tempfile.mkdtemp(prefix="aigc-bench-crawl-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    # nginx workers run as an unprivileged user when started by root: they must be able to read the site.
    work.chmod(0o755)
    site = work / "site"
    server = None
    finished = False
    try:
        log(f"generating {args.items} items into {site}")
        for old in (site, work / "out", work / "fsync-probe"):  # from an earlier run with the same --workdir
            shutil.rmtree(old, ignore_errors=True)
        subprocess.run([sys.executable, str(HERE / "gen_site.py"), str(site), "--items", str(args.items),
                        "--per-page", str(args.per_page)], check=True, stdout=subprocess.DEVNULL)
        # A copy of the host and the plugin, so a build elsewhere on the machine cannot swap them between runs
        # (the binary finds libtorch through an absolute run path, so the copy runs as the original does).
        (work / "bin").mkdir(exist_ok=True)
        host_binary = Path(shutil.copy2(HOST, work / "bin" / "aigc-host"))
        plugin_wasm = Path(shutil.copy2(WASM, work / "bin" / WASM.name))
        os.sync()
        server = Server(site, work, nginx)
        log(f"serving on {server.base_url} with {server.kind}")

        # Nothing is deleted until every run is done: this disk (ext4 without a journal, mounted with `discard`)
        # made file creations and fsyncs right after deleting 10,000 files much slower (ext4 skips recently
        # deleted inodes one by one; the discards queue before the next flush), which is noise, not the crawlers.
        def fresh(name: str) -> Path:
            out = work / "out" / name
            out.mkdir(parents=True)
            return out

        crawlers = {
            "aigc-host": lambda out, pages=0: run_aigc(server.base_url, server.port, out, pages),
            "Scrapy": lambda out, pages=0: run_scrapy(scrapy, server.base_url, out, pages),
        }
        if args.eatmydata:
            eatmydata = ensure_eatmydata()
            crawlers[NO_FSYNC] = lambda out, pages=0: run_aigc(server.base_url, server.port, out, pages, [eatmydata])

        log("warm-up: one listing page each (not measured)")
        for i, crawl in enumerate(crawlers.values()):
            os.sync()
            crawl(fresh(f"warmup-{i}"), 1)
        probes = []

        runs = {name: [] for name in crawlers}
        names = list(crawlers)
        for i in range(args.runs):
            # Rotate who goes first, so neither always runs on a disk or cache the other just left busy.
            order = names[i % len(names):] + names[:i % len(names)]
            for name in order:
                out = fresh(f"{slug(name)}-{i + 1}")
                # Flush what earlier runs (and the site generator) left dirty, so it does not land on this
                # crawler's fsyncs.
                os.sync()
                probes.append(fsync_probe(work / "fsync-probe" / str(len(probes))))
                result = crawlers[name](out)
                result["fsync_probe_ms"] = probes[-1]
                log(f"run {i + 1} {name}: {result['items']} items in {result['seconds']:.2f} s, "
                    f"CPU {result['cpu']:.2f} s, max RSS {result['rss_mib']:.1f} MiB "
                    f"(durable 4 KiB file write just before: {probes[-1]:.2f} ms)")
                if result["items"] != args.items or result["complete"] != args.items:
                    die(f"{name} run {i + 1} stored {result['items']} items ({result['complete']} with their "
                        f"image); expected {args.items}. Output kept in {out}")
                runs[name].append(result)
        finished = True
    finally:
        if server:
            server.stop()
        if finished and not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
        elif not finished:
            log(f"stopped early; kept {work} (site, outputs, logs)")

    report(args, runs, server.kind, probes)
    if args.keep or args.workdir:
        log(f"kept {work}")
    if args.json:
        document = {"items": args.items, "server": server.kind, "fsync_probe_ms": probes, "runs": runs}
        print(json.dumps(document, indent=1))


def report(args, runs: dict, server: str, probes: list[float]) -> None:
    rows = {}
    for name, results in runs.items():
        seconds = statistics.median(r["seconds"] for r in results)
        rows[name] = {
            "seconds": seconds,
            "rate": args.items / seconds,
            "cpu": statistics.median(r["cpu"] for r in results),
            "rss": max(r["rss_mib"] for r in results),
            "all": ", ".join(f"{r['seconds']:.1f}" for r in results),
        }
    print(f"\nCrawl benchmark: {args.items} items ({args.per_page} per JSON listing page, one 2-6 KB JPEG each), "
          f"loopback, {server}, {os.cpu_count()} CPUs, median of {args.runs} runs. Disk: a durable 4 KiB file "
          f"write (write, fsync, rename, fsync dir) took {statistics.median(probes):.2f} ms median "
          f"({min(probes):.2f}-{max(probes):.2f}) before the runs\n")
    print("| crawler | items | median s | items/s | CPU s (user+sys) | peak RSS MiB | runs (s) |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, row in rows.items():
        print(f"| {name} | {args.items} | {row['seconds']:.2f} | {row['rate']:.0f} | {row['cpu']:.2f} | "
              f"{row['rss']:.1f} | {row['all']} |")
    print()
    for name in [n for n in rows if n != "Scrapy"]:
        ratio = rows[name]["rate"] / rows["Scrapy"]["rate"]
        pairs = [s["seconds"] / a["seconds"] for a, s in zip(runs[name], runs["Scrapy"])]
        label = "aigc-host / Scrapy items/s" if name == "aigc-host" else f"{name} / Scrapy"
        print(f"{label}: **{ratio:.2f}x** (per run: {', '.join(f'{p:.2f}x' for p in pairs)}"
              f"{'; goal: at least 2x' if name == 'aigc-host' else ''})")

if __name__ == "__main__":
    main()
