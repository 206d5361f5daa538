"""Scripts in the console: steps and prompts (the audio residents hear), and an admin installing a new
version: `script check` errors shown, and a campaign keeps the version it was created with."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ivr.config import PROJECT_ROOT
from ivr.scripts import versions
from ivr.web.services import WebServices

from web_helpers import add_user, csrf_of, sign_in


@pytest.fixture(autouse=True)
def scripts_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "scripts"
    shutil.copytree(PROJECT_ROOT / "scripts_vi", folder)
    monkeypatch.setenv("ROBOCALL_SCRIPTS_DIR", str(folder))
    return folder


def test_a_prompt_is_served_as_the_audio_residents_hear(client: TestClient, services: WebServices) -> None:
    add_user(services, "xem", "viewer")
    sign_in(client, "xem")
    page = client.get("/scripts/f1_daily")
    sources = re.findall(r'<audio controls preload="none" src="([^"]+)"', page.text)
    assert len(sources) > 10
    audio = client.get(sources[0].replace("&amp;", "&"))
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    assert audio.content[:4] == b"RIFF" and audio.content[8:12] == b"WAVE"
    assert client.get("/scripts/f1_daily/audio?id=nope").status_code == 400
    assert client.get("/scripts/..%2Fsecret").status_code in (400, 404)


def test_an_admin_installs_a_new_version_and_a_campaign_keeps_its_own(client: TestClient, services: WebServices,
                                                                      scripts_copy: Path, tmp_path: Path) -> None:
    csv = tmp_path / "ds.csv"
    csv.write_text("Họ và tên;Số điện thoại;Phân loại\nNgười Một;0906730001;F1\n", encoding="utf-8")
    imported = services.importer.import_file(csv, operator="test")
    campaign = services.campaigns.create(script_name="f1_daily", operator="test",
                                         import_id=imported.import_id).campaign
    current = services.campaigns.scripts("f1_daily").version
    old, new = f"version: {current}", f"version: {int(current) + 1}"
    assert campaign.script_version == str(current)
    add_user(services, "quantri", "admin")
    add_user(services, "canbo", "staff")
    sign_in(client, "canbo")
    assert client.post("/scripts", data={"csrf": csrf_of(client, "/scripts")},
                       files={"file": ("f1_daily.yaml", b"x")}).status_code == 403  # staff may not
    client.post("/logout", data={"csrf": csrf_of(client)})
    sign_in(client, "quantri")
    text = (scripts_copy / "f1_daily.yaml").read_text(encoding="utf-8")
    broken = text.replace(old, new).replace("next: ask_symptoms", "next: ask_symptomz", 1)
    assert broken != text.replace(old, new)
    page = client.post("/scripts", data={"csrf": csrf_of(client, "/scripts")},
                       files={"file": ("f1_daily.yaml", broken.encode())})
    assert page.status_code == 400 and "ask_symptomz" in page.text and "chưa được cài" in page.text
    assert old in (scripts_copy / "f1_daily.yaml").read_text(encoding="utf-8")  # nothing installed
    newer = text.replace(old, new)
    page = client.post("/scripts", data={"csrf": csrf_of(client, "/scripts")},
                       files={"file": ("f1_daily.yaml", newer.encode())})
    assert page.status_code == 200 and f"phiên bản {int(current) + 1}" in page.text
    assert new in (scripts_copy / "f1_daily.yaml").read_text(encoding="utf-8")
    kept = versions.for_campaign(services.campaigns.scripts, scripts_copy, "f1_daily", campaign.script_version)
    assert str(kept.version) == str(current) and "versions" in kept.source
    assert str(services.campaigns.scripts("f1_daily").version) == str(int(current) + 1)  # new campaigns get it
    again = client.post("/scripts", data={"csrf": csrf_of(client, "/scripts")},
                        files={"file": ("f1_daily.yaml", newer.encode())})
    assert again.status_code == 400 and "đã có" in again.text
    assert any(e["action"] == "web.script.install" and e["operator"] == "quantri"
               for e in services.repo.audit_entries())
