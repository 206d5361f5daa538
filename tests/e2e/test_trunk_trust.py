"""Trunk trust end to end: only the operator's addresses reach the hotline as the trunk.

A forged INVITE (``From: sip:trunk@...``, a P-Asserted-Identity claiming a resident's number) sent by SIPp
from 127.0.0.2, an address that is not the operator's, must be refused by the real PBX (401 or 403) and
never enter the dialplan; on the unprotected config Asterisk identified it as the trunk by its From user
and answered it with the caller's forged number."""
from __future__ import annotations

import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "sipp" / "forged_trunk_invite.xml"


def _sipp(settings, source: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sipp", f"127.0.0.1:{settings.sandbox.sip_port}", "-sf", str(SCENARIO), "-i", source, "-p", "0",
         "-s", settings.hotline.number, "-m", "1", "-timeout", "15s", "-timeout_error", "-recv_timeout", "5000",
         "-trace_err", "-error_file", str(tmp_path / "sipp_errors.log"), "-aa"],
        capture_output=True, text=True, timeout=30, check=False, cwd=tmp_path)


def test_a_forged_trunk_invite_from_another_address_is_refused(pbx, settings, tmp_path: Path):
    before = pbx.pbx.rx("core show channels count")
    result = _sipp(settings, "127.0.0.2", tmp_path)
    errors = (tmp_path / "sipp_errors.log").read_text() if (tmp_path / "sipp_errors.log").exists() else ""
    assert result.returncode == 0, f"the PBX did not refuse the forged INVITE:\n{result.stdout[-2000:]}\n{errors[-3000:]}"
    assert "0 active channels" in pbx.pbx.rx("core show channels count"), before
    log = pbx.pbx.rx("pjsip show endpoint trunk")
    assert "identify_by" in log and ": ip" in log.split("identify_by", 1)[1].splitlines()[0]
