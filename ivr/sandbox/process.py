"""One Asterisk process inside the sandbox root: start, ask, stop.

Asterisk runs in the foreground (-f) of a process we start in its own session, so that `down` can
find and end it (and everything it started) by its pid file, even from another `robocall` process.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ivr.errors import UserError
from ivr.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class AsteriskInstance:
    """An Asterisk in ``root`` whose config lives in ``/etc/robocall/<name>`` inside the root."""

    name: str
    root: Path
    state_dir: Path  # outside the root: pid file and console log

    @property
    def conf_dir(self) -> str:
        return f"/etc/robocall/{self.name}"

    @property
    def conf_file(self) -> str:
        return f"{self.conf_dir}/asterisk.conf"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / f"{self.name}.pid"

    @property
    def console_log(self) -> Path:
        return self.state_dir / f"{self.name}.console.log"

    def dirs(self) -> dict[str, str]:
        """The folders named in this instance's asterisk.conf, as seen inside the root."""
        return {
            "etc_dir": self.conf_dir,
            "state_dir": f"/var/lib/robocall/{self.name}",
            "run_dir": f"/run/robocall/{self.name}",
            "log_dir": f"/var/log/robocall/{self.name}",
        }

    def prepare(self) -> None:
        for inside in self.dirs().values():
            (self.root / inside.lstrip("/")).mkdir(parents=True, exist_ok=True)
        (self.root / self.dirs()["state_dir"].lstrip("/") / "spool").mkdir(exist_ok=True)
        (self.root / self.dirs()["log_dir"].lstrip("/") / "cdr-csv").mkdir(exist_ok=True)
        self.state_dir.mkdir(parents=True, exist_ok=True)

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        # A recycled pid must still be our Asterisk.
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return None
        return pid if "asterisk" in cmdline and self.conf_file in cmdline else None

    def start(self) -> int:
        running = self.pid()
        if running:
            return running
        self.prepare()
        ctl = self.root / self.dirs()["run_dir"].lstrip("/") / "asterisk.ctl"
        ctl.unlink(missing_ok=True)
        out = self.console_log.open("ab")
        proc = subprocess.Popen(
            ["chroot", str(self.root), "/usr/sbin/asterisk", "-f", "-n", "-C", self.conf_file],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True,
        )
        out.close()
        self.pid_file.write_text(str(proc.pid))
        log.info("sandbox.asterisk_started", instance=self.name, pid=proc.pid)
        return proc.pid

    def rx(self, command: str, timeout: float = 15.0) -> str:
        """Run an Asterisk CLI command on the running instance and return its output."""
        try:
            proc = subprocess.run(
                ["chroot", str(self.root), "/usr/sbin/asterisk", "-C", self.conf_file, "-rx", command],
                capture_output=True, text=True, timeout=timeout, check=False,
            )
        except subprocess.TimeoutExpired:
            raise UserError(f"sandbox: asterisk '{self.name}' did not answer '{command}' in {timeout:g} s") from None
        if proc.returncode != 0:
            raise UserError(f"sandbox: asterisk '{self.name}' refused '{command}': {proc.stderr.strip() or proc.stdout.strip()}")
        return proc.stdout

    def wait_ready(self, deadline: float) -> None:
        """Wait until the instance has fully booted (its CLI answers and modules are loaded)."""
        last = ""
        while time.monotonic() < deadline:
            if self.pid() is None and self._exited():
                raise UserError(f"sandbox: asterisk '{self.name}' exited during start; see {self.console_log}")
            try:
                out = self.rx("core waitfullybooted", timeout=5)
                if "fully booted" in out.lower():
                    return
                last = out
            except UserError as exc:
                last = str(exc)
            time.sleep(0.2)
        raise UserError(f"sandbox: asterisk '{self.name}' not ready in time ({last.strip()[:200]})")

    def _exited(self) -> bool:
        """Whether the process we started has ended (gone or a zombie).

        ``pid()`` alone is not enough during start: while ``chroot`` execs Asterisk, the process's
        cmdline can read empty for a moment, and a live instance would be taken for a dead one.
        """
        try:
            pid = int(self.pid_file.read_text().strip())
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, ValueError, IndexError):
            return True
        return state in ("Z", "X")

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop the instance; True if it was running."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        try:
            self.rx("core stop now", timeout=5)
        except UserError:
            pass
        if not _wait_gone(pid, timeout):
            _kill_group(pid, signal.SIGTERM)
            if not _wait_gone(pid, 3):
                _kill_group(pid, signal.SIGKILL)
                _wait_gone(pid, 3)
        self.pid_file.unlink(missing_ok=True)
        log.info("sandbox.asterisk_stopped", instance=self.name)
        return True


def _kill_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                return True
        except ChildProcessError:
            pass  # not our child: poll its existence instead
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if _is_zombie(pid):
            return True
        time.sleep(0.05)
    return False


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except (OSError, IndexError):
        return True
