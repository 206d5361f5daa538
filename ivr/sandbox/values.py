"""The values the PBX config templates are rendered with: one table for the sandbox and the Asterisk image.

The sandbox and the production image (docker/) render the same folders (``PBX_SOURCES``) with the same
table, ``pbx_values``; they differ only in where the PBX listens and whom it trunks to (``Network``).
The image also renders asterisk-conf/production/ (the registering trunk) with ``trunk_values``.
This module imports nothing but the standard library and ivr.config, so the Asterisk image can run it
with only python3 and PyYAML installed.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, fields

from ivr.config import DEFAULT_ARI_PASSWORD, PROJECT_ROOT, Settings, TrunkSettings
from ivr.errors import UserError
from ivr.protection.ari_safety import is_loopback

CONF_DIR = PROJECT_ROOT / "asterisk-conf"
DIALPLANS_DIR = PROJECT_ROOT / "dialplans"
# The folders the PBX's config is rendered from, in order (a later folder's file wins on a name clash).
PBX_SOURCES = (CONF_DIR / "common", CONF_DIR / "pbx", DIALPLANS_DIR)
PRODUCTION_DIR = CONF_DIR / "production"
# Rendered in production whatever the trunk (the registering trunk's pjsip_trunk.conf only with trunk.register).
PRODUCTION_STAFF = (PRODUCTION_DIR / "pjsip_staff.conf", PRODUCTION_DIR / "extensions_staff.conf",
                    PRODUCTION_DIR / "http.conf")  # http.conf: ARI on loopback, TLS anywhere else
TRANSPORTS = ("udp", "tcp", "tls")
MEDIA_ENCRYPTIONS = ("no", "sdes", "dtls")


@dataclass(frozen=True)
class Network:
    """Where one PBX listens and whom its trunk points at."""

    sip_bind: str
    sip_port: int
    http_bind: str
    http_port: int
    trunk_host: str
    trunk_port: int
    trunk_addresses: str  # identify match and ACL permit of the trunk endpoint (comma-separated)
    rtp_start: int
    rtp_end: int


def instance_dirs(name: str) -> dict[str, str]:
    """The folders named in an Asterisk instance's asterisk.conf (inside the sandbox root or the image)."""
    return {
        "etc_dir": f"/etc/robocall/{name}",
        "state_dir": f"/var/lib/robocall/{name}",
        "run_dir": f"/run/robocall/{name}",
        "log_dir": f"/var/log/robocall/{name}",
    }


def sandbox_network(settings: Settings) -> Network:
    """The sandbox PBX: loopback only, trunked to the simulated phone network in the same root."""
    sb = settings.sandbox
    return Network(sip_bind="127.0.0.1", sip_port=sb.sip_port, http_bind="127.0.0.1", http_port=sb.http_port,
                   trunk_host="127.0.0.1", trunk_port=sb.phones_sip_port,
                   trunk_addresses="127.0.0.1/32", rtp_start=20000, rtp_end=29999)


def production_network(settings: Settings) -> Network:
    """The Asterisk image: SIP on every interface of its container, trunked to the operator (trunk.host);
    plain ARI/HTTP on loopback only (TLS elsewhere: http_values)."""
    p, t = settings.pbx, settings.trunk
    return Network(sip_bind="0.0.0.0", sip_port=p.sip_port, http_bind="127.0.0.1", http_port=p.http_port,
                   trunk_host=t.host, trunk_port=t.port, trunk_addresses=trunk_addresses(t),
                   rtp_start=p.rtp_start, rtp_end=p.rtp_end)


def trunk_addresses(trunk: TrunkSettings) -> str:
    """The operator's addresses the trunk accepts calls from: trunk.allowed_addresses, else trunk.host when it
    is an IP address ("" when neither: check_production refuses that)."""
    wanted = [a.strip() for a in trunk.allowed_addresses.split(",") if a.strip()]
    if not wanted and trunk.host:
        wanted = [trunk.host]
    out = []
    for address in wanted:
        try:
            out.append(str(ipaddress.ip_network(address, strict=False)))
        except ValueError:
            return ""
    return ",".join(out)


def pbx_values(settings: Settings, dirs: dict[str, str], net: Network) -> dict[str, object]:
    """The table for asterisk-conf/common, asterisk-conf/pbx and dialplans/ (the PBX instance)."""
    s = settings
    return {
        **dirs, "sip_bind": net.sip_bind, "sip_port": net.sip_port,
        "http_bind": net.http_bind, "http_port": net.http_port,
        "ari_user": s.ari.username, "ari_password": s.ari.password, "ari_app": s.ari.app,
        "trunk_host": net.trunk_host, "trunk_port": net.trunk_port, "trunk_addresses": net.trunk_addresses,
        "caller_id_name": s.trunk.caller_id_name, "caller_id_number": s.trunk.caller_id_number,
        "hotline_number": s.hotline.number, "queue_name": s.hotline.queue,
        "queue_max_wait": s.hotline.callback_offer_after, "rtp_start": net.rtp_start, "rtp_end": net.rtp_end,
        "rtp_timeout": s.trunk.rtp_timeout, "rtp_timeout_hold": s.trunk.rtp_timeout_hold,
        "external_address": s.pbx.external_address if net.sip_bind != "127.0.0.1" else "",
        "local_net": s.pbx.local_net if net.sip_bind != "127.0.0.1" else "",
    }


