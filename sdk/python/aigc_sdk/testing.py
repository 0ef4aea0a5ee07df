"""Run a plugin's methods on your machine, without the host: :class:`FakeHost` answers the host calls from
Python values, and :func:`call` runs a method through the same glue the component uses (so an exception comes
back as the error string the host would report)::

    from aigc_sdk import testing
    from app import MyRule

    def test_drops_small_images():
        with testing.FakeHost(config={"min_side": "256"}) as host:
            item = host.add_item("a", files={"a.png": ("image/png", png_bytes)})
            host.fake("image", "measure_file", lambda item_id, name: testing.image_facts(width=100, height=100))
            verdict = testing.call(MyRule, "check", item)
            assert verdict.reason == "too-small"

Interfaces that only the host can compute (svg, image, model, mesh) raise ``NotImplementedError`` until a test
gives them a fake with :meth:`FakeHost.fake`; for the real thing, build with ``aigc-host build`` and run the
plugin on a small dataset.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from ._wit import IN_COMPONENT, Err, Ok

_IMPORTS = (
    "log", "config", "dataset", "collect", "http", "annotate", "model", "image", "svg", "mesh", "submission", "evaluation"
)


def _mod(name: str):
    return importlib.import_module("wit_world.imports." + name)


class FakeHost:
    """Fake answers to every host call, installed while the ``with`` block runs.

    ``config``: the values ``config.get`` returns. ``submission``: path → bytes for a grader. ``samples``: a
    metric's sample names per side (``{"generated": ["a.png"], "reference": ["a.png"]}``; equal names pair up,
    measures stay the host's: fake them with :meth:`fake`). ``http``: a function
    ``(url, request) -> (status, body)`` or a dict url → body (absent URLs answer 404). What the plugin did is
    kept in :attr:`logs`, :attr:`annotations`, :attr:`stored` and :attr:`state`.
    """

    def __init__(
        self,
        config: Optional[Dict[str, str]] = None,
        submission: Optional[Dict[str, bytes]] = None,
        submission_name: str = "submission",
        http: Union[None, Dict[str, bytes], Callable[[str, Any], Tuple[int, bytes]]] = None,
        samples: Optional[Dict[str, List[str]]] = None,
    ) -> None:
        if IN_COMPONENT:
            raise RuntimeError("aigc_sdk.testing is for tests on your machine, not inside a plugin")
        self.config: Dict[str, str] = dict(config or {})
        """Config values by key."""
        self.samples: Dict[str, List[str]] = {side: list(names) for side, names in (samples or {}).items()}
        """A metric's sample names, by side (``"generated"``, ``"reference"``)."""
        self.items: Dict[str, Any] = {}
        """Items by id (add them with :meth:`add_item`)."""
        self.files: Dict[Tuple[str, str], bytes] = {}
        """File bytes by (item id, file name)."""
        self.logs: List[Tuple[str, str]] = []
        """(level name, message) of every log call, ``print`` included."""
        self.annotations: Dict[Tuple[str, str], Tuple[str, Optional[float]]] = {}
        """(item id, key) → (value, score) the plugin stored."""
        self.stored: Dict[str, Any] = {}
        """Items the plugin put, by source key."""
        self.state: Dict[str, str] = {}
        """Crawl state by key."""
        self.submission: Dict[str, bytes] = dict(submission or {})
        """The submission's files by path."""
        self.submission_name = submission_name
        """What ``submission.name()`` answers."""
        self.http = http
        """How HTTP requests are answered."""
        self._saved: List[Tuple[Any, str, Any]] = []
        self._fakes: Dict[Tuple[str, str], Callable[..., Any]] = {}

    # -- set-up -------------------------------------------------------------------------------------------------

    def add_item(
        self,
        id: str,
        files: Optional[Dict[str, Tuple[str, bytes]]] = None,
        category: Optional[str] = None,
        title: Optional[str] = None,
        metadata: str = "{}",
    ) -> Any:
        """Adds an item with ``files`` (name → (media type, bytes)) and returns it."""
        dataset = _mod("dataset")
        infos = []
        for name, (media_type, data) in (files or {}).items():
            self.files[(id, name)] = bytes(data)
            infos.append(dataset.FileInfo(name, media_type, len(data), hashlib.sha256(data).hexdigest()))
        item = dataset.Item(
            id=id,
            source_key=f"test:{id}",
            category=category,
            title=title,
            provenance=dataset.Provenance(f"file:{id}", None, None, None, None),
            metadata=metadata,
            files=infos,
            parent=None,
        )
        self.items[id] = item
        return item

    def fake(self, interface: str, function: str, answer: Callable[..., Any]) -> None:
        """Answers ``interface.function`` (``"svg", "analyze_file"``) with ``answer``; raise
        :class:`~aigc_sdk.errors.AigcError` subclasses' WIT form with :func:`wit_error` to fake a failure."""
        self._fakes[(interface, function)] = answer
        if self._saved:
            setattr(_mod(interface), function, answer)

    # -- the context manager ------------------------------------------------------------------------------------

    def __enter__(self) -> "FakeHost":
        for (interface, function), answer in self._answers().items():
            module = _mod(interface)
            self._saved.append((module, function, getattr(module, function)))
            setattr(module, function, answer)
        return self

    def __exit__(self, *exc: Any) -> None:
        for module, function, original in reversed(self._saved):
            setattr(module, function, original)
        self._saved.clear()

    def _answers(self) -> Dict[Tuple[str, str], Callable[..., Any]]:
        log, types, dataset, collect, http = _mod("log"), _mod("types"), _mod("dataset"), _mod("collect"), _mod("http")
        submission, annotate = _mod("submission"), _mod("annotate")

        def not_found(what: str) -> Err:
            return Err(types.Error_NotFound(what))

        def get_item(id: str):
            if id not in self.items:
                raise not_found(f"no item `{id}`")
            return self.items[id]

        def read_file(id: str, name: str) -> bytes:
            if (id, name) not in self.files:
                raise not_found(f"item `{id}` has no file `{name}`")
            return self.files[(id, name)]

        def items(category, after, limit):
            ids = sorted(i for i, item in self.items.items() if category is None or item.category == category)
            ids = [i for i in ids if after is None or i > after]
            return [self.items[i] for i in ids[: max(0, limit)]]

        def put(item):
            created = item.source_key not in self.stored
            if created:
                self.stored[item.source_key] = item
            digest = hashlib.sha256(item.source_key.encode()).hexdigest()[:16]
            return collect.PutResult(id=digest, created=created)

        def state_set(key, value):
            self.state[key] = value

        def fetch(request):
            status, body = self._answer_http(request)
            return http.Response(status=status, headers=[], body=body, final_url=request.url)

        def fetch_all(requests):
            out = []
            for request in requests:
                try:
                    out.append(Ok(fetch(request)))
                except Err as e:
                    out.append(e)
            return out

        def entry(path: str):
            if path in self.submission:
                return submission.Entry(path=path, size=len(self.submission[path]), is_dir=False)
            if any(p.startswith(path.rstrip("/") + "/") for p in self.submission):
                return submission.Entry(path=path.rstrip("/"), size=0, is_dir=True)
            raise not_found(f"no `{path}` in the submission")

        def entries():
            dirs = sorted({"/".join(p.split("/")[:i]) for p in self.submission for i in range(1, p.count("/") + 1)})
            return [submission.Entry(d, 0, True) for d in dirs] + [entry(p) for p in sorted(self.submission)]

        def read(path):
            if path not in self.submission:
                raise not_found(f"no file `{path}` in the submission")
            return self.submission[path]

        answers: Dict[Tuple[str, str], Callable[..., Any]] = {
            ("log", "log"): lambda level, message: self.logs.append((level.name.lower(), message)),
            ("log", "progress"): lambda done, total, message: None,
            ("config", "get"): lambda key: self.config.get(key),
            ("config", "get_all"): lambda: sorted(self.config.items()),
            ("dataset", "get"): get_item,
            ("dataset", "read_file"): read_file,
            ("dataset", "items"): items,
            ("dataset", "seen"): lambda key: next((i.id for i in self.items.values() if i.source_key == key), None),
            ("collect", "put"): put,
            ("collect", "put_many"): lambda many: [Ok(put(i)) for i in many],
            ("collect", "state_get"): lambda key: self.state.get(key),
            ("collect", "state_set"): state_set,
            ("http", "fetch"): fetch,
            ("http", "fetch_all"): fetch_all,
            ("annotate", "put"): lambda id, key, value, score: self.annotations.__setitem__((id, key), (value, score)),
            ("annotate", "get"): lambda id, key: [
                annotate.Annotation(key, v, s, "test") for (i, k), (v, s) in self.annotations.items() if (i, k) == (id, key)
            ],
            ("submission", "name"): lambda: self.submission_name,
            ("submission", "entries"): entries,
            ("submission", "stat"): entry,
            ("submission", "read"): read,
            ("submission", "read_range"): lambda path, offset, length: read(path)[offset : offset + length],
        }
        answers.update(self._evaluation_answers())
        for name in ("model", "image", "svg", "mesh", "evaluation"):
            try:
                module = _mod(name)
            except ImportError:  # bindings from before the interface existed
                continue
            for function in [f for f in vars(module) if callable(getattr(module, f)) and f[0].islower()]:
                answers.setdefault((name, function), _host_only(name, function))
        answers.update(self._fakes)
        _ = (log, dataset)
        return answers

    def _evaluation_answers(self) -> Dict[Tuple[str, str], Callable[..., Any]]:
        evaluation = _mod("evaluation")
        media = {"svg": evaluation.Media.SVG, "glb": evaluation.Media.MESH, "gltf": evaluation.Media.MESH,
                 "obj": evaluation.Media.MESH, "zip": evaluation.Media.MESH}

        def names(side: Any) -> List[str]:
            return self.samples.get("generated" if side == evaluation.Side.GENERATED else "reference", [])

        def samples(side: Any) -> List[Any]:
            kinds = [media.get(n.rsplit(".", 1)[-1].lower(), evaluation.Media.IMAGE) for n in names(side)]
            return [evaluation.Sample(n, k, None) for n, k in zip(names(side), kinds)]

        def pairs() -> List[Tuple[int, int]]:
            reference = {n: j for j, n in enumerate(names(evaluation.Side.REFERENCE))}
            generated = names(evaluation.Side.GENERATED)
            return [(i, reference[n]) for i, n in enumerate(generated) if n in reference]

        return {("evaluation", "samples"): samples, ("evaluation", "pairs"): pairs}

    def _answer_http(self, request: Any) -> Tuple[int, bytes]:
        if callable(self.http):
            status, body = self.http(request.url, request)
            return int(status), bytes(body)
        table = self.http or {}
        if request.url in table:
            return 200, bytes(table[request.url])
        return 404, b"not found"

    def logged(self, level: Optional[str] = None) -> List[str]:
        """The messages logged (at ``level`` only, when given: ``"info"``, ``"warn"``...)."""
        return [m for lv, m in self.logs if level is None or lv == level]


