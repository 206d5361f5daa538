"""Whether the PBX at an ARI address is this project's sandbox: proven from the running process, not taken
from a setting.

The sandbox lifts rules that protect residents (the call window's bounds, ad-hoc calls at any hour) and
accepts the default ARI password. An address alone proves nothing: a production Asterisk listens on
127.0.0.1:8088 too, and ``sandbox.http_port`` is a setting anyone (or a typo) can make 8088. So the address
counts as the sandbox only if the sandbox's own PBX is running: the pid file in the sandbox folder names a
live Asterisk started with the sandbox's config, chrooted into the sandbox root (``/proc/<pid>/root``, which
only the user who started it can read), whose rendered http.conf binds exactly that address. Two processes
cannot listen on one address, so nothing else answers there.
"""
from __future__ import annotations

import os
from pathlib import Path

from ivr.sandbox.process import AsteriskInstance


def _http_bind(conf: Path) -> tuple[str, int] | None:
    """bindaddr and bindport of a rendered http.conf (None if unreadable)."""
    values: dict[str, str] = {}
    try:
        lines = conf.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        key, sep, value = line.split(";", 1)[0].partition("=")
        if sep:
            values[key.strip()] = value.strip()
    try:
        return values.get("bindaddr", ""), int(values.get("bindport", ""))
    except ValueError:
        return None


def sandbox_pbx_listens_at(sandbox_dir: Path, root: Path, host: str, port: int, instance: str = "pbx") -> bool:
    """Whether the sandbox's PBX ``instance`` (pbx, or pbxN for node N; started from ``sandbox_dir`` in
    ``root``) is running and bound to host:port."""
    pbx = AsteriskInstance(instance, root, sandbox_dir)
    pid = pbx.pid()  # a live Asterisk started with the sandbox's asterisk.conf
    if pid is None:
        return False
    try:
        if os.path.realpath(f"/proc/{pid}/root") != os.path.realpath(root):
            return False  # not chrooted into this sandbox: some other Asterisk with the same config path
    except OSError:
        return False
    bound = _http_bind(root / pbx.conf_dir.lstrip("/") / "http.conf")
    host = "127.0.0.1" if host == "localhost" else host
    return bound == (host, port)


__all__ = ["sandbox_pbx_listens_at"]
