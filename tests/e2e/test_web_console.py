"""The web console in a real browser: headless Chromium against `robocall web`, with `robocall serve`
dialling on the sandbox. The tests follow a health worker's morning in order (module-scoped state):
sign in, upload the list, create and start a campaign and watch it progress, open the urgent case,
download the day's workbook, listen to a prompt; then a viewer's limits. Screenshots of every page go to
the test's output folder (printed at the end; kept under pytest's temporary directory)."""
from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import openpyxl
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from browser import chromium, wait_for
from e2e_helpers import robocall

from ivr import config
from ivr.scripts.checker import load_checked

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "lists" / "f1_title_block.xlsx"
PASSWORD = "mat-khau-e2e-console"
# The campaign's list: default sandbox behaviours by the last two digits (README, "Personas").
PEOPLE = {"0906750100": ("Phạm Văn Khỏe", "completed"), "0906750150": ("Phạm Thị Sốt", "symptomatic"),
          "0906750160": ("Nhầm Người", "wrong_person"), "0906750185": ("Máy Bận", "busy")}


@dataclass
class Console:
    url: str
    browser: WebDriver
    shots: Path
    downloads: Path
    env: dict[str, str]
    work: Path

    def open(self, path: str) -> None:
        self.browser.get(self.url + path)

    def shot(self, name: str) -> Path:
        """The whole page (not only the window), as a person would scroll through it."""
        path = self.shots / f"{name}.png"
        size = self.browser.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]  # type: ignore[attr-defined]
        shot = self.browser.execute_cdp_cmd("Page.captureScreenshot", {  # type: ignore[attr-defined]
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def text(self) -> str:
        """The page's visible text, read in one call: a page that navigates between finding its body and
        reading it made chromedriver fail ("Node with given id does not belong to the document")."""
        return str(self.browser.execute_script("return document.body ? document.body.innerText : '';"))

    def sign_in(self, name: str, password: str = PASSWORD) -> None:
        """Type the name and password and press Enter (the keyboard, as many staff do); wait for the answer."""
        self.open("/login")
        self.browser.find_element(By.ID, "name").send_keys(name)
        field = self.browser.find_element(By.ID, "password")
        field.send_keys(password + Keys.ENTER)
        wait_for(lambda: self.browser.execute_script("return document.readyState") == "complete"
                 and (not self.browser.current_url.startswith(self.url + "/login")
                      or self.browser.find_elements(By.ID, "login-message")), 30)

    def sign_out(self) -> None:
        self.browser.find_element(By.CSS_SELECTOR, "form.who button").click()
        wait_for(lambda: self.browser.current_url.startswith(self.url + "/login"), 30)


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[str]:
    exe = Path(sys.executable).with_name("robocall")
    return subprocess.Popen([str(exe), *args], env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT,
                            text=True)


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/login", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="module")
def console(sandbox, settings: config.Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    sandbox.reset()
    work = tmp_path_factory.mktemp("web-console")
    shots, downloads = work / "screenshots", work / "downloads"
    shots.mkdir()
    downloads.mkdir()
    # Its own database and data folder: the counts on screen are this test's only.
    # The console is staff's: Vietnamese, as it is by default (the suite itself runs in English: tests/conftest.py).
    env = {**os.environ, "ROBOCALL_DATABASE_URL": f"sqlite:///{work}/console.db", "ROBOCALL_DATA_DIR": str(work),
           "ROBOCALL_LANG": "vi"}
    for name, role in (("quantri", "admin"), ("canbo", "staff"), ("xem", "viewer")):
        exe = Path(sys.executable).with_name("robocall")
        made = subprocess.run([str(exe), "users", "add", name, "--role", role, "--password-stdin"], env=env,
                              input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
        assert made.returncode == 0, made.stderr
    url = f"http://127.0.0.1:{settings.web.port}"
    serve = _start(["serve"], env, work / "serve.out")
    web = _start(["web"], env, work / "web.out")
    browser = None
    try:
        assert wait_for(lambda: _answers(url) or web.poll() is not None, 60) and web.poll() is None, \
            (work / "web.out").read_text()
        browser = chromium(downloads)
        yield Console(url, browser, shots, downloads, env, work)
    finally:
        if browser is not None:
            browser.quit()
        _stop(web)
        _stop(serve)
        print(f"\nconsole screenshots: {shots}")


def test_sign_in(console: Console) -> None:
    console.open("/")
    assert console.browser.current_url.startswith(console.url + "/login")
    console.shot("01-dang-nhap")
    console.sign_in("canbo", "sai-mat-khau-roi")
    assert "Sai tên đăng nhập hoặc mật khẩu" in console.text()
    console.sign_in("canbo")
    assert wait_for(lambda: console.browser.find_element(By.TAG_NAME, "h1").text == "Hôm nay", 10)
    assert "canbo (cán bộ)" in console.text()
    console.shot("02-hom-nay")


def _upload(console: Console, path: Path) -> dict[str, int]:
    console.open("/lists")
    console.browser.find_element(By.ID, "file").send_keys(str(path))
    console.browser.find_element(By.CSS_SELECTOR, "form[action='/lists'] button").click()
    wait_for(lambda: console.browser.find_elements(By.ID, "import-result"), 60)
    return {k: int(console.browser.find_element(By.ID, f"count-{k}").text)
            for k in ("rows", "new", "updated", "duplicates", "invalid")}


def test_uploading_the_fixture_list_shows_its_counts(console: Console) -> None:
    counts = _upload(console, FIXTURE)
    assert counts == {"rows": 14, "new": 6, "updated": 0, "duplicates": 1, "invalid": 7}
    console.shot("03-danh-sach")
    link = console.browser.find_element(By.ID, "error-report")
    assert link.get_attribute("href").endswith("/lists/1/errors")


def test_a_campaign_created_and_started_in_the_browser_progresses_on_screen(console: Console) -> None:
    csv = console.work / "F1_phuong_dong_ve.csv"
    csv.write_text("Họ và tên;Số điện thoại;Xã/Phường;Huyện;Phân loại\n"
                   + "".join(f"{name};{phone};Đông Vệ;TP Thanh Hóa;F1\n" for phone, (name, _) in PEOPLE.items()),
                   encoding="utf-8")
    assert _upload(console, csv)["new"] == len(PEOPLE)
    b = console.browser
    console.open("/campaigns")
    Select(b.find_element(By.ID, "script")).select_by_visible_text("f1_daily")
    Select(b.find_element(By.ID, "source")).select_by_value("import:2")
    # The sandbox calls invented numbers at any hour: the window is the whole day (as in `robocall demo`).
    b.execute_script("document.getElementById('window_start').value='00:00';"
                     "document.getElementById('window_end').value='23:59';")
    console.shot("04-chien-dich")
    b.find_element(By.ID, "plan").click()
    assert wait_for(lambda: b.find_elements(By.ID, "rules"), 60)
    rules = b.find_element(By.ID, "rules").text
    assert int(b.find_element(By.ID, "plan-households").text) == len(PEOPLE)
    version = load_checked("f1_daily", config.PROJECT_ROOT / "scripts_vi").version
    assert "00:00-23:59" in rules and f"phiên bản {version}" in rules and "tối đa 3 lần" in rules
    console.shot("05-xac-nhan-chien-dich")
    b.find_element(By.ID, "confirm").click()
    assert wait_for(lambda: "Đã tạo chiến dịch #1" in console.text(), 120)
    b.find_element(By.ID, "start-1").click()
    assert wait_for(lambda: "đang chạy" in b.find_element(By.CSS_SELECTOR, "tr[data-campaign='1'] .status").text, 10)

    console.open("/")
    b.execute_script("window.notReloaded = true;")
    def cell(key: str) -> str:  # read in one go: the page swaps the fragment in every few seconds
        return str(b.execute_script("var e = document.querySelector(arguments[0]); return e ? e.textContent : '';",
                                    f"tr[data-campaign='1'] td[data-k='{key}']"))

    first = cell("done")
    assert first.startswith("0")
    assert wait_for(lambda: int(cell("in_progress")) > 0 or not cell("done").startswith("0"), 90)
    console.shot("06-hom-nay-dang-goi")
    # Every call ends (busy waits for its retry): the figures change on the page, which never reloads.
    assert wait_for(lambda: cell("done").startswith(f"{len(PEOPLE)} "), 180), cell("done")
    assert b.execute_script("return window.notReloaded === true;")
    assert cell("symptomatic") == "1" and cell("answered") == "3"
    console.shot("07-hom-nay-xong")


def test_the_urgent_case_and_the_persons_answers(console: Console) -> None:
    b = console.browser
    console.open("/cases")
    rows = b.find_elements(By.CSS_SELECTOR, "#cases tbody tr")
    assert rows and "Khẩn" in rows[0].text and "Phạm Thị Sốt" in rows[0].text
    console.shot("08-ca-can-xu-ly")
    Select(b.find_element(By.ID, "reason")).select_by_value("symptomatic")
    b.find_element(By.ID, "place").send_keys("Đông Vệ")
    b.find_element(By.CSS_SELECTOR, "form.filters button").click()
    assert wait_for(lambda: "reason=symptomatic" in b.current_url and b.find_elements(By.CSS_SELECTOR, "#cases tbody tr"))
    assert len(b.find_elements(By.CSS_SELECTOR, "#cases tbody tr")) == 1
    b.find_element(By.LINK_TEXT, "Phạm Thị Sốt").click()
    assert wait_for(lambda: b.find_elements(By.ID, "answers"), 10)
    assert "Sốt" in b.find_element(By.ID, "answers").text
    console.shot("09-nguoi-benh")


def test_the_daily_workbook_is_made_downloaded_and_opens(console: Console) -> None:
    b = console.browser
    console.open("/reports")
    b.find_element(By.ID, "make-daily").click()
    assert wait_for(lambda: b.find_elements(By.ID, "report-files"), 120)
    charts = b.find_elements(By.CSS_SELECTOR, ".charts img")
    assert charts and all(b.execute_script("return arguments[0].naturalWidth > 0;", img) for img in charts)
    console.shot("10-bao-cao")
    link = next(a for a in b.find_elements(By.CSS_SELECTOR, "#report-files a") if a.text.endswith(".xlsx"))
    name = link.text
    link.click()
    target = console.downloads / name
    assert wait_for(lambda: target.is_file() and not (console.downloads / (name + ".crdownload")).exists(), 30)
    book = openpyxl.load_workbook(target, read_only=True)
    assert "Danh sách khẩn" in book.sheetnames
    urgent = [[c for c in row if c is not None] for row in book["Danh sách khẩn"].iter_rows(values_only=True)]
    assert any("Phạm Thị Sốt" in row for row in urgent)


def _cases_json(console: Console) -> dict[str, dict[str, object]]:
    """Every case as `robocall cases list --status all --json` prints it (the CLI over the console's database),
    by name and reason."""
    out = robocall("cases", "list", "--status", "all", "--json", env=console.env)
    return {f"{c['full_name']}/{c['reason']}": c for c in json.loads(out.stdout)}


def test_closing_and_referring_cases_and_stopping_a_person(console: Console) -> None:
    b = console.browser
    console.open("/cases")
    row = b.find_element(By.CSS_SELECTOR, "#cases tbody tr.symptomatic")
    urgent = row.get_attribute("data-case")
    assert "Phạm Thị Sốt" in row.text
    # The keyboard: type what was done and press Enter in the note's field.
    b.find_element(By.ID, f"note-{urgent}").send_keys("Đã gọi lại, hẹn xét nghiệm" + Keys.ENTER)
    assert wait_for(lambda: b.find_elements(By.ID, "case-message"), 30)
    assert f"#{urgent}" in b.find_element(By.ID, "case-message").text
    assert not b.find_elements(By.CSS_SELECTOR, f"#cases tr[data-case='{urgent}']")  # closed: off the list
    wrong = b.find_element(By.CSS_SELECTOR, "#cases tbody tr.wrong_person").get_attribute("data-case")
    b.find_element(By.ID, f"to-{wrong}").send_keys("Trạm y tế phường Đông Vệ")
    b.find_element(By.ID, f"refer-{wrong}").click()
    assert wait_for(lambda: "→ Trạm y tế phường Đông Vệ" in b.find_element(
        By.CSS_SELECTOR, f"#cases tr[data-case='{wrong}'] .status").text, 30)
    console.shot("14-ca-da-xu-ly")
    cases = _cases_json(console)
    assert (cases["Phạm Thị Sốt/symptomatic"]["status"], cases["Phạm Thị Sốt/symptomatic"]["note"],
            cases["Phạm Thị Sốt/symptomatic"]["updated_by"]) == ("closed", "Đã gọi lại, hẹn xét nghiệm", "canbo")
    assert (cases["Nhầm Người/wrong_person"]["status"], cases["Nhầm Người/wrong_person"]["referred_to"]) == \
        ("referred", "Trạm y tế phường Đông Vệ")

    # Máy Bận's number was busy: a retry waits. Staff learn he moved away and stop calling him.
    contacts = json.loads(robocall("contacts", "list", "--json", env=console.env).stdout)
    person = next(c["id"] for c in contacts if c["full_name"] == "Máy Bận")
    console.open(f"/cases/person/{person}")
    Select(b.find_element(By.ID, "stop-reason")).select_by_value("moved")
    b.find_element(By.ID, "stop").click()
    assert wait_for(lambda: b.find_elements(By.ID, "person-message"), 30)
    assert "đã hủy 1 cuộc gọi đang chờ" in b.find_element(By.ID, "person-message").text  # the busy retry
    assert "đã chuyển đi nơi khác" in b.find_element(By.ID, "calling").text
    console.shot("15-dung-goi")
    stopped = json.loads(robocall("contacts", "stop", str(person), "--reason", "moved", "--json",
                                  env=console.env).stdout)  # the CLI sees the same stop (and keeps it)
    assert stopped["contact_id"] == person and stopped["attempts_closed"] == 0  # the console closed the retry


def test_a_prompt_plays_in_the_browser(console: Console) -> None:
    b = console.browser
    console.open("/scripts")
    console.shot("11-kich-ban")
    b.find_element(By.LINK_TEXT, "f1_daily").click()
    audio = wait_for(lambda: b.find_elements(By.TAG_NAME, "audio"), 10)[0]
    b.execute_script("arguments[0].play();", audio)
    loaded = wait_for(lambda: b.execute_script(
        "var a = arguments[0]; return !a.error && a.readyState >= 2 && a.duration > 0 ? a.duration : 0;", audio), 30)
    assert loaded and loaded > 0.5
    console.shot("12-kich-ban-f1")


def test_the_audit_log_shows_who_viewed_whose_answers(console: Console) -> None:
    console.sign_out()
    console.sign_in("quantri")
    console.open("/audit?operator=canbo")
    table = console.browser.find_element(By.ID, "audit").text
    assert re.search(r"canbo web\.view\.answers contact:\d+", table), table
    assert re.search(r"canbo case\.close case:\d+", table) and re.search(r"canbo contact\.stop\.moved contact:\d+", table)
    console.shot("13-nhat-ky")


def test_a_viewer_sees_figures_without_phone_numbers_or_actions(console: Console) -> None:
    console.sign_out()
    console.sign_in("xem")
    b = console.browser
    for path in ("/", "/campaigns", "/reports"):
        console.open(path)
        assert not re.search(r"\+8490675\d{4}|090675\d{4}", b.page_source), path
    assert not b.find_elements(By.CSS_SELECTOR, "button[id^='start-'], button[id^='pause-']")
    console.open("/cases")
    assert "không được phép" in console.text()
    b.set_window_size(390, 844)  # a phone
    console.open("/")
    console.shot("16-dien-thoai-nguoi-xem")
    width = b.execute_script("return document.documentElement.scrollWidth;")
    assert width <= 400  # nothing wider than the phone's screen (tables scroll inside their box)
    b.set_window_size(1366, 768)
