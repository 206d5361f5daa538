"""Time from `campaign create` + `start` to the first call, for a list of N contacts (issue 18 item 4).

    .venv/bin/python bench/bench_first_call.py --contacts 2400 --before
    .venv/bin/python bench/bench_first_call.py --contacts 50000

Imports N synthetic F1 contacts (not timed), then times, through the real services and the sandbox PBX:
`CampaignService.create` (now: the script's fixed audio only), `start`, and the dialer up to its first
originate reaching ARI. The first call is then hung up and the dialer stopped. With --before it also times
what `create` used to do before the first call: render every contact's personalised prompts whole
(`render_personalised`, into a fresh cache folder, so nothing is cached). The script is the shipped
scripts_vi/f1_daily.yaml: the frozen version 1 in bench/scripts/ no longer passes the checker (it lacks
`direction` and `categories`), so "before" is timed here again, on the same list, rather than taken from
the issue's 58.3 s.
Results go to bench/results/first_call_<N>.json (or --out).
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ivr import app, config, logs  # noqa: E402
from ivr.ari.client import AriError  # noqa: E402
from ivr.calls.dialer import Dialer  # noqa: E402
from ivr.campaigns.service import CampaignService  # noqa: E402
from ivr.clock import utcnow  # noqa: E402
from ivr.contacts.importer import ContactImporter  # noqa: E402
from ivr.errors import PbxUnavailable  # noqa: E402
from ivr.sandbox.demo_data import write_list  # noqa: E402
from ivr.sandbox.manager import Sandbox  # noqa: E402
from ivr.scripts.address import AddressRule  # noqa: E402
from ivr.scripts.variables import contact_variables  # noqa: E402
from ivr.speech.library import AudioDirs, AudioLibrary  # noqa: E402
from ivr.speech.render import render_personalised  # noqa: E402
from ivr.storage.db import make_engine, migrate  # noqa: E402
from ivr.storage.repo import Repository  # noqa: E402

RESULTS = ROOT / "bench" / "results"
ONE_PASS = {"window_start": "00:00", "window_end": "23:59", "no_answer_attempts": 1, "network_max_attempts": 1,
            "unfinished_extra_attempts": 0}


class FirstOriginate:
    """The ARI client, noting when the dialer's first originate reaches it (then the bench stops the dialer)."""

    def __init__(self, ari: Any, stop: asyncio.Event) -> None:
        self._ari, self._stop = ari, stop
        self.first: float | None = None
        self.channels: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ari, name)

    async def originate(self, endpoint: str, **kw: Any) -> Any:
        if self.first is None:
            self.first = time.monotonic()
            self._stop.set()
        self.channels.append(kw["channel_id"])
        return await self._ari.originate(endpoint, **kw)


async def first_call(settings: config.Settings, repo: Repository, import_id: int) -> dict[str, float]:
    svc = CampaignService(settings, repo, app.audio_library(settings), app.script_loader(settings),
                          app.campaign_policy(settings))
    stop = asyncio.Event()
    ari = app.ari_client(settings)
    await ari.connect()
    timed = FirstOriginate(ari, stop)
    try:
        t0 = time.monotonic()
        created = svc.create(script_name="f1_daily", operator="bench", import_id=import_id, overrides=ONE_PASS)
        t_created = time.monotonic()
        svc.start(created.campaign.id, "bench")
        t_started = time.monotonic()
        dialer = Dialer(settings, repo, timed, svc.library, svc.scripts, svc.policy,  # type: ignore[arg-type]
                        worker_id="bench-first")
        run = asyncio.create_task(dialer.run_campaign(created.campaign.id, stop))
        while not run.done():  # the first call answered: hang it up (and any other started with it)
            await asyncio.sleep(0.3)
            for channel in timed.channels:
                try:
                    await ari.hangup(channel)
                except (AriError, PbxUnavailable):
                    pass
        await run
    finally:
        await ari.close()
    assert timed.first is not None, "no call was made"
    return {"create_s": round(t_created - t0, 2), "start_s": round(t_started - t_created, 2),
            "create_start_to_first_call_s": round(timed.first - t0, 2),
            "start_to_first_call_s": round(timed.first - t_created, 2),
            "prompts_rendered_at_create": created.prompts_rendered}


def before(settings: config.Settings, repo: Repository, import_id: int) -> dict[str, float]:
    """What `create` did before the first call until issue 18: every contact's prompts rendered whole."""
    library = AudioLibrary(AudioDirs(Path(tempfile.mkdtemp()) / "cache", settings.audio_pbx_dir),
                           transfer_approved=True)
    script = app.script_loader(settings)("f1_daily")
    rule = AddressRule.of(settings.call)
    today = dt.date.today()
    people = [contact_variables(c, today, rule) for c in repo.list_contacts()]
    t0 = time.monotonic()
    stats = render_personalised(library, script, people)
    return {"render_every_contact_s": round(time.monotonic() - t0, 1), "prompts_rendered": stats.rendered}


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--contacts", type=int, default=2400)
    ap.add_argument("--before", action="store_true", help="also time the old preparation (every contact rendered)")
    ap.add_argument("--out", type=Path, default=None, help="the result file (default bench/results/first_call_<N>.json)")
    args = ap.parse_args()
    logs.configure("warning", stream=open(os.devnull, "w"))  # noqa: SIM115
    settings = config.replace(config.load(), dialer={"max_concurrent": 4, "calls_per_second": 4})
    box = Sandbox(settings)
    box.up(None)
    box.reset()
    db_url = f"sqlite:///{tempfile.mkdtemp()}/first_call.db"
    migrate(db_url)
    repo = Repository(make_engine(db_url))
    path = write_list(Path(tempfile.mkdtemp()) / f"list_{args.contacts}.xlsx", args.contacts, dt.date.today())
    t0 = time.monotonic()
    imported = ContactImporter(repo, Path(tempfile.mkdtemp()) / "imports", clock=utcnow,
                               zone=ZoneInfo("Asia/Ho_Chi_Minh")).import_file(
        path, category="F1", list_date=dt.date.today(), operator="bench")
    result: dict[str, Any] = {"contacts": args.contacts, "import_s (not counted)": round(time.monotonic() - t0, 1),
                              "load_average_before": os.getloadavg()[0]}
    result.update(await first_call(settings, repo, imported.import_id))
    if args.before:
        result["before"] = before(settings, repo, imported.import_id)
    box.reset(timeout=60)
    print(json.dumps(result, ensure_ascii=False))
    out = args.out or RESULTS / f"first_call_{args.contacts}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
