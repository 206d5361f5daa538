"""The sandbox is proven from its running PBX, never taken from a setting (issue 16): a production Asterisk on
loopback at the port `sandbox.http_port` names, or another sandbox folder, does not lift the call window's
bounds nor accept the default ARI password; the real sandbox does."""
from __future__ import annotations

import http.server
import threading
from typing import Iterator

import pytest

from ivr import config
from ivr.errors import UserError
from ivr.protection.secrets import ensure_safe_secrets, is_sandbox
from ivr.sandbox.manager import Sandbox


@pytest.fixture
def other_pbx() -> Iterator[int]:
    """Something else answering HTTP on loopback (a production PBX's ARI, as far as the address goes)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_running_sandbox_is_the_sandbox(sandbox: Sandbox, settings: config.Settings) -> None:
    assert is_sandbox(settings)
    ensure_safe_secrets(settings)  # the default password is fine against it


def test_a_pbx_at_the_port_the_setting_names_is_not_the_sandbox(sandbox: Sandbox, settings: config.Settings,
                                                                other_pbx: int) -> None:
    forged = config.replace(settings, ari={"url": f"http://127.0.0.1:{other_pbx}"}, sandbox={"http_port": other_pbx})
    assert not is_sandbox(forged)
    with pytest.raises(UserError, match="sandbox default"):
        ensure_safe_secrets(forged)


def test_another_sandbox_folder_proves_nothing(sandbox: Sandbox, settings: config.Settings, tmp_path) -> None:
    """The right address, but a sandbox folder whose PBX is not the one listening (e.g. a copied pid file)."""
    elsewhere = tmp_path / "sbx"
    (elsewhere / "root").mkdir(parents=True)
    (elsewhere / "pbx.pid").write_text((settings.sandbox_dir / "pbx.pid").read_text())
    assert not is_sandbox(config.replace(settings, sandbox={"dir": str(elsewhere)}))
