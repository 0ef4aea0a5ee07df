"""Outbound HTTP through the host, which checks every request against the plugin's grants (the ``hosts`` in
``[tool.aigc]`` and the operator's policy), adds secrets the plugin never sees, and caps bodies and time::

    from aigc_sdk import http
    page = http.get("https://api.example.org/items").error_for_status().json()
    answers = http.fetch_all([http.Request.get(u) for u in urls])   # concurrently, in order

A request the host could not complete raises :class:`HttpError` (``kind`` says why: ``denied``, ``timeout``...);
a response with any status is a :class:`Response` (see :meth:`Response.error_for_status`).
"""

from __future__ import annotations

import json as _json
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from ._wit import Err, interface
from .errors import AigcError

_raw = interface("http")

Method = _raw.Method
"""HTTP methods: ``Method.GET``, ``HEAD``, ``POST``, ``PUT``, ``DELETE``, ``PATCH``, ``OPTIONS``."""


class HttpError(AigcError):
    """A request the host could not complete. ``kind`` is one of ``denied``, ``invalid-url``, ``timeout``,
    ``too-large``, ``connect``, ``too-many-redirects``, ``not-recorded``, ``other``, ``status`` (raised by
    :meth:`Response.error_for_status`); ``url`` is the URL asked for."""

    def __init__(self, kind: str, message: str, url: str = "") -> None:
        super().__init__(f"{url}: {message}" if url else message)
        self.kind: str = kind
        """Why, as one stable word (see the class)."""
        self.url: str = url
        """The URL asked for."""
        self.reason: str = message
        """Why, in words, without the URL."""


_KINDS = {
    "HttpError_Denied": ("denied", "denied: {}"),
    "HttpError_InvalidUrl": ("invalid-url", "invalid URL: {}"),
    "HttpError_Timeout": ("timeout", "timed out"),
    "HttpError_TooLarge": ("too-large", "larger than the host's cap of {} bytes"),
    "HttpError_Connect": ("connect", "cannot connect: {}"),
    "HttpError_TooManyRedirects": ("too-many-redirects", "too many redirects"),
    "HttpError_NotRecorded": ("not-recorded", "not in the replay: {}"),
    "HttpError_Other": ("other", "{}"),
}


def _error(value: Any, url: str) -> HttpError:
    kind, template = _KINDS.get(type(value).__name__, ("other", "{}"))
    return HttpError(kind, template.format(getattr(value, "value", "")), url)


class Request:
    """A request to send with :func:`fetch` or :func:`fetch_all`. Build one with :meth:`get` (or the
    constructor) and chain :meth:`header`, :meth:`timeout`."""

    def __init__(
        self,
        url: str,
        method: "_raw.Method" = _raw.Method.GET,
        headers: Optional[Sequence[Tuple[str, str]]] = None,
        body: Optional[bytes] = None,
        timeout_ms: Optional[int] = None,
    ) -> None:
        self.url: str = url
        """An absolute http or https URL."""
        self.method = method
        """The method (:data:`Method`)."""
        self.headers: List[Tuple[str, str]] = list(headers or [])
        """Header name/value pairs, in order."""
        self.body: Optional[bytes] = body
        """The body, if any."""
        self.timeout_ms: Optional[int] = timeout_ms
        """Time allowed for the whole exchange; ``None`` takes the host's default."""

    @classmethod
    def get(cls, url: str) -> "Request":
        """A GET request for ``url`` with no headers."""
        return cls(url)

    @classmethod
    def post_json(cls, url: str, value: Any) -> "Request":
        """A POST of ``value`` as JSON."""
        return cls(url, _raw.Method.POST, [("content-type", "application/json")], _json.dumps(value).encode())

    def header(self, name: str, value: str) -> "Request":
        """Adds a header; returns the request."""
        self.headers.append((name, value))
        return self

    def timeout(self, ms: int) -> "Request":
        """Sets the time allowed for the whole exchange, in milliseconds; returns the request."""
        self.timeout_ms = int(ms)
        return self

    def _wit(self):
        return _raw.Request(
            method=self.method,
            url=self.url,
            headers=[(str(n), str(v)) for n, v in self.headers],
            body=None if self.body is None else bytes(self.body),
            timeout_ms=self.timeout_ms,
        )


class Response:
    """A complete response: ``status``, ``headers``, ``body`` (bytes) and ``final_url`` (after redirects)."""

    def __init__(self, status: int, headers: List[Tuple[str, str]], body: bytes, final_url: str) -> None:
        self.status: int = status
        """The HTTP status code."""
        self.headers: List[Tuple[str, str]] = headers
        """Header name/value pairs as received."""
        self.body: bytes = body
        """The whole body."""
        self.final_url: str = final_url
        """The URL that answered, after redirects."""

    def header(self, name: str) -> Optional[str]:
        """The first value of header ``name`` (case-insensitive), or ``None``."""
        lowered = name.lower()
        for n, v in self.headers:
            if n.lower() == lowered:
                return v
        return None

    @property
    def ok(self) -> bool:
        """True for a 2xx status."""
        return 200 <= self.status < 300

    def error_for_status(self) -> "Response":
        """The response itself when its status is 2xx; else raises :class:`HttpError` (kind ``status``) naming the
        status and URL."""
        if not self.ok:
            raise HttpError("status", f"HTTP {self.status}", self.final_url)
        return self

    def text(self) -> str:
        """The body as text (UTF-8, invalid bytes replaced)."""
        return bytes(self.body).decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON; :class:`HttpError` (kind ``other``) naming the URL when it is not JSON."""
        try:
            return _json.loads(bytes(self.body))
        except ValueError as e:
            raise HttpError("other", f"the response is not the JSON expected: {e}", self.final_url) from None

    @classmethod
    def _from_wit(cls, r) -> "Response":
        return cls(r.status, list(r.headers), bytes(r.body), r.final_url)


def _request(request: Union[Request, str]) -> Request:
    return Request.get(request) if isinstance(request, str) else request


def fetch(request: Union[Request, str]) -> Response:
    """Sends one request (or GETs a URL) and waits for the whole response; :class:`HttpError` when there is none."""
    request = _request(request)
    try:
        return Response._from_wit(_raw.fetch(request._wit()))
    except Err as e:
        raise _error(e.value, request.url) from None


def get(url: str) -> Response:
    """``GET url``."""
    return fetch(Request.get(url))


def fetch_all(requests: Sequence[Union[Request, str]]) -> List[Union[Response, HttpError]]:
    """Sends many requests concurrently (the host decides how many go out at once); one result per request, in
    order: a :class:`Response`, or the :class:`HttpError` that request met (returned, not raised)."""
    asked = [_request(r) for r in requests]
    results: List[Union[Response, HttpError]] = []
    for request, result in zip(asked, _raw.fetch_all([r._wit() for r in asked])):
        if isinstance(result, Err):
            results.append(_error(result.value, request.url))
        else:
            results.append(Response._from_wit(result.value))
    return results


def success(result: Union[Response, HttpError]) -> Response:
    """The response of a :func:`fetch_all` result when it has a 2xx status; else raises its error."""
    if isinstance(result, HttpError):
        raise result
    return result.error_for_status()


def fetch_json(request: Union[Request, str]) -> Any:
    """Sends ``request`` with ``accept: application/json`` and parses a 2xx answer's body; :class:`HttpError`
    otherwise."""
    return fetch(_request(request).header("accept", "application/json")).error_for_status().json()


__all__: List[str] = [
    "HttpError",
    "Method",
    "Request",
    "Response",
    "fetch",
    "fetch_all",
    "fetch_json",
    "get",
    "success",
]
