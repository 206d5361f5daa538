"""``replace`` for the frozen states of the pure step functions, without dataclasses.replace's cost.

The call machine and the script interpreter make a new state at nearly every step (≈ 115 per call of the
F1 script). ``dataclasses.replace`` builds it through ``__init__``: it reads every field by name, checks
each field's ``init`` flag and passes them all as keywords, ≈ 6× a copy of the instance's ``__dict__``
(bench/bench_controller_parts.py). For a plain frozen dataclass (every field set by ``__init__``, no
``__post_init__``, no ``__slots__``) the copy gives the same object, so this does that.

Typing: modules import it as ``replace`` under ``if not TYPE_CHECKING`` and ``dataclasses.replace``
otherwise, so mypy still checks every field name and value type; at run time unknown names raise
``TypeError`` as ``dataclasses.replace`` does. A class this cannot copy faithfully (a ``__post_init__``, an
``InitVar``, a field with ``init=False``, slots) goes to ``dataclasses.replace`` itself.

Imports nothing of ivr: any module may import it.
"""
from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")

# class -> its field names when a __dict__ copy is a faithful replace, else None (use dataclasses.replace)
_PLAIN: dict[type, frozenset[str] | None] = {}


def _plain_fields(cls: type) -> frozenset[str] | None:
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or hasattr(cls, "__post_init__") or "__slots__" in cls.__dict__:
        return None
    fields = dataclasses.fields(cls)  # the real fields: without InitVar and ClassVar pseudo-fields
    if len(fields) != len(cls.__dataclass_fields__) or not all(f.init for f in fields):  # type: ignore[attr-defined]
        return None  # an InitVar (or a ClassVar: kept simple) or a field __init__ does not set
    return frozenset(f.name for f in fields)


def replace(obj: T, /, **changes: Any) -> T:
    """``dataclasses.replace(obj, **changes)`` for a frozen dataclass instance, by copying its ``__dict__``."""
    cls = type(obj)
    try:
        names = _PLAIN[cls]
    except KeyError:
        names = _PLAIN[cls] = _plain_fields(cls)
    if names is None:
        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    if not names.issuperset(changes):
        unknown = sorted(set(changes) - names)
        raise TypeError(f"{cls.__name__}.__init__() got an unexpected keyword argument {unknown[0]!r}")
    new = object.__new__(cls)
    attrs = new.__dict__
    attrs.update(obj.__dict__)
    attrs.update(changes)
    return new


__all__ = ["replace"]
