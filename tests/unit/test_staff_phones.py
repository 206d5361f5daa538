"""Production staff softphones rendered from config (asterisk-conf/production/pjsip_staff.conf) and the
sandbox's carrier mode (ivr/sandbox/carrier.py): parsing, secrets from files, and the rendered objects."""
from __future__ import annotations

from pathlib import Path

import pytest

from ivr import config
from ivr.errors import UserError
from ivr.sandbox import carrier, staff
from ivr.sandbox.render import render_text
from ivr.sandbox.render_cli import pjsip_objects, render_production
from ivr.sandbox.values import PRODUCTION_DIR, production_values


@pytest.mark.parametrize("spec, phones", [
    ("", []),
    ("staff1:201", [staff.StaffPhone("staff1", "201")]),
    (" staff1:201 , lan-anh:2002 ", [staff.StaffPhone("staff1", "201"), staff.StaffPhone("lan-anh", "2002")]),
])
def test_phones_are_parsed(spec, phones):
    assert staff.parse_phones(spec) == phones


@pytest.mark.parametrize("spec", ["staff1", "staff1:", "Staff1:201", "staff1:2a1", "staff1:1", "staff1:201,staff1:202",
                                  "staff1:201,staff2:201", "a b:201", "staff1:201;x"])
def test_a_wrong_phone_list_is_a_clear_error(spec):
    with pytest.raises(UserError, match="staff.phones"):
        staff.parse_phones(spec)


def test_secrets_come_from_one_file_per_phone(tmp_path: Path):
    (tmp_path / "staff1").write_text("a-long-secret-123\n")
    (tmp_path / "short").write_text("abc")
    (tmp_path / "quote").write_text('long-secret-"quoted"')
    assert staff.read_secret(str(tmp_path), "staff1") == "a-long-secret-123"
    for name, match in (("missing", "cannot read"), ("short", "at least 12"), ("quote", "without ;")):
        with pytest.raises(UserError, match=match):
            staff.read_secret(str(tmp_path), name)
    with pytest.raises(UserError, match="staff.secrets_dir"):
        staff.read_secret("", "staff1")


def _settings(tmp_path: Path) -> config.Settings:
    (tmp_path / "staff1").write_text("staff1-password-x")
    (tmp_path / "staff2").write_text("staff2-password-y")
    env = {"ROBOCALL_ARI_PASSWORD": "a-real-ari-secret", "ROBOCALL_TRUNK_HOST": "198.51.100.10",
           "ROBOCALL_STAFF_PHONES": "staff1:201,staff2:202", "ROBOCALL_STAFF_SECRETS_DIR": str(tmp_path),
           "ROBOCALL_PBX_EXTERNAL_ADDRESS": "203.0.113.7", "ROBOCALL_PBX_LOCAL_NET": "172.16.0.0/12"}
    return config.load(env=env)


def test_production_renders_registering_staff_phones_with_nat(tmp_path: Path):
    (tmp_path / "secrets").mkdir()
    settings = _settings(tmp_path / "secrets")
    target = tmp_path / "pbx"
    render_production(settings, target)
    rendered = {p.name: p.read_text() for p in target.glob("*.conf")}
    objects = pjsip_objects(rendered)
    for name in ("staff1", "staff2"):
        assert {(name, "endpoint"), (name, "auth"), (name, "aor")} <= set(objects)
    staff_conf = rendered["pjsip_staff.conf"]
    assert "password = staff1-password-x" in staff_conf and 'callerid = "staff2" <202>' in staff_conf
    assert "max_contacts = 1" in staff_conf and "\ncontact = " not in staff_conf  # registered, never static
    assert "exten => 201,1,Dial(PJSIP/staff1,30)" in rendered["extensions_staff.conf"]
    transport = rendered["pjsip.conf"]
    for line in ("external_signaling_address = 203.0.113.7", "external_media_address = 203.0.113.7",
                 "local_net = 172.16.0.0/12"):
        assert line in transport


def test_production_without_staff_phones_renders_none(tmp_path: Path):
    settings = config.load(env={"ROBOCALL_ARI_PASSWORD": "a-real-ari-secret", "ROBOCALL_TRUNK_HOST": "198.51.100.10"})
    values = production_values(settings)
    text = render_text((PRODUCTION_DIR / "pjsip_staff.conf").read_text(), values, "pjsip_staff.conf")
    assert "no staff phone configured" in text and "type = auth\nusername" not in text


def test_a_missing_staff_secret_stops_the_render(tmp_path: Path):
    (tmp_path / "s").mkdir()
    settings = _settings(tmp_path / "s")
    (tmp_path / "s" / "staff2").unlink()
    with pytest.raises(UserError, match="staff phone staff2"):
        render_production(settings, tmp_path / "pbx")
    assert not (tmp_path / "pbx").exists()  # nothing half-written


def test_carrier_mode_settings_and_far_end(tmp_path: Path):
    (tmp_path / "staff1").write_text("staff1-password-x")
    s = config.load(env={"ROBOCALL_SANDBOX_CARRIER": "true", "ROBOCALL_STAFF_PHONES": "staff1:201",
                         "ROBOCALL_STAFF_SECRETS_DIR": str(tmp_path), "ROBOCALL_SANDBOX_STAFF_IMPOSTORS": "staff1"})
    c = carrier.carrier_settings(s)
    assert (c.trunk.register, c.trunk.host, c.trunk.port) == (True, "127.0.0.1", s.sandbox.phones_sip_port)
    assert c.pbx.trunk_sip_port == s.sandbox.pbx_trunk_sip_port
    far = carrier.render_far_end(s)
    assert "identify_by = auth_username" in far and "auth = carrier-auth" in far
    assert "password = not-staff1-password-x" in far  # the impostor's wrong password
    assert carrier.phones_values(s) == {"pbx_match": f"127.0.0.1:{s.sandbox.sip_port}", "pbx_endpoint": "robocall"}
    plain = config.Settings()
    assert "carrier is off" in carrier.render_far_end(plain)
    assert carrier.phones_values(plain) == {"pbx_match": "127.0.0.1", "pbx_endpoint": "pbx"}


def test_carrier_over_tls_needs_certificates(tmp_path: Path):
    s = config.load(env={"ROBOCALL_SANDBOX_CARRIER": "true", "ROBOCALL_TRUNK_TRANSPORT": "tls"})
    with pytest.raises(UserError, match="trunk.tls_ca_file"):
        carrier.install_tls(s, tmp_path)
    assert carrier.carrier_settings(s).trunk.port == s.sandbox.carrier_tls_port
