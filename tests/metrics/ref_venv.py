"""The shared venv of the metric reference scripts (tests/metrics/*_reference.py) and the metric benchmarks
(bench/metrics/*): ~/.cache/aigc-host/metrics-ref-venv (`METRICS_REF_VENV`), pinned numpy 2.2, scipy 1.15 and
scikit-image 0.25, with the torch of the torch venv (`make torch`) through a .pth file, as bench/models/run.py
does. Each script adds its own pins; the venv is made or completed under a file lock, because several scripts may
be at it at once.

    import ref_venv
    if __name__ == "__main__":
        ref_venv.run_inside(__file__, extra={"pillow": "11.3.0"})   # re-executes the script in the venv
        main()
"""

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

CACHE = Path.home() / ".cache" / "aigc-host"
VENV = Path(os.environ.get("METRICS_REF_VENV", CACHE / "metrics-ref-venv"))
TORCH_VENV = Path(os.environ.get("TORCH_VENV", CACHE / "torch-2.13.0"))
# The pins every metric reference script and benchmark shares.
SHARED_PINS = {"numpy": "2.2.*", "scipy": "1.15.*", "scikit-image": "0.25.*"}


def missing_packages(python: Path, wanted: dict) -> list:
    """The pinned requirements `python` does not satisfy yet (by name and version prefix)."""
    probe = ("import importlib.metadata as m, json, sys\n"
             "out = {}\n"
             "for name in json.loads(sys.argv[1]):\n"
             "    try: out[name] = m.version(name)\n"
             "    except m.PackageNotFoundError: out[name] = None\n"
             "print(json.dumps(out))")
    found = json.loads(subprocess.run([str(python), "-c", probe, json.dumps(list(wanted))], check=True,
                                      capture_output=True, text=True).stdout)
    missing = []
    for name, pin in wanted.items():
        have, prefix = found.get(name), pin.rstrip("*").rstrip(".")
        if have is None or not (have == prefix or have.startswith(prefix + ".")):
            missing.append(f"{name}=={pin}")
    return missing


def torch_site() -> str:
    python = TORCH_VENV / "bin" / "python"
    if not python.exists():
        sys.exit(f"{python} is missing: make the torch venv first (`make torch`), or set TORCH_VENV")
    return subprocess.run([str(python), "-c", "import os, torch; print(os.path.dirname(os.path.dirname(torch.__file__)))"],
                          check=True, capture_output=True, text=True).stdout.strip()


def ensure(extra: dict = None, no_deps: dict = None) -> Path:
    """Makes or completes the venv with the shared pins, `extra` (with dependencies) and `no_deps` (without);
    returns its python."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "metrics-ref-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        python = VENV / "bin" / "python"
        if not python.exists():
            # The torch venv's interpreter: the .pth below only works for the same Python minor version.
            base = TORCH_VENV / "bin" / "python"
            subprocess.run([str(base if base.exists() else sys.executable), "-m", "venv", str(VENV)], check=True)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        for pins, flags in (({**SHARED_PINS, **(extra or {})}, []), (no_deps or {}, ["--no-deps"])):
            if missing := missing_packages(python, pins):
                print(f"installing into {VENV}: {' '.join(missing)} {' '.join(flags)}".rstrip(), file=sys.stderr)
                subprocess.run([*pip, *flags, *missing], check=True)
        site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
        pth = Path(site, "torch-venv.pth")
        if not pth.exists():
            pth.write_text(torch_site() + "\n")
    return python


def run_inside(script: str, extra: dict = None, no_deps: dict = None, env: dict = None) -> None:
    """Re-executes `script` (with this process's arguments) in the venv, made or completed first, unless this
    process already runs there; `env` is added to the environment."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    python = ensure(extra, no_deps)
    os.execve(str(python), [str(python), script, *sys.argv[1:]], {**os.environ, **(env or {})})
