"""The sandbox: a local Asterisk 22 PBX plus a simulated phone network, for development, tests, demo.

`up` builds the root once (debootstrap + apt, about a minute), renders the project's config into it,
mounts /proc, starts two Asterisk processes and waits until ARI answers; later runs reuse the root.
`down` stops both and unmounts /proc, leaving no process and no mount behind.
Never used in production: there the controller talks to the operator's Asterisk by its ARI URL.
"""
from __future__ import annotations

import os
import subprocess
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import httpx

from ivr.config import Settings
from ivr.errors import UserError
from ivr.logs import get_logger
from ivr.protection.secrets import public_url
from ivr.sandbox import nodes as nodes_mod
from ivr.sandbox import personas as personas_mod
import dataclasses

from ivr.sandbox import carrier, rootfs, staff
from ivr.sandbox.process import AsteriskInstance
from ivr.sandbox.proxy import HotlineProxy
from ivr.sandbox.render import render_dirs, write_atomic
from ivr.sandbox.values import (CONF_DIR, PBX_SOURCES, PRODUCTION_DIR, http_values, pbx_values, sandbox_network, staff_values,
                                trunk_values)

log = get_logger(__name__)
CONF = CONF_DIR


@dataclass(frozen=True)
class SandboxStatus:
    installed: bool
    pbx_running: bool
    phones_running: bool
    ari_ready: bool
    ari_url: str
    sip_port: int
    phones_sip_port: int
    root: str
    personas: str
    seconds: float | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class Sandbox:
    """Builds, starts, resets and stops the sandbox described by ``settings``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dir = settings.sandbox_dir
        self.root = settings.sandbox_root
        self.pbx = AsteriskInstance("pbx", self.root, self.dir)
        self.phones = AsteriskInstance("phones", self.root, self.dir)
        self.nodes = nodes_mod.nodes(settings)  # node 1 is ``pbx``
        self.extra = [AsteriskInstance(n.name, self.root, self.dir) for n in self.nodes[1:]]
        sb = settings.sandbox
        self.proxy = HotlineProxy(self.dir, sb.proxy_sip_port, [n.sip_port for n in self.nodes]) \
            if nodes_mod.proxied(settings) else None
        self.packages = rootfs.read_packages(CONF / "packages.txt")

    # -- values for the templates ------------------------------------------------------------------
    def _values(self, inst: AsteriskInstance) -> dict[str, object]:
        sb = self.settings.sandbox
        if inst.name == "phones":
            hotline_port = self.proxy.port if self.proxy is not None else sb.sip_port
            return {**inst.dirs(), "sip_bind": "127.0.0.1", "sip_port": sb.phones_sip_port, "pbx_host": "127.0.0.1",
                    "pbx_port": hotline_port, "rtp_start": 30000, "rtp_end": 39999,
                    "caller_id_name": self.settings.trunk.caller_id_name,
                    "caller_id_number": self.settings.trunk.caller_id_number,
                    **carrier.phones_values(self.settings)}
        node = next((n for n in self.nodes[1:] if n.name == inst.name), None)
        if node is not None:
            return pbx_values(self.settings, inst.dirs(), node.network(sb.phones_sip_port))
        if not sb.carrier:
            return pbx_values(self.settings, inst.dirs(), sandbox_network(self.settings))
        # Carrier mode: asterisk-conf/production/ rendered as production renders it, the far end as operator.
        c = carrier.carrier_settings(self.settings)
        net = dataclasses.replace(sandbox_network(self.settings), trunk_port=c.trunk.port)
        return {**pbx_values(c, inst.dirs(), net), **trunk_values(c), **staff_values(c), **http_values(c)}

    def _pbx_sources(self) -> list[Path]:
        return [*PBX_SOURCES, PRODUCTION_DIR] if self.settings.sandbox.carrier else list(PBX_SOURCES)

    def _render(self, personas_file: str | None) -> dict[str, bool]:
        """Render every config; return, per instance, whether anything but the phones' dialplan changed."""
        changed = {}
        carrier.install_tls(self.settings, self.root)
        pbxes = [self.pbx, *self.extra]
        for inst, sources in [(self.pbx, self._pbx_sources()), *((p, list(PBX_SOURCES)) for p in self.extra),
                              (self.phones, [CONF / "common", CONF / "phones"])]:
            target = self.root / inst.conf_dir.lstrip("/")
            changed[inst.name] = bool(render_dirs(sources, target, self._values(inst)))
        sb = self.settings.sandbox
        if not sb.carrier:  # carrier mode: the registering staff phones of asterisk-conf/production/
            staff_conf = staff.render_endpoints(sb.staff, "127.0.0.1", sb.phones_sip_port)
            for inst in pbxes:
                if write_atomic(self.root / inst.conf_dir.lstrip("/") / staff.STAFF_FILE, staff_conf):
                    changed[inst.name] = True
        far_end = carrier.render_far_end(self.settings)
        if write_atomic(self.root / self.phones.conf_dir.lstrip("/") / carrier.CARRIER_FILE, far_end):
            changed["phones"] = True
        self.settings.audio_cache_dir.mkdir(parents=True, exist_ok=True)
        self._link_vietnamese_sounds()
        return changed

    def _link_vietnamese_sounds(self) -> None:
        """Asterisk looks for Vietnamese sounds (app_queue's announcements, numbers) in sounds/vi: make that
        the rendered prompts' vi/ folder (ivr/hotline/queue_sounds.py writes it)."""
        link = self.root / "usr/share/asterisk/sounds/vi"
        target = f"{self.settings.audio_pbx_dir.rstrip('/')}/vi"
        if link.is_symlink() and os.readlink(link) == target:
            return
        if link.exists() and not link.is_symlink():
            return  # a real folder (e.g. an installed language pack): leave it
        link.parent.mkdir(parents=True, exist_ok=True)
        link.unlink(missing_ok=True)
        link.symlink_to(target)

    def write_personas(self, personas_file: str | None) -> bool:
        """Render the personas into the phones' dialplan; True if it changed."""
        personas = personas_mod.load(personas_file)
        target = self.root / self.phones.conf_dir.lstrip("/") / "extensions.conf"
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.dir / "personas.txt", str(Path(personas_file).resolve()) if personas_file else "")
        return write_atomic(target, personas_mod.render_dialplan(personas))

    # -- lifecycle ---------------------------------------------------------------------------------
    def up(self, personas_file: str | None = None, progress=lambda _m: None, timeout: float = 60.0) -> SandboxStatus:
        started = time.monotonic()
        if personas_file is None:
            personas_file = self.settings.sandbox.personas or None
        personas_mod.load(personas_file)  # fail before touching anything on a bad file
        self.dir.mkdir(parents=True, exist_ok=True)
        if not rootfs.is_installed(self.root, self.packages):
            rootfs.build_root(self.root, self.packages, self.settings.sandbox.suite,
                              self.settings.sandbox.mirror or rootfs.host_mirror(), self.dir / "build.log", progress)
        changed = self._render(personas_file)
        personas_changed = self.write_personas(personas_file)
        self._mount_proc()
        deadline = time.monotonic() + timeout
        for inst in (self.phones, self.pbx, *self.extra):
            if inst.pid() is None:
                progress(f"starting asterisk '{inst.name}'")
                inst.start()
            elif changed[inst.name]:
                inst.rx("core reload")  # already running: pick up the changed config
            elif inst is self.phones and personas_changed:
                inst.rx("dialplan reload")
        for inst in (self.phones, self.pbx, *self.extra):
            inst.wait_ready(deadline)
        for node in self.nodes:
            self._wait_ari(deadline, node.ari_url())
        for inst in self._all_extra()[len(self.extra):]:
            inst.stop()  # nodes an earlier `up` started that this configuration has not
        if self.proxy is None:
            HotlineProxy(self.dir, self.settings.sandbox.proxy_sip_port, []).stop()
        else:
            progress("starting kamailio (hotline proxy)")
            self.proxy.start()
        status = self.status()
        return replace(status, seconds=round(time.monotonic() - started, 2))

    def down(self) -> bool:
        stopped = False
        proxy = self.proxy or HotlineProxy(self.dir, self.settings.sandbox.proxy_sip_port, [])
        stopped = proxy.stop() or stopped  # also one left by an earlier `up` with more nodes
        for inst in (self.pbx, *self._all_extra(), self.phones):
            stopped = inst.stop() or stopped
        self._umount_proc()
        return stopped

    def status(self) -> SandboxStatus:
        return SandboxStatus(
            installed=rootfs.is_installed(self.root, self.packages),
            pbx_running=self.pbx.pid() is not None,
            phones_running=self.phones.pid() is not None,
            ari_ready=self._ari_ok(),
            ari_url=self.settings.ari.url,
            sip_port=self.settings.sandbox.sip_port,
            phones_sip_port=self.settings.sandbox.phones_sip_port,
            root=str(self.root),
            personas=(self.dir / "personas.txt").read_text() if (self.dir / "personas.txt").exists() else "",
        )

    def _all_extra(self) -> list[AsteriskInstance]:
        """Extra nodes configured now, and any other left running by an earlier `up` (their pid files)."""
        names = {i.name for i in self.extra}
        left = [AsteriskInstance(p.name[:-4], self.root, self.dir) for p in sorted(self.dir.glob("pbx[0-9]*.pid"))]
        return self.extra + [i for i in left if i.name not in names]

    def node(self, number: int) -> AsteriskInstance:
        """The Asterisk of PBX node ``number`` (1: the sandbox's pbx)."""
        return self.pbx if number == 1 else self.extra[number - 2]

    # -- test support ------------------------------------------------------------------------------
    def reset(self, timeout: float = 10.0) -> None:
        """Return the PBX to a clean state between tests: no channel up, trunk healthy."""
        self.set_trunk_down(False)
        for inst in (self.pbx, *[i for i in self.extra if i.pid() is not None], self.phones):
            inst.rx("channel request hangup all")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.channel_count(self.pbx) == 0 and self.channel_count(self.phones) == 0:
                return
            time.sleep(0.1)
        raise UserError("sandbox: channels still up after reset")

    def set_trunk_down(self, down: bool) -> None:
        """Make the simulated operator network answer every call with 503 (or stop doing so)."""
        if down:
            self.phones.rx("database put sandbox trunk_down 1")
        else:
            self.phones.rx("database deltree sandbox")

    def channel_count(self, inst: AsteriskInstance | None = None) -> int:
        out = (inst or self.pbx).rx("core show channels count")
        for line in out.splitlines():
            if "active channel" in line:
                return int(line.split()[0])
        return 0

    # -- internals ---------------------------------------------------------------------------------
    def _ari_ok(self, url: str | None = None) -> bool:
        a = self.settings.ari
        try:
            r = httpx.get(f"{url or a.url}/ari/asterisk/info", auth=(a.username, a.password), timeout=2)
            return r.status_code == 200
        except httpx.HTTPError:
            return False

    def _wait_ari(self, deadline: float, url: str | None = None) -> None:
        while time.monotonic() < deadline:
            if self._ari_ok(url):
                return
            time.sleep(0.2)
        raise UserError(f"sandbox: ARI did not answer at {public_url(url or self.settings.ari.url)}; "
                        f"see {self.pbx.console_log}")

    def _proc_mounted(self) -> bool:
        target = str((self.root / "proc").resolve())
        return any(line.split()[1] == target for line in Path("/proc/mounts").read_text().splitlines())

    def _mount_proc(self) -> None:
        if not self._proc_mounted():
            subprocess.run(["mount", "-t", "proc", "proc", str(self.root / "proc")], check=True)

    def _umount_proc(self) -> None:
        if self._proc_mounted():
            subprocess.run(["umount", "-l", str(self.root / "proc")], check=False)