def _host_only(interface: str, function: str) -> Callable[..., Any]:
    def refuse(*args: Any) -> Any:
        raise NotImplementedError(
            f"{interface}.{function} runs in the host: fake it with FakeHost.fake({interface!r}, {function!r}, fn), "
            "or build the plugin with `aigc-host build` and run it on a small dataset"
        )

    return refuse


def wit_error(kind: str, message: str) -> Err:
    """The exception a host call raises for a WIT error: ``kind`` is ``not-found``, ``denied``, ``invalid``,
    ``limit`` or ``other``. Raise it from a fake."""
    types = _mod("types")
    cls = {
        "not-found": types.Error_NotFound,
        "denied": types.Error_Denied,
        "invalid": types.Error_Invalid,
        "limit": types.Error_Limit,
        "other": types.Error_Other,
    }[kind]
    return Err(cls(message))


def call(plugin_class: type, method: str, *args: Any) -> Any:
    """Runs ``method`` (``check``, ``crawl``, ``annotate``, ``grade``, ``evaluate``) of a new ``plugin_class`` through the
    component's glue: returns what the host would receive, or raises ``componentize_py_types.Err`` whose
    ``value`` is the error string the host would report. Call it inside a :class:`FakeHost` block."""
    from ._export import world

    kind = getattr(plugin_class, "KIND", None)
    exported = {"check": "check", "crawl": "crawl", "annotate": "annotate_item", "grade": "grade", "evaluate": "evaluate"}[
        method
    ]
    wit_world = world(kind, plugin_class)()
    import sys

    streams = (sys.stdout, sys.stderr)
    try:
        return getattr(wit_world, exported)(*args)
    finally:
        sys.stdout, sys.stderr = streams
        from . import _export

        _export._streams_ready = False


def metadata(item: Any) -> Any:
    """The item's metadata parsed from JSON."""
    return json.loads(item.metadata)


__all__ = ["FakeHost", "call", "metadata", "wit_error"]
