"""Importing the messy fixture lists into SQLite and PostgreSQL: counts, merges, reports, atomicity."""
from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from ivr.contacts.importer import REPORT_HEADER, ContactImporter, ImportResult
from ivr.errors import UserError
from ivr.storage.repo import Repository

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lists"
UTC = dt.timezone.utc
NOW = dt.datetime(2021, 7, 15, 2, 0, tzinfo=UTC)
D15, D16 = dt.date(2021, 7, 15), dt.date(2021, 7, 16)
TABLES = ("imports", "contacts", "households", "contact_imports")


@pytest.fixture
def imports_dir(tmp_path: Path) -> Path:
    return tmp_path / "var" / "imports"


@pytest.fixture
def importer(repo: Repository, imports_dir: Path) -> ContactImporter:
    return ContactImporter(repo, imports_dir, clock=lambda: NOW, zone=ZoneInfo("Asia/Ho_Chi_Minh"))


def run(importer: ContactImporter, name: str, category: str | None = None, day: dt.date | None = D15) -> ImportResult:
    return importer.import_file(FIXTURES / name, category=category, list_date=day, operator="cdc-staff")


def counts(result: ImportResult) -> tuple[int, ...]:
    return (result.rows, result.imported, result.updated, result.duplicates, result.invalid, result.warnings)


def snapshot(repo: Repository) -> dict[str, Any]:
    return {"tables": {t: repo.count(t) for t in TABLES}, "contacts": repo.list_contacts()}


COUNTS = [
    # (file, --category, (rows, imported, updated, duplicates, invalid, rows with warnings))
    ("f1_title_block.xlsx", None, (14, 6, 0, 1, 7, 1)),
    ("f1_next_day.xlsx", None, (4, 4, 0, 0, 0, 0)),
    ("f2_semicolon_bom.csv", "F2", (5, 5, 0, 0, 0, 0)),
    ("f2_semicolon_bom.csv", None, (5, 0, 0, 0, 5, 0)),      # no category anywhere: every row refused
    ("f1_comma.csv", None, (3, 2, 0, 1, 0, 0)),
    ("f2_cp1258.csv", None, (2, 2, 0, 0, 0, 0)),
    ("multi_sheet.xlsx", None, (3, 2, 0, 0, 1, 0)),           # categories from the sheet names
]


@pytest.mark.parametrize(("name", "category", "expected"), COUNTS)
def test_counts(importer: ContactImporter, repo: Repository, name: str, category: str | None,
                expected: tuple[int, ...]) -> None:
    result = run(importer, name, category)
    assert counts(result) == expected
    assert result.rows == result.imported + result.updated + result.duplicates + result.invalid
    assert repo.count("contacts") == result.imported
    assert repo.get_import(result.import_id).counts.rows == result.rows


def test_people_of_a_messy_workbook(importer: ContactImporter, repo: Repository) -> None:
    run(importer, "f1_title_block.xlsx")
    people = [(c.full_name, c.phone_e164, c.birth_year, c.address, c.category, c.exposure_date, c.quarantine_start)
              for c in repo.list_contacts()]
    assert people == [
        # row 15 repeats row 6 (another spelling): merged, its address (newer, further down) kept
        ("Nguyễn Văn An", "+84912345678", 1985, "Thôn 4", "F1", dt.date(2021, 7, 12), dt.date(2021, 7, 14)),
        ("Lê Thị Bình", "+84321234567", 1990, "Số 12 Lê Lai", "F1", dt.date(2021, 7, 12), dt.date(2021, 7, 14)),
        ("Trần Văn Cường", "+84987654321", 1978, "Thôn Đông", "F1", dt.date(2021, 7, 13), dt.date(2021, 7, 14)),
        ("Trần Thị Dung", "+84987654321", 1980, "Thôn Đông", "F1", dt.date(2021, 7, 13), dt.date(2021, 7, 14)),
        ("Đỗ Văn Hải", "+84381234567", None, "Xóm 2", "F1", None, dt.date(2021, 7, 16)),
        ("Mai Văn Minh", "+842373852222", 1975, "Phố Mới", "F1", dt.date(2021, 7, 12), dt.date(2021, 7, 14)),
    ]
    stored = repo.list_contacts()
    assert stored[2].household_id == stored[3].household_id  # one phone, one household, two people
    assert len({c.household_id for c in stored}) == 5
    assert len({c.pseudonym for c in stored}) == 6
    assert all(c.list_date == c.first_seen == c.last_seen == D15 for c in stored)


