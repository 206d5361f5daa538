"""ROBOCALL_* environment variables: a typo is an error naming the closest setting; tooling variables pass."""
from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ivr import config

ROOT = Path(__file__).resolve().parents[2]

TYPOS = [
    # (variable, the setting the error must suggest)
    ("ROBOCALL_DIALER_MAX_CONCURENT", "ROBOCALL_DIALER_MAX_CONCURRENT"),
    ("ROBOCALL_ARI_PASWORD", "ROBOCALL_ARI_PASSWORD"),
    ("ROBOCALL_ARI_PASWORD_FILE", "ROBOCALL_ARI_PASSWORD_FILE"),
    ("ROBOCALL_TRUNK_RING_TIMOUT", "ROBOCALL_TRUNK_RING_TIMEOUT"),
    ("ROBOCALL_CALL_WATCHDOG_SECONDS", "ROBOCALL_CALL_WATCHDOG"),
    ("ROBOCALL_SANDBOX_SIP_PROT", "ROBOCALL_SANDBOX_SIP_PORT"),
    ("ROBOCALL_DATABSE_URL", "ROBOCALL_DATABASE_URL"),  # a mistyped section, close to a setting
    ("ROBOCALL_LOG_LEVL", "ROBOCALL_LOG_LEVEL"),  # a top-level setting
]


@pytest.mark.parametrize("name,suggested", TYPOS, ids=[t[0] for t in TYPOS])
def test_a_mistyped_variable_is_an_error_naming_the_closest_setting(name: str, suggested: str) -> None:
    with pytest.raises(config.ConfigError) as caught:
        config.load(env={name: "1"})
    assert name in str(caught.value) and f"did you mean {suggested}?" in str(caught.value)


def test_any_unknown_key_of_a_known_section_is_an_error() -> None:
    with pytest.raises(config.ConfigError, match=r"ROBOCALL_DIALER_XYZZY: .*section 'dialer'"):
        config.load(env={"ROBOCALL_DIALER_XYZZY": "1"})


def test_a_bare_section_name_is_an_error() -> None:
    with pytest.raises(config.ConfigError, match="is a section, not a setting"):
        config.load(env={"ROBOCALL_TRUNK": "x"})


def test_every_setting_of_every_section_is_accepted_from_the_environment() -> None:
    # Derived from the dataclasses: a setting another engineer adds is known without touching the check.
    env = {}
    for section in dataclasses.fields(config.Settings):
        cls = section.default_factory
        if cls is dataclasses.MISSING or not dataclasses.is_dataclass(cls):
            continue
        for f in dataclasses.fields(cls):
            env[f"ROBOCALL_{section.name}_{f.name}".upper()] = str(getattr(cls(), f.name))
    settings = config.load(env=env)
    assert settings.dialer.max_concurrent == config.DialerSettings().max_concurrent


def test_tooling_variables_and_other_tools_pass() -> None:
    env = {name: "1" for name in config.TOOLING_VARIABLES if name != "ROBOCALL_CONFIG"}
    env["ROBOCALL_SOMETHING_ELSE_ENTIRELY"] = "1"  # not close to any setting: another tool's business
    config.load(env=env)


def test_every_robocall_variable_the_repository_uses_is_a_setting_or_listed() -> None:
    # Tests, the sandbox, the Makefile, docker/ and bench/ must never trip the check.
    pattern = re.compile(r"ROBOCALL_[A-Z0-9_]*[A-Z0-9]")
    used: set[str] = set()
    for folder in ("ivr", "tests", "bench", "docker", "Makefile", ".ci", "README.md", "audio"):
        path = ROOT / folder
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()] if path.exists() else []
        for file in files:
            if file.suffix in (".pyc", ".wav", ".xlsx", ".xls", ".png", ".pcap") or file == Path(__file__):
                continue
            used |= set(pattern.findall(file.read_text(encoding="utf-8", errors="replace")))
    examples = {typo for typo, _ in TYPOS}  # README.md quotes some of these typos as examples
    env = {name: "1" for name in used if not name.endswith("_") and name != "ROBOCALL_CONFIG" and name not in examples}
    bad = []
    for name in sorted(env):
        try:
            config._env_overrides({name: "/dev/null" if name.endswith("_FILE") else "1"})
        except config.ConfigError as exc:
            bad.append(str(exc))
    assert not bad, bad


def test_unknown_yaml_keys_stay_refused(tmp_path: Path) -> None:
    file = tmp_path / "robocall.yaml"
    file.write_text("dialer:\n  max_concurent: 3\n", encoding="utf-8")
    with pytest.raises(config.ConfigError, match="unknown setting 'max_concurent'"):
        config.load(file, env={})


def test_the_cli_reports_a_typo_without_a_traceback(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("robocall")
    env = {"PATH": "/usr/bin:/bin", "ROBOCALL_DIALER_MAX_CONCURENT": "3",
           "ROBOCALL_DATA_DIR": str(tmp_path), "ROBOCALL_LOG_FILE": str(tmp_path / "log")}
    proc = subprocess.run([str(exe), "contacts", "list"], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=60, check=False)
    assert proc.returncode == 2
    assert "ROBOCALL_DIALER_MAX_CONCURRENT" in proc.stderr and "Traceback" not in proc.stderr
