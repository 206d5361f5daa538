"""Garbage through the real commands: `robocall contacts import` and `robocall script check` exit non-zero
with one line naming the file, never a traceback, and an import that fails leaves the database as it was."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fuzz_settings import fuzz
from hypothesis import given
from hypothesis import strategies as st
from list_strategies import _repack, workbook_bytes

from ivr.cli import main
from ivr.storage.db import make_engine
from ivr.storage.repo import Repository

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("imports", "contacts", "households", "contact_imports")
SHEET = "xl/worksheets/sheet1.xml"


def _member(workbook: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        return archive.read(name)


GOOD_SHEET = workbook_bytes([("F1", [["Họ và tên", "Số điện thoại"], ["Nguyễn Văn An", "0912345678"]])])

# (file name, content, words the error must contain besides the file's path)
IMPORT_GARBAGE = [
    ("binary.csv", bytes(range(256)) * 8, "binary content"),
    ("undecodable.csv", b"H\xe1\xbb\x8d t\xc3\xaan;SDT\n\x81\x8a\x9a\x9f;0912345678\n" + b"\x81" * 10, "cannot decode"),
    ("huge_cell.csv", "Họ và tên;Số điện thoại\nAn;".encode() + b"9" * 200_000 + b"\n", "line 2"),
    ("no_header.csv", b"a;b;c\n1;2;3\n", "no header row"),
    ("not_a_zip.xlsx", b"PK\x03\x04 but not really a zip" * 10, "not a valid .xlsx"),
    ("cut.xlsx", GOOD_SHEET[: len(GOOD_SHEET) // 2], "not a valid .xlsx"),
    ("bad_sheet.xlsx", _repack(GOOD_SHEET, {SHEET: b"<worksheet><sheetData><row"}),
     "cannot read the workbook"),
    ("no_sheet.xlsx", _repack(GOOD_SHEET, {SHEET: None}), "cannot read the workbook"),  # the sheet part is lost
    ("far_row.xlsx", _repack(GOOD_SHEET, {SHEET: _member(GOOD_SHEET, SHEET).replace(b'<row r="2"',
                                                                               b'<row r="2000000000"')}),
     "beyond row 1048576"),
    ("old.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, ".xls"),
    ("notes.pdf", b"%PDF-1.4", "not a list file"),
]


@pytest.fixture
def isolated(tmp_path: Path) -> dict[str, str]:
    """The environment of one command run: its own database and data folder."""
    return {"ROBOCALL_DATABASE_URL": f"sqlite:///{tmp_path / 'robocall.db'}",
            "ROBOCALL_DATA_DIR": str(tmp_path / "data")}


def counts(env: dict[str, str]) -> dict[str, int]:
    engine = make_engine(env["ROBOCALL_DATABASE_URL"])
    try:
        return {t: Repository(engine).count(t) for t in TABLES}
    finally:
        engine.dispose()


def one_error_line(result: Result, path: Path) -> str:
    assert isinstance(result.exception, SystemExit) and result.exit_code != 0, result.exception
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("robocall: error: "), result.stderr
    assert str(path) in lines[0]
    return lines[0]


def import_garbage(env: dict[str, str], path: Path) -> str:
    CliRunner().invoke(main, ["contacts", "list"], env=env)  # creates the database
    before = counts(env)
    result = CliRunner().invoke(main, ["contacts", "import", str(path), "--category", "F1"], env=env)
    line = one_error_line(result, path)
    assert counts(env) == before
    imports = Path(env["ROBOCALL_DATA_DIR"]) / "imports"
    assert not imports.exists() or not any(imports.iterdir()), "a failed import left files behind"
    return line


@pytest.mark.parametrize(("name", "content", "words"), IMPORT_GARBAGE, ids=[c[0] for c in IMPORT_GARBAGE])
def test_import_garbage(tmp_path: Path, isolated: dict[str, str], name: str, content: bytes, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert words in import_garbage(isolated, path)


def test_import_missing_file(tmp_path: Path, isolated: dict[str, str]) -> None:
    assert "no such file" in import_garbage(isolated, tmp_path / "missing.csv")


@fuzz(15)
@given(name=st.sampled_from(("x.csv", "x.xlsx")), content=st.binary(min_size=1, max_size=500))
def test_import_random_bytes(tmp_path_factory: pytest.TempPathFactory, name: str, content: bytes) -> None:
    """Random bytes rarely make a list: the command either imports or fails with one line."""
    folder = tmp_path_factory.mktemp("cli")
    env = {"ROBOCALL_DATABASE_URL": f"sqlite:///{folder / 'robocall.db'}", "ROBOCALL_DATA_DIR": str(folder / "data")}
    path = folder / name
    path.write_bytes(content)
    result = CliRunner().invoke(main, ["contacts", "import", str(path)], env=env)
    if result.exit_code != 0:
        one_error_line(result, path)
        assert counts(env)["imports"] == 0
    else:
        assert counts(env)["imports"] == 1


SCRIPT_GARBAGE = [
    ("binary.yaml", bytes(range(256))),
    ("nul.yaml", b"name: x\x00\n"),
    ("latin1.yaml", "name: Hóa\n".encode("latin-1")),
    ("deep.yaml", b"- " * 1000),
    ("cut.yaml", (ROOT / "scripts_vi/f1_daily.yaml").read_bytes()[:700]),
    ("multiline.yaml", b'name: "a\\nb"\nversion: 1\nlanguage: vi\ndescription: d\nstart: s\nsteps: {s: 1}\n'),
    ("list.yaml", b"- a\n- b\n"),
    ("empty.yaml", b""),
]


@pytest.mark.parametrize(("name", "content"), SCRIPT_GARBAGE, ids=[c[0] for c in SCRIPT_GARBAGE])
def test_script_check_garbage(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = CliRunner().invoke(main, ["script", "check", str(path)])
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1, result.exception
    assert "Traceback" not in result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}:"), result.stdout
