"""SIPp as a far end the far-end Asterisk cannot play: SIP INFO keys, PCMA only, hold and resume, no RTP at
all, a 302 redirect, a BYE without a Reason header. One scenario file (tests/e2e/sipp/) per behaviour.

SIPp listens on ``$ROBOCALL_TEST_SIPP_PORT`` (default 5176; RTP on the port two above) and takes one call.
The PBX reaches it through its real trunk endpoint with an explicit URI (``PJSIP/trunk/sip:N@127.0.0.1:P``),
so the call has the trunk's codecs, DTMF mode and RTP timeout, as a call to the operator would.
"""
from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

SCENARIOS = Path(__file__).resolve().parent / "sipp"
SIPP_PORT = int(os.environ.get("ROBOCALL_TEST_SIPP_PORT", "5176"))
# One second of G.711 silence each (mu-law 0xFF, A-law 0xD5), streamed in a loop: the phone's RTP.
SILENCE = {"silence-pcmu.raw": b"\xff" * 8000, "silence-pcma.raw": b"\xd5" * 8000}


def _port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


class SippFarEnd:
    """``with SippFarEnd("info_keys", tmp_path) as far: ... far.endpoint("0900000301")``; afterwards
    ``far.returncode`` is 0 when the call followed the scenario to its end (SIPp's own verdict)."""

    def __init__(self, scenario: str, workdir: Path, trunk: str = "trunk", port: int = SIPP_PORT,
                 keys: dict[str, str] | None = None) -> None:
        self.scenario = SCENARIOS / f"{scenario}.xml"
        self.keys = {"redirect_to": "0919999999", **(keys or {})}  # [keyword]s of the scenarios
        self.workdir, self.trunk, self.port = workdir, trunk, port
        self.proc: subprocess.Popen[bytes] | None = None
        self.returncode: int | None = None

    def endpoint(self, number: str) -> str:
        return f"PJSIP/{self.trunk}/sip:{number}@127.0.0.1:{self.port}"

    @property
    def errors(self) -> str:
        log = self.workdir / "sipp-errors.log"
        return log.read_text(errors="replace")[-2000:] if log.exists() else ""

    def __enter__(self) -> "SippFarEnd":
        self.workdir.mkdir(parents=True, exist_ok=True)
        for name, data in SILENCE.items():
            (self.workdir / name).write_bytes(data)
        self.proc = subprocess.Popen(
            ["sipp", "-sf", str(self.scenario), "-i", "127.0.0.1", "-p", str(self.port), "-mp", str(self.port + 2),
             "-m", "1", "-aa", "-nostdin", "-timeout", "60s", "-timeout_error", "-trace_err",
             "-error_file", str(self.workdir / "sipp-errors.log"),
             *[arg for key, value in self.keys.items() for arg in ("-key", key, value)]],
            cwd=self.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 10
        while not _port_taken(self.port):  # SIPp is listening once its port is taken
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"SIPp did not start on port {self.port}: {self.errors}")
            time.sleep(0.02)
        return self

    def wait(self, timeout: float = 20) -> int:
        assert self.proc is not None
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.returncode = self.proc.wait(5)
        return self.returncode

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.wait(20)
