"""The session list filters the app sends (`SessionsQueryParams`, reference §6.1)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class SessionFilters(BaseModel):
    """`SessionsQueryParams` (§6.1) the app uses, sent as flat query parameters with repeated keys for arrays."""

    # A misspelt filter must fail loudly: the API itself ignores unknown parameters.
    model_config = ConfigDict(frozen=True, extra="forbid")

    session_ids: tuple[str, ...] | None = None
    created_after: int | None = None
    created_before: int | None = None
    updated_after: int | None = None
    updated_before: int | None = None
    tags: tuple[str, ...] | None = None
    user_ids: tuple[str, ...] | None = None
    category: str | None = None
    is_archived: bool | None = None
    repo_names: tuple[str, ...] | None = None

    def to_params(self) -> dict[str, Any]:
        """Query parameters; never a `qs=` object, which the live API silently ignores (§2.4)."""
        params: dict[str, Any] = {}
        for name, value in self:
            if value is None:
                continue
            if isinstance(value, bool):
                params[name] = "true" if value else "false"
            elif isinstance(value, tuple):
                params[name] = list(value)  # httpx repeats the key: tags=a&tags=b
            else:
                params[name] = value
        return params
