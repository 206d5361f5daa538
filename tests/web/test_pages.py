"""What the console's pages show and do (beyond who may see them: test_access.py)."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from starlette.testclient import TestClient

from ivr.storage.records import CampaignStatus
from ivr.web.services import WebServices

from web_helpers import add_user, csrf_of, sign_in


def _list(services: WebServices, tmp_path: Path, rows: str) -> int:
    csv = tmp_path / "ds.csv"
    csv.write_text("Họ và tên;Số điện thoại;Phân loại\n" + rows, encoding="utf-8")
    return services.importer.import_file(csv, operator="test").import_id


def test_today_shows_the_hotline_queue_and_staff_on_duty(client: TestClient, services: WebServices) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    for name in ("staff1", "staff2"):
        services.hotline.add_agent(name, f"PJSIP/{name}", None, operator="test", now=now)
    services.hotline.set_agent("staff1", operator="test", now=now, logged_in=True)
    waiting = services.hotline.open_call("rc-in-1", "+84906730001", now, after_hours=False)
    services.hotline.queue_entered(waiting.id, now)
    services.hotline.open_call("rc-in-2", "+84906730002", now, after_hours=False)  # still in the menu
    add_user(services, "xem", "viewer")
    sign_in(client, "xem")
    page = client.get("/today/live?hx=1").text
    assert re.search(r'id="waiting">1<', page) and re.search(r'id="agents-in">1</strong> / 2', page)


def test_creating_a_campaign_shows_its_rules_then_creates_it_once_confirmed(client: TestClient,
                                                                           services: WebServices,
                                                                           tmp_path: Path) -> None:
    import_id = _list(services, tmp_path, "Một;0906730001;F1\nHai;0906730002;F1\nBa vợ Hai;0906730002;F1\n")
    add_user(services, "canbo", "staff")
    sign_in(client, "canbo")
    form = {"csrf": csrf_of(client, "/campaigns"), "script": "f1_daily", "source": f"import:{import_id}",
            "window_start": "08:00", "window_end": "11:30"}
    plan = client.post("/campaigns/plan", data=form)
    assert plan.status_code == 200
    assert re.search(r'id="plan-households">2<', plan.text)  # one call per household
    assert "08:00-11:30" in plan.text and f"phiên bản {services.campaigns.scripts('f1_daily').version}" in plan.text
    assert services.repo.list_campaigns() == []  # nothing written before confirming
    created = client.post("/campaigns", data=form)
    assert created.status_code == 303
    campaign = services.repo.list_campaigns()[0]
    assert campaign.status == CampaignStatus.DRAFT and campaign.policy_overrides == {"window_start": "08:00",
                                                                                     "window_end": "11:30"}
    token = csrf_of(client, "/campaigns")
    for action, status in (("start", "running"), ("pause", "paused"), ("resume", "running"),
                           ("cancel", "cancelled")):
        assert client.post(f"/campaigns/{campaign.id}/{action}", data={"csrf": token}).status_code == 303
        assert services.repo.get_campaign(campaign.id).status == status
    refused = client.post(f"/campaigns/{campaign.id}/start", data={"csrf": token})
    shown = re.search(r'id="campaign-error">([^<]+)<', refused.text)  # on the Campaigns page, not an error page
    assert refused.status_code == 400 and shown and "đã hủy" in shown.group(1)
    actions = [e["action"] for e in services.repo.audit_entries() if e["operator"] == "canbo"]
    assert {"campaign.create", "campaign.running", "campaign.paused", "campaign.cancelled"} <= set(actions)


def test_the_clis_safety_rules_refuse_a_campaign_in_the_console(client: TestClient, services: WebServices,
                                                                tmp_path: Path) -> None:
    add_user(services, "canbo", "staff")
    sign_in(client, "canbo")
    token = csrf_of(client, "/campaigns")
    nobody = client.post("/campaigns/plan", data={"csrf": token, "script": "f1_daily", "source": "day",
                                                  "category": "F1", "list_date": "2021-07-15"})
    assert nobody.status_code == 400 and "không có ai để gọi" in nobody.text
    import_id = _list(services, tmp_path, "Một;0906730001;F1\n")
    unknown = client.post("/campaigns/plan", data={"csrf": token, "script": "khong_co", "source": f"import:{import_id}"})
    assert unknown.status_code == 400 and "khong_co" in unknown.text
    window = client.post("/campaigns/plan", data={"csrf": token, "script": "f1_daily", "source": f"import:{import_id}",
                                                  "window_start": "25:00"})
    assert window.status_code == 400 and "window_start" in window.text
    assert services.repo.list_campaigns() == []
