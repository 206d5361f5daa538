"""A TCP relay a test can cut, standing for a network path that goes silent (addresses dropped, a cable
pulled): while cut, no byte crosses and no connection is closed or reset, so each end sees silence,
never an error, and a database session through it stays open on the server. Healed, the bytes the kernel
buffered meanwhile go through, as TCP retransmits after a partition.

    with Relay(("127.0.0.1", 5432), listen_port) as relay:  # point the process at 127.0.0.1:listen_port
        relay.cut(); ...; relay.heal()
"""
from __future__ import annotations

import select
import socket
import threading
from types import TracebackType


class Relay:
    def __init__(self, target: tuple[str, int], port: int, host: str = "127.0.0.1") -> None:
        self.target = target
        self._cut = threading.Event()
        self._closing = threading.Event()
        self._server = socket.create_server((host, port), reuse_port=False)
        self._server.settimeout(0.2)
        self._sockets: list[socket.socket] = [self._server]
        self._threads: list[threading.Thread] = []
        self.port = port

    def __enter__(self) -> Relay:
        self._spawn(self._accept)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def cut(self) -> None:
        self._cut.set()

    def heal(self) -> None:
        self._cut.clear()

    def close(self) -> None:
        self._closing.set()
        for sock in list(self._sockets):
            try:
                sock.close()
            except OSError:
                pass
        for thread in self._threads:
            thread.join(5)

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._server.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            upstream = socket.create_connection(self.target, timeout=5)
            upstream.settimeout(None)
            client.settimeout(None)
            self._sockets += [client, upstream]
            self._spawn(self._pump, client, upstream)
            self._spawn(self._pump, upstream, client)

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        while not self._closing.is_set():
            if self._cut.is_set():  # silence: read nothing, send nothing, close nothing
                self._closing.wait(0.05)
                continue
            try:
                ready, _, _ = select.select([src], [], [], 0.2)
                if not ready or self._cut.is_set():  # cut while waiting: leave the bytes where they are
                    continue
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
            except OSError:
                break
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