CSV_PEOPLE = [
    # (file, [(name, phone, address, category)])
    ("f2_cp1258.csv", [("Kiều Thị Xuân", "+84976543210", None, "F2"), ("Lò Văn Yên", "+84398765432", None, "F2")]),
    ("f1_comma.csv", [("Tạ Văn Quyết", "+84961234567", "Thôn 1, xã Quảng Phú", "F1"),   # repeated: merged
                      ("Tạ Thị Ráng", "+84961234567", "Thôn 1, xã Quảng Phú", "F1")]),  # same phone: household
]


@pytest.mark.parametrize(("name", "expected"), CSV_PEOPLE)
def test_csv_variants(importer: ContactImporter, repo: Repository, name: str,
                      expected: list[tuple[str, str, str | None, str]]) -> None:
    run(importer, name)
    assert [(c.full_name, c.phone_e164, c.address, c.category) for c in repo.list_contacts()] == expected


def test_error_report(importer: ContactImporter, imports_dir: Path) -> None:
    result = run(importer, "f1_title_block.xlsx")
    assert result.error_report is not None
    report = Path(result.error_report)
    assert report.parent == imports_dir
    raw = report.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Vietnamese text correctly
    lines = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert tuple(lines[0]) == REPORT_HEADER
    assert [(row, column, value, reason.split(" (")[0].split(":")[0]) for row, column, value, reason in lines[1:]] == [
        ("11", "D (Số điện thoại)", "1900 1234", "đầu số 1900 thu cước cao"),
        ("12", "D (Số điện thoại)", "1080", "số quá ngắn"),
        ("13", "B (Họ và tên)", "", "thiếu họ tên"),
        ("14", "D (Số điện thoại)", "", "thiếu số điện thoại"),
        ("16", "C (Năm sinh)", "không rõ", "năm sinh không hợp lệ"),
        ("16", "I (Ngày tiếp xúc)", "32/07/2021", "ngày không đọc được"),
        ("18", "H (Phân loại F1/F2)", "F0", "phân loại F0 không thuộc diện gọi"),
        ("19", "D (Số điện thoại)", "8.49123E+10", "số bị Excel đổi sang dạng lũy thừa"),
        ("20", "D (Số điện thoại)", "0241234567", "số điện thoại không hợp lệ"),
    ]
    assert "người này vẫn được nhập" in lines[5][3]  # a bad date does not keep the person from being called
    stored = sorted(p.name for p in imports_dir.iterdir())
    assert stored == sorted([report.name, report.name.replace("bao-cao-loi.csv", "f1_title_block.xlsx")])


def test_multi_sheet_rows_are_labelled_with_their_sheet(importer: ContactImporter) -> None:
    result = run(importer, "multi_sheet.xlsx")
    assert result.error_report is not None
    lines = Path(result.error_report).read_text(encoding="utf-8-sig").splitlines()
    assert lines[1:] == ["F1!4;C (Số điện thoại);09O1234568;không phải số điện thoại"]


def test_no_report_when_every_row_is_good(importer: ContactImporter) -> None:
    assert run(importer, "f2_cp1258.csv").error_report is None


def test_the_same_file_twice_changes_nothing(importer: ContactImporter, repo: Repository, imports_dir: Path) -> None:
    first = run(importer, "f1_title_block.xlsx")
    before = snapshot(repo)
    files = sorted(imports_dir.iterdir())
    again = run(importer, "f1_title_block.xlsx", day=D16)  # even under another date
    assert again.already_imported and not first.already_imported
    assert again.import_id == first.import_id
    assert again.imported == 0
    assert (again.rows, again.updated, again.duplicates, again.invalid) == (14, 0, 1, 7)
    assert again.error_report == first.error_report
    assert snapshot(repo) == before
    assert sorted(imports_dir.iterdir()) == files
    assert [e["action"] for e in repo.audit_entries()] == ["contacts.import.repeat", "contacts.import"]


def test_the_next_days_list_updates_known_people(importer: ContactImporter, repo: Repository) -> None:
    run(importer, "f1_title_block.xlsx", day=D15)
    result = run(importer, "f1_next_day.xlsx", day=D16)
    assert counts(result) == (4, 2, 2, 0, 0, 0)
    people = {c.full_name: c for c in repo.list_contacts()}
    assert len(people) == 8
    an = people["Nguyễn Văn An"]  # written "Nguyễn  Văn  An" and +84... on the new list
    assert (an.address, an.list_date, an.first_seen, an.last_seen) == ("Thôn 5", D16, D15, D16)
    binh = people["Lê Thị Bình"]  # "lê thị bình", 0321234567 (the new form of 0162...), no birth year
    assert (binh.phone_e164, binh.birth_year, binh.address, binh.last_seen) == ("+84321234567", 1990, "Số 12 Lê Lai", D16)
    household = repo.household_members(people["Trần Văn Cường"].household_id)
    assert [c.full_name for c in household] == ["Trần Văn Cường", "Trần Thị Dung", "Trần Minh Quân"]
    assert people["Mai Văn Minh"].last_seen == D15


