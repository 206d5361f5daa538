"""docker/ stays consistent with the sandbox (no docker engine runs here), and the production trunk renders.

The Asterisk image must install the sandbox's package list, copy and render the same config folders
with the same value table, and the controller image must run the project's console script.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from ivr import config
from ivr.config import DEFAULT_ARI_PASSWORD, PROJECT_ROOT
from ivr.errors import UserError
from ivr.sandbox import rootfs
from ivr.sandbox.process import AsteriskInstance
from ivr.sandbox.render import render_text
from ivr.sandbox.render_cli import check_rendered, pjsip_objects, render_production
from ivr.sandbox.staff import render_endpoints
from ivr.sandbox.values import (CONF_DIR, PBX_SOURCES, PRODUCTION_DIR, instance_dirs, pbx_values,
                                production_values, sandbox_network)

DOCKER = PROJECT_ROOT / "docker"
ASTERISK_FILE = (DOCKER / "Dockerfile.asterisk").read_text()
CONTROLLER_FILE = (DOCKER / "Dockerfile.controller").read_text()
COMPOSE = yaml.safe_load((DOCKER / "compose.yaml").read_text())
TEMPLATES = sorted(p for folder in (*PBX_SOURCES, PRODUCTION_DIR) for p in folder.glob("*.conf"))
BASE = {"ari": {"password": "test-ari"}, "trunk": {"host": "sbc.example.vn", "allowed_addresses": "203.0.113.10"}}
REGISTER = {**BASE, "trunk": {"host": "sbc.example.vn", "allowed_addresses": "203.0.113.10", "register": True, "username": "u1", "password": "pw"}}


def settings(over: dict, extra: dict | None = None) -> config.Settings:
    merged = {k: {**over.get(k, {}), **(extra or {}).get(k, {})} for k in {*over, *(extra or {})}}
    return config.replace(config.Settings(), **merged)


def instructions(dockerfile: str, name: str) -> list[str]:
    """The arguments of every ``name`` instruction, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", dockerfile)
    return [line.split(None, 1)[1] for line in text.splitlines() if line.split(None, 1)[:1] == [name]]


def sections(text: str) -> list[tuple[str, dict[str, str]]]:
    """An Asterisk config file as (section, {key: value}) in order; ';' comments dropped, '\\;' kept."""
    out: list[tuple[str, dict[str, str]]] = []
    for raw in text.splitlines():
        line = re.sub(r"(?<!\\);.*", "", raw).strip()
        if m := re.fullmatch(r"\[([^\]]+)\]", line):
            out.append((m.group(1), {}))
        elif "=" in line and out:
            key, _, value = line.partition("=")
            out[-1][1][key.strip()] = value.lstrip(">").strip()
    return out


def split_tree(tmp: Path) -> Path:
    """A copy of the config tree where pbx/pjsip.conf includes pjsip_trunk.conf holding the IP trunk.

    This is the layout the registering trunk needs (asterisk-conf/production/README.md); if the real
    tree already has it, the copy is unchanged.
    """
    shutil.copytree(CONF_DIR, tmp / "asterisk-conf")
    shutil.copytree(PROJECT_ROOT / "dialplans", tmp / "dialplans")
    pjsip = tmp / "asterisk-conf/pbx/pjsip.conf"
    text = pjsip.read_text()
    if "#include pjsip_trunk.conf" not in text:
        start, end = text.index("[trunk]\n"), text.index("#tryinclude pjsip_staff.conf")
        (tmp / "asterisk-conf/pbx/pjsip_trunk.conf").write_text(text[start:end])
        pjsip.write_text(text[:start] + "#include pjsip_trunk.conf\n\n" + text[end:])
    return tmp


# -- the Asterisk image ------------------------------------------------------------------------------
def test_asterisk_image_installs_exactly_the_sandbox_package_list() -> None:
    assert "asterisk-conf/packages.txt /tmp/packages.txt" in instructions(ASTERISK_FILE, "COPY")
    install = next(r for r in instructions(ASTERISK_FILE, "RUN") if "apt-get install" in r)
    expr = re.search(r"\$\((.*?)\)", install).group(1)
    listed = subprocess.run(["sh", "-c", expr.replace("/tmp/packages.txt", str(CONF_DIR / "packages.txt"))],
                            capture_output=True, text=True, check=True).stdout.split()
    assert listed == rootfs.read_packages(CONF_DIR / "packages.txt")
    retyped = set(shlex.split(install.replace(f"$({expr})", ""))) & set(listed)
    assert not retyped, f"Dockerfile.asterisk retypes {retyped}; it must read asterisk-conf/packages.txt"


