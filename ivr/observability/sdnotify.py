"""systemd's readiness protocol (sd_notify) without libsystemd: one datagram to $NOTIFY_SOCKET.

robocall.service is Type=notify: serve sends READY=1 once ARI is connected and its workers run, and
STOPPING=1 when it starts draining on SIGTERM. Outside systemd (no NOTIFY_SOCKET) nothing is sent.
"""
from __future__ import annotations

import os
import socket
from typing import Mapping


def notify(state: str, env: Mapping[str, str] | None = None) -> bool:
    """Send ``state`` (e.g. "READY=1") to systemd; False when not run by systemd or the socket is gone."""
    address = (os.environ if env is None else env).get("NOTIFY_SOCKET", "")
    if not address or address[0] not in "@/":
        return False
    target = "\0" + address[1:] if address.startswith("@") else address  # "@": an abstract socket
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(target)
            sock.sendall(state.encode("utf-8"))
        return True
    except OSError:
        return False
