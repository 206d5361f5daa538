"""The event loop of the commands that run calls (`serve`, `campaign run`, `call`): uvloop's when
``service.uvloop`` is on (the default) and uvloop imports, else asyncio's own, with nothing else changed.

uvloop runs the same asyncio code with less CPU per event (bench/README.md, "Controller CPU per call");
a machine where it does not install (or a debugging session: ``ROBOCALL_SERVICE_UVLOOP=false``) gets the
standard loop.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable, Coroutine, TypeVar

T = TypeVar("T")


def loop_factory(use_uvloop: bool) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop factory, or None (asyncio's default loop) when it is off or not importable."""
    if not use_uvloop:
        return None
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def run(main: Coroutine[Any, Any, T], *, use_uvloop: bool = True) -> T:
    """``asyncio.run(main)`` on the chosen loop."""
    with asyncio.Runner(loop_factory=loop_factory(use_uvloop)) as runner:
        return runner.run(main)
