"""The restore drill: the nightly backup script dumps a real database with pg_dump, pg_restore brings it
back into a fresh, empty database, and the robocall CLI reads the same contacts and campaign from it."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from ivr.config import PROJECT_ROOT

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from dbfixtures import PG_ADMIN_URL, create_pg_database, drop_pg_database  # noqa: E402

BACKUP = PROJECT_ROOT / "deploy/backup/robocall-backup"
pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(shutil.which("pg_dump") is None or shutil.which("pg_restore") is None,
                                 reason="pg_dump/pg_restore are not installed (Makefile: postgresql-client)")]


def _robocall(env: dict[str, str], *args: str) -> dict:
    exe = Path(sys.executable).with_name("robocall")
    proc = subprocess.run([str(exe), *args, "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def test_a_dump_restores_into_a_fresh_database_the_cli_reads(tmp_path: Path):
    source, target = f"robocall_backup_{os.getpid()}", f"robocall_restore_{os.getpid()}"
    url = create_pg_database(source)
    restored = make_url(PG_ADMIN_URL).set(database=target).render_as_string(hide_password=False)
    try:
        env = {**os.environ, "ROBOCALL_DATABASE_URL": url, "ROBOCALL_DATA_DIR": str(tmp_path / "data")}
        csv = tmp_path / "list.csv"
        csv.write_text("\ufeffHọ và tên;Số điện thoại;Phân loại\nNguyễn Văn A;0912000101;F1\nTrần Thị B;0912000102;F1\n",
                       encoding="utf-8")
        imported = _robocall(env, "contacts", "import", str(csv), "--category", "f1")
        created = _robocall(env, "campaign", "create", "--script", "f1_daily", "--import", str(imported["import_id"]))
        before = _robocall(env, "campaign", "status", str(created["campaign_id"]))

        dumps = tmp_path / "backups"
        run = subprocess.run([str(BACKUP), url, str(dumps)], capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        [dump] = list(dumps.glob("robocall-*.dump"))
        assert not list(dumps.glob(".*.part")) and oct(dumps.stat().st_mode & 0o777) == "0o700"

        subprocess.run(["psql", _libpq(PG_ADMIN_URL), "-qc", f'DROP DATABASE IF EXISTS "{target}"'], check=True)
        subprocess.run(["psql", _libpq(PG_ADMIN_URL), "-qc", f'CREATE DATABASE "{target}"'], check=True)
        restore = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq(restored)}",
                                  str(dump)], capture_output=True, text=True, timeout=120)
        assert restore.returncode == 0, restore.stderr

        env["ROBOCALL_DATABASE_URL"] = restored
        after = _robocall(env, "campaign", "status", str(created["campaign_id"]))
        assert after == before and after["households"] == 2
    finally:
        drop_pg_database(source)
        drop_pg_database(target)


def test_the_backup_refuses_a_database_that_is_not_postgresql(tmp_path: Path):
    run = subprocess.run([str(BACKUP), "sqlite:///var/robocall.db", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 2 and "not a PostgreSQL URL" in run.stderr and not list(tmp_path.iterdir())
