"""`robocall campaign create --script FILE`: a campaign loads its script by name at every later run
(`campaign run`, `serve`), so a file given by path must be the one its name finds in the scripts folder."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from ivr import config
from ivr.cli import main
from ivr.storage.db import open_database
from ivr.storage.repo import Repository

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_a_script_file_outside_the_scripts_folder_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text("\ufeffHọ và tên;Số điện thoại;Phân loại\nNgười thử;0906990101;F1\n", encoding="utf-8")
    code, out = run("contacts", "import", str(listing), "--json")
    assert code == 0, out
    import_id = str(json.loads(out)["import_id"])
    draft = tmp_path / "f1_daily.yaml"
    shutil.copy(ROOT / "scripts_vi" / "f1_daily.yaml", draft)

    before = campaign_ids()
    code, out = run("campaign", "create", "--script", str(draft), "--import", import_id, "--json")
    assert code == 2
    assert out.startswith(f"robocall: error: {draft}: a campaign loads its script by name")
    assert "as f1_daily.yaml" in out and len(out.splitlines()) == 1
    assert campaign_ids() == before  # nothing written

    code, out = run("campaign", "create", "--script", str(ROOT / "scripts_vi" / "f1_daily.yaml"),
                    "--import", import_id, "--json")  # the shipped file itself: its name finds it
    assert code == 0, out
    created = json.loads(out)
    assert created["script"] == "f1_daily" and campaign_ids() == before | {created["campaign_id"]}


def campaign_ids() -> set[int]:
    repo = Repository(open_database(config.load()))
    try:
        return {c.id for c in repo.list_campaigns()}
    finally:
        repo.engine.dispose()
