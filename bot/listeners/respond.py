"""Global middleware: every request with a `response_url` gets the app's shared-session `respond`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.context.async_context import AsyncBoltContext

from bot.deps import AppDeps

Middleware = Callable[..., Awaitable[None]]


def make_respond_middleware(deps: AppDeps) -> Middleware:
    async def use_shared_respond(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
        if context.response_url:
            # Listeners (and the error handler) receive this through Bolt's `respond` argument.
            context["respond"] = deps.responder.bind(context.response_url)
        await next()

    return use_shared_respond
