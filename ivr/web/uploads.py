"""Uploaded files: copied to a private temporary folder under the data folder, size-limited, removed after."""
from __future__ import annotations

import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ivr.errors import UserError
from ivr.i18n import _

MAX_BYTES = 50 * 1024 * 1024
_UNSAFE = re.compile(r"[^\w.\- ]+")


def safe_name(name: str | None, default: str) -> str:
    """The file's own name without any folder part, or ``default``."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip(" .")
    return base[:200] or default


@contextmanager
def saved_upload(upload: Any, folder: Path, default: str) -> Iterator[Path]:
    """The uploaded file saved as ``<temporary folder>/<its name>``; the folder is removed afterwards."""
    if upload is None or not hasattr(upload, "read"):
        raise UserError(_("No file chosen to upload."))
    folder.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="upload-", dir=folder))
    try:
        path = tmp / safe_name(getattr(upload, "filename", None), default)
        size = 0
        with open(path, "wb") as out:
            while chunk := upload.file.read(1 << 20):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise UserError(_("File too large: at most {n} MB.").format(n=MAX_BYTES // (1024 * 1024)))
                out.write(chunk)
        yield path
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
