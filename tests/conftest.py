"""Test-wide settings: every test writes its data and logs under a temporary folder, never under var/."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def test_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("robocall-data")


@pytest.fixture(scope="session", autouse=True)
def _isolated_settings(test_data_dir: Path):
    """Point the database and logs of every test (and of CLI subprocesses) at a temporary folder."""
    saved = dict(os.environ)
    os.environ.setdefault("ROBOCALL_DATABASE_URL", f"sqlite:///{test_data_dir}/robocall.db")
    os.environ["ROBOCALL_LOG_FILE"] = str(test_data_dir / "robocall.log")
    os.environ["ROBOCALL_DATA_DIR"] = str(test_data_dir)
    yield
    os.environ.clear()
    os.environ.update(saved)
