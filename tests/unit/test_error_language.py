"""Staff-facing errors (here: importing a list that is not there) are Vietnamese by default, English with --lang en."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli import main


@pytest.mark.parametrize(("lang", "expected"), [
    ("vi", "robocall: lỗi: {path}: không có tệp này"),
    ("en", "robocall: error: {path}: no such file"),
])
def test_importing_a_missing_list_is_reported_in_the_staff_language(lang: str, expected: str, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no developer robocall.yaml
    missing = tmp_path / "nonexistent.xlsx"
    env = {"ROBOCALL_CONFIG": "", "ROBOCALL_DATABASE_URL": f"sqlite:///{tmp_path}/robocall.db",
           "ROBOCALL_DATA_DIR": str(tmp_path / "data"), "ROBOCALL_LANG": ""}
    result = CliRunner().invoke(main, ["--lang", lang, "contacts", "import", str(missing), "--category", "F1"],
                                env=env)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert result.output.strip() == expected.format(path=missing)
