"""Render the production PBX config from Settings: ``python3 -m ivr.sandbox.render_cli [--owner USER] TARGET``.

The Asterisk image (docker/) runs this at every start, before Asterisk. It renders the same folders as
the sandbox (``PBX_SOURCES``) with the production value table (``production_values``), plus
asterisk-conf/production/ when ``trunk.register`` is true, whose pjsip_trunk.conf then replaces the
sandbox's IP trunk of the same file name. Everything is rendered and checked in a scratch folder
first, so a mistake leaves the target untouched. Only the standard library, PyYAML and ivr.config are
imported: the image has no other Python package.
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from ivr import config as config_mod
from ivr.config import PROJECT_ROOT
from ivr.errors import UserError
from ivr.sandbox.render import render_dirs, write_atomic
from ivr.sandbox.values import PBX_SOURCES, PRODUCTION_DIR, PRODUCTION_STAFF, instance_dirs, production_values

_INCLUDE = re.compile(r"^\s*#(?:try)?include\s+(\S+)", re.M)
_SECTION = re.compile(r"^\s*\[([^\]]+)\]")


def production_sources(settings: config_mod.Settings, root: Path = PROJECT_ROOT) -> list[Path]:
    """The folders rendered into the image, in order (a later folder's file wins on a name clash).

    ``root`` is the project folder holding asterisk-conf/ and dialplans/ (another one in tests).
    """
    folders = [*PBX_SOURCES, PRODUCTION_DIR] if settings.trunk.register else [*PBX_SOURCES, *PRODUCTION_STAFF]
    return [root / folder.relative_to(PROJECT_ROOT) for folder in folders]


def render_production(settings: config_mod.Settings, target: Path, root: Path = PROJECT_ROOT) -> list[Path]:
    """Render and check the whole PBX config, then write it into ``target``; return the changed files."""
    values = production_values(settings)
    with tempfile.TemporaryDirectory(prefix="robocall-render-") as scratch:
        render_dirs(production_sources(settings, root), Path(scratch), values)
        rendered = {p.name: p.read_text(encoding="utf-8") for p in sorted(Path(scratch).glob("*.conf"))}
    check_rendered(settings, rendered)
    target.mkdir(parents=True, exist_ok=True)
    return [target / name for name, text in rendered.items() if write_atomic(target / name, text)]


def check_rendered(settings: config_mod.Settings, rendered: dict[str, str]) -> None:
    """Catch what Asterisk would only log: a trunk file nobody includes, a duplicate object, no SRTP module."""
    if settings.trunk.register and "pjsip_trunk.conf" not in _includes(rendered, "pjsip.conf"):
        raise UserError("asterisk-conf/pbx/pjsip.conf does not #include pjsip_trunk.conf, "
                        "so the registering trunk (trunk.register) would never load")
    seen: set[tuple[str, str]] = set()
    for name, typ in pjsip_objects(rendered):
        if (name, typ) in seen:
            raise UserError(f"the rendered PJSIP config defines the {typ} '{name}' twice; "
                            f"Asterisk would refuse the whole file")
        seen.add((name, typ))
    if settings.trunk.media_encryption != "no":
        noload = {m.group(1) for text in rendered.values()
                  for m in re.finditer(r"^\s*noload\s*=>?\s*(\S+)", text, re.M)}
        if "res_srtp.so" in noload:
            raise UserError(f"trunk.media_encryption is {settings.trunk.media_encryption!r} but "
                            "asterisk-conf/common/modules_noload.conf does not load res_srtp.so")
    for key in ("tls_ca_file", "tls_cert_file", "tls_key_file"):
        path = getattr(settings.trunk, key)
        if settings.trunk.transport == "tls" and path and not Path(path).is_file():
            raise UserError(f"trunk.{key}: {path} does not exist in the PBX's file system (mount it)")


def pjsip_objects(rendered: dict[str, str]) -> list[tuple[str, str]]:
    """(name, type) of every object in pjsip.conf and the files it includes, in file order."""
    objects: list[tuple[str, str]] = []
    for file in ["pjsip.conf", *_includes(rendered, "pjsip.conf")]:
        section = None
        for line in rendered.get(file, "").splitlines():
            line = re.sub(r"(?<!\\);.*", "", line).strip()
            if m := _SECTION.match(line):
                section = m.group(1)
            elif section and (m := re.fullmatch(r"type\s*=>?\s*(\S+)", line)):
                objects.append((section, m.group(1)))
    return objects


def _includes(rendered: dict[str, str], file: str) -> list[str]:
    return [m.group(1) for m in _INCLUDE.finditer(rendered.get(file, "")) if m.group(1) in rendered]


def prepare_dirs(owner: str | None) -> None:
    """Create the PBX's state, spool, run and log folders (as in asterisk.conf), owned by ``owner``."""
    dirs = instance_dirs("pbx")
    for path in (dirs["state_dir"], f"{dirs['state_dir']}/spool", dirs["run_dir"], dirs["log_dir"]):
        Path(path).mkdir(parents=True, exist_ok=True)
        if owner:
            shutil.chown(path, owner, owner)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="render_cli", description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path, help="folder to render into (the image: /etc/robocall/pbx)")
    parser.add_argument("--config", default=None, help="YAML config (default: $ROBOCALL_CONFIG or ./robocall.yaml)")
    parser.add_argument("--owner", default=None, help="user that owns the PBX's state folders (the image: asterisk)")
    args = parser.parse_args(argv)
    try:
        settings = config_mod.load(args.config)
        changed = render_production(settings, args.target)
        if args.owner is not None:
            prepare_dirs(args.owner)
    except (UserError, config_mod.ConfigError) as exc:
        print(f"robocall-render: error: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 2)
    mode = "registering" if settings.trunk.register else "ip"
    print(f"robocall-render: {len(changed)} file(s) changed in {args.target} (trunk: {mode})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