@pytest.mark.parametrize("folder", [*PBX_SOURCES, PRODUCTION_DIR], ids=lambda p: p.name)
def test_asterisk_image_copies_each_rendered_folder_at_its_project_path(folder: Path) -> None:
    rel = folder.relative_to(PROJECT_ROOT)
    copies = [c.split() for c in instructions(ASTERISK_FILE, "COPY")]
    assert any(rel.is_relative_to(src.rstrip("/")) and dst.rstrip("/") == src.rstrip("/") for src, dst in copies)
    assert instructions(ASTERISK_FILE, "WORKDIR") == ["/opt/robocall"]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_every_placeholder_has_a_value_in_the_docker_rendering_path(template: Path) -> None:
    out = render_text(template.read_text(), production_values(settings(REGISTER)), str(template))
    assert "{{" not in out


def test_entrypoint_renders_into_the_folder_asterisk_is_started_with() -> None:
    script = (DOCKER / "asterisk-entrypoint.sh").read_text()
    etc = instance_dirs("pbx")["etc_dir"]
    assert f"python3 -m ivr.sandbox.render_cli --owner asterisk {etc}\n" in script
    assert f"exec asterisk -f -U asterisk -G asterisk -C {etc}/asterisk.conf" in script
    assert "docker/asterisk-entrypoint.sh /usr/local/bin/robocall-asterisk" in instructions(ASTERISK_FILE, "COPY")
    assert instructions(ASTERISK_FILE, "ENTRYPOINT") == ['["/usr/local/bin/robocall-asterisk"]']