def test_an_older_list_imported_late_does_not_overwrite_newer_data(importer: ContactImporter,
                                                                   repo: Repository) -> None:
    run(importer, "f1_next_day.xlsx", day=D16)
    result = run(importer, "f1_title_block.xlsx", day=D15)
    assert (result.imported, result.updated) == (4, 2)
    people = {c.full_name: c for c in repo.list_contacts()}
    an = people["Nguyễn Văn An"]
    assert (an.address, an.list_date, an.first_seen, an.last_seen) == ("Thôn 5", D16, D15, D16)
    binh = people["Lê Thị Bình"]  # the newer list had no birth year: the older one fills the gap
    assert (binh.birth_year, binh.list_date) == (1990, D16)


def test_lists_by_day_and_category(importer: ContactImporter, repo: Repository) -> None:
    run(importer, "f1_title_block.xlsx", day=D15)
    run(importer, "f2_semicolon_bom.csv", "F2", day=D15)
    run(importer, "f1_next_day.xlsx", day=D16)

    def names(day: dt.date | None = None, category: str | None = None) -> list[str]:
        return [c.full_name for c in repo.list_contacts(day, category)]

    assert len(names(D15, "F1")) == 6
    assert names(D15, "F2") == ["Nguyễn Văn An", "Đặng Thị Mai", "Phan Văn Nam", "Trịnh Thị Oanh", "Lương Văn Phong"]
    assert names(D16) == ["Nguyễn Văn An", "Lê Thị Bình", "Trần Minh Quân", "Hồ Văn Sơn"]
    assert len(names(D15)) == 10
    assert len(names()) == 12
    assert "Nguyễn Văn An" in names(category="F1")  # on the F2 list of the 15th, then the F1 list of the 16th


UNREADABLE = ["no_phone_column.xlsx", "no_header.csv", "truncated.xlsx", "empty_zip.xlsx", "legacy.xls",
              "make_fixtures.py", "missing.csv"]


@pytest.mark.parametrize("name", UNREADABLE)
def test_an_unreadable_file_imports_nothing(importer: ContactImporter, repo: Repository, imports_dir: Path,
                                            name: str) -> None:
    with pytest.raises(UserError, match=str(FIXTURES / name)):
        run(importer, name)
    assert all(n == 0 for n in snapshot(repo)["tables"].values())
    assert not imports_dir.exists() or not any(imports_dir.iterdir())


def test_a_failure_while_storing_leaves_nothing_behind(engine: Engine, imports_dir: Path) -> None:
    issued: list[str] = []

    def pseudonyms() -> str:
        if len(issued) == 3:
            raise RuntimeError("disk full")
        issued.append(f"c{len(issued)}")
        return issued[-1]

    repo = Repository(engine, pseudonyms=pseudonyms)
    importer = ContactImporter(repo, imports_dir, clock=lambda: NOW, zone=ZoneInfo("Asia/Ho_Chi_Minh"))
    with pytest.raises(RuntimeError, match="disk full"):
        run(importer, "f1_title_block.xlsx")
    assert all(n == 0 for n in snapshot(repo)["tables"].values())
    assert repo.audit_entries() == []
    assert not any(imports_dir.iterdir())


def test_every_import_is_audited(importer: ContactImporter, repo: Repository) -> None:
    first = run(importer, "f1_title_block.xlsx")
    run(importer, "f2_cp1258.csv")
    entries = repo.audit_entries()
    assert [(e["operator"], e["action"], e["rows"]) for e in entries] == [
        ("cdc-staff", "contacts.import", 2), ("cdc-staff", "contacts.import", 6)]
    assert entries[1]["object"] == f"import:{first.import_id}"
    assert entries[1]["at"] == NOW


