"""Who may see and do what in the console: anonymous visitors, viewers, staff; CSRF; the sign-in lock."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from ivr.formats import national_phone
from ivr.storage.records import Attempt, CampaignStatus
from ivr.web.services import WebServices

from web_helpers import PASSWORD, Clock, add_user, csrf_of, sign_in

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lists"
SCRIPT = "f1_daily"


def _import_and_campaign(services: WebServices, tmp_path: Path) -> int:
    """A list of three people and a draft campaign calling them."""
    csv = tmp_path / "ds.csv"
    csv.write_text("Họ và tên;Số điện thoại;Xã/Phường;Phân loại\nNgười Một;0906730001;Đông Vệ;F1\n"
                   "Người Hai;0906730150;Lam Sơn;F1\nNgười Ba;0906730285;Đông Vệ;F1\n", encoding="utf-8")
    imported = services.importer.import_file(csv, operator="test")
    return services.campaigns.create(script_name=SCRIPT, operator="test", import_id=imported.import_id).campaign.id


def _dialing(services: WebServices, campaign_id: int) -> Attempt:
    """Start the campaign and put its first attempt in the dialing state, as the dialer would."""
    services.campaigns.set_status(campaign_id, "running", "test")
    attempt = services.repo.claim_due_attempts(campaign_id, "w", dt.datetime.now(dt.timezone.utc), 1)[0]
    return services.repo.mark_dialing(attempt.id, f"rc-test-{campaign_id}", dt.datetime.now(dt.timezone.utc))


def _paths(client: TestClient) -> list[tuple[str, str]]:
    out = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if not isinstance(route, Route) or route.path.startswith("/login"):
            continue
        path = re.sub(r"\{(\w+):int\}", "1", route.path)
        path = re.sub(r"\{(\w+)(:str)?\}", lambda m: "start" if m.group(1) == "action" else "f1_daily", path)
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                out.append((method, path))
    return out


def test_every_page_refuses_an_anonymous_user(client: TestClient) -> None:
    paths = _paths(client)
    assert len(paths) >= 15
    for method, path in paths:
        response = client.request(method, path)
        if method == "GET":
            assert response.status_code == 303 and response.headers["location"].startswith("/login"), path
        else:
            assert response.status_code == 401, (method, path)
    live = client.get("/today/live?hx=1")
    assert live.status_code == 401  # the page's script is told to sign in again, not given the login page


def test_a_stolen_or_expired_session_cookie_is_refused(client: TestClient, services: WebServices,
                                                       clock: Clock) -> None:
    add_user(services, "canbo", "staff")
    assert sign_in(client, "canbo").status_code == 303
    assert client.get("/").status_code == 200
    clock.now += dt.timedelta(minutes=services.settings.web.session_minutes + 1)
    assert client.get("/").status_code == 303
    client.cookies.set("robocall_session", "forged")
    assert client.get("/").status_code == 303


def test_a_viewer_cannot_start_a_campaign_or_see_phone_numbers(client: TestClient, services: WebServices,
                                                               tmp_path: Path) -> None:
    campaign_id = _import_and_campaign(services, tmp_path)
    _dialing(services, campaign_id)  # one call in progress, so the Today page has someone to show
    draft = services.campaigns.create(script_name=SCRIPT, operator="test", import_id=1).campaign.id
    add_user(services, "xem", "viewer")
    assert sign_in(client, "xem").status_code == 303
    token = csrf_of(client, "/campaigns")
    for target, action in ((draft, "start"), (campaign_id, "pause"), (campaign_id, "cancel")):
        assert client.post(f"/campaigns/{target}/{action}", data={"csrf": token}).status_code == 403
    assert services.repo.get_campaign(draft).status == CampaignStatus.DRAFT
    assert services.repo.get_campaign(campaign_id).status == CampaignStatus.RUNNING
    for path in ("/", "/today/live?hx=1", "/campaigns", "/reports", "/scripts"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert not re.search(r"\+?84?90673\d{4}|090673\d{4}", page.text), path
        assert "Người Một" not in page.text and "Người Hai" not in page.text
    assert "Chiến dịch #" in client.get("/").text  # the call in progress is counted, without a number
    for path in ("/cases", "/cases/person/1", "/lists", "/audit"):
        assert client.get(path).status_code == 403, path
    assert 'action="/campaigns/plan"' not in client.get("/campaigns").text  # no form offered either


def test_staff_see_who_is_being_called_and_the_view_is_audited(client: TestClient, services: WebServices,
                                                               tmp_path: Path) -> None:
    attempt = _dialing(services, _import_and_campaign(services, tmp_path))
    add_user(services, "canbo", "staff")
    sign_in(client, "canbo")
    page = client.get("/")
    assert national_phone(attempt.phone_e164) in page.text and attempt.phone_e164 not in page.text  # as staff dial it
    client.get("/today/live?hx=1")  # the fragment again: the same person is not audited twice
    views = [e for e in services.repo.audit_entries() if e["action"] == "web.view.calls_in_progress"]
    assert [(e["operator"], e["object"]) for e in views] == [("canbo", f"contacts:{attempt.contact_id}")]


def test_staff_limited_to_a_ward_see_only_its_people(client: TestClient, services: WebServices,
                                                     tmp_path: Path) -> None:
    _import_and_campaign(services, tmp_path)
    people = {c.full_name: c for c in services.repo.list_contacts()}
    add_user(services, "phuong", "staff", ("Lam Sơn",))
    sign_in(client, "phuong")
    assert client.get(f"/cases/person/{people['Người Hai'].id}").status_code == 200
    assert client.get(f"/cases/person/{people['Người Một'].id}").status_code == 403


def test_a_form_without_its_csrf_token_is_refused(client: TestClient, services: WebServices,
                                                  tmp_path: Path) -> None:
    campaign_id = _import_and_campaign(services, tmp_path)
    add_user(services, "canbo", "staff")
    sign_in(client, "canbo")
    for data in ({}, {"csrf": "not-the-token"}):
        response = client.post(f"/campaigns/{campaign_id}/start", data=data)
        assert response.status_code == 403 and "CSRF" in response.text
    assert services.repo.get_campaign(campaign_id).status == CampaignStatus.DRAFT
    upload = client.post("/lists", files={"file": ("ds.csv", b"x")})
    assert upload.status_code == 403
    started = client.post(f"/campaigns/{campaign_id}/start", data={"csrf": csrf_of(client, "/campaigns")})
    assert started.status_code == 303
    assert services.repo.get_campaign(campaign_id).status == CampaignStatus.RUNNING


def test_the_sign_in_form_needs_its_token_too(client: TestClient, services: WebServices) -> None:
    add_user(services, "canbo", "staff")
    client.get("/login")
    response = client.post("/login", data={"name": "canbo", "password": PASSWORD})
    assert response.status_code == 403 and "robocall_session" not in response.cookies


def test_ten_wrong_passwords_lock_sign_in_for_fifteen_minutes(client: TestClient, services: WebServices,
                                                              clock: Clock) -> None:
    add_user(services, "canbo", "staff")
    for _ in range(10):
        assert sign_in(client, "canbo", "sai-mat-khau-roi").status_code == 401
    locked = sign_in(client, "canbo")  # the right password, but locked
    assert locked.status_code == 429 and "tạm khóa" in locked.text
    clock.now += dt.timedelta(minutes=14)
    assert sign_in(client, "canbo").status_code == 429
    clock.now += dt.timedelta(minutes=2)
    assert sign_in(client, "canbo").status_code == 303


def test_guessing_many_names_from_one_address_locks_that_address(client: TestClient, services: WebServices) -> None:
    add_user(services, "canbo", "staff")
    for i in range(10):
        assert sign_in(client, f"ten{i}", "sai-mat-khau-roi").status_code == 401
    assert sign_in(client, "canbo").status_code == 429


def test_an_admin_password_reset_lifts_the_lock(client: TestClient, services: WebServices) -> None:
    add_user(services, "canbo", "staff")
    for _ in range(10):
        sign_in(client, "canbo", "sai-mat-khau-roi")
    services.accounts.set_password("canbo", "mat-khau-moi-123", "admin")
    services.accounts.store.clear_failures("address", "testclient")
    assert sign_in(client, "canbo", "mat-khau-moi-123").status_code == 303


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(client: TestClient, services: WebServices) -> None:
    add_user(services, "canbo", "staff")
    sign_in(client, "canbo")
    assert client.get("/").status_code == 200
    services.accounts.disable("canbo", "admin")
    assert client.get("/").status_code == 303
    assert sign_in(client, "canbo").status_code == 401


def test_uploading_a_non_list_file_gives_the_clis_message(client: TestClient, services: WebServices,
                                                          tmp_path: Path) -> None:
    add_user(services, "canbo", "staff")
    sign_in(client, "canbo")
    token = csrf_of(client, "/lists")
    for name, body in (("bao-cao.pdf", b"%PDF-1.4 not a list"), ("ds.xlsx", b"not a zip at all")):
        response = client.post("/lists", data={"csrf": token}, files={"file": (name, body)})
        assert response.status_code == 400
        cli = tmp_path / name
        cli.write_bytes(body)
        with pytest.raises(Exception) as raised:
            services.importer.import_file(cli, operator="test")
        assert str(raised.value).replace(str(cli), name) in response.text.replace("&#39;", "'")
        assert str(tmp_path) not in response.text  # no server path shown
    assert services.repo.recent_imports() == []


def test_uploading_the_fixture_list_shows_its_counts_and_error_report(client: TestClient,
                                                                      services: WebServices) -> None:
    add_user(services, "canbo", "staff")
    sign_in(client, "canbo")
    body = (FIXTURES / "f1_title_block.xlsx").read_bytes()
    page = client.post("/lists", data={"csrf": csrf_of(client, "/lists"), "category": "", "list_date": ""},
                       files={"file": ("f1_title_block.xlsx", body)})
    assert page.status_code == 200, page.text
    counts = {k: re.search(rf'id="count-{k}">(\d+)<', page.text).group(1)  # type: ignore[union-attr]
              for k in ("rows", "new", "updated", "duplicates", "invalid")}
    assert counts == {"rows": "14", "new": "6", "updated": "0", "duplicates": "1", "invalid": "7"}
    report = client.get("/lists/1/errors")
    assert report.status_code == 200 and "Lý do" in report.content.decode("utf-8-sig")
    assert any(e["action"] == "contacts.import" and e["operator"] == "canbo" for e in services.repo.audit_entries())


def test_the_audit_log_shows_who_viewed_whose_answers(client: TestClient, services: WebServices,
                                                      tmp_path: Path) -> None:
    _import_and_campaign(services, tmp_path)
    person = services.repo.list_contacts()[0]
    add_user(services, "canbo", "staff")
    add_user(services, "quantri", "admin")
    sign_in(client, "canbo")
    assert person.full_name in client.get(f"/cases/person/{person.id}").text
    client.post("/logout", data={"csrf": csrf_of(client)})
    sign_in(client, "quantri")
    log = client.get("/audit?operator=canbo")
    assert log.status_code == 200
    row = re.search(r"<tr><td>[^<]+</td><td>canbo</td><td>web.view.answers</td><td>contact:(\d+)</td>", log.text)
    assert row and int(row.group(1)) == person.id


def test_workbooks_are_for_staff_of_the_whole_province(client: TestClient, services: WebServices,
                                                       tmp_path: Path) -> None:
    _import_and_campaign(services, tmp_path)
    add_user(services, "canbo", "staff")
    add_user(services, "phuong", "staff", ("Lam Sơn",))
    add_user(services, "xem", "viewer")
    sign_in(client, "canbo")
    day = services.today().isoformat()
    made = client.post("/reports", data={"csrf": csrf_of(client, "/reports"), "kind": "daily", "day": day})
    assert made.status_code == 200
    workbook, chart = f"bao-cao-ngay-{day}.xlsx", f"bao-cao-ngay-{day}_cuoc-goi-theo-gio.png"
    assert client.get(f"/reports/files/{workbook}").content[:2] == b"PK"
    assert any(e["action"] == "web.download.report" and e["operator"] == "canbo" for e in services.repo.audit_entries())
    for name in ("phuong", "xem"):
        client.post("/logout", data={"csrf": csrf_of(client)})
        sign_in(client, name)
        assert client.get(f"/reports/files/{workbook}").status_code == 403, name
        assert client.get(f"/reports/files/{chart}").headers["content-type"] == "image/png"
        assert workbook not in client.get("/reports").text
    assert client.get("/reports/files/..%2Fconsole.db").status_code == 404
