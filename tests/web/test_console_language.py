"""The console's own text goes through the staff catalogue: no Vietnamese typed into a template (it is the
catalogue's), and the same pages render in English when the language is English."""
from __future__ import annotations

import re
from pathlib import Path

from starlette.testclient import TestClient

from ivr import i18n
from ivr.web.services import WebServices

from web_helpers import add_user, sign_in

TEMPLATES = Path(__file__).resolve().parents[2] / "ivr" / "web" / "templates"
VIETNAMESE = re.compile(r"[À-ÃÈ-ÊÌÍÒ-ÕÙÚÝà-ãè-êìíò-õùúýĂăĐđĨĩŨũƠơƯưẠ-ỹ]")


def test_no_template_holds_text_outside_the_catalogue() -> None:
    found = []
    for template in sorted(TEMPLATES.glob("*.html")):
        text = template.read_text(encoding="utf-8")
        bare = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", text, flags=re.S)  # what is left is typed into the page
        found += [f"{template.name}: {line.strip()}" for line in bare.splitlines() if VIETNAMESE.search(line)]
    assert found == []


def test_the_pages_follow_the_language(client: TestClient, services: WebServices) -> None:
    add_user(services, "canbo", "staff")
    sign_in(client, "canbo")
    vietnamese = client.get("/cases").text
    assert "<h1>Ca cần xử lý</h1>" in vietnamese and 'lang="vi"' in vietnamese
    i18n.set_language("en")
    try:
        english = client.get("/cases").text
    finally:
        i18n.set_language("vi")
    assert "<h1>Cases</h1>" in english and 'lang="en"' in english and "Sign out" in english
    assert not VIETNAMESE.search(re.sub(r"<[^>]+>", "", english).replace("canbo", ""))
