"""`robocall serve` as an operator's monitoring sees it: /metrics during a real campaign agrees with the
ledger and never carries a phone number in a label; /readyz turns unready when ARI or the database goes
away (a real network cut: TCP proxies in front of Asterisk's HTTP port and of PostgreSQL) and ready again
once they are back."""
from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest
from dbfixtures import create_pg_database, drop_pg_database
from e2e_helpers import robocall
from sqlalchemy.engine import make_url
from tcpproxy import TcpProxy

from ivr.config import PROJECT_ROOT

HERE = Path(__file__).resolve().parent
pytestmark = pytest.mark.postgres
TAILS = {0: "completed", 1: "completed", 60: "wrong_person", 65: "no_input", 85: "busy", 98: "congestion"}
REPR = re.compile(r"^[A-Z]\w*\(.*\)$|^<\w[\w.]* object at 0x")  # RenderStats(...), <Foo object at 0x..>
SAMPLE = re.compile(r"^(\w+)(?:\{([^}]*)\})?\s+(\S+)$")


PROXY_USER = "proxied"  # an ARI user of this test only: the PBX behind a proxy is not the proven sandbox


def test_metrics_match_the_ledger_and_readyz_follows_ari_and_the_database(pbx, settings, tmp_path: Path):
    name = f"robocall_ops_{os.getpid()}"
    db_url = create_pg_database(name)
    # An ARI user of this test, with its own password, for ARI and for the PBX's metrics (same credentials)
    conf = pbx.root / pbx.pbx.conf_dir.lstrip("/")
    password = f"proxy-{os.urandom(8).hex()}"
    rendered = {f: (conf / f).read_text() for f in ("ari.conf", "prometheus.conf")}
    (conf / "ari.conf").write_text(rendered["ari.conf"]
                                   + f"\n[{PROXY_USER}]\ntype = user\nread_only = no\npassword = {password}\n")
    (conf / "prometheus.conf").write_text(re.sub(r"(?m)^auth_username = .*$\n^auth_password = .*$",
                                                 f"auth_username = {PROXY_USER}\nauth_password = {password}",
                                                 rendered["prometheus.conf"]))
    pbx.pbx.rx("module reload res_ari.so")
    pbx.pbx.rx("module reload res_prometheus.so")
    try:
        asyncio.run(_scenario(settings, tmp_path, db_url, password))
    finally:
        for f, text in rendered.items():
            (conf / f).write_text(text)
        pbx.pbx.rx("module reload res_ari.so")
        pbx.pbx.rx("module reload res_prometheus.so")
        drop_pg_database(name)


