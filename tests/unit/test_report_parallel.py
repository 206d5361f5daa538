"""Files written by child processes (ivr.reports.parallel): forked only in a process of one thread, a
child's failure raised in the parent (a user's mistake as the same message), results the same either way."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from ivr.errors import UserError
from ivr.reports.parallel import ChildFailed, Jobs, started, without_cycle_collection

ROOT = Path(__file__).resolve().parents[2]


def _run_fresh(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``code`` in a new interpreter (one thread, as a `robocall` command is), in ``tmp_path``."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)


def test_a_process_of_one_thread_writes_the_heavy_files_in_children(tmp_path: Path) -> None:
    result = _run_fresh("""
        import os
        from pathlib import Path
        from ivr.reports.parallel import Jobs
        def pid_into(path):
            path.write_text(str(os.getpid()))
        jobs = Jobs(fork=True)
        assert jobs.forking
        jobs.start(pid_into, Path("a"))
        jobs.start_all([(pid_into, Path("b")), (pid_into, Path("c"))])
        pid_into(Path("parent"))
        jobs.wait()
        print(Path("a").read_text(), Path("b").read_text(), Path("c").read_text(), Path("parent").read_text())
    """, tmp_path)
    assert result.returncode == 0, result.stderr
    a, b, c, parent = result.stdout.split()
    assert len({a, b, parent}) == 3, "each child is a process of its own"
    assert b == c, "files started together are written by one child"


@pytest.mark.parametrize("failure,raised", [
    ("raise UserError('/khong/co: no such folder')", "UserError: /khong/co: no such folder"),
    ("raise OSError(28, 'No space left on device')", "ChildFailed: OSError: [Errno 28] No space left on device"),
    ("os._exit(3)", "ChildFailed: b: exit status 3"),
])
def test_a_child_that_fails_is_raised_in_the_parent_after_every_child_ended(tmp_path: Path, failure: str,
                                                                            raised: str) -> None:
    result = _run_fresh(f"""
        import os
        from pathlib import Path
        from ivr.errors import UserError
        from ivr.reports.parallel import ChildFailed, Jobs
        def fail(path):
            {failure}
        def slow_but_fine(path):
            import time; time.sleep(0.2); path.write_text("ok")
        jobs = Jobs(fork=True)
        jobs.start(slow_but_fine, Path("a"))
        jobs.start(fail, Path("b"))
        try:
            jobs.wait()
        except (UserError, ChildFailed) as exc:
            print(type(exc).__name__ + ": " + str(exc))
        print(Path("a").read_text())
    """, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [raised, "ok"]


def test_no_child_is_forked_while_another_thread_runs(tmp_path: Path) -> None:
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        jobs = Jobs(fork=True)
        assert not jobs.forking
        jobs.start(lambda path: path.write_text(str(os.getpid())), tmp_path / "a")
        assert (tmp_path / "a").read_text() == str(os.getpid()), "written at once, by this process"
        jobs.wait()
    finally:
        release.set()
        other.join()


def test_without_fork_files_are_written_in_turn_and_a_failure_is_raised_as_it_is(tmp_path: Path) -> None:
    jobs = Jobs(fork=False)
    order: list[str] = []
    jobs.start_all([(lambda p: order.append(p.name), tmp_path / "a"), (lambda p: order.append(p.name), tmp_path / "b")])
    assert order == ["a", "b"]

    def fail(path: Path) -> None:
        raise UserError("x")

    with pytest.raises(UserError):
        jobs.start(fail, tmp_path / "c")


def test_started_gives_what_the_work_returned_or_raised() -> None:
    for parallel in (False, True):
        assert started(parallel, lambda: 42)() == 42
        result = started(parallel, lambda: 1 // 0)
        with pytest.raises(ZeroDivisionError):
            result()
    names: list[str] = []
    started(True, lambda: names.append(threading.current_thread().name))()
    assert names == ["report-read"], "the work ran in a thread of its own"
    assert threading.active_count() == 1 or all(t.name != "report-read" for t in threading.enumerate())


def test_child_failed_is_not_a_user_error() -> None:
    assert not issubclass(ChildFailed, UserError)


@pytest.mark.parametrize("own_process, enabled_before, inside", [
    (True, True, False),    # a command's own process: no cycle collection while the report is made
    (False, True, True),    # the web console's process: left as it is
    (True, False, False),   # already off: stays off after
])
def test_cycle_collection_is_off_only_in_a_command_of_its_own(own_process: bool, enabled_before: bool,
                                                             inside: bool) -> None:
    import gc
    (gc.enable if enabled_before else gc.disable)()
    try:
        with pytest.raises(RuntimeError):
            with without_cycle_collection(own_process):
                assert gc.isenabled() is inside
                raise RuntimeError("the report failed")
        assert gc.isenabled() is enabled_before, "back as it was, even after a failure"
    finally:
        gc.enable()