def test_the_image_renderer_needs_only_the_standard_library_and_pyyaml(tmp_path: Path) -> None:
    """Run render_cli as the image does, with every third-party import but PyYAML refused."""
    guard = ("import sys, runpy\n"
             "class Block:\n"
             "    def find_spec(self, name, path=None, target=None):\n"
             "        top = name.partition('.')[0]\n"
             "        if top not in sys.stdlib_module_names and top not in ('ivr', 'yaml', '_yaml'):\n"
             "            raise ImportError(f'{name} is not installed in the Asterisk image')\n"
             "sys.meta_path.insert(0, Block())\n"
             "sys.argv = ['render_cli', sys.argv[1]]\n"
             "runpy.run_module('ivr.sandbox.render_cli', run_name='__main__')\n")
    env = {"PATH": os.environ["PATH"], "ROBOCALL_ARI_PASSWORD": "test-ari", "ROBOCALL_TRUNK_HOST": "10.0.0.1"}
    proc = subprocess.run([sys.executable, "-c", guard, str(tmp_path / "pbx")], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    rendered = {p.name for p in (tmp_path / "pbx").glob("*.conf")}
    # The registering staff softphones are rendered whatever the trunk (asterisk-conf/production/).
    assert rendered == {p.name for folder in PBX_SOURCES for p in folder.glob("*.conf")} | {"pjsip_staff.conf",
                                                                                          "extensions_staff.conf"}


@pytest.mark.parametrize("dockerfile", ["Dockerfile.asterisk", "Dockerfile.controller"])
def test_dockerignore_lets_every_copied_path_through(dockerfile: str) -> None:
    allowed = [line[1:].rstrip("/") for line in (DOCKER / f"{dockerfile}.dockerignore").read_text().splitlines()
               if line.startswith("!")]
    for copy in instructions((DOCKER / dockerfile).read_text(), "COPY"):
        src = copy.split()[0].rstrip("/")
        assert any(src == a or src.startswith(a + "/") for a in allowed), f"{src} is ignored"


# -- the controller image and compose ----------------------------------------------------------------
def test_controller_image_runs_the_console_script_serve() -> None:
    scripts = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert instructions(CONTROLLER_FILE, "FROM") == ["python:3.11-slim"]
    assert any("pip install --no-cache-dir ." in r for r in instructions(CONTROLLER_FILE, "RUN"))
    assert instructions(CONTROLLER_FILE, "ENTRYPOINT") == [f'["{next(iter(scripts))}"]']
    assert instructions(CONTROLLER_FILE, "CMD") == ['["serve"]']


def test_both_images_share_the_uid_that_owns_the_sounds_volume() -> None:
    uids = {instructions(f, "ARG")[0] for f in (ASTERISK_FILE, CONTROLLER_FILE)}
    assert len(uids) == 1 and next(iter(uids)).startswith("CONTROLLER_UID=")


def test_compose_has_the_three_services_wired_together() -> None:
    services = COMPOSE["services"]
    assert set(services) == {"postgres", "asterisk", "controller"}
    assert services["postgres"]["image"] == "postgres:16"
    assert any(v.endswith(":/var/lib/postgresql/data") for v in services["postgres"]["volumes"])
    env = services["controller"]["environment"]
    assert env["ROBOCALL_ARI_URL"] == "http://127.0.0.1:8088"  # ARI on loopback: the PBX's namespace
    assert COMPOSE["services"]["controller"]["network_mode"] == "service:asterisk"
    assert re.fullmatch(r"postgresql\+psycopg://robocall:\$\{ROBOCALL_DB_PASSWORD:\?[^}]+\}@postgres:5432/robocall",
                        env["ROBOCALL_DATABASE_URL"])
    for name in ("asterisk", "controller"):
        assert (DOCKER / services[name]["build"]["dockerfile"].removeprefix("docker/")).is_file()
        assert services[name]["build"]["context"] == ".."
        assert f"./robocall.yaml:{services[name]['environment']['ROBOCALL_CONFIG']}:ro" in services[name]["volumes"]
    sounds = config.Settings().audio_pbx_dir
    assert f"sounds:{sounds}:ro" in services["asterisk"]["volumes"]
    assert f"sounds:{sounds}" in services["controller"]["volumes"]
    assert f"ROBOCALL_AUDIO_PBX_DIR={sounds}" in CONTROLLER_FILE


def test_compose_publishes_the_ports_the_pbx_listens_on() -> None:
    pbx = config.Settings().pbx
    assert set(COMPOSE["services"]["asterisk"]["ports"]) == {
        f"{pbx.sip_port}:{pbx.sip_port}/udp", f"{pbx.trunk_sip_port}:{pbx.trunk_sip_port}/udp",
        f"{pbx.trunk_sip_port}:{pbx.trunk_sip_port}/tcp",
        f"{pbx.rtp_start}-{pbx.rtp_end}:{pbx.rtp_start}-{pbx.rtp_end}/udp"}
    assert f"{pbx.rtp_start}-{pbx.rtp_end}/udp" in instructions(ASTERISK_FILE, "EXPOSE")[0].split()


def test_compose_lets_serve_finish_its_calls_before_docker_kills_it() -> None:
    grace = re.fullmatch(r"(\d+)m", COMPOSE["services"]["controller"]["stop_grace_period"])
    assert int(grace.group(1)) * 60 > config.Settings().service.shutdown_grace


def test_compose_has_no_default_password() -> None:
    text = (DOCKER / "compose.yaml").read_text()
    for name, op, default in re.findall(r"\$\{(\w*PASSWORD\w*)(:?[-?])([^}]*)\}", text):
        assert op == ":?" or default == "", f"{name} has a default in compose.yaml"
    for service in COMPOSE["services"].values():
        for key, value in service.get("environment", {}).items():
            if "PASSWORD" in key:
                assert str(value).startswith("${"), f"{key} is written in compose.yaml"
    assert "${ROBOCALL_ARI_PASSWORD:?" in text and "${ROBOCALL_DB_PASSWORD:?" in text


def test_every_robocall_variable_set_by_docker_is_a_setting(tmp_path: Path) -> None:
    names = set(re.findall(r"\b(ROBOCALL_[A-Z_]+)=", CONTROLLER_FILE))
    names |= {k for s in COMPOSE["services"].values() for k in s.get("environment", {}) if k.startswith("ROBOCALL_")}
    empty = tmp_path / "empty.yaml"
    empty.write_text("{}")
    defaults = config.load(empty, env={})
    for name in sorted(names - {"ROBOCALL_CONFIG"}):
        assert config.load(empty, env={name: "/x/changed"}) != defaults, f"{name} is not a setting"


# -- the sandbox path did not change -----------------------------------------------------------------
def test_sandbox_table_is_the_one_it_always_was(tmp_path: Path) -> None:
    s = config.Settings()
    assert pbx_values(s, instance_dirs("pbx"), sandbox_network(s)) == {
        "etc_dir": "/etc/robocall/pbx", "state_dir": "/var/lib/robocall/pbx", "run_dir": "/run/robocall/pbx",
        "log_dir": "/var/log/robocall/pbx", "sip_bind": "127.0.0.1", "sip_port": 5160, "http_bind": "127.0.0.1",
        "http_port": 8088, "ari_user": "robocall", "ari_password": DEFAULT_ARI_PASSWORD, "ari_app": "robocall",
        "trunk_host": "127.0.0.1", "trunk_port": 5162, "trunk_addresses": "127.0.0.1/32",
        "caller_id_name": "So Y te Thanh Hoa",
        "caller_id_number": "02373999115", "hotline_number": "1080", "queue_name": "staff",
        "queue_max_wait": 60, "rtp_start": 20000, "rtp_end": 29999, "rtp_timeout": 30, "rtp_timeout_hold": 300,
        "external_address": "", "local_net": ""}
    for name in ("pbx", "phones"):
        assert AsteriskInstance(name, tmp_path, tmp_path).dirs() == instance_dirs(name)


# -- the production trunk ----------------------------------------------------------------------------
def trunk_sections(over: dict, extra: dict | None = None) -> dict[tuple[str, str], dict[str, str]]:
    text = render_text((PRODUCTION_DIR / "pjsip_trunk.conf").read_text(), production_values(settings(over, extra)),
                       "pjsip_trunk.conf")
    return {(name, body["type"]): body for name, body in sections(text)}


@pytest.mark.parametrize("extra, section, expected", [
    ({}, ("trunk", "endpoint"), {
        "send_pai": "yes", "trust_id_outbound": "yes", "callerid": '"So Y te Thanh Hoa" <02373999115>',
        "from_user": "02373999115", "from_domain": "sbc.example.vn", "allow": "ulaw,alaw", "disallow": "all",
        "dtmf_mode": "rfc4733", "outbound_auth": "trunk-auth", "aors": "trunk", "transport": "trunk-transport",
        "context": "from-trunk", "media_encryption": "no"}),
    ({}, ("trunk-registration", "registration"), {
        "outbound_auth": "trunk-auth", "server_uri": r"sip:sbc.example.vn:5060\;transport=udp",
        "client_uri": "sip:u1@sbc.example.vn", "contact_user": "1080", "line": "yes", "endpoint": "trunk",
        "transport": "trunk-transport"}),
    ({}, ("trunk-auth", "auth"), {"auth_type": "userpass", "username": "u1", "password": "pw"}),
    ({}, ("trunk", "aor"), {"contact": r"sip:sbc.example.vn:5060\;transport=udp"}),
    ({}, ("trunk-identify", "identify"), {"endpoint": "trunk", "match": "203.0.113.10/32"}),
    ({}, ("trunk", "endpoint"), {"identify_by": "ip", "deny": "0.0.0.0/0.0.0.0", "permit": "203.0.113.10/32",
                                 "trust_id_inbound": "yes"}),
    ({"trunk": {"allowed_addresses": "198.51.100.0/24, 203.0.113.7"}}, ("trunk", "endpoint"),
     {"permit": "198.51.100.0/24,203.0.113.7/32"}),
    ({}, ("trunk-transport", "transport"), {"protocol": "udp", "bind": "0.0.0.0:5061", "verify_server": "yes"}),
    ({"trunk": {"password": "a;b"}}, ("trunk-auth", "auth"), {"password": r"a\;b"}),
    ({"trunk": {"endpoint": "viettel", "from_domain": "ims.vn", "port": 5061}}, ("viettel-registration", "registration"),
     {"server_uri": r"sip:sbc.example.vn:5061\;transport=udp", "client_uri": "sip:u1@ims.vn", "endpoint": "viettel"}),
    ({"trunk": {"caller_id_number": "0900000001", "caller_id_name": "Hotline"}}, ("trunk", "endpoint"),
     {"from_user": "0900000001", "callerid": '"Hotline" <0900000001>'}),
    ({"trunk": {"transport": "tls", "port": 5061, "tls_ca_file": "/ca.pem", "media_encryption": "sdes"}},
     ("trunk-transport", "transport"), {"protocol": "tls", "ca_list_file": "/ca.pem", "verify_server": "yes"}),
    ({"trunk": {"transport": "tls", "tls_ca_file": "/ca.pem", "media_encryption": "sdes"}}, ("trunk", "endpoint"),
     {"media_encryption": "sdes", "media_encryption_optimistic": "no"}),
    ({"trunk": {"media_encryption": "dtls"}}, ("trunk", "endpoint"),
     {"media_encryption": "dtls", "dtls_auto_generate_cert": "yes", "dtls_verify": "fingerprint"}),
    ({"pbx": {"external_address": "203.0.113.5", "local_net": "172.16.0.0/12", "trunk_sip_port": 5070}},
     ("trunk-transport", "transport"), {"external_signaling_address": "203.0.113.5",
                                         "external_media_address": "203.0.113.5", "local_net": "172.16.0.0/12",
                                         "bind": "0.0.0.0:5070"}),
])
def test_production_trunk_renders(extra: dict, section: tuple[str, str], expected: dict[str, str]) -> None:
    body = trunk_sections(REGISTER, extra)[section]
    assert {k: body.get(k) for k in expected} == expected


@pytest.mark.parametrize("over, message", [
    ({"trunk": {"host": "h"}}, "ari.password is the sandbox default"),
    ({"ari": {"password": "x"}}, "trunk.host is not set"),
    ({**BASE, "trunk": {"host": "h", "transport": "sctp", "register": True}}, "trunk.transport is 'sctp'"),
    ({**BASE, "trunk": {"host": "h", "media_encryption": "zrtp", "register": True}}, "trunk.media_encryption is 'zrtp'"),
    ({**REGISTER, "trunk": {**REGISTER["trunk"], "media_encryption": "sdes"}}, "SDES would send the media keys"),
    ({**REGISTER, "trunk": {**REGISTER["trunk"], "transport": "tls"}}, "set trunk.tls_ca_file"),
    ({**BASE, "trunk": {"host": "h", "transport": "tls", "tls_ca_file": "/ca"}}, "apply to the registering trunk only"),
    ({**BASE, "trunk": {"host": "h", "register": True, "username": "u"}}, "set trunk.username and trunk.password"),
    ({**REGISTER, "trunk": {**REGISTER["trunk"], "password": "a\nb"}}, "trunk.password contains a line break"),
    ({**BASE, "trunk": {"host": "h", "caller_id_name": 'A "B"'}}, "trunk.caller_id_name contains"),
    ({**BASE, "pbx": {"rtp_start": 30000, "rtp_end": 20000}}, "pbx.rtp_start..pbx.rtp_end is 30000..20000"),
    ({"ari": {"password": "x"}, "trunk": {"host": "sbc.example.vn"}}, "set trunk.allowed_addresses"),
    ({"ari": {"password": "x"}, "trunk": {"host": "h", "allowed_addresses": "10.0.0.1,evil"}},
     "set trunk.allowed_addresses"),
])
def test_bad_production_settings_get_one_message(over: dict, message: str) -> None:
    with pytest.raises(UserError, match=re.escape(message)):
        production_values(settings(over))


@pytest.mark.parametrize("mode", ["ip", "register"])
def test_production_render_with_the_trunk_file_split_out(tmp_path: Path, mode: str) -> None:
    """With pbx/pjsip.conf including pjsip_trunk.conf, each mode loads exactly one trunk, no duplicate."""
    root = split_tree(tmp_path / "tree")
    s = settings(REGISTER if mode == "register" else BASE)
    render_production(s, tmp_path / "pbx", root)
    rendered = {p.name: p.read_text() for p in (tmp_path / "pbx").glob("*.conf")}
    objects = pjsip_objects(rendered)
    assert len(objects) == len(set(objects))
    assert (("trunk-registration", "registration") in objects) == (mode == "register")
    assert ("trunk", "endpoint") in objects and ("transport-udp", "transport") in objects


def test_production_render_in_register_mode_on_the_real_tree(tmp_path: Path) -> None:
    render_production(settings(REGISTER), tmp_path / "pbx")


@pytest.mark.parametrize("rendered, extra, message", [
    ({"pjsip.conf": "[a]\ntype = aor\n#include pjsip_trunk.conf\n", "pjsip_trunk.conf": "[a] ; again\ntype=aor\n"},
     {}, "defines the aor 'a' twice"),
    ({"pjsip.conf": "#include pjsip_trunk.conf\n", "pjsip_trunk.conf": "", "modules_noload.conf": "noload = res_srtp.so\n"},
     {"trunk": {"media_encryption": "dtls"}}, "does not load res_srtp.so"),
    ({"pjsip.conf": "#include pjsip_trunk.conf\n", "pjsip_trunk.conf": ""},
     {"trunk": {"transport": "tls", "tls_ca_file": "/nonexistent/ca.pem"}}, "trunk.tls_ca_file: /nonexistent/ca.pem"),
    ({"pjsip.conf": "[trunk]\ntype = endpoint\n", "pjsip_trunk.conf": ""}, {}, "does not #include pjsip_trunk.conf"),
])
def test_rendered_config_checks(rendered: dict[str, str], extra: dict, message: str) -> None:
    with pytest.raises(UserError, match=re.escape(message)):
        check_rendered(settings(REGISTER, extra), rendered)


def test_rendered_config_checks_pass_a_sound_config() -> None:
    rendered = {"pjsip.conf": "[a]\ntype = aor\n[a]\ntype = endpoint\n#include pjsip_trunk.conf\n",
                "pjsip_trunk.conf": "[b]\ntype = auth\n", "modules_noload.conf": "noload = chan_iax2.so\n"}
    check_rendered(settings(REGISTER, {"trunk": {"media_encryption": "dtls"}}), rendered)
    assert pjsip_objects(rendered) == [("a", "aor"), ("a", "endpoint"), ("b", "auth")]


def test_only_the_trunk_trusts_the_network_identity_and_it_is_recognised_by_address_only() -> None:
    """The sandbox PBX as rendered: the trunk endpoint is identified by IP only (never by the From user the
    global identifier order tries first for staff phones), with an ACL; no other endpoint trusts PAI."""
    s = config.Settings()
    values = pbx_values(s, instance_dirs("pbx"), sandbox_network(s))
    text = render_text((CONF_DIR / "pbx" / "pjsip_trunk.conf").read_text(), values, "pjsip_trunk.conf")
    trunk = next(body for name, body in sections(text) if body.get("type") == "endpoint")
    assert (trunk["identify_by"], trunk["deny"], trunk["permit"]) == ("ip", "0.0.0.0/0.0.0.0", "127.0.0.1/32")
    assert trunk["trust_id_inbound"] == "yes"
    others = render_endpoints(3, "127.0.0.1", 5162) + (CONF_DIR / "pbx" / "pjsip.conf").read_text()
    assert "trust_id_inbound" not in others


# -- operations: health checks, lists in and reports out, logs -------------------------------------------
def test_compose_health_checks_use_readyz_on_the_unpublished_health_port() -> None:
    services = COMPOSE["services"]
    probe = " ".join(services["controller"]["healthcheck"]["test"])
    port = config.ServiceSettings().health_port
    assert f"http://127.0.0.1:{port}/readyz" in probe
    assert config.ServiceSettings().health_bind == "127.0.0.1"
    assert "ports" not in services["controller"]  # /metrics and /readyz stay inside the container
    assert services["controller"]["depends_on"]["asterisk"]["condition"] == "service_healthy"
    assert "healthcheck" in services["asterisk"] and "healthcheck" in services["postgres"]
    assert not any("8088" in p for p in services["asterisk"]["ports"])  # ARI stays internal


def test_compose_binds_an_inbox_of_lists_and_an_outbox_of_reports_and_the_readme_says_how() -> None:
    volumes = COMPOSE["services"]["controller"]["volumes"]
    assert "./inbox:/var/lib/robocall/inbox:ro" in volumes and "./outbox:/var/lib/robocall/outbox" in volumes
    readme = (DOCKER / "README.md").read_text()
    assert "contacts import /var/lib/robocall/inbox/" in readme
    assert "--out /var/lib/robocall/outbox" in readme
    uid = re.search(r"ARG CONTROLLER_UID=(\d+)", (DOCKER / "Dockerfile.controller").read_text()).group(1)
    assert f"install -d -o {uid} -g {uid} outbox" in readme  # the outbox is writable by the controller's user


def test_compose_logs_go_to_the_journal_with_the_documented_retention() -> None:
    for name, service in COMPOSE["services"].items():
        assert service["logging"]["driver"] == "journald", name
    readme = (DOCKER / "README.md").read_text()
    days = int(re.search(r"MaxRetentionSec=(\d+)day", readme).group(1))
    assert days <= config.Settings().retention_days
