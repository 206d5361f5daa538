"""Where the controller may talk to ARI: loopback in clear, anywhere else over TLS with the certificate checked.

ARI can originate a call to any number through the trunk, under the Department's caller ID, and its Basic
auth travels with every request: in clear text beyond this machine anyone on the path can read the password
and use it. So ``ari.url`` must be loopback, or https/wss (httpx and websockets check the certificate against
the system's CAs or ``ari.ca_file``; nothing here turns that off). ``ari.allow_plain_http`` lets a deployment
that cannot do otherwise go on, with a warning at every start. The PBX side: asterisk-conf/production/http.conf.
Pure: no I/O but reading the CA file into an SSL context.
"""
from __future__ import annotations

import ipaddress
import ssl
from urllib.parse import urlsplit

from ivr.config import AriSettings
from ivr.errors import UserError
from ivr.i18n import _

SECURE_SCHEMES = frozenset({"https", "wss"})


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or "localhost" (a name that resolves elsewhere is not loopback)."""
    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_ari_problem(url: str) -> str | None:
    """Why ``url`` would send ARI's password and commands in clear text beyond this machine (None: it does not).
    ``url`` is shown without credentials."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return _("ari.url is not a URL")
    if parts.scheme in SECURE_SCHEMES or is_loopback(host):
        return None
    where = f"{parts.scheme}://{host}{':' + str(parts.port) if parts.port else ''}"
    return _("ari.url {where} is plain HTTP to another machine: the ARI password and every command would cross "
             "the network in clear text; use https:// (Asterisk's tlsenable, pbx.http_bind) or keep ARI on "
             "127.0.0.1").format(where=where)


def check_ari_transport(ari: AriSettings) -> str | None:
    """UserError for plain ARI beyond loopback; with ``ari.allow_plain_http`` the problem is returned instead,
    for the caller to log as a warning."""
    problem = plain_ari_problem(ari.url)
    if problem and not ari.allow_plain_http:
        raise UserError(problem + _(" (ari.allow_plain_http: true accepts the risk, with a warning at every start)"))
    return problem


def tls_context(ari: AriSettings) -> ssl.SSLContext:
    """The TLS context of ARI over https/wss: certificate and host name checked, against ``ari.ca_file`` when
    set (a private CA), else the system's CAs."""
    try:
        context = ssl.create_default_context(cafile=ari.ca_file or None)
    except (OSError, ssl.SSLError) as exc:
        raise UserError(_("ari.ca_file {path}: cannot read it as a CA certificate ({error})").format(
            path=ari.ca_file, error=exc)) from None
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


__all__ = ["check_ari_transport", "is_loopback", "plain_ari_problem", "tls_context"]
