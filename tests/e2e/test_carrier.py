"""The simulated network as a carrier (sandbox.carrier): our PBX registers with digest auth using the very
template production uses (asterisk-conf/production/pjsip_trunk.conf), calls present the registered caller
name and number (a wrong one is refused 403 and recorded as caller_id_refused), hotline calls reach us
through the registration, and staff softphones register with their own credentials (asterisk-conf/production/
pjsip_staff.conf) and answer queued callers; wrong credentials are refused. Once over TLS, with
certificates the test makes."""
from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from e2e_helpers import eventually, robocall
from hotline_helpers import Hotline, clock_at, running_hotline, staff_on_duty, until

from ivr import config
from ivr.observability.metrics import parse_registrations
from ivr.sandbox.manager import Sandbox

HERE = Path(__file__).resolve().parent
PERSONAS = HERE / "personas.yaml"
WRONG_NUMBER = "02370000000"


def _up(box: Sandbox) -> Sandbox:
    box.down()  # transports change: a restart, not a reload
    box.up(str(PERSONAS))
    return box


@pytest.fixture(scope="module")
def staff_secrets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("staff-secrets")
    for name in ("staff1", "staff2"):
        (folder / name).write_text(f"{name}-secret-{os.getpid()}\n")
    return folder


def carrier_env(staff_secrets: Path, **extra: str) -> dict[str, str]:
    return {"ROBOCALL_SANDBOX_CARRIER": "true", "ROBOCALL_STAFF_PHONES": "staff1:201,staff2:202",
            "ROBOCALL_STAFF_SECRETS_DIR": str(staff_secrets), "ROBOCALL_SANDBOX_STAFF_IMPOSTORS": "staff2", **extra}


@pytest.fixture(scope="module")
def carrier(sandbox: Sandbox, settings: config.Settings, staff_secrets: Path):
    """The sandbox in carrier mode (UDP) for this module; back to the plain network afterwards."""
    env = {**os.environ, **carrier_env(staff_secrets)}
    try:
        yield _up(Sandbox(config.load(env=env))), env
    finally:  # also when carrier mode failed to start: the other tests need the plain sandbox back
        _up(Sandbox(settings))


def _registered(box: Sandbox) -> bool:
    return bool(re.search(r"trunk-registration\S*\s+\S+\s+Registered", box.pbx.rx("pjsip show registrations")))


def _counts(box: Sandbox) -> dict[str, int]:
    out = box.phones.rx("database show carrier")
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"/carrier/(\w+)\s*:\s*(\d+)", out)}


def test_the_pbx_registers_with_digest_auth(carrier):
    box, env = carrier
    assert eventually(lambda: _registered(box), 30), box.pbx.rx("pjsip show registrations")
    assert "robocall" in box.phones.rx("pjsip show contacts")  # the carrier holds our contact
    # The carrier asks for credentials: a REGISTER without them is challenged, never accepted.
    port = int(env.get("ROBOCALL_SANDBOX_PHONES_SIP_PORT", config.SandboxSettings.phones_sip_port))
    assert _register_without_auth("127.0.0.1", port).startswith("SIP/2.0 401")
    # The registration state as serve's metrics read it (the PBX's res_prometheus).
    s = config.load(env=env)
    import httpx

    text = httpx.get(f"{s.ari.url}/metrics", auth=(s.ari.username, s.ari.password), timeout=5).text
    assert parse_registrations(text) == {"robocall": 1}


def _register_without_auth(host: str, port: int) -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        local = sock.getsockname()[1]
        sock.settimeout(5)
        request = (f"REGISTER sip:{host}:{port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bK-rc{local}\r\n"
                   f"Max-Forwards: 70\r\nFrom: <sip:robocall@{host}>;tag=t{local}\r\nTo: <sip:robocall@{host}>\r\n"
                   f"Call-ID: rc-{local}@127.0.0.1\r\nCSeq: 1 REGISTER\r\nContact: <sip:intruder@127.0.0.1:{local}>\r\n"
                   "Expires: 60\r\nContent-Length: 0\r\n\r\n")
        sock.sendto(request.encode(), (host, port))
        while True:
            reply = sock.recv(65535).decode(errors="replace")
            if not reply.startswith("SIP/2.0 100"):
                return reply


def _campaign(env: dict[str, str], tmp_path: Path, number: str, name: str) -> str:
    csv = tmp_path / f"{name}.csv"
    csv.write_text(f"\ufeffHọ và tên;Số điện thoại;Phân loại\nNgười thử;{number};F1\n", encoding="utf-8")
    imported = json.loads(_ok(robocall("contacts", "import", str(csv), "--category", "f1", "--json", env=env)))
    policy = [f"--policy={k}={v}" for k, v in {"window_start": "00:00", "window_end": "23:59", "no_answer_attempts": 1,
                                               "network_max_attempts": 1, "unfinished_extra_attempts": 0}.items()]
    created = json.loads(_ok(robocall("campaign", "create", "--script", "quick", "--import",
                                      str(imported["import_id"]), *policy, "--json", env=env)))
    return str(created["campaign_id"])


