"""Render the project's Asterisk config templates (asterisk-conf/, dialplans/) with values from config.

Templates use ``{{name}}`` placeholders, which never clash with Asterisk's own ``${VAR}`` syntax.
A placeholder without a value is an error, so a typo never reaches Asterisk as literal text.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable, Mapping

from ivr.errors import UserError

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")


def render_text(text: str, values: Mapping[str, object], where: str) -> str:
    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in values:
            line = text.count("\n", 0, m.start()) + 1
            raise UserError(f"{where}:{line}: no value for placeholder {{{{{key}}}}}")
        return str(values[key])

    return _PLACEHOLDER.sub(sub, text)


def render_dirs(sources: Iterable[Path], target: Path, values: Mapping[str, object]) -> list[Path]:
    """Render every file of ``sources`` (folders, or single files; later ones win) into ``target``; return the
    changed paths."""
    target.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for src in sources:
        for path in ([src] if src.is_file() else sorted(src.iterdir())):
            if path.is_file() and path.suffix == ".conf":
                files[path.name] = path
    changed = []
    for name, path in files.items():
        out = target / name
        if write_atomic(out, render_text(path.read_text(encoding="utf-8"), values, str(path))):
            changed.append(out)
    return changed


def write_atomic(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` atomically; False (and no write) if it already holds exactly that."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return True
