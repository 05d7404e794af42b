"""The bot scopes the app asks for in `manifest.yml`, and what breaks without each (a test keeps them in sync)."""

from __future__ import annotations

BOT_SCOPES: dict[str, str] = {
    "commands": "the /devin-insights command",
    "chat:write": "alerts and their threads, DMs to creators, digests, budget warnings, Share in channel",
    "chat:write.public": "alerts and shared cards in public channels the app was not invited to",
    "links:read": "link_shared events for Devin session links",
    "links:write": "link previews (chat.unfurl)",
    "channels:read": "telling Slack Connect channels apart in public channels (previews stay minimal without it)",
    "groups:read": "the same for private channels",
    "im:read": "the same for direct messages",
    "mpim:read": "the same for group direct messages",
    "users:read": "admins changing alert settings; digests in your time zone; the side panel's access check",
    "users:read.email": "naming and mentioning who started a session, DMs to them; App Home's Your sessions",
}
"""Scope → what it is for. Order matches the manifest."""

OPTIONAL_SCOPES: dict[str, str] = {
    "channels:history": "finding an alert whose post had no answer (timeout, crash) instead of posting it twice",
    "groups:history": "the same in private channels",
}
"""Not in `manifest.yml`: they let the app read every message of the channels it is in (docs/security.md)."""

ESSENTIAL_SCOPES = frozenset({"commands", "chat:write", "links:read", "links:write"})
"""Without these a core feature does not work at all; the rest degrade gracefully."""
