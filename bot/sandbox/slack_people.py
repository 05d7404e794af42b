"""`users.lookupByEmail` for the recording Slack (reference/slack.md §11.3): a miss is `users_not_found`."""

from __future__ import annotations

from collections.abc import Callable

from bot.sandbox.slack_workspace import Json, SlackWorkspace, _SlackError

EMAIL_SCOPE = "users:read.email"


def users_lookup_by_email(workspace: SlackWorkspace) -> Callable[[Json], Json]:
    """The method handler: the user whose profile e-mail matches (case-insensitively), with the scope checked."""

    def handle(params: Json) -> Json:
        if EMAIL_SCOPE not in workspace.scopes:
            raise _SlackError("missing_scope")
        email = str(params.get("email") or "").strip().lower()
        if not email:
            raise _SlackError("invalid_email")
        for user in workspace.users.values():
            if user.email and user.email.lower() == email:
                return {"user": user.to_api(with_email=True)}
        raise _SlackError("users_not_found")

    return handle