def test_the_list_date_defaults_to_today_in_hanoi(repo: Repository, imports_dir: Path) -> None:
    late_evening_utc = dt.datetime(2021, 7, 15, 18, 0, tzinfo=UTC)  # 01:00 on the 16th in Hanoi
    importer = ContactImporter(repo, imports_dir, clock=lambda: late_evening_utc, zone=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert run(importer, "f2_cp1258.csv", day=None).list_date == D16


# -- the command line ---------------------------------------------------------------------------------
@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ROBOCALL_CONFIG", raising=False)
    env = {"ROBOCALL_DATABASE_URL": db_url, "ROBOCALL_DATA_DIR": str(tmp_path / "data"), "USER": "tester",
           "COLUMNS": "200"}

    def invoke(*args: str) -> Any:
        from ivr.cli import main

        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    yield invoke


def test_cli_import_json(cli: Any, tmp_path: Path) -> None:
    result = cli("contacts", "import", str(FIXTURES / "f1_title_block.xlsx"), "--date", "2021-07-15", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("rows", "imported", "updated", "duplicates", "invalid")} == {
        "rows": 14, "imported": 6, "updated": 0, "duplicates": 1, "invalid": 7}
    assert data["import_id"] == 1
    assert Path(data["error_report"]).parent == tmp_path / "data" / "imports"
    for secret in ("912345678", "987654321", "Nguyễn", "Nguyen"):  # logs carry no personal data
        assert secret not in result.stderr


def test_cli_import_operator_is_audited(cli: Any, db_url: str) -> None:
    assert cli("--operator", "nv-yte-01", "contacts", "import", str(FIXTURES / "f2_cp1258.csv")).exit_code == 0
    assert cli("contacts", "import", str(FIXTURES / "f1_comma.csv"), "--operator", "nv-yte-02").exit_code == 0
    assert cli("contacts", "import", str(FIXTURES / "f1_next_day.xlsx")).exit_code == 0
    from ivr.storage.db import make_engine

    engine = make_engine(db_url)
    assert [e["operator"] for e in Repository(engine).audit_entries()] == \
        ["tester", "tester (nv-yte-02)", "tester (nv-yte-01)"]  # the flag adds a name to the OS user, never replaces it
    engine.dispose()


@pytest.mark.parametrize(("args", "message"), [
    (["contacts", "import", str(FIXTURES / "no_phone_column.xlsx")], "missing the column 'Số điện thoại"),
    (["contacts", "import", str(FIXTURES / "f1_comma.csv"), "--date", "31/06/2021"],
     "--date '31/06/2021': there is no such day"),
    (["contacts", "list", "--date", "yesterday"], "--date 'yesterday': expected a date as DD/MM/YYYY"),
])
def test_cli_errors_are_one_line(cli: Any, args: list[str], message: str) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("robocall: error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_list(cli: Any) -> None:
    cli("contacts", "import", str(FIXTURES / "f1_title_block.xlsx"), "--date", "2021-07-15")
    cli("contacts", "import", str(FIXTURES / "f2_semicolon_bom.csv"), "--date", "2021-07-15", "--category", "f2")
    result = cli("contacts", "list", "--date", "2021-07-15", "--category", "F2", "--json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["phone_e164"] for r in rows] == ["+84912345678", "+84912000111", "+84339998888", "+84977123456",
                                               "+84881234567"]
    table = cli("--lang", "vi", "contacts", "list", "--date", "15/07/2021").stdout
    for header in ("Họ và tên", "Số điện thoại", "Năm sinh", "Xã/Phường", "Huyện", "Loại", "Ngày DS"):
        assert header in table
    assert "0912345678" in table and "+84" not in table  # staff read national numbers


def test_the_error_report_never_carries_a_formula(importer: ContactImporter, tmp_path: Path) -> None:
    """A refused row's raw values go into the error report made to be double-clicked into Excel: a value
    Excel would run (= + - @, or a tab before one) is written as text with a leading apostrophe."""
    listing = tmp_path / "evil.csv"
    evil = ['=HYPERLINK("http://evil","x")', "=1+2", "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\t=1"]
    rows = [f"{name};{phone};1985" for name, phone in
            [("Nguyễn Văn A", evil[0]), ("Trần B", evil[1]), ("Lê C", evil[2]), ("Phạm D", evil[3]),
             ("Hồ E", evil[4]), ("Vũ G", evil[5])]]
    listing.write_text("\ufeffHọ và tên;Số điện thoại;Năm sinh\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = importer.import_file(listing, category="F1", list_date=D15, operator="t")
    assert result.error_report is not None
    lines = list(csv.reader(Path(result.error_report).read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    values = [value for _row, _column, value, _reason in lines[1:]]
    assert values == ["'" + v for v in evil]


def test_one_cell_writer_for_every_table_the_project_writes() -> None:
    """Every CSV the project writes goes through ivr.spreadsheet (so through its escaping): no other module
    makes a csv writer, and the .xlsx writer stores every string as a string."""
    root = Path(__file__).resolve().parents[2] / "ivr"
    writers = sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                     if "csv.writer" in p.read_text(encoding="utf-8") or "DictWriter" in p.read_text(encoding="utf-8"))
    assert writers == ["spreadsheet.py"]


def test_the_sex_column_is_read_stored_and_gives_the_form_of_address(importer: ContactImporter, repo: Repository,
                                                                    tmp_path: Path) -> None:
    """Giới tính (Nam/Nữ and the usual variants) is stored; an unreadable value is reported and left empty;
    with the birth year it chooses ông/bà/anh/chị for the calls."""
    from ivr.scripts.variables import contact_variables

    path = tmp_path / "f1_gioi_tinh.csv"
    path.write_text("STT;Họ và tên;Năm sinh;GIỚI TÍNH;Số điện thoại;Phân loại\n"
                    "1;Hồ Văn Sơn;1959;Nam;0912000101;F1\n"
                    "2;Lê Thị Hoa;1961;nữ;0912000102;F1\n"
                    "3;Trần Thị Mai;1990;Nữ giới;0912000103;F1\n"
                    "4;Phạm Văn Em;2001;M;0912000104;F1\n"
                    "5;Vũ Minh Giang;1995;;0912000105;F1\n"
                    "6;Ngô Văn Khánh;;khác;0912000106;F1\n", encoding="utf-8")
    result = importer.import_file(path, list_date=D15, operator="cdc-staff")
    assert (result.imported, result.invalid, result.warnings) == (6, 0, 1)
    people = {c.full_name: c for c in repo.list_contacts()}
    assert {n: c.sex for n, c in people.items()} == {
        "Hồ Văn Sơn": "M", "Lê Thị Hoa": "F", "Trần Thị Mai": "F", "Phạm Văn Em": "M", "Vũ Minh Giang": None,
        "Ngô Văn Khánh": None}
    report = Path(result.error_report or "").read_text(encoding="utf-8-sig")
    assert "khác;giới tính không rõ (cần Nam hoặc Nữ) (đã để trống ô này, người này vẫn được nhập)" in report
    forms = {n: contact_variables(c, D15)["xung_ho"] for n, c in people.items()}
    assert forms == {"Hồ Văn Sơn": "ông", "Lê Thị Hoa": "bà", "Trần Thị Mai": "chị", "Phạm Văn Em": "anh",
                     "Vũ Minh Giang": "anh/chị", "Ngô Văn Khánh": "anh/chị"}
    # a later list without the column keeps what was known
    again = tmp_path / "f1_next.csv"
    again.write_text("STT;Họ và tên;Năm sinh;Số điện thoại;Phân loại\n1;Hồ Văn Sơn;1959;0912000101;F1\n",
                     encoding="utf-8")
    importer.import_file(again, list_date=D16, operator="cdc-staff")
    assert {c.full_name: c.sex for c in repo.list_contacts()}["Hồ Văn Sơn"] == "M"


def test_reading_the_lists_is_audited_once_per_user_command_and_people(cli: Any, db_url: str) -> None:
    """Reads of personal data are audited: one entry per user, command and list of people (not per row;
    the same list read again adds nothing), naming the list by a digest, never a person."""
    assert cli("contacts", "import", str(FIXTURES / "f2_cp1258.csv")).exit_code == 0
    for _ in range(2):
        assert cli("contacts", "list", "--json").exit_code == 0
    assert cli("hotline", "calls", "--json").exit_code == 0
    assert cli("hotline", "callbacks").exit_code == 0
    from ivr.storage.db import make_engine

    engine = make_engine(db_url)
    repo = Repository(engine)
    reads = [e for e in repo.audit_entries() if e["action"] in ("contacts.list", "hotline.calls", "hotline.callbacks")]
    people = len(repo.list_contacts())
    engine.dispose()
    assert sorted((e["action"], e["operator"], e["rows"]) for e in reads) == [
        ("contacts.list", "tester", people), ("hotline.callbacks", "tester", 0), ("hotline.calls", "tester", 0)]
    listed = next(e for e in reads if e["action"] == "contacts.list")["object"]
    assert listed.startswith(f"contacts:{people}:") and not any(ch in listed for ch in "+ ")
