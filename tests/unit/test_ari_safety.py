"""ARI only where it must be (issue 16): the controller refuses plain http to anything but loopback (or warns
with ari.allow_plain_http), checks the PBX's certificate over https, and the production PBX binds plain
ARI/HTTP to loopback, with TLS for any other address."""
from __future__ import annotations

import asyncio
import http.server
import json
import shutil
import ssl
import subprocess
import threading
from pathlib import Path
from typing import Iterator

import pytest
from structlog.testing import capture_logs

from ivr import app, config
from ivr.ari.client import AriClient
from ivr.errors import PbxUnavailable, UserError
from ivr.protection.ari_safety import plain_ari_problem, tls_context
from ivr.sandbox.render import render_text
from ivr.sandbox.values import PRODUCTION_DIR, production_values

STRONG = "a-strong-secret-for-tests-only"


@pytest.mark.parametrize("url,refused", [
    ("http://127.0.0.1:8088", False), ("http://localhost:8088", False), ("http://[::1]:8088", False),
    ("http://127.0.0.2:8088", False), ("https://pbx.internal:8089", False), ("wss://10.0.0.5:8089", False),
    ("http://asterisk:8088", True), ("http://10.0.0.5:8088", True), ("ws://pbx.example.vn:8088", True),
    ("http://robocall:secret@10.0.0.5:8088", True),
])
def test_plain_ari_beyond_loopback_is_a_problem(url: str, refused: bool) -> None:
    problem = plain_ari_problem(url)
    assert (problem is not None) is refused
    assert "secret" not in (problem or ""), "the message must not show the credentials"


def _settings(url: str, **ari: object) -> config.Settings:
    return config.replace(config.Settings(), ari={"url": url, "password": STRONG, **ari})


def test_the_composition_root_refuses_plain_http_to_another_machine() -> None:
    with pytest.raises(UserError, match="plain HTTP to another machine") as caught:
        app.ari_client(_settings("http://10.0.0.5:8088"))
    assert "allow_plain_http" in str(caught.value)


def test_allow_plain_http_goes_on_with_a_loud_warning() -> None:
    with capture_logs() as logs:
        client = app.ari_client(_settings("http://10.0.0.5:8088", allow_plain_http=True))
    assert client is not None
    assert [e["event"] for e in logs if e["log_level"] == "warning"] == ["ari.plain_http_beyond_loopback"]


# -- the certificate is checked ----------------------------------------------------------------------
@pytest.fixture
def tls_ari(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real TLS server on loopback with a self-signed certificate (openssl), answering /ari/asterisk/info."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate to serve")
    cert, key = tmp_path / "pbx.crt", tmp_path / "pbx.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)

    class Info(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = json.dumps({"system": {"version": "22"}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Info)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", cert
    server.shutdown()
    server.server_close()


async def _info(client: AriClient) -> object:
    try:
        return await client._request("GET", "/asterisk/info")  # HTTP: no websocket is open
    finally:
        await client.close()


def test_a_certificate_the_controller_cannot_check_is_refused(tls_ari: tuple[str, Path]) -> None:
    url, _cert = tls_ari
    with pytest.raises(PbxUnavailable, match="unreachable"):
        asyncio.run(_info(app.ari_client(_settings(url))))


def test_the_certificate_checks_against_the_configured_ca(tls_ari: tuple[str, Path]) -> None:
    url, cert = tls_ari
    assert asyncio.run(_info(app.ari_client(_settings(url, ca_file=str(cert))))) == {"system": {"version": "22"}}


def test_an_unreadable_ca_file_is_one_message(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="ari.ca_file"):
        tls_context(config.AriSettings(url="https://pbx:8089", ca_file=str(tmp_path / "none.pem")))


# -- the production PBX ------------------------------------------------------------------------------
BASE = {"ari": {"password": "test-ari"}, "trunk": {"host": "sbc.example.vn", "allowed_addresses": "203.0.113.10"}}


def _http_conf(pbx: dict[str, object]) -> dict[str, str]:
    values = production_values(config.replace(config.Settings(), **BASE, pbx=pbx))
    text = render_text((PRODUCTION_DIR / "http.conf").read_text(), values, "http.conf")
    lines = [line.split(";", 1)[0].strip() for line in text.splitlines()]
    return dict(tuple(part.strip() for part in line.split("=", 1)) for line in lines if "=" in line)  # type: ignore[misc]


def test_production_ari_listens_on_loopback_by_default() -> None:
    conf = _http_conf({})
    assert (conf["bindaddr"], conf["bindport"], conf["tlsenable"]) == ("127.0.0.1", "8088", "no")


def test_another_bind_address_needs_tls_and_gets_it() -> None:
    with pytest.raises(UserError, match="pbx.http_bind is '10.0.0.2', not loopback: ARI there needs TLS"):
        _http_conf({"http_bind": "10.0.0.2"})
    conf = _http_conf({"http_bind": "10.0.0.2", "http_tls_cert_file": "/etc/asterisk/keys/pbx.crt",
                       "http_tls_key_file": "/etc/asterisk/keys/pbx.key"})
    assert conf["bindaddr"] == "127.0.0.1"  # plain HTTP stays on loopback
    assert (conf["tlsenable"], conf["tlsbindaddr"], conf["tlscertfile"]) == ("yes", "10.0.0.2:8089",
                                                                            "/etc/asterisk/keys/pbx.crt")


@pytest.mark.parametrize("register", [False, True])
def test_the_image_renders_the_loopback_http_conf(tmp_path: Path, register: bool) -> None:
    """The production render (both trunk modes) writes asterisk-conf/production/http.conf over the sandbox's."""
    from ivr.sandbox.render_cli import render_production

    trunk = {**BASE["trunk"], **({"register": True, "username": "u1", "password": "pw"} if register else {})}
    render_production(config.replace(config.Settings(), ari=BASE["ari"], trunk=trunk), tmp_path / "pbx")
    text = (tmp_path / "pbx" / "http.conf").read_text()
    assert "bindaddr = 127.0.0.1" in text and "tlsenable = no" in text
