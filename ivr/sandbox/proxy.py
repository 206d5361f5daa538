"""Kamailio in front of the sandbox's PBX nodes: the hotline number's one SIP address, several Asterisks.

The dispatcher module (Debian's kamailio package) sends each new call to the next node in turn
(algorithm 4, round robin) and, when a node does not answer (408 after tm's ``fr_timer``) or answers
5xx, to the next one (failure_route). It probes every node with OPTIONS every second and takes a node
that misses one probe out of the set, so a dead node stops receiving calls within a few seconds (with
tm's default 30 s timer a dead UDP peer would take half a minute; see ../shared/notes/pbx-sandbox.md).
No record-route: in-dialog requests go straight between the caller's side and the node that answered.

Runs as a child of its own session with a pid file in the sandbox folder, like the Asterisk instances,
so `robocall sandbox down` from any process finds and stops it.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Sequence

from ivr.errors import UserError
from ivr.i18n import _

KAMAILIO = "/usr/sbin/kamailio"
KAMCMD = "/usr/sbin/kamcmd"
MODULES = "/usr/lib/x86_64-linux-gnu/kamailio/modules/"

CONFIG = """#!KAMAILIO
# Rendered by ivr/sandbox/proxy.py: the sandbox's hotline proxy (dispatcher over the PBX nodes).
debug=1
log_stderror=yes
memdbg=5
memlog=5
children=2
auto_aliases=no
listen=udp:127.0.0.1:{port}
mpath="{modules}"
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "siputils.so"
loadmodule "textops.so"
loadmodule "dispatcher.so"
loadmodule "ctl.so"
modparam("ctl", "binrpc", "unix:{ctl}")
modparam("tm", "fr_timer", 1500)
modparam("tm", "fr_inv_timer", 60000)
modparam("dispatcher", "list_file", "{dispatcher}")
modparam("dispatcher", "ds_ping_interval", 1)
modparam("dispatcher", "ds_probing_mode", 1)
modparam("dispatcher", "ds_probing_threshold", 1)
modparam("dispatcher", "ds_inactive_threshold", 1)
modparam("dispatcher", "ds_ping_from", "sip:proxy@127.0.0.1:{port}")
modparam("dispatcher", "ds_ping_reply_codes", "class=2;code=404;code=405")

request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (has_totag()) {{
        if (is_method("ACK") && t_check_trans()) {{ t_relay(); }}
        exit;
    }}
    if (is_method("CANCEL")) {{
        if (t_check_trans()) {{ t_relay(); }}
        exit;
    }}
    if (is_method("OPTIONS") && uri == myself) {{ sl_send_reply("200", "OK"); exit; }}
    t_check_trans();
    if (!ds_select_dst("1", "4")) {{ sl_send_reply("503", "No PBX node available"); exit; }}
    t_on_failure("NEXT_NODE");
    if (!t_relay()) {{ sl_reply_error(); }}
    exit;
}}

failure_route[NEXT_NODE] {{
    if (t_is_canceled()) {{ exit; }}
    if (t_check_status("408|5[0-9][0-9]") && ds_next_dst()) {{
        t_on_failure("NEXT_NODE");
        t_relay();
    }}
}}
"""


class HotlineProxy:
    """The sandbox's Kamailio: ``port`` on 127.0.0.1, dispatching to the nodes' SIP ports."""

    def __init__(self, state_dir: Path, port: int, node_ports: Sequence[int]) -> None:
        self.dir = state_dir / "kamailio"
        self.port = port
        self.node_ports = list(node_ports)

    @property
    def pid_file(self) -> Path:
        return self.dir / "kamailio.pid"

    @property
    def ctl(self) -> Path:
        return self.dir / "kamailio.ctl"

    def render(self) -> Path:
        self.dir.mkdir(parents=True, exist_ok=True)
        listing = self.dir / "dispatcher.list"
        listing.write_text("".join(f"1 sip:127.0.0.1:{p}\n" for p in self.node_ports), encoding="utf-8")
        cfg = self.dir / "kamailio.cfg"
        cfg.write_text(CONFIG.format(port=self.port, modules=MODULES, ctl=self.ctl, dispatcher=listing),
                       encoding="utf-8")
        return cfg

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    def start(self, timeout: float = 10.0) -> None:
        if self.pid() is not None:
            return
        if not Path(KAMAILIO).exists():
            raise UserError(_("kamailio is not installed on this machine: `apt-get install kamailio` (Makefile: APT_PACKAGES)"))
        cfg = self.render()
        check = subprocess.run([KAMAILIO, "-c", "-f", str(cfg)], capture_output=True, text=True, check=False)
        if check.returncode != 0:
            raise UserError(_("kamailio: the configuration {file} is wrong: {error}").format(
                file=cfg, error=check.stderr.strip()[-300:]))
        log = open(self.dir / "kamailio.log", "ab")  # noqa: SIM115 - handed to the child
        proc = subprocess.Popen([KAMAILIO, "-f", str(cfg), "-DD", "-E"], stdout=log, stderr=log,
                                start_new_session=True)
        log.close()
        self.pid_file.write_text(str(proc.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise UserError(_("kamailio stopped as soon as it started; see {log}").format(
                    log=self.dir / "kamailio.log"))
            if self.ctl.exists():
                return
            time.sleep(0.1)
        raise UserError(_("kamailio was not ready after {seconds:g} s; see {log}").format(
            seconds=timeout, log=self.dir / "kamailio.log"))

    def stop(self, timeout: float = 10.0) -> bool:
        pid = self.pid()
        if pid is None:
            return False
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            return False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                break
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
            time.sleep(0.1)
        else:
            os.killpg(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    def destinations(self) -> dict[int, str]:
        """Node SIP port -> dispatcher flags ("AP": active and probed; "IP"/"TP": inactive)."""
        out = subprocess.run([KAMCMD, "-s", f"unix:{self.ctl}", "dispatcher.list"], capture_output=True, text=True,
                             timeout=10, check=False).stdout
        found: dict[int, str] = {}
        port = None
        for line in out.splitlines():
            line = line.strip()
            if line.startswith("URI:"):
                port = int(line.rsplit(":", 1)[1])
            elif line.startswith("FLAGS:") and port is not None:
                found[port] = line.split(":", 1)[1].strip()
                port = None
        return found
