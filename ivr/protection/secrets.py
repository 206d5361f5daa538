"""Refuse to run with default or missing secrets against a real PBX.

The sandbox Asterisk (127.0.0.1, the sandbox's ARI port) is rendered with the default ARI password, and
that is fine: it never leaves the machine. Any other PBX is reachable by others, so the controller must
not talk to it while the password everyone can read in this repository is still configured. Secrets
come from the environment (``ROBOCALL_ARI_PASSWORD``) or a secret file (``ROBOCALL_ARI_PASSWORD_FILE``),
never from a file in the checkout.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from ivr.config import DEFAULT_ARI_PASSWORD, Settings
from ivr.errors import UserError
from ivr.i18n import _

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def is_sandbox(settings: Settings) -> bool:
    """Whether ARI is the local sandbox PBX: a loopback address at the HTTP port of one of the sandbox's PBX
    nodes *and* that node's own Asterisk running and bound there (ivr/sandbox/proof.py); a setting alone never
    makes a PBX the sandbox, since the sandbox lifts the call window's bounds and accepts the default password."""
    try:
        parts = urlsplit(settings.ari.url)
        port = parts.port or (443 if parts.scheme in ("https", "wss") else 80)
    except ValueError:
        return False
    from ivr.sandbox.nodes import nodes  # here: the sandbox imports this module

    host = (parts.hostname or "").lower()
    node = next((n for n in nodes(settings) if n.http_port == port), None)  # every PBX node of the sandbox
    if host not in LOCAL_HOSTS or node is None:
        return False
    return sandbox_running(settings, host, port, node.name)


def sandbox_running(settings: Settings, host: str, port: int, instance: str = "pbx") -> bool:
    """The proof from the running process (a separate function so that unit tests without a PBX can say
    what the proof would find). ``instance``: the node's Asterisk (pbx, pbx2, ...)."""
    from ivr.sandbox.proof import sandbox_pbx_listens_at

    return sandbox_pbx_listens_at(settings.sandbox_dir, settings.sandbox_root, host, port, instance)


def public_url(url: str) -> str:
    """``url`` as it may be shown in a message or a log: without user and password."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(ari.url)"
    if parts.username is None and parts.password is None:
        return url
    return url.replace(parts.netloc, parts.netloc.rpartition("@")[2], 1)


def ensure_safe_secrets(settings: Settings) -> None:
    """UserError if the controller would use a default or empty secret against a PBX that is not the sandbox."""
    if is_sandbox(settings):
        return
    hint = "set ROBOCALL_ARI_PASSWORD or ROBOCALL_ARI_PASSWORD_FILE (a secret file) to the PBX's ARI password"
    if not settings.ari.password:
        raise UserError(_("ari.password is empty for the PBX at {url}: {hint}").format(url=public_url(settings.ari.url), hint=hint))
    if settings.ari.password == DEFAULT_ARI_PASSWORD:
        raise UserError(_("ari.password is still the sandbox default, refusing to use it with the PBX at "
                          "{url}: {hint}").format(url=public_url(settings.ari.url), hint=hint))
    if settings.trunk.register and not settings.trunk.password:
        raise UserError(_("trunk.register is true but trunk.password is empty: set ROBOCALL_TRUNK_PASSWORD or "
                          "ROBOCALL_TRUNK_PASSWORD_FILE"))
