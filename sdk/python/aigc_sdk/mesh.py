"""Facts about the 3D model in an item (glTF, GLB, OBJ, or a zip holding one), measured by the host (cleaners)::

    try:
        facts = mesh.facts(item.id)
    except mesh.Unreadable as e:
        return drop("unreadable")
    if facts.faces < 500: ...
"""

from __future__ import annotations

from ._wit import Err, interface
from .errors import AigcError

_raw = interface("mesh")

Facts = _raw.ModelFacts
"""What the host measured: format, vertices, faces, bounds, textures, components..."""


class NoModel(AigcError):
    """No such item, or it holds no model file."""


class Unreadable(AigcError):
    """The model is broken or larger than the host reads; the message starts with a stable word (``truncated``,
    ``malformed``, ``missing-file``, ``unsupported``, ``too-large``)."""


class MeshError(AigcError):
    """Anything else (the host could not read the dataset)."""


def facts(item_id: str) -> Facts:
    """The facts of the model in item ``item_id``; :class:`NoModel`, :class:`Unreadable` or :class:`MeshError`."""
    try:
        return _raw.facts(item_id)
    except Err as e:
        case, message = type(e.value).__name__, str(getattr(e.value, "value", e.value))
        if case == "Error_NotFound":
            raise NoModel(message) from None
        if case == "Error_Invalid":
            raise Unreadable(message) from None
        if case == "Error_Limit":
            raise Unreadable(f"too-large: {message}") from None
        raise MeshError(message) from None


def is_model_file(name: str) -> bool:
    """True when a file name says it may hold a model (``.glb``, ``.gltf``, ``.obj``, or a ``.zip`` archive)."""
    return name.lower().endswith((".glb", ".gltf", ".obj", ".zip"))
