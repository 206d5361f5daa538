"""More PBX nodes in the sandbox (``sandbox.nodes`` > 1): what several provinces' Asterisks look like.

Node 1 is the sandbox's usual ``pbx``. Node N (2, 3, ...) is another Asterisk process in the same root
(``pbxN``: its own config folder, astdb, logs), with its own SIP port, ARI/HTTP port and RTP range, and
its own trunk to the simulated operator network (the ``phones`` instance, which identifies every node
by its address). Ports: node N listens on ``sandbox.sip_port + (N-1) * sandbox.node_port_step`` (SIP) and
``sandbox.http_port + (N-1) * sandbox.node_port_step`` (ARI), RTP on 40000 + (N-2) * 5000 and up.
With several nodes the simulated phones send hotline calls to Kamailio (ivr/sandbox/proxy.py, on
``sandbox.proxy_sip_port``), which dispatches them over the nodes.
"""
from __future__ import annotations

from dataclasses import dataclass

from ivr.config import Settings
from ivr.sandbox.values import Network


@dataclass(frozen=True)
class Node:
    number: int  # 1 is the sandbox's pbx
    name: str  # the Asterisk instance's name
    sip_port: int
    http_port: int
    rtp_start: int
    rtp_end: int

    def ari_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def network(self, phones_sip_port: int) -> Network:
        return Network(sip_bind="127.0.0.1", sip_port=self.sip_port, http_bind="127.0.0.1",
                       http_port=self.http_port, trunk_host="127.0.0.1", trunk_port=phones_sip_port,
                       trunk_addresses="127.0.0.1/32", rtp_start=self.rtp_start, rtp_end=self.rtp_end)


def nodes(settings: Settings) -> list[Node]:
    """Every PBX node of the sandbox, node 1 first."""
    sb = settings.sandbox
    out = [Node(1, "pbx", sb.sip_port, sb.http_port, 20000, 29999)]
    for n in range(2, max(sb.nodes, 1) + 1):
        step = (n - 1) * sb.node_port_step
        rtp = 40000 + (n - 2) * 5000
        out.append(Node(n, f"pbx{n}", sb.sip_port + step, sb.http_port + step, rtp, rtp + 4999))
    return out


def proxied(settings: Settings) -> bool:
    """Hotline calls go through Kamailio when there is more than one node."""
    return settings.sandbox.nodes > 1
