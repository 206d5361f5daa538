"""What staff do from the console's Cases pages, through the CLI's services: close or refer a case, stop
calling a person, opt a phone out and in; and the campaign buttons through the lifecycle service. Each
refusal (a viewer, another commune's staff, a form without its CSRF token, a typo'd id, an empty note) is
shown as a message and changes nothing."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ivr import app as composition
from ivr import config
from ivr.scripts.interpreter import RecordAnswer
from ivr.storage.records import CampaignStatus
from ivr.web.app import create_app
from ivr.web.services import WebServices

from web_helpers import Clock, add_user, csrf_of, sign_in

SCRIPT = "f1_daily"
PEOPLE = (("Người Một", "0906730001", "Đông Vệ"), ("Người Hai", "0906730150", "Lam Sơn"),
          ("Người Ba", "0906730285", "Đông Vệ"))


def _list(services: WebServices, tmp_path: Path) -> int:
    csv = tmp_path / "ds.csv"
    csv.write_text("Họ và tên;Số điện thoại;Xã/Phường;Phân loại\n"
                   + "".join(f"{n};{p};{w};F1\n" for n, p, w in PEOPLE), encoding="utf-8")
    imported = services.importer.import_file(csv, operator="test")
    return services.campaigns.create(script_name=SCRIPT, operator="test", import_id=imported.import_id).campaign.id


def _called(services: WebServices, tmp_path: Path) -> dict[str, int]:
    """Người Một said she has a fever, Người Hai's number is someone else's: two cases (name -> case id).
    The calls go through the real ledger; the cases service opens the cases as it does after any call."""
    campaign_id = _list(services, tmp_path)
    services.campaigns.start(campaign_id, "test")
    policy = services.campaigns.policy(services.repo.get_campaign(campaign_id))
    now = services.clock()
    ends = {"+84906730001": ("symptomatic", {"identity": "yes", "fever": "yes"}),
            "+84906730150": ("wrong_person", {"identity": "no"})}
    for a in services.repo.claim_due_attempts(campaign_id, "w", now, 10):
        if a.phone_e164 not in ends:
            continue
        outcome, answers = ends[a.phone_e164]
        services.repo.mark_dialing(a.id, f"rc-{a.id}", now)
        for question, value in answers.items():
            services.repo.record_answer(a.id, RecordAnswer(question, question, "1", value, SCRIPT, "1"), now)
        services.repo.finish_attempt(a.id, outcome, None, 16, now, now, policy=policy)
    services.repo.release_stale_claims("w")
    return {c.full_name or "": c.id for c in services.cases.list_cases()}


def _case(services: WebServices, case_id: int) -> tuple[str, str | None, str | None]:
    c = services.cases.get(case_id)
    return c.status, c.note, c.referred_to


def _contact(services: WebServices, name: str) -> int:
    return next(c.id for c in services.repo.list_contacts() if c.full_name == name)


def _audited(services: WebServices, action: str) -> list[tuple[str, str]]:
    return [(e["operator"], e["object"]) for e in services.repo.audit_entries() if e["action"] == action]


def test_staff_close_and_refer_cases_as_the_cli_does(client: TestClient, services: WebServices,
                                                    tmp_path: Path) -> None:
    cases = _called(services, tmp_path)
    add_user(services, "canbo", "staff")
    sign_in(client, "canbo")
    page = client.get("/cases")
    assert page.status_code == 200
    order = re.findall(r'data-case="(\d+)"', page.text)
    assert order == [str(cases["Người Một"]), str(cases["Người Hai"])]  # the symptomatic case first
    token = csrf_of(client, "/cases")
    one, two = cases["Người Một"], cases["Người Hai"]
    closed = client.post(f"/cases/{one}/close", data={"csrf": token, "note": "Đã gọi lại, hẹn xét nghiệm"})
    assert closed.status_code == 303 and closed.headers["location"] == f"/cases?closed={one}"
    assert f"Đã đóng trường hợp #{one}" in client.get(closed.headers["location"]).text
    referred = client.post(f"/cases/{two}/refer", data={"csrf": token, "to": "Trạm y tế phường Lam Sơn"})
    assert referred.status_code == 303
    assert _case(services, one) == ("closed", "Đã gọi lại, hẹn xét nghiệm", None)
    assert _case(services, two) == ("referred", None, "Trạm y tế phường Lam Sơn")
    page = client.get("/cases").text
    assert f'data-case="{one}"' not in page and "→ Trạm y tế phường Lam Sơn" in page  # referred: still to do
    # the CLI's audit entries, under the console user's name
    assert _audited(services, "case.close") == [("canbo", f"case:{one}")]
    assert _audited(services, "case.refer") == [("canbo", f"case:{two}")]


@pytest.mark.parametrize("path, data, message", [
    ("/cases/{two}/close", {"note": "   "}, "--note"),  # an empty note, as `cases close --note ''`
    ("/cases/{two}/refer", {"to": ""}, "--to"),
    ("/cases/{one}/close", {"note": "lần hai"}, "không thể chuyển"),  # closed already
    ("/cases/9999/close", {"note": "số ca gõ nhầm"}, "#9999"),  # a typo'd id
    ("/cases/{two}/close", {"note": "x" * 1001}, "1001 ký tự: tối đa 1000"),  # longer than the column
    ("/cases/{two}/refer", {"to": "y" * 201}, "201 ký tự: tối đa 200"),
])
def test_a_refused_case_action_is_shown_on_the_cases_page(client: TestClient, services: WebServices,
                                                          tmp_path: Path, path: str, data: dict[str, str],
                                                          message: str) -> None:
    cases = _called(services, tmp_path)
    one, two = cases["Người Một"], cases["Người Hai"]
    services.cases.close(one, "xong", "test")
    add_user(services, "canbo", "staff")
    sign_in(client, "canbo")
    response = client.post(path.format(one=one, two=two), data={"csrf": csrf_of(client, "/cases"), **data})
    assert response.status_code == 400
    shown = re.search(r'id="case-error">([^<]+)<', response.text)
    assert shown and message in shown.group(1), response.text
    assert 'id="cases"' in response.text  # the Cases page itself, not an error page
    assert _case(services, two) == ("open", None, None) and _case(services, one) == ("closed", "xong", None)


def test_two_staff_acting_on_one_case_the_second_is_told_it_was_closed(client: TestClient, services: WebServices,
                                                                       tmp_path: Path) -> None:
    """Both opened the Cases page; one closes the case, then the other (from the page already on screen)
    refers it: refused with the case's status, and the first one's note stays."""
    case = _called(services, tmp_path)["Người Một"]
    add_user(services, "canbo", "staff")
    add_user(services, "canbo2", "staff")
    sign_in(client, "canbo")
    first = csrf_of(client, "/cases")
    with TestClient(create_app(services), base_url="http://127.0.0.1", follow_redirects=False) as other:
        sign_in(other, "canbo2")
        second = csrf_of(other, "/cases")
        assert client.post(f"/cases/{case}/close", data={"csrf": first, "note": "đã gọi"}).status_code == 303
        late = other.post(f"/cases/{case}/refer", data={"csrf": second, "to": "Trạm y tế"})
    assert late.status_code == 400 and "đang ở trạng thái đã xử lý" in late.text
    assert _case(services, case) == ("closed", "đã gọi", None)
    assert services.cases.get(case).updated_by == "canbo"


def test_a_hotline_callers_case_is_for_staff_of_the_whole_province(client: TestClient, services: WebServices,
                                                                    tmp_path: Path) -> None:
    """An unknown caller declared symptoms on the hotline: a case with a phone and no person (so no
    commune/ward). Staff of the whole province see and close it, the view audited; ward staff do not."""
    _called(services, tmp_path)
    now = services.clock()
    call = services.hotline.open_call("rc-in-web", "+84906739999", now, after_hours=False)
    services.hotline.finish_call(call.id, "declared", "symptomatic", now)
    caller = next(c.id for c in services.cases.list_cases() if c.contact_id is None)
    add_user(services, "canbo", "staff")
    add_user(services, "phuong", "staff", ("Lam Sơn",))
    sign_in(client, "phuong")
    assert f'data-case="{caller}"' not in client.get("/cases").text
    refused = client.post(f"/cases/{caller}/close", data={"csrf": csrf_of(client, "/cases"), "note": "x"})
    assert refused.status_code == 403
    client.post("/logout", data={"csrf": csrf_of(client)})
    sign_in(client, "canbo")
    page = client.get("/cases").text
    assert f'data-case="{caller}"' in page and "0906739999" in page
    views = [o for who, o in _audited(services, "web.view.cases") if who == "canbo"]
    assert views and views[-1].endswith(f";cases:{caller}")
    closed = client.post(f"/cases/{caller}/close", data={"csrf": csrf_of(client, "/cases"), "note": "đã gọi lại"})
    assert closed.status_code == 303 and _case(services, caller)[0] == "closed"


def test_what_staff_type_is_shown_as_text_never_as_markup(client: TestClient, services: WebServices,
                                                         tmp_path: Path) -> None:
    cases = _called(services, tmp_path)
    add_user(services, "canbo", "staff")
    sign_in(client, "canbo")
    hostile = '<script>alert("x")</script> Trạm y tế'
    referred = client.post(f"/cases/{cases['Người Hai']}/refer", data={"csrf": csrf_of(client, "/cases"), "to": hostile})
    assert referred.status_code == 303
    page = client.get("/cases").text
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Trạm y tế" in page
    assert _case(services, cases["Người Hai"]) == ("referred", None, hostile)  # stored as typed


def test_a_viewer_cannot_act_on_cases_or_people(client: TestClient, services: WebServices, tmp_path: Path) -> None:
    cases = _called(services, tmp_path)
    add_user(services, "xem", "viewer")
    sign_in(client, "xem")
    token = csrf_of(client, "/")
    person = _contact(services, "Người Ba")
    for path, data in ((f"/cases/{cases['Người Một']}/close", {"note": "x"}),
                       (f"/cases/{cases['Người Hai']}/refer", {"to": "x"}),
                       (f"/cases/person/{person}/stop", {"reason": "moved"}),
                       (f"/cases/person/{person}/optout", {})):
        response = client.post(path, data={"csrf": token, **data})
        assert response.status_code == 403, path
        assert "0906730" not in response.text
    assert _case(services, cases["Người Một"])[0] == "open" and _case(services, cases["Người Hai"])[0] == "open"
    assert services.stops.not_called() == []


def test_staff_of_another_commune_cannot_act_on_its_cases_or_people(client: TestClient, services: WebServices,
                                                                    tmp_path: Path) -> None:
    cases = _called(services, tmp_path)
    add_user(services, "phuong", "staff", ("Lam Sơn",))
    sign_in(client, "phuong")
    page = client.get("/cases").text
    assert re.findall(r'data-case="(\d+)"', page) == [str(cases["Người Hai"])]  # Người Một lives in Đông Vệ
    token = csrf_of(client, "/cases")
    refused = client.post(f"/cases/{cases['Người Một']}/close", data={"csrf": token, "note": "không phải của tôi"})
    assert refused.status_code == 403 and "không thuộc xã/phường" in refused.text
    assert "Người Một" not in refused.text
    other = _contact(services, "Người Ba")
    for action, data in (("stop", {"reason": "moved"}), ("optout", {}), ("resume", {}), ("optin", {})):
        assert client.post(f"/cases/person/{other}/{action}", data={"csrf": token, **data}).status_code == 403
    assert _case(services, cases["Người Một"])[0] == "open" and services.stops.not_called() == []
    mine = client.post(f"/cases/{cases['Người Hai']}/refer", data={"csrf": token, "to": "Công an phường"})
    assert mine.status_code == 303 and _case(services, cases["Người Hai"])[0] == "referred"


def test_a_case_or_person_form_without_its_csrf_token_is_refused(client: TestClient, services: WebServices,
                                                                 tmp_path: Path) -> None:
    cases = _called(services, tmp_path)
    add_user(services, "canbo", "staff")
    sign_in(client, "canbo")
    person = _contact(services, "Người Ba")
    for data in ({}, {"csrf": "not-the-token"}):
        for path, extra in ((f"/cases/{cases['Người Một']}/close", {"note": "x"}),
                            (f"/cases/person/{person}/stop", {"reason": "moved"}),
                            (f"/cases/person/{person}/optout", {})):
            response = client.post(path, data={**data, **extra})
            assert response.status_code == 403 and "CSRF" in response.text, path
    assert _case(services, cases["Người Một"])[0] == "open" and services.stops.not_called() == []


def test_staff_stop_calling_a_person_and_call_them_again(client: TestClient, services: WebServices,
                                                        tmp_path: Path) -> None:
    _called(services, tmp_path)
    add_user(services, "canbo", "staff")
    sign_in(client, "canbo")
    person = _contact(services, "Người Ba")  # not called yet: a pending attempt
    token = csrf_of(client, f"/cases/person/{person}")
    for bad in ("", "sick"):
        refused = client.post(f"/cases/person/{person}/stop", data={"csrf": token, "reason": bad})
        assert refused.status_code == 400 and "f0, hospitalised, moved, deceased, opted_out" in refused.text
        assert 'id="person-error"' in refused.text
    stopped = client.post(f"/cases/person/{person}/stop", data={"csrf": token, "reason": "moved"})
    assert stopped.status_code == 303
    page = client.get(stopped.headers["location"]).text
    assert "1 cuộc gọi đang chờ" in page and "đã dừng gọi người này: đã chuyển đi" in page.lower()
    assert [(r.contact_id, r.reason, r.operator) for r in services.stops.not_called()] == [(person, "moved", "canbo")]
    assert _audited(services, "contact.stop.moved") == [("canbo", f"contact:{person}")]
    resumed = client.post(f"/cases/person/{person}/resume", data={"csrf": token})
    assert resumed.status_code == 303 and services.stops.not_called() == []
    again = client.post(f"/cases/person/{person}/resume", data={"csrf": token})
    assert again.status_code == 400 and "không ở trong danh sách dừng gọi" in again.text  # the CLI's refusal


def test_staff_opt_a_phone_out_and_back_in(client: TestClient, services: WebServices, tmp_path: Path) -> None:
    _called(services, tmp_path)
    add_user(services, "canbo", "staff")
    sign_in(client, "canbo")
    person = _contact(services, "Người Ba")
    token = csrf_of(client, f"/cases/person/{person}")
    out = client.post(f"/cases/person/{person}/optout", data={"csrf": token})
    assert out.status_code == 303
    assert services.repo.get_contact(person).opted_out
    assert 'id="optin"' in client.get(out.headers["location"]).text
    assert [(r.contact_id, r.reason) for r in services.stops.not_called()] == [(person, "opted_out")]
    back = client.post(f"/cases/person/{person}/optin", data={"csrf": token})
    assert back.status_code == 303 and not services.repo.get_contact(person).opted_out
    assert [e for e in _audited(services, "contacts.optout")] == [("canbo", "phone")]
    assert [e for e in _audited(services, "contacts.optin")] == [("canbo", "phone")]


def test_a_typed_number_is_opted_out_and_in_as_contacts_optout_does(client: TestClient, services: WebServices,
                                                                      tmp_path: Path) -> None:
    _called(services, tmp_path)
    add_user(services, "canbo", "staff")
    add_user(services, "phuong", "staff", ("Lam Sơn",))
    sign_in(client, "canbo")
    token = csrf_of(client, "/cases")
    for typed, message in (("0906", "số quá ngắn"), ("0987654321", "không có ai trong danh sách")):
        refused = client.post("/cases/optout", data={"csrf": token, "phone": typed})
        assert refused.status_code == 400 and message in refused.text and 'id="case-error"' in refused.text
    out = client.post("/cases/optout", data={"csrf": token, "phone": "090 673 0285"})  # typed with spaces
    assert out.status_code == 200 and "dừng gọi số này (1 người dùng số này)" in out.text
    assert services.repo.get_contact(_contact(services, "Người Ba")).opted_out
    back = client.post("/cases/optin", data={"csrf": token, "phone": "0906730285"})
    assert back.status_code == 200 and "gọi lại bình thường" in back.text
    assert not services.repo.get_contact(_contact(services, "Người Ba")).opted_out
    assert _audited(services, "contacts.optout") == [("canbo", "phone")]
    client.post("/logout", data={"csrf": csrf_of(client)})
    sign_in(client, "phuong")  # Người Ba lives in Đông Vệ
    other = client.post("/cases/optout", data={"csrf": csrf_of(client, "/cases"), "phone": "0906730285"})
    assert other.status_code == 403 and "không thuộc xã/phường" in other.text
    assert not services.repo.get_contact(_contact(services, "Người Ba")).opted_out
    assert client.post("/cases/optout", data={"phone": "0906730285"}).status_code == 403  # no CSRF token


def test_a_typod_person_id_is_a_clear_message(client: TestClient, services: WebServices, tmp_path: Path) -> None:
    _called(services, tmp_path)
    add_user(services, "canbo", "staff")
    sign_in(client, "canbo")
    token = csrf_of(client, "/cases")
    for response in (client.get("/cases/person/9999"),
                     client.post("/cases/person/9999/stop", data={"csrf": token, "reason": "moved"})):
        assert response.status_code == 400 and "#9999" in response.text and "Traceback" not in response.text
    assert services.stops.not_called() == []


def test_campaign_buttons_go_through_the_lifecycle_service(client: TestClient, services: WebServices,
                                                           tmp_path: Path) -> None:
    draft = _list(services, tmp_path)
    add_user(services, "canbo", "staff")
    sign_in(client, "canbo")
    token = csrf_of(client, "/campaigns")
    resumed = client.post(f"/campaigns/{draft}/resume", data={"csrf": token})  # a draft is started, not resumed
    assert resumed.status_code == 400 and 'id="campaign-error"' in resumed.text and 'id="campaigns"' in resumed.text
    assert "campaign start" in resumed.text and services.repo.get_campaign(draft).status == CampaignStatus.DRAFT
    assert client.post(f"/campaigns/{draft}/start", data={"csrf": token}).status_code == 303
    again = client.post(f"/campaigns/{draft}/start", data={"csrf": token})
    assert again.status_code == 400 and "đang chạy rồi" in again.text
    assert client.post(f"/campaigns/{draft}/pause", data={"csrf": token}).status_code == 303
    assert client.post(f"/campaigns/{draft}/resume", data={"csrf": token}).status_code == 303
    assert client.post(f"/campaigns/{draft}/cancel", data={"csrf": token}).status_code == 303
    assert services.repo.get_campaign(draft).status == CampaignStatus.CANCELLED
    started = [e["operator"] for e in services.repo.audit_entries() if e["object"] == f"campaign:{draft}"]
    assert started.count("canbo") == 4


def test_a_drafts_start_outside_the_allowed_hours_is_refused_on_the_page(tmp_path: Path, clock: Clock,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A draft made when the hours were wider (here against the sandbox, where they are lifted) cannot start
    once the console serves a real PBX, whose bounds are 07:00-21:00: the same refusal as `campaign start`."""
    # No PBX runs here: say what the running sandbox's proof would find (tests/e2e/test_sandbox_proof.py checks it)
    monkeypatch.setattr("ivr.protection.secrets.sandbox_running", lambda *_: True)
    db = {"database": {"url": f"sqlite:///{tmp_path}/console.db"}, "data_dir": str(tmp_path)}
    sandbox = composition.App(config.replace(config.load(), **db), "test", clock=clock)
    try:
        csv = tmp_path / "ds.csv"
        csv.write_text("Họ và tên;Số điện thoại;Phân loại\nMột;0906730001;F1\n", encoding="utf-8")
        imported = sandbox.importer.import_file(csv, operator="test")
        draft = sandbox.campaigns.create(script_name=SCRIPT, operator="test", import_id=imported.import_id,
                                         overrides={"window_start": "05:00", "window_end": "23:00"}).campaign.id
    finally:
        sandbox.close()
    real = composition.App(config.replace(config.load(), ari={"url": "http://pbx.example.vn:8088"}, **db), "test",
                           clock=clock)
    try:
        add_user(real.web, "canbo", "staff")
        with TestClient(create_app(real.web), base_url="http://127.0.0.1", follow_redirects=False) as client:
            sign_in(client, "canbo")
            refused = client.post(f"/campaigns/{draft}/start", data={"csrf": csrf_of(client, "/campaigns")})
        assert refused.status_code == 400 and 'id="campaign-error"' in refused.text
        assert "05:00-23:00" in refused.text and "07:00-21:00" in refused.text
        assert real.repo.get_campaign(draft).status == CampaignStatus.DRAFT
    finally:
        real.close()
