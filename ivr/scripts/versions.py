"""Script versions: installing a new version keeps the old file, so a campaign keeps the version it began with.

The scripts folder holds the current file of each script (``<dir>/<name>.yaml``); every version that was
replaced is kept as ``<dir>/versions/<name>/v<version>/<name>.yaml`` (same file name, so the checker's
name rule holds). A campaign records its script's version when it is created; the dialer loads that
version: the current file if it still is that version, else the kept one.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from ivr.errors import UserError
from ivr.i18n import _
from ivr.scripts.model import Script


def kept_path(directory: Path, name: str, version: str) -> Path:
    return directory / "versions" / name / f"v{version}" / f"{name}.yaml"


def install(directory: Path, new_file: Path, new: Script, current: Script | None) -> Path:
    """Put ``new_file`` (already checked, version ``new.version``) in place of the script's current file,
    keeping the current one under versions/. A version number already used is refused."""
    target = directory / f"{new.name}.yaml"
    if current is not None:
        if str(current.version) == str(new.version) or kept_path(directory, new.name, str(new.version)).exists():
            raise UserError(_("{name}: version {version} exists already; raise the version number in the file").format(
                name=new.name, version=new.version))
        keep = kept_path(directory, current.name, str(current.version))
        keep.parent.mkdir(parents=True, exist_ok=True)
        if not keep.exists():
            shutil.copyfile(target, keep)
    fd, tmp = tempfile.mkstemp(prefix=f".{new.name}-", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        shutil.copyfile(new_file, tmp)
        os.replace(tmp, target)  # atomic: a dialer loading the script sees the old or the new file, whole
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def for_campaign(load: Callable[[str], Script], directory: Path, name: str, version: str) -> Script:
    """The script a campaign was created with: the current file if it is that version, else the kept one."""
    script = load(name)
    if str(script.version) == version:
        return script
    kept = kept_path(directory, name, version)
    if kept.is_file():
        return load(str(kept))
    return script  # a campaign from before versions were kept: the current script
