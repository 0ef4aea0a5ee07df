# One command each: `make demo` sets everything up and runs the main job; `make test` runs the whole suite.
# Every target installs what it needs, idempotently, so a fresh Debian machine with the Rust toolchain,
# Python 3 + pip and the package registries is enough.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# libtorch comes from the PyPI torch wheel, installed into a virtual environment the build owns. It lives
# outside target/ so `cargo clean` does not cost a 4.7 GB reinstall; override TORCH_VENV to move it.
TORCH_VERSION ?= 2.13.0
TORCH_VENV ?= $(HOME)/.cache/aigc-host/torch-$(TORCH_VERSION)
PYTHON ?= python3
TORCH_STAMP := $(TORCH_VENV)/.installed
TORCH_LIB := $(TORCH_VENV)/lib/python3.11/site-packages/torch/lib

# What tch's build script needs to find that libtorch, and what test binaries need to load it.
export LIBTORCH_USE_PYTORCH := 1
export PATH := $(TORCH_VENV)/bin:$(PATH)
export LD_LIBRARY_PATH := $(TORCH_LIB)$(if $(LD_LIBRARY_PATH),:$(LD_LIBRARY_PATH))

CARGO ?= cargo
# Plugins are built in their own target folder: the test build runs the same command, and a separate
# folder keeps the nested cargo from waiting on the host build's lock.
WASM_TARGET_DIR := target/wasm
PLUGINS := $(notdir $(patsubst %/,%,$(dir $(wildcard plugins/*/Cargo.toml))))
HOST := target/release/aigc-host

.PHONY: help setup torch toolchain build plugins host demo test bench clean-demo
help:
	@echo "make demo    set up (toolchain, libtorch, build) and crawl the Sketchfab replay into demo-data/"
	@echo "make test    set up and run the whole test suite (offline)"
	@echo "make build   build the host and the shipped plugins (plugins/<name>.wasm)"
	@echo "make bench   run the benchmarks and print their tables"

setup: toolchain torch

toolchain:
	@rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install
	@rustup target list --installed | grep -qx wasm32-wasip2 || rustup target add wasm32-wasip2

torch: $(TORCH_STAMP)
$(TORCH_STAMP):
	@echo "installing libtorch (PyPI torch==$(TORCH_VERSION)) into $(TORCH_VENV); about a minute, 4.7 GB"
	@mkdir -p $(dir $(TORCH_VENV))
	$(PYTHON) -m venv $(TORCH_VENV)
	$(TORCH_VENV)/bin/pip install --quiet --disable-pip-version-check torch==$(TORCH_VERSION) numpy
	@touch $@

host: setup
	$(CARGO) build --release -p aigc-host

# The metric tests compare `aigc-host evaluate` with the Python reference implementations (pytorch-fid, skimage,
# lpips, transformers' DINOv2) on the same files: a venv over the torch venv's torch (a .pth file, so both sides load
# the same libtorch), with torchvision, pytorch-fid, scikit-image, SciPy, Pillow, lpips and transformers;
# models/export_features.py, export_lpips.py and export_dinov2.py run in it too. transformers 5.24.0's dependencies are
# pinned one by one (pip's resolution of transformers==5.24.0 on Python 3.11), as --no-deps installs them unresolved.
METRICS_VENV ?= $(HOME)/.cache/aigc-host/metrics-venv
METRICS_STAMP := $(METRICS_VENV)/.installed-3
export AIGC_METRICS_PYTHON := $(METRICS_VENV)/bin/python
.PHONY: metrics-venv
metrics-venv: $(METRICS_STAMP)
$(METRICS_STAMP): $(TORCH_STAMP)
	@echo "making $(METRICS_VENV): pytorch-fid, scikit-image, lpips and transformers over the torch of $(TORCH_VENV)"
	rm -rf $(METRICS_VENV)
	$(PYTHON) -m venv $(METRICS_VENV)
	$(TORCH_VENV)/bin/python -c "import site; print(site.getsitepackages()[0])" \
	  > $$($(METRICS_VENV)/bin/python -c "import site; print(site.getsitepackages()[0])")/torch-venv.pth
	$(METRICS_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps \
	  "torchvision==0.28.*" pytorch-fid==0.3.0 "scipy>=1.11" "pillow>=10" scikit-image==0.25.2 \
	  "networkx>=3" "imageio>=2.33" "tifffile>=2022.8.12" "lazy_loader>=0.4" "packaging>=21" \
	  lpips==0.1.4 tqdm==4.70.1 \
	  transformers==5.24.0 huggingface_hub==2.4.0 tokenizers==0.23.3 safetensors==0.8.0 regex==2026.12.2 \
	  pyyaml==6.0.4 hf-xet==1.8.0 httpx2==2.17.0 httpcore2==2.17.0 h11==0.16.0 anyio==4.16.0 idna==3.21 \
	  truststore==0.10.5 typer==0.29.2 click==8.5.1 rich==15.0.0 pygments==2.21.0 markdown-it-py==4.3.0 \
	  mdurl==0.1.2 shellingham==1.5.4 pydantic==2.14.4 pydantic-core==2.50.5 annotated-types==0.8.0 \
	  typing-inspection==0.4.5 annotated-doc==0.0.7
	$(METRICS_VENV)/bin/python -c "import torch, torchvision, pytorch_fid.fid_score, scipy.linalg, PIL, skimage.metrics, lpips, transformers"
	@touch $@

# The image-export tests read what `dataset export` writes with the readers its users use: Hugging Face `datasets`
# (imagefolder), `webdataset` and pyarrow, in a venv of their own (tests/export/read_back.py).
EXPORT_VENV ?= $(HOME)/.cache/aigc-host/export-venv
EXPORT_STAMP := $(EXPORT_VENV)/.installed-1
export AIGC_EXPORT_PYTHON := $(EXPORT_VENV)/bin/python
.PHONY: export-venv
export-venv: $(EXPORT_STAMP)
$(EXPORT_STAMP):
	@echo "making $(EXPORT_VENV): datasets, webdataset and pyarrow"
	rm -rf $(EXPORT_VENV)
	$(PYTHON) -m venv $(EXPORT_VENV)
	$(EXPORT_VENV)/bin/pip install --quiet --disable-pip-version-check \
	  datasets==4.8.5 pyarrow==22.0.0 webdataset==1.0.2 pillow==11.3.0
	$(EXPORT_VENV)/bin/python -c "import datasets, webdataset, pyarrow, PIL"
	@touch $@

plugins: toolchain
	CARGO_TARGET_DIR=$(WASM_TARGET_DIR) $(CARGO) build --release --target wasm32-wasip2 \
	  --config profile.release.debug=false $(addprefix -p ,$(PLUGINS))
	@for p in $(PLUGINS); do cp $(WASM_TARGET_DIR)/wasm32-wasip2/release/$${p//-/_}.wasm plugins/$$p.wasm; done
	@echo "built: $(addprefix plugins/,$(addsuffix .wasm,$(PLUGINS)))"

build: host plugins

demo: build
	rm -rf demo-data
	$(HOST) inspect plugins/sketchfab.wasm
	$(HOST) run plugins/sketchfab.wasm --dataset demo-data --replay examples/sketchfab/replay
	$(HOST) dataset stats demo-data

# The tests run the real binary, so it is built first; the test build builds every plugin from source.
test: setup host metrics-venv export-venv
	@if command -v cargo-nextest >/dev/null; then \
	  $(CARGO) nextest run --release -p aigc-host -p aigc-sdk -p aigc-tests --no-fail-fast; \
	else \
	  $(CARGO) test --release -p aigc-host -p aigc-sdk -p aigc-tests --no-fail-fast; \
	fi

bench: setup host bench-crawl
	$(CARGO) bench -p aigc-tests --bench host_calls
	$(CARGO) bench -p aigc-tests --bench render

# aigc-host vs Scrapy on a loopback fixture site (bench/crawl/README.md); BENCH_CRAWL_ARGS="--runs 5 --eatmydata".
.PHONY: bench-crawl
bench-crawl: host
	$(PYTHON) bench/crawl/run.py $(BENCH_CRAWL_ARGS)

clean-demo:
	rm -rf demo-data

# The SVG rules on a labelled set of real emoji (Twemoji to tune, OpenMoji and Fluent held out): precision and
# recall per rule (bench/svg/README.md); and their throughput against a Python baseline. Both fetch pinned npm
# packages into bench/svg/work/ (git-ignored); BENCH_SVG_ARGS="--count 6000 --runs 3".
.PHONY: eval-svg bench-svg
eval-svg: build
	$(PYTHON) bench/svg/build_eval.py
	$(PYTHON) bench/svg/eval.py $(EVAL_SVG_ARGS)

bench-svg: build
	$(PYTHON) bench/svg/run.py $(BENCH_SVG_ARGS)

# image-quality + dedup through `aigc-host clean` against CleanVision on generated images (bench/image/README.md);
# the corpus and the baseline's venv go under bench/image/work/ (git-ignored); BENCH_IMAGE_ARGS="--count 1000".
.PHONY: bench-image
bench-image: build
	$(PYTHON) bench/image/run.py $(BENCH_IMAGE_ARGS)

# Fuzzing (fuzz/README.md): every target of `aigc_host::fuzzing` under libFuzzer (cargo-fuzz) for FUZZ_SECONDS
# each. The instrumented build is its own (target/fuzz/; about an hour cold on 2 cores with FUZZ_JOBS=1, since
# the host links wasmtime and libtorch) and needs nightly flags: RUSTC_BOOTSTRAP=1 on the pinned stable compiler.
# New corpus entries go to target/fuzz/corpus/ (the committed seeds in fuzz/corpus/ are only read; fixed
# regressions are copied there first, known failures left out so they do not stop the run); crashes,
# timeouts and OOMs to fuzz/artifacts/<target>/ (each run goes on after one, in fork mode; the target fails at the
# end if any is new: minimise with `cargo fuzz tmin`, then commit to fuzz/regressions/).
# FUZZ_SANITIZER=none builds with coverage only (faster, no ASan). The test suite runs the same targets the
# stable way on every run (tests/all/fuzz_corpus.rs); AIGC_FUZZ_SECONDS=600 makes that longer too.
FUZZ_SECONDS ?= 60
FUZZ_TIMEOUT ?= 10
FUZZ_SANITIZER ?= address
FUZZ_JOBS ?= 1
FUZZ_TARGETS ?= $(basename $(notdir $(wildcard fuzz/fuzz_targets/*.rs)))
FUZZ_TARGET_DIR := $(CURDIR)/target/fuzz
FUZZ_CARGO := RUSTC_BOOTSTRAP=1 CARGO_BUILD_JOBS=$(FUZZ_JOBS) nice -n 19 $(CARGO) fuzz

.PHONY: fuzz fuzz-tools fuzz-build
fuzz-tools: toolchain
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked

fuzz-build: setup fuzz-tools
	$(FUZZ_CARGO) build -s $(FUZZ_SANITIZER) --target-dir $(FUZZ_TARGET_DIR)

fuzz: fuzz-build
	@mkdir -p target/fuzz fuzz/artifacts && touch target/fuzz/started
	@for t in $(FUZZ_TARGETS); do \
	  dict=fuzz/dictionaries/$$t.dict; \
	  case $$t in model_zip|submission_zip) dict=fuzz/dictionaries/zip.dict;; esac; \
	  mkdir -p target/fuzz/corpus/$$t; \
	  for f in fuzz/regressions/$$t/*; do \
	    [ -f "$$f" ] && ! grep -q "^$${f#fuzz/regressions/}\b" fuzz/regressions/known_failures.txt 2>/dev/null \
	      && cp "$$f" target/fuzz/corpus/$$t/; true; \
	  done; \
	  echo "== fuzz $$t for $(FUZZ_SECONDS) s"; \
	  $(FUZZ_CARGO) run -s $(FUZZ_SANITIZER) --target-dir $(FUZZ_TARGET_DIR) $$t \
	    target/fuzz/corpus/$$t fuzz/corpus/$$t -- \
	    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
	    -max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) -rss_limit_mb=2048 -dict=$$dict \
	    -print_final_stats=1; \
	done
	@found=$$(find fuzz/artifacts -type f -newer target/fuzz/started); \
	if [ -n "$$found" ]; then echo "fuzzing found (fuzz/README.md says what to do):"; echo "$$found"; exit 1; fi