def _ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _scripts(tmp_path: Path) -> str:
    scripts = tmp_path / "scripts"
    shutil.copytree(config.PROJECT_ROOT / "scripts_vi", scripts)
    shutil.copy(HERE / "scripts" / "quick.yaml", scripts)
    return str(scripts)


def test_a_campaign_call_presents_the_registered_identity_and_a_wrong_one_is_refused(carrier, tmp_path: Path):
    box, env = carrier
    assert eventually(lambda: _registered(box), 30)
    env = {**env, "ROBOCALL_SCRIPTS_DIR": _scripts(tmp_path)}
    before = _counts(box)
    good = _campaign(env, tmp_path, "0906750100", "good")
    _ok(robocall("campaign", "run", good, env=env, timeout=180))
    status = json.loads(_ok(robocall("campaign", "status", good, "--json", env=env)))
    assert status["by_outcome"] == {"completed": 1}
    assert _counts(box).get("accepted", 0) == before.get("accepted", 0) + 1  # the carrier let it through

    wrong = _campaign(env, tmp_path, "0906750101", "wrong")
    _ok(robocall("campaign", "run", wrong, env={**env, "ROBOCALL_TRUNK_CALLER_ID_NUMBER": WRONG_NUMBER}, timeout=180))
    status = json.loads(_ok(robocall("campaign", "status", wrong, "--json", env=env)))
    assert status["by_outcome"] == {"caller_id_refused": 1}
    assert _counts(box).get("refused", 0) == before.get("refused", 0) + 1

    # The display name is checked too: the registered number with another name is refused 403.
    call = json.loads(_ok(robocall("call", "0906750102", "--prompt", "Xin chào", "--json",
                                   env={**env, "ROBOCALL_TRUNK_CALLER_ID_NAME": "Ten khac"})))
    assert (call["outcome"], call["sip_cause"]) == ("caller_id_refused", 403)


async def test_a_hotline_call_arrives_from_the_carrier_and_a_registered_staff_phone_answers(carrier):
    box, env = carrier
    s = config.load(env=env)
    # staff1 registered with its credentials; staff2's phone has the wrong password and is refused.
    assert await until(lambda: "staff1/sip:reg-staff1@" in box.pbx.rx("pjsip show contacts"), 30)
    assert await until(lambda: re.search(r"reg-staff2\S*\s+\S+\s+Rejected", box.phones.rx("pjsip show registrations")), 30)
    assert "reg-staff2" not in box.pbx.rx("pjsip show contacts")
    number = "0912340901"

    async def use(h: Hotline):
        await staff_on_duty(h, "staff1")
        caller = await asyncio.to_thread(h.callers.call, number, "0")  # through the carrier: menu, staff
        answered = await until(lambda: (c := h.call_from(number)) is not None and c.answered_by == "staff1", 90)
        assert answered, (h.call_from(number), h.queue_show())
        await asyncio.to_thread(caller.press, "5")
        heard = await until(lambda: "5" in box.phones.rx("database get staff staff1/heard"), 30)
        assert heard, "staff1 did not hear the caller's key"
        done = await until(lambda: h.finished(number), 60)
        assert done is not None and done.outcome == "staff"

    await running_hotline(s, box, clock_at(10), use)


def test_registration_and_a_call_over_tls(sandbox: Sandbox, settings: config.Settings, staff_secrets: Path,
                                          tmp_path: Path):
    """The trunk over TLS (transport tls, the server's certificate checked against a CA the test made)."""
    ca, cert, key = _certificates(tmp_path)
    env = {**os.environ, **carrier_env(staff_secrets), "ROBOCALL_TRUNK_TRANSPORT": "tls",
           "ROBOCALL_TRUNK_TLS_CA_FILE": str(ca), "ROBOCALL_TRUNK_TLS_CERT_FILE": str(cert),
           "ROBOCALL_TRUNK_TLS_KEY_FILE": str(key)}
    try:
        box = _up(Sandbox(config.load(env=env)))
        assert eventually(lambda: _registered(box), 30), box.pbx.rx("pjsip show registrations")
        assert "transport=tls" in box.pbx.rx("pjsip show registrations")
        call = json.loads(_ok(robocall("call", "0906750103", "--prompt", "Xin chào", "--json", env=env)))
        assert call["outcome"] == "completed" and call["answered"], call
    finally:
        _up(Sandbox(settings))


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a certificate for 127.0.0.1 signed by it (openssl)."""
    ca_key, ca, key, csr, cert = (folder / n for n in ("ca.key", "ca.crt", "pbx.key", "pbx.csr", "pbx.crt"))
    run = lambda *a: subprocess.run(["openssl", *a], check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca), "-days", "2",
        "-subj", "/CN=robocall test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1")
    ext = folder / "ext.cnf"
    ext.write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    run("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial", "-out", str(cert),
        "-days", "2", "-extfile", str(ext))
    return ca, cert, key