async def _scenario(settings, tmp_path: Path, db_url: str, password: str) -> None:
    ari_port = int(settings.ari.url.rsplit(":", 1)[1])
    pg = make_url(db_url)
    ari_proxy, db_proxy = TcpProxy("127.0.0.1", ari_port), TcpProxy(pg.host or "127.0.0.1", pg.port or 5432)
    await ari_proxy.start()
    await db_proxy.start()
    numbers = [f"090674{i:02d}{t:02d}" for i, t in enumerate(TAILS)]
    scripts = tmp_path / "scripts"
    shutil.copytree(PROJECT_ROOT / "scripts_vi", scripts)
    shutil.copy(HERE / "scripts" / "quick.yaml", scripts)
    env = {**os.environ, "ROBOCALL_SCRIPTS_DIR": str(scripts), "ROBOCALL_ARI_URL": f"http://127.0.0.1:{ari_proxy.port}",
           "ROBOCALL_DATABASE_URL": pg.set(port=db_proxy.port).render_as_string(hide_password=False),
           "ROBOCALL_LOG_FILE": str(tmp_path / "serve.log"),
           # Behind the proxy the PBX is not the proven sandbox (ivr/sandbox/proof.py): as for a production PBX,
           # an ARI user with its own password, and the operator's bounds of the call window (any hour here).
           "ROBOCALL_ARI_USERNAME": PROXY_USER, "ROBOCALL_ARI_PASSWORD": password,
           "ROBOCALL_DIALER_WINDOW_EARLIEST": "00:00", "ROBOCALL_DIALER_WINDOW_LATEST": "23:59"}
    base = f"http://{settings.service.health_bind}:{settings.service.health_port}"
    systemd = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # stands in for systemd (Type=notify)
    systemd.bind(str(tmp_path / "notify"))
    systemd.setblocking(False)
    env["NOTIFY_SOCKET"] = str(tmp_path / "notify")
    campaign = await asyncio.to_thread(_campaign, tmp_path, numbers, env)
    proc = await asyncio.create_subprocess_exec(str(Path(sys.executable).with_name("robocall")), "serve", env=env,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            assert await _until(lambda: _ready(http, base), 60), "serve never became ready"
            assert (await http.get(f"{base}/healthz")).status_code == 200
            assert systemd.recv(4096).startswith(b"READY=1")  # told systemd before /readyz answered 200

            await asyncio.to_thread(_cli, env, "campaign", "start", campaign)
            seen_running = await _until(lambda: _sample(http, base, "robocall_campaigns_running", 1.0), 30)
            assert seen_running, "the running campaign never showed in /metrics"
            status = await _until(lambda: _completed(env, campaign), 180)
            assert status, "campaign not completed"
            text = (await http.get(f"{base}/metrics")).text
            samples = _parse(text)
            ledger = status["by_outcome"]
            by_metric = {labels["outcome"]: value for metric, labels, value in samples
                         if metric == "robocall_calls_total" and value}
            assert by_metric == {o: float(n) for o, n in ledger.items()}
            assert _value(samples, "robocall_originates_total") == sum(ledger.values())
            assert _value(samples, "robocall_calls_in_progress") == 0.0
            assert _value(samples, "robocall_campaigns_running") == 0.0
            assert _value(samples, "robocall_ari_connected") == 1.0
            assert _value(samples, "robocall_pbx_metrics_up") == 1.0
            assert _value(samples, "robocall_trunk_reachable") == 1.0
            assert any(m == "robocall_db_seconds_count" and v > 0 for m, _, v in samples)
            labels = [v for _, lab, _ in samples for v in lab.values()]
            assert not [v for v in labels if re.search(r"\d{6,}", v)], "a label carries a number"
            assert not any(n.lstrip("0") in text for n in numbers)

            ari_proxy.cut(8)  # Asterisk unreachable: websocket dropped, reconnects refused for 8 s
            down = await _until(lambda: _readiness(http, base, "ari", "disconnected"), 10)
            assert down, "/readyz stayed ready without ARI"
            assert await _until(lambda: _ready(http, base), 30), "/readyz did not come back after ARI"
            samples = _parse((await http.get(f"{base}/metrics")).text)
            assert _value(samples, "robocall_ari_reconnects_total") >= 1

            db_proxy.cut(6)  # PostgreSQL unreachable
            down = await _until(lambda: _readiness(http, base, "database", "unreachable"), 10)
            assert down, "/readyz stayed ready without the database"
            assert await _until(lambda: _ready(http, base), 30), "/readyz did not come back after the database"
            assert proc.returncode is None, "serve died during the outages"
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(proc.wait(), 60)
        except asyncio.TimeoutError:
            proc.kill()
            code = await proc.wait()
        err = (await proc.stderr.read()).decode() if proc.stderr else ""
        await ari_proxy.close()
        await db_proxy.close()
    assert code == 0, err
    assert systemd.recv(4096).startswith(b"STOPPING=1")
    systemd.close()
    log = (tmp_path / "serve.log").read_text()
    assert not any(n.lstrip("0") in log for n in numbers)
    lines = [json.loads(line) for line in log.splitlines()]  # every line is JSON ...
    reprs = [(e["event"], k, v) for e in lines for k, v in e.items() if isinstance(v, str) and REPR.match(v)]
    assert not reprs, reprs  # ... and no field is a Python repr


def _campaign(tmp_path: Path, numbers: list[str], env: dict[str, str]) -> str:
    csv = tmp_path / "list.csv"
    csv.write_text("\ufeffHọ và tên;Số điện thoại;Phân loại\n"
                   + "".join(f"Người thử {i};{n};F1\n" for i, n in enumerate(numbers)), encoding="utf-8")
    imported = _cli(env, "contacts", "import", str(csv), "--category", "f1")
    policy = [f"--policy={k}={v}" for k, v in {"window_start": "00:00", "window_end": "23:59",
                                               "no_answer_attempts": 1, "network_max_attempts": 1,
                                               "unfinished_extra_attempts": 0}.items()]
    created = _cli(env, "campaign", "create", "--script", "quick", "--import", str(imported["import_id"]), *policy)
    return str(created["campaign_id"])


def _cli(env: dict[str, str], *args: str) -> dict:
    proc = robocall(*args, "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


async def _completed(env: dict[str, str], campaign: str) -> dict | None:
    status = await asyncio.to_thread(_cli, env, "campaign", "status", campaign)
    return status if status["status"] == "completed" else None


async def _ready(http: httpx.AsyncClient, base: str) -> bool:
    try:
        return (await http.get(f"{base}/readyz")).status_code == 200
    except httpx.HTTPError:
        return False


async def _readiness(http: httpx.AsyncClient, base: str, check: str, value: str) -> bool:
    try:
        response = await http.get(f"{base}/readyz")
    except httpx.HTTPError:
        return False
    return response.status_code == 503 and response.json()["checks"][check] == value


async def _sample(http: httpx.AsyncClient, base: str, metric: str, value: float) -> bool:
    try:
        return _value(_parse((await http.get(f"{base}/metrics")).text), metric) == value
    except (httpx.HTTPError, KeyError):
        return False


async def _until(cond, timeout: float, interval: float = 0.3):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await cond()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(interval)


def _parse(text: str) -> list[tuple[str, dict[str, str], float]]:
    out = []
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        m = SAMPLE.match(line)
        assert m, f"not a Prometheus sample: {line}"
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        out.append((m.group(1), labels, float(m.group(3))))
    return out


def _value(samples, metric: str) -> float:
    return next(v for m, lab, v in samples if m == metric and not lab)
