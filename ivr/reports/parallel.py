"""Files of a report written side by side: a heavy file (the workbook, the charts) by a child process.

A province's daily report spends most of its time writing: a workbook of a hundred thousand rows, CSVs,
two charts, and registering whose data they hold. On a machine of several cores these can run at once: a
forked child writes a file from the data the parent already holds (copy on write: nothing is sent to it),
while the parent writes the others and registers them (issue 18, item 6).

Forking is only safe in a process that runs one thread (a forked child gets one copy of one thread; a lock
another thread held stays held), so ``Jobs`` forks only when asked to (the command line) and when the
process has one thread (``started``'s threads are joined before); otherwise (the web console's worker threads, the tests) every file is written in
turn by the caller, with the same result. A child reports a failure through a pipe: the parent raises it
(a ``UserError`` as the same message for staff), after every child has ended.
"""
from __future__ import annotations

import gc
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from ivr.errors import UserError

_MESSAGE_MAX = 4000  # bytes of a child's error message kept
T = TypeVar("T")


class ChildFailed(RuntimeError):
    """A child process could not write its file (not a user's mistake: the message says what happened)."""


def started(parallel: bool, work: Callable[[], T]) -> Callable[[], T]:
    """``work`` begun in a thread of its own when ``parallel`` (a database read that waits for the server
    while this thread computes), else when asked for; what it returns (or raises) is had by calling the
    result, which waits for the thread: call it before forking."""
    if not parallel:
        return work
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="report-read")
    thread.start()

    def result() -> T:
        thread.join()
        if failure:
            raise failure[0]
        return outcome[0]

    return result


@contextmanager
def without_cycle_collection(own_process: bool) -> Iterator[None]:
    """A report makes a few hundred thousand objects (rows, cells) that live until it is written and form no
    cycles; Python's cycle collector walked them again and again as they were made (0.9 s of a province's
    5.8 s daily report; issue 18, item 6). In a command's ``own_process`` (the command line; never the web
    console's process that serves others meanwhile, since the switch is the process's), it is off while the
    report is made, and back as it was after."""
    was = gc.isenabled()
    if own_process:
        gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def can_fork() -> bool:
    """Whether a child may be forked here: a POSIX system and one thread in this process."""
    return hasattr(os, "fork") and threading.active_count() == 1


class Jobs:
    """Write files, each by ``produce(path)``: in a forked child when ``fork`` and it is safe, else at once."""

    def __init__(self, fork: bool) -> None:
        self.forking = fork and can_fork()
        self.started = 0  # children forked
        self._children: list[tuple[int, int, Path]] = []

    def start(self, produce: Callable[[Path], None], path: Path) -> None:
        self.start_all([(produce, path)])

    def start_all(self, files: list[tuple[Callable[[Path], None], Path]]) -> None:
        """Write these files one after the other, in one child (e.g. charts that share their library)."""
        if not self.forking:
            for produce, path in files:
                produce(path)
            return
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: write the file, say what went wrong, and leave without the parent's exit
            os.close(read_end)  # handlers (no flush of its buffers, no goodbye on its database connections)
            code = 0
            try:
                for produce, path in files:
                    produce(path)
            except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises it
                kind = "UserError" if isinstance(exc, UserError) else type(exc).__name__
                os.write(write_end, f"{kind}\n{exc}".encode("utf-8", "replace")[:_MESSAGE_MAX])
                code = 1
            finally:
                os._exit(code)
        os.close(write_end)
        self.started += 1
        self._children.append((pid, read_end, files[-1][1]))

    def wait(self) -> None:
        """Wait for every child; raise the first failure (UserError for a user's, ChildFailed otherwise)."""
        failures: list[tuple[str, str]] = []
        for pid, read_end, path in self._children:
            with os.fdopen(read_end, "rb") as pipe:
                message = pipe.read().decode("utf-8", "replace")
            _, status = os.waitpid(pid, 0)
            code = os.waitstatus_to_exitcode(status)
            if code != 0:
                kind, _, text = message.partition("\n")
                failures.append((kind, text) if message else ("", f"{path.name}: exit status {code}"))
        self._children.clear()
        for kind, text in failures:
            if kind == "UserError":
                raise UserError(text)
        if failures:
            kind, text = failures[0]
            raise ChildFailed(f"{kind}: {text}" if kind else text)
