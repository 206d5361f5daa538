"""`robocall users add|list|disable|enable|passwd`: the accounts the console signs in with."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ivr.cli import main


def _run(tmp_path: Path, *args: str, password: str | None = None) -> tuple[int, str]:
    env = {"ROBOCALL_DATABASE_URL": f"sqlite:///{tmp_path}/users.db", "ROBOCALL_LOG_FILE": str(tmp_path / "log")}
    result = CliRunner().invoke(main, ["--lang", "vi", "--operator", "quantri", *args], env=env,
                                input=None if password is None else password + "\n")
    return result.exit_code, result.output


def test_an_admin_manages_accounts_from_the_command_line(tmp_path: Path) -> None:
    assert _run(tmp_path, "users", "add", "Admin1", "--role", "admin", "--password-stdin",
                password="mat-khau-dai-du")[0] == 0
    code, out = _run(tmp_path, "users", "add", "canbo", "--role", "staff", "--areas", "Đông Vệ, Lam Sơn",
                     "--password-stdin", password="mat-khau-dai-du")
    assert code == 0 and "canbo" in out
    code, out = _run(tmp_path, "users", "list", "--json")
    assert json.loads(out) == [{"name": "admin1", "role": "admin", "areas": [], "disabled": False},
                               {"name": "canbo", "role": "staff", "areas": ["Đông Vệ", "Lam Sơn"],
                                "disabled": False}]
    assert _run(tmp_path, "users", "disable", "canbo")[0] == 0
    assert json.loads(_run(tmp_path, "users", "list", "--json")[1])[1]["disabled"] is True
    assert _run(tmp_path, "users", "passwd", "canbo", "--password-stdin", password="mot-mat-khau-moi")[0] == 0


def test_mistakes_are_told_plainly(tmp_path: Path) -> None:
    code, out = _run(tmp_path, "users", "add", "canbo", "--role", "staff", "--password-stdin", password="ngan")
    assert code == 2 and "mật khẩu quá ngắn" in out and "Traceback" not in out
    _run(tmp_path, "users", "add", "canbo", "--role", "staff", "--password-stdin", password="mat-khau-dai-du")
    code, out = _run(tmp_path, "users", "add", "canbo", "--role", "staff", "--password-stdin",
                     password="mat-khau-dai-du")
    assert code == 2 and "đã có" in out
    code, out = _run(tmp_path, "users", "add", "xem", "--role", "viewer", "--areas", "Đông Vệ", "--password-stdin",
                     password="mat-khau-dai-du")
    assert code == 2 and "chỉ tài khoản cán bộ" in out
    code, out = _run(tmp_path, "users", "passwd", "khongco", "--password-stdin", password="mat-khau-dai-du")
    assert code == 2 and "không có tài khoản 'khongco'" in out
    code, out = _run(tmp_path, "users", "add", "../x", "--role", "staff", "--password-stdin",
                     password="mat-khau-dai-du")
    assert code == 2 and "không hợp lệ" in out
