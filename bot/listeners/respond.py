"""Global middleware: `respond` posts over the app's shared session, and is a safe no-op without a `response_url`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.context.async_context import AsyncBoltContext

from bot.deps import AppDeps

Middleware = Callable[..., Awaitable[None]]


def make_respond_middleware(deps: AppDeps) -> Middleware:
    async def use_shared_respond(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
        # Listeners (and the error handler) receive this through Bolt's `respond` argument; without a
        # response_url, Bolt's own would raise ValueError in the middle of a listener.
        context["respond"] = deps.responder.bind(context.response_url)
        await next()

    return use_shared_respond
