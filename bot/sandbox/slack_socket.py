"""The recording Slack's Socket Mode endpoint: `hello`, envelopes out, acks back (what slack_sdk's client expects)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from bot.sandbox.slack_directory import SANDBOX_APP_ID
from bot.sandbox.slack_workspace import DEFAULT_TIMEOUT

Json = dict[str, Any]


class SocketModeServer:
    """WebSocket connections from the app's Socket Mode handler; `send_envelope` returns the app's ack."""

    def __init__(self) -> None:
        self.socket_acks: list[Json] = []
        self._sockets: list[web.WebSocketResponse] = []
        self._connected = asyncio.Event()
        self._acks: dict[str, asyncio.Future[Json]] = {}

    async def close(self) -> None:
        """Close every connection and fail pending ack waits."""
        for ws in list(self._sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"stand-in stopped")
        for future in self._acks.values():
            future.cancel()

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)  # autoping answers the SDK's "sdk-ping-pong" pings
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(self._hello())
        self._connected.set()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._on_socket_text(msg.data)
        finally:
            self._sockets.remove(ws)
            if not self._sockets:
                self._connected.clear()
        return ws

    def _hello(self) -> Json:
        return {
            "type": "hello",
            "num_connections": len(self._sockets),
            "debug_info": {"host": "sandbox-applink", "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": SANDBOX_APP_ID},
        }

    def _on_socket_text(self, data: str) -> None:
        try:
            ack = json.loads(data)
        except ValueError:
            return  # Slack ignores non-JSON frames too
        if not isinstance(ack, dict):
            return
        self.socket_acks.append(ack)
        future = self._acks.get(str(ack.get("envelope_id")))
        if future is not None and not future.done():
            future.set_result(ack)

    async def wait_connected(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until a Socket Mode client has connected and received `hello`."""
        try:
            async with asyncio.timeout(timeout):
                await self._connected.wait()
        except TimeoutError:
            raise AssertionError(f"no Socket Mode client connected within {timeout}s") from None

    async def send_envelope(
        self,
        type_: str,
        payload: Json,
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Json:
        """Send an envelope to the newest Socket Mode connection and return the client's ack.

        `accepts_response_payload` defaults to Slack's: true for slash commands, view submissions and options.
        """
        if not self._sockets:
            raise AssertionError("no Socket Mode client is connected; await wait_connected() first")
        envelope = _envelope(type_, payload, accepts_response_payload, retry_attempt, retry_reason)
        future: asyncio.Future[Json] = asyncio.get_running_loop().create_future()
        self._acks[envelope["envelope_id"]] = future
        try:
            await self._sockets[-1].send_json(envelope)
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            raise AssertionError(
                f"no ack for {type_} envelope {envelope['envelope_id']} within {timeout}s; acks: {self.socket_acks}"
            ) from None
        finally:
            self._acks.pop(envelope["envelope_id"], None)


def _envelope(
    type_: str, payload: Json, accepts: bool | None, retry_attempt: int | None, retry_reason: str | None
) -> Json:
    if accepts is None:
        interactive = type_ == "interactive" and payload.get("type") in ("view_submission", "block_suggestion")
        accepts = type_ == "slash_commands" or interactive
    envelope: Json = {
        "envelope_id": str(uuid.uuid4()),
        "type": type_,
        "payload": payload,
        "accepts_response_payload": accepts,
    }
    if type_ == "events_api" or retry_attempt is not None:
        envelope["retry_attempt"] = retry_attempt or 0
        envelope["retry_reason"] = retry_reason or ""
    return envelope
