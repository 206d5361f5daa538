"""Helpers shared by the end-to-end tests."""
from __future__ import annotations

import subprocess
import sys
import asyncio
import time
from pathlib import Path


def robocall(*args: str, timeout: float = 120, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real `robocall` command (in this virtualenv) as a user would (``env``: its whole environment)."""
    exe = Path(sys.executable).with_name("robocall")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=timeout, check=False, env=env)


async def eventually_async(cond, timeout: float = 10.0, interval: float = 0.1) -> bool:
    """``eventually`` for async tests: polls without blocking the event loop."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        await asyncio.sleep(interval)
    return bool(cond())


def eventually(cond, timeout: float = 10.0, interval: float = 0.1) -> bool:
    """Poll ``cond`` until it holds or the deadline passes; return its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(interval)
    return bool(cond())
