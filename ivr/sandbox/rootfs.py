"""The sandbox's Debian root: debootstrap (minbase) of Debian unstable, with Asterisk 22 from its archive.

Debian 12 has no Asterisk package, and installing unstable's straight onto the host would replace its
libc. A separate root, entered with chroot, keeps the host untouched. The root is built once into a
temporary folder and renamed into place, so an interrupted build is never mistaken for a finished one.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Callable

from ivr.errors import UserError
from ivr.logs import get_logger

log = get_logger(__name__)
MARKER = ".robocall-root.json"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
# The archive served to these machines is a frozen copy whose Release file apt considers expired.
APT_OPTS = ["-o", "Acquire::Check-Valid-Until=false", "-o", "APT::Install-Recommends=false", "-q"]


def read_packages(path: Path) -> list[str]:
    """The package list shared with docker/ (one name a line, # comments)."""
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def host_mirror() -> str:
    """The Debian mirror the host's apt already uses (these machines reach no other)."""
    deb822 = Path("/etc/apt/sources.list.d/debian.sources")
    if deb822.is_file():
        m = re.search(r"^URIs:\s*(\S+)", deb822.read_text(), re.M)
        if m:
            return m.group(1).rstrip("/")
    classic = Path("/etc/apt/sources.list")
    if classic.is_file():
        m = re.search(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s", classic.read_text(), re.M)
        if m:
            return m.group(1).rstrip("/")
    return DEFAULT_MIRROR


def is_installed(root: Path, packages: list[str]) -> bool:
    marker = root / MARKER
    if not marker.is_file():
        return False
    try:
        return sorted(json.loads(marker.read_text()).get("packages", [])) == sorted(packages)
    except ValueError:
        return False


def _run(cmd: list[str], what: str, logfile: Path) -> None:
    with logfile.open("ab") as out:
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        raise UserError(f"sandbox: {what} failed (exit {proc.returncode}); see {logfile}")


def build_root(root: Path, packages: list[str], suite: str, mirror: str, logfile: Path,
               progress: Callable[[str], None] = lambda _m: None) -> None:
    """Build the root at ``root`` (replacing an unfinished one) with ``packages`` installed."""
    for tool in ("debootstrap", "chroot"):
        if shutil.which(tool) is None:
            raise UserError(f"sandbox: '{tool}' is not installed; run `make setup` (apt-get install debootstrap)")
    partial = root.with_name(root.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    if root.exists() and not is_installed(root, packages):
        # An older root with another package set: install the difference in place.
        progress("updating the Asterisk root's packages")
        _apt_install(root, packages, logfile)
        _write_marker(root, packages, suite, mirror)
        return
    logfile.parent.mkdir(parents=True, exist_ok=True)
    progress(f"debootstrap {suite} (minbase) from {mirror}")
    _run(["debootstrap", "--variant=minbase", suite, str(partial), mirror], "debootstrap", logfile)
    progress("installing Asterisk into the root")
    _apt_install(partial, packages, logfile)
    _write_marker(partial, packages, suite, mirror)
    partial.rename(root)
    log.info("sandbox.root_built", root=str(root))


def _apt_install(root: Path, packages: list[str], logfile: Path) -> None:
    env = ["env", "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C"]
    _run(["chroot", str(root), *env, "apt-get", *APT_OPTS, "update"], "apt-get update in the root", logfile)
    _run(["chroot", str(root), *env, "apt-get", *APT_OPTS, "install", "-y", *packages],
         "apt-get install in the root", logfile)
    _run(["chroot", str(root), "apt-get", "clean"], "apt-get clean in the root", logfile)


def _write_marker(root: Path, packages: list[str], suite: str, mirror: str) -> None:
    (root / MARKER).write_text(json.dumps({"packages": sorted(packages), "suite": suite, "mirror": mirror}))
