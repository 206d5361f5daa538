"""The audit log is hash-chained (issue 16): every entry links to the one before it, `robocall audit verify`
names the first entry edited, deleted or written around the log, and two processes writing at once never fork
the chain (SQLite and PostgreSQL)."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text

from ivr.cli import main
from ivr.storage.audit_chain import GENESIS
from ivr.storage.repo import Repository

UTC = dt.timezone.utc
T0 = dt.datetime(2021, 7, 15, 2, 0, 0, 123456, tzinfo=UTC)
WRITERS, EACH = 2, 40


def _write(repo: Repository, n: int) -> None:
    for i in range(n):
        repo.audit(f"nv-{i % 3}", "contacts.list", f"contacts:{i}:abc", i, T0 + dt.timedelta(seconds=i))


def test_entries_link_to_the_one_before_and_the_chain_verifies(repo: Repository, engine: Engine) -> None:
    _write(repo, 5)
    with engine.connect() as c:
        links = c.execute(text("SELECT prev_hash, entry_hash FROM audit_log ORDER BY id")).all()
    assert links[0][0] == GENESIS
    assert [prev for prev, _own in links[1:]] == [own for _prev, own in links[:-1]]
    check = repo.verify_audit_chain()
    assert (check.entries, check.broken, check.head_hash) == (5, None, links[-1][1])


@pytest.mark.parametrize("tamper,reason", [
    ("UPDATE audit_log SET operator = 'someone else' WHERE id = :id", "edited"),
    ("UPDATE audit_log SET rows = 0 WHERE id = :id", "edited"),
    ("DELETE FROM audit_log WHERE id = :id", "unlinked"),
])
def test_an_edit_or_a_deletion_is_named_at_the_first_broken_entry(repo: Repository, engine: Engine, tamper: str,
                                                                 reason: str) -> None:
    _write(repo, 6)
    with engine.begin() as c:
        ids = [row[0] for row in c.execute(text("SELECT id FROM audit_log ORDER BY id"))]
        c.execute(text(tamper), {"id": ids[3]})
    broken = repo.verify_audit_chain().broken
    assert broken is not None
    assert (broken.id, broken.reason) == (ids[3] if reason == "edited" else ids[4], reason)


def test_a_row_written_around_the_store_is_named(repo: Repository, engine: Engine) -> None:
    _write(repo, 2)
    with engine.begin() as c:
        c.execute(text("INSERT INTO audit_log (at, operator, action, object, rows) "
                       "VALUES (:at, 'x', 'contacts.erase', 'contact:1', 1)"),
                  {"at": T0 if engine.dialect.name == "postgresql" else T0.replace(tzinfo=None)})
    broken = repo.verify_audit_chain().broken
    assert broken is not None and broken.reason == "unchained"


def test_two_processes_writing_at_once_never_fork_the_chain(repo: Repository, db_url: str) -> None:
    """Real separate processes (each its own engine), started together, each appending EACH entries."""
    script = textwrap.dedent(f"""
        import datetime as dt, sys
        from ivr.storage.db import make_engine
        from ivr.storage.repo import Repository
        repo = Repository(make_engine(sys.argv[1]))
        for i in range({EACH}):
            repo.audit("writer-" + sys.argv[2], "contacts.list", "contacts:%d" % i, i,
                       dt.datetime.now(dt.timezone.utc))
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script, db_url, str(w)], env=dict(os.environ),
                              stderr=subprocess.PIPE, text=True) for w in range(WRITERS)]
    for proc in procs:
        _out, err = proc.communicate(timeout=300)  # a hang guard, not a performance assertion
        assert proc.returncode == 0, err
    check = repo.verify_audit_chain()
    assert (check.entries, check.broken) == (WRITERS * EACH, None)


def test_the_verify_command(cli_env_db: Any) -> None:
    env, engine = cli_env_db
    _write(Repository(engine), 3)
    ok = CliRunner().invoke(main, ["audit", "verify"], env=env)
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("audit log intact: 3 entries; head #")
    with engine.begin() as c:
        second = c.execute(text("SELECT id FROM audit_log ORDER BY id")).all()[1][0]
        c.execute(text("UPDATE audit_log SET object = 'contacts:0:zzz' WHERE id = :id"), {"id": second})
    broken = CliRunner().invoke(main, ["audit", "verify"], env=env)
    assert broken.exit_code == 1 and "Traceback" not in broken.output
    assert f"audit log broken at entry #{second}: its content was changed" in broken.output, broken.output


@pytest.fixture
def cli_env_db(db_url: str, engine: Engine, tmp_path: Any) -> tuple[dict[str, str], Engine]:
    return {"ROBOCALL_DATABASE_URL": db_url, "ROBOCALL_DATA_DIR": str(tmp_path), "ROBOCALL_LANG": "en"}, engine


def test_the_migration_chains_the_entries_already_there(tmp_path: Any) -> None:
    """A database of yesterday's schema (0007) with audit entries: after the upgrade the chain verifies."""
    from alembic import command
    from alembic.config import Config

    from ivr.storage.db import MIGRATIONS_DIR, make_engine

    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
        for i in range(3):
            connection.execute(text("INSERT INTO audit_log (at, operator, action, object, rows) "
                                    "VALUES (:at, 'nv', 'contacts.import', :obj, :n)"),
                               {"at": (T0 + dt.timedelta(minutes=i)).replace(tzinfo=None), "obj": f"import:{i}", "n": i})
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    repo = Repository(engine)
    repo.audit("nv", "contacts.list", "contacts:1:x", 1, T0)
    check = repo.verify_audit_chain()
    engine.dispose()
    assert (check.entries, check.broken) == (4, None)