def trunk_values(settings: Settings) -> dict[str, object]:
    """The extra table for asterisk-conf/production/pjsip_trunk.conf (the registering trunk)."""
    t, p = settings.trunk, settings.pbx
    return {
        "trunk_endpoint": t.endpoint, "trunk_username": t.username, "trunk_password": t.password,
        "trunk_from_domain": t.from_domain or t.host, "trunk_transport": t.transport,
        "trunk_sip_port": p.trunk_sip_port, "trunk_media_encryption": t.media_encryption,
        "external_address": p.external_address, "local_net": p.local_net,
        "tls_ca_file": t.tls_ca_file, "tls_cert_file": t.tls_cert_file, "tls_key_file": t.tls_key_file,
        "tls_verify_server": "yes" if t.tls_verify_server else "no",
    }


def staff_values(settings: Settings) -> dict[str, object]:
    """The staff softphones' objects (asterisk-conf/production/pjsip_staff.conf), secrets read from files."""
    from ivr.sandbox import staff

    phones = staff.parse_phones(settings.staff.phones)
    return dict(staff.production_values(phones, lambda name: staff.read_secret(settings.staff.secrets_dir, name)))


def production_values(settings: Settings) -> dict[str, object]:
    """The whole table of the Asterisk image, after checking the settings it needs (UserError if not)."""
    check_production(settings)
    values = {**pbx_values(settings, instance_dirs("pbx"), production_network(settings)), **trunk_values(settings),
              **http_values(settings)}
    escaped: dict[str, object] = {key: _escape(value) for key, value in values.items()}
    return {**escaped, **staff_values(settings)}  # checked line by line: no value holds ";"


def http_values(settings: Settings) -> dict[str, object]:
    """asterisk-conf/production/http.conf: plain HTTP on loopback; TLS at pbx.http_bind when it is not loopback."""
    p = settings.pbx
    tls = not is_loopback(p.http_bind)
    return {"http_tls_enable": "yes" if tls else "no",
            "http_tls_bind": f"{p.http_bind}:{p.http_tls_port}" if tls else f"127.0.0.1:{p.http_tls_port}",
            "http_tls_cert_file": p.http_tls_cert_file, "http_tls_key_file": p.http_tls_key_file}


def check_production(settings: Settings) -> None:
    """One clear message for the first production setting that is missing or wrong."""
    t, p = settings.trunk, settings.pbx
    for section in ("ari", "trunk", "hotline", "pbx"):
        for f in fields(getattr(settings, section)):
            value = getattr(getattr(settings, section), f.name)
            if isinstance(value, str) and ("\n" in value or "\r" in value):
                raise UserError(f"{section}.{f.name} contains a line break; a config value is one line")
    if '"' in t.caller_id_name:
        raise UserError("trunk.caller_id_name contains '\"'; the caller name is sent between quotes")
    if settings.ari.password == DEFAULT_ARI_PASSWORD:
        raise UserError("ari.password is the sandbox default: set ROBOCALL_ARI_PASSWORD (or _FILE)")
    if not is_loopback(p.http_bind) and not (p.http_tls_cert_file and p.http_tls_key_file):
        raise UserError(f"pbx.http_bind is {p.http_bind!r}, not loopback: ARI there needs TLS; set "
                        "pbx.http_tls_cert_file and pbx.http_tls_key_file, or keep pbx.http_bind at 127.0.0.1")
    if not t.host:
        raise UserError("trunk.host is not set: the operator's SIP proxy (ROBOCALL_TRUNK_HOST)")
    if t.transport not in TRANSPORTS:
        raise UserError(f"trunk.transport is {t.transport!r}: expected one of {', '.join(TRANSPORTS)}")
    if t.media_encryption not in MEDIA_ENCRYPTIONS:
        raise UserError(f"trunk.media_encryption is {t.media_encryption!r}: "
                        f"expected one of {', '.join(MEDIA_ENCRYPTIONS)}")
    if t.media_encryption == "sdes" and t.transport != "tls":
        raise UserError("trunk.media_encryption is 'sdes' but trunk.transport is not 'tls': "
                        "SDES would send the media keys in clear text")
    if t.transport == "tls" and t.tls_verify_server and not t.tls_ca_file:
        raise UserError("trunk.transport is 'tls' and trunk.tls_verify_server is true: set trunk.tls_ca_file "
                        "(for example /etc/ssl/certs/ca-certificates.crt)")
    if not t.register and (t.transport != "udp" or t.media_encryption != "no"):
        raise UserError("trunk.transport and trunk.media_encryption apply to the registering trunk only: "
                        "set trunk.register to true, or leave them at 'udp' and 'no'")
    if t.register and not (t.username and t.password):
        raise UserError("trunk.register is true: set trunk.username and trunk.password "
                        "(ROBOCALL_TRUNK_USERNAME, ROBOCALL_TRUNK_PASSWORD or _FILE)")
    if not 0 < p.rtp_start < p.rtp_end <= 65535:
        raise UserError(f"pbx.rtp_start..pbx.rtp_end is {p.rtp_start}..{p.rtp_end}: not a port range")
    if not trunk_addresses(t):
        raise UserError(f"trunk.allowed_addresses is {t.allowed_addresses!r} and trunk.host {t.host!r} is not an IP "
                        "address: set trunk.allowed_addresses to the operator's SIP addresses (IPs or CIDRs, "
                        "comma-separated; ROBOCALL_TRUNK_ALLOWED_ADDRESSES), the only sources of calls the "
                        "trunk accepts")


def _escape(value: object) -> object:
    """A value as Asterisk's config parser reads it back: ';' starts a comment unless escaped."""
    return value.replace(";", r"\;") if isinstance(value, str) else value
