"""`campaign create` renders the script's fixed audio only, never a contact's (issue 18 item 4: no
preparation barrier): its work does not grow with the list, and a person's values are rendered by the dialer
just before their call. A TTS engine that sends text abroad is still refused at create, before anything is
written, when the script says a person's data."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ivr import app, config
from ivr.campaigns.service import CampaignService
from ivr.contacts.importer import ContactImporter
from ivr.errors import UserError
from ivr.speech.library import AudioDirs, AudioLibrary
from ivr.storage.db import make_engine, migrate
from ivr.storage.repo import Repository
from speech_fakes import CountingEngine

NOW = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.timezone.utc)
DAY = dt.date(2026, 11, 30)
NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Vũ Thị Giang"]


def service(tmp_path: Path, engine: object, *, transfer_approved: bool = False) -> tuple[CampaignService, int]:
    url = f"sqlite:///{tmp_path}/db.sqlite"
    migrate(url)
    repo = Repository(make_engine(url))
    listing = tmp_path / "list.csv"
    rows = "".join(f"{name};09069901{i:02d};Thôn {i};F1\n" for i, name in enumerate(NAMES))
    listing.write_text("\ufeffHọ và tên;Số điện thoại;Địa chỉ;Phân loại\n" + rows, encoding="utf-8")
    imported = ContactImporter(repo, tmp_path / "imports", clock=lambda: NOW,
                               zone=ZoneInfo("Asia/Ho_Chi_Minh")).import_file(listing, list_date=DAY, operator="t")
    settings = config.Settings()
    library = AudioLibrary(AudioDirs(tmp_path / "cache", "/snd"), engine, workers=1,  # type: ignore[arg-type]
                           transfer_approved=transfer_approved)
    svc = CampaignService(settings, repo, library, app.script_loader(settings), app.campaign_policy(settings),
                          clock=lambda: NOW)
    return svc, imported.import_id


def test_create_renders_no_contact_value_and_the_same_work_for_any_list(tmp_path: Path) -> None:
    engine = CountingEngine()
    svc, import_id = service(tmp_path, engine)
    first = svc.create(script_name="f1_daily", operator="t", import_id=import_id)
    assert first.enqueued == len(NAMES) and first.prompts_rendered == len(engine.calls) > 0
    said = " ".join(engine.calls)
    assert not any(part in said for name in NAMES for part in name.split()[1:]), engine.calls
    assert not any(f"Thôn {i}" in said for i in range(len(NAMES)))
    again = svc.create(script_name="f1_daily", operator="t", import_id=import_id)
    assert again.prompts_rendered == 0  # the script's audio is cached: nothing per contact to do


class AbroadEngine(CountingEngine):
    sends_text_abroad = True


@pytest.mark.parametrize("approved", [False, True])
def test_an_engine_abroad_is_refused_at_create_unless_approved(tmp_path: Path, approved: bool) -> None:
    svc, import_id = service(tmp_path, AbroadEngine(), transfer_approved=approved)
    before = svc.repo.list_campaigns()
    if approved:
        svc.create(script_name="f1_daily", operator="t", import_id=import_id)
        assert len(svc.repo.list_campaigns()) == len(before) + 1
        return
    with pytest.raises(UserError, match="Nghị định 13/2023") as caught:
        svc.create(script_name="f1_daily", operator="t", import_id=import_id)
    assert "f1_daily" in str(caught.value) and svc.repo.list_campaigns() == before  # nothing written
