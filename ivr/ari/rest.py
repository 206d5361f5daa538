"""The ARI REST resources the controller uses (channels, variables, subscriptions, globals, endpoints,
bridges), as typed methods. How a request travels (a websocket lane or HTTP, errors) is the transport's
(ivr.ari.transport); the requests that also track state (originate into a lane, playbacks) stay in the
client (ivr.ari.client.AriClient)."""
from __future__ import annotations

from typing import Any, Mapping

from ivr.ari.transport import Transport


class AriRest:
    """REST wrappers for the Stasis application ``app``, carried by ``transport``."""

    hotline_app: str | None = None

    def __init__(self, app: str, transport: Transport) -> None:
        self.app = app
        self._transport = transport

    async def _request(self, method: str, path: str, params: Mapping[str, Any] | None = None,
                       body: Any = None) -> Any:
        return await self._transport.request(method, path, params, body)

    async def info(self) -> dict[str, Any]:
        return await self._request("GET", "/asterisk/info")

    async def answer(self, channel_id: str) -> None:
        await self._request("POST", f"/channels/{channel_id}/answer")

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        await self._request("DELETE", f"/channels/{channel_id}", {"reason": reason})

    async def get_channel(self, channel_id: str) -> dict[str, Any]:
        return await self._request("GET", f"/channels/{channel_id}")

    async def channels(self) -> list[dict[str, Any]]:
        return await self._request("GET", "/channels")

    async def get_variable(self, channel_id: str, name: str) -> str:
        data = await self._request("GET", f"/channels/{channel_id}/variable", {"variable": name})
        return str((data or {}).get("value", ""))

    async def set_variable(self, channel_id: str, name: str, value: str) -> None:
        await self._request("POST", f"/channels/{channel_id}/variable", {"variable": name, "value": value})

    async def continue_in_dialplan(self, channel_id: str, context: str, extension: str, priority: int = 1) -> None:
        await self._request("POST", f"/channels/{channel_id}/continue",
                            {"context": context, "extension": extension, "priority": priority})

    async def originate_to_dialplan(self, endpoint: str, *, context: str, extension: str, channel_id: str,
                                    timeout: int = 30, variables: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Originate a channel that runs the dialplan (no Stasis application, so no websocket is needed)."""
        params = {"endpoint": endpoint, "context": context, "extension": extension, "priority": 1,
                  "channelId": channel_id, "timeout": timeout}
        body = {"variables": dict(variables)} if variables else None
        return await self._request("POST", "/channels", params, body)

    async def follow(self, channel_id: str) -> None:
        """Receive the channel's events even while it runs the dialplan (e.g. waits in a queue).

        Hotline channels are followed by the hotline application (the one they entered), so their events
        arrive once, and whoever holds the hotline next keeps hearing them."""
        await self._request("POST", f"/applications/{self._follower}/subscription",
                            {"eventSource": f"channel:{channel_id}"})

    async def unfollow(self, channel_id: str) -> None:
        await self._request("DELETE", f"/applications/{self._follower}/subscription",
                            {"eventSource": f"channel:{channel_id}"})

    @property
    def _follower(self) -> str:
        return self.hotline_app or self.app

    async def get_global(self, name: str) -> str:
        data = await self._request("GET", "/asterisk/variable", {"variable": name})
        return str((data or {}).get("value", ""))

    async def clear_global(self, name: str) -> None:
        await self._request("POST", "/asterisk/variable", {"variable": name})

    async def endpoint(self, tech: str, resource: str) -> dict[str, Any]:
        return await self._request("GET", f"/endpoints/{tech}/{resource}")

    async def create_bridge(self, bridge_id: str, kind: str = "mixing") -> dict[str, Any]:
        return await self._request("POST", f"/bridges/{bridge_id}", {"type": kind})

    async def add_to_bridge(self, bridge_id: str, channel_ids: list[str]) -> None:
        await self._request("POST", f"/bridges/{bridge_id}/addChannel", {"channel": ",".join(channel_ids)})

    async def remove_from_bridge(self, bridge_id: str, channel_ids: list[str]) -> None:
        await self._request("POST", f"/bridges/{bridge_id}/removeChannel", {"channel": ",".join(channel_ids)})

    async def destroy_bridge(self, bridge_id: str) -> None:
        await self._request("DELETE", f"/bridges/{bridge_id}")
