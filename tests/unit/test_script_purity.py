"""The pure parts are pure: importing the interpreter, the call machine, the retry policy or the hotline's
routing pulls in no telephony, storage or I/O layer."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.parametrize("module,forbidden", [
    ("ivr.scripts.interpreter", ("ivr.ari", "ivr.calls", "ivr.speech", "ivr.storage", "yaml", "httpx")),
    ("ivr.scripts.checker", ("ivr.ari", "ivr.calls", "ivr.speech", "ivr.storage")),
    ("ivr.scripts.variables", ("ivr.ari", "ivr.calls", "ivr.speech", "ivr.storage", "yaml", "httpx")),
    ("ivr.calls.machine", ("ivr.ari", "ivr.calls.session", "ivr.speech", "ivr.storage", "sqlalchemy", "httpx",
                           "websockets", "yaml")),
    ("ivr.calls.vocabulary", ("ivr.ari", "ivr.calls.session", "ivr.speech", "ivr.storage", "sqlalchemy", "httpx",
                              "websockets", "yaml")),
    ("ivr.calls.policy", ("ivr.ari", "ivr.calls.machine", "ivr.speech", "ivr.storage", "sqlalchemy", "httpx",
                          "websockets")),
    ("ivr.hotline.routing", ("ivr.ari", "ivr.calls", "ivr.speech", "ivr.storage", "sqlalchemy", "httpx",
                             "websockets", "yaml")),
])
def test_import_pulls_in_no_telephony(module: str, forbidden: tuple[str, ...]) -> None:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = json.loads(out)
    assert module in loaded  # the probe itself worked
    assert [m for m in loaded if any(m == f or m.startswith(f + ".") for f in forbidden)] == []
