"""One PBX node against two, at C concurrent calls per node: calls per minute, and the share each node carries.

    .venv/bin/python bench/bench_nodes.py --per-node 100 --rounds 3       # the issue-12 series (heavy)
    .venv/bin/python bench/bench_nodes.py --per-node 5 --rounds 2         # a smoke run of the script

For nodes = 1 then 2: the sandbox is brought up with that many PBX nodes (ivr/sandbox/nodes.py), one
`robocall serve --no-hotline` per node (its own ARI URL, dialer.max_concurrent = C) on one PostgreSQL,
and one campaign of rounds x C x nodes synthetic contacts (F1 script, default-rule phones, retries off)
is dialled by all of them. Measured from the campaign's start to its completion: calls per minute, and
per node the attempts it dialled and its share. This measures how the calls split, not capacity: both
nodes and all controllers run on the same host, so two nodes cannot go faster than one here.
Needs PostgreSQL ($ROBOCALL_TEST_POSTGRES_URL or 127.0.0.1:5432, user postgres). Results go to
bench/results/nodes_<nodes>x<per-node>.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from dbfixtures import create_pg_database, drop_pg_database  # noqa: E402

from ivr import app, config  # noqa: E402
from ivr.calls.session import utcnow  # noqa: E402
from ivr.campaigns.service import CampaignService  # noqa: E402
from ivr.contacts.importer import ContactImporter  # noqa: E402
from ivr.sandbox.demo_data import write_list  # noqa: E402
from ivr.sandbox.manager import Sandbox  # noqa: E402
from ivr.storage import models as m  # noqa: E402
from ivr.storage.db import make_engine  # noqa: E402
from ivr.storage.repo import Repository  # noqa: E402

RESULTS = ROOT / "bench" / "results"
# One call per household: no retry of any kind (else the campaign waits hours for the next attempts).
ONE_PASS = {"window_start": "00:00", "window_end": "23:59", "no_answer_attempts": 1, "network_max_attempts": 1,
            "unfinished_extra_attempts": 0, "rejected_extra_attempts": 0, "away_extra_attempts": 0}


def run(nodes: int, per_node: int, rounds: int) -> dict:
    settings = config.replace(config.load(), sandbox={"nodes": nodes})
    box = Sandbox(settings)
    box.up()
    name = f"robocall_bench_nodes_{os.getpid()}"
    url = create_pg_database(name)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            s = config.replace(settings, database={"url": url})
            repo = Repository(make_engine(url))
            contacts = rounds * per_node * nodes
            path = write_list(Path(tmp) / "list.xlsx", contacts, dt.date.today())  # default-rule phones
            importer = ContactImporter(repo, Path(tmp) / "imports", clock=utcnow, zone=ZoneInfo("Asia/Ho_Chi_Minh"))
            imported = importer.import_file(path, category="F1", list_date=dt.date.today(), operator="bench")
            svc = CampaignService(s, repo, app.audio_library(s), app.script_loader(s), app.campaign_policy(s))
            cid = svc.create(script_name="f1_daily", operator="bench", import_id=imported.import_id,
                             overrides=ONE_PASS).campaign.id
            exe = str(Path(sys.executable).with_name("robocall"))
            for node in box.nodes:
                env = {**os.environ, "ROBOCALL_DATABASE_URL": url, "ROBOCALL_ARI_URL": node.ari_url(),
                       "ROBOCALL_DIALER_WORKER_ID": f"node{node.number}", "ROBOCALL_SANDBOX_NODES": str(nodes),
                       "ROBOCALL_DIALER_MAX_CONCURRENT": str(per_node),
                       "ROBOCALL_DIALER_CALLS_PER_SECOND": str(max(per_node / 20, 1)),
                       "ROBOCALL_SERVICE_HEALTH_PORT": "0", "ROBOCALL_LOG_FILE": f"{tmp}/node{node.number}.log"}
                procs.append(subprocess.Popen([exe, "serve", "--no-hotline"], env=env, start_new_session=True))
            time.sleep(3)  # the serves connect and register (each polls the campaigns every 5 s)
            started = time.monotonic()
            svc.set_status(cid, "running", "bench")
            while svc.repo.get_campaign(cid).status.value != "completed":
                time.sleep(1)
            wall = time.monotonic() - started
            engine = make_engine(url)
            with engine.connect() as c:
                claimed = [r[0] for r in c.execute(m.CallAttempt.__table__.select()
                                                   .with_only_columns(m.CallAttempt.claimed_by)
                                                   .where(m.CallAttempt.campaign_id == cid))]
            engine.dispose()
            share = Counter((w or "").split(":")[0] for w in claimed)
            return {"nodes": nodes, "per_node": per_node, "contacts": contacts, "calls": len(claimed),
                    "wall_s": round(wall, 1), "calls_per_min": round(len(claimed) / wall * 60, 1),
                    "per_node_calls": dict(share),
                    "share": {k: round(v / max(len(claimed), 1), 3) for k, v in share.items()},
                    "load_before": os.getloadavg()[0]}
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
        drop_pg_database(name)
        Sandbox(config.replace(settings, sandbox={"nodes": 1})).up()  # back to one node, no proxy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-node", type=int, default=100, help="concurrent calls per node")
    ap.add_argument("--rounds", type=int, default=3, help="contacts = rounds x per-node x nodes")
    args = ap.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = []
    for nodes in (1, 2):
        result = run(nodes, args.per_node, args.rounds)
        results.append(result)
        (RESULTS / f"nodes_{nodes}x{args.per_node}.json").write_text(json.dumps(result, indent=2))
        print(json.dumps(result))
    one, two = results
    print(f"calls/min: one node {one['calls_per_min']}, two nodes {two['calls_per_min']}; "
          f"two nodes' shares {two['share']}")


if __name__ == "__main__":
    main()
