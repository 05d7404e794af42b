"""Org members for the simulated Devin org (reference/devin-api.md §16.3, `v3beta1`): who started a session.

The seed covers every case the app must handle: members whose e-mail is in the sandbox Slack workspace,
one with no e-mail at all, and one whose e-mail Slack does not know. `view_membership = False` simulates a
key without `ViewOrgMembership` (every members request answers 403).
"""

from __future__ import annotations

import copy
from typing import Protocol

from aiohttp import web

from bot.sandbox.devin_query import Record, Reject, decode_cursor, encode_cursor, page_size
from bot.sandbox.devin_seed import USER_ALICE, USER_BORIS, USER_CHEN, USER_DANA

DETAIL_NO_MEMBER = "Member not found"
DETAIL_MEMBERSHIP = "Service user lacks required permission: ViewOrgMembership"
MEMBERS_PREFIX = "/v3beta1/organizations/{org_id}/members/users"
ALICE_EMAIL = "user@example.com"
"""The sandbox Slack workspace's regular user has this address."""
BORIS_EMAIL = "admin@example.com"
"""The sandbox Slack workspace's admin has this address."""
DANA_EMAIL = "dana@contractor.example"
"""Not in the sandbox Slack workspace: Slack answers `users_not_found`."""


def seed_members() -> dict[str, Record]:
    """Four members: two in Slack, one without e-mail (Chen), one Slack doesn't know (Dana)."""
    role = [{"role": {"role_id": "role-member", "role_name": "Member", "role_type": "org"}, "org_id": None}]
    members: list[Record] = [
        {"user_id": USER_ALICE, "email": ALICE_EMAIL, "name": "Alice Liddell", "role_assignments": role},
        {"user_id": USER_BORIS, "email": BORIS_EMAIL, "name": "Boris Ivanov", "role_assignments": role},
        {"user_id": USER_CHEN, "email": None, "name": "Chen Wei", "role_assignments": role},
        {"user_id": USER_DANA, "email": DANA_EMAIL, "name": "Dana Okafor", "role_assignments": role},
    ]
    return {m["user_id"]: m for m in members}


class MemberBook:
    """The members of the simulated org, and whether the key may read them."""

    def __init__(self, *, seed: bool) -> None:
        self.members: dict[str, Record] = seed_members() if seed else {}
        self.view_membership = True

    def add(self, user_id: str, *, email: str | None, name: str | None) -> Record:
        """Add (or replace) a member; returns a copy of the stored record."""
        self.members[user_id] = {"user_id": user_id, "email": email, "name": name, "role_assignments": []}
        return copy.deepcopy(self.members[user_id])


class MemberOrg(Protocol):
    """What the member routes use: the org's id and its `MemberBook` (`DevinSimulator` is one)."""

    @property
    def org_id(self) -> str: ...

    @property
    def members(self) -> MemberBook: ...


def add_member_routes(app: web.Application, org: MemberOrg) -> None:
    """`GET …/members/users` (paged, `email` filter) and `GET …/members/users/{user_id}`."""
    book = org.members

    def check(request: web.Request) -> None:
        if request.match_info.get("org_id") != org.org_id or not book.view_membership:
            raise Reject(403, DETAIL_MEMBERSHIP)

    async def get_member(request: web.Request) -> web.Response:
        check(request)
        member = book.members.get(request.match_info["user_id"])
        if member is None:
            raise Reject(404, DETAIL_NO_MEMBER)
        return web.json_response(member)

    async def list_members(request: web.Request) -> web.Response:
        check(request)
        first = page_size(request)
        items = sorted(book.members.values(), key=lambda m: str(m["user_id"]))
        if (email := request.query.get("email")) is not None:
            items = [m for m in items if m.get("email") == email]
        offset = 0
        if (after := request.query.get("after")) is not None:
            (offset,) = decode_cursor(after, {"offset": int})
        page = items[offset : offset + first]
        has_next = offset + first < len(items)
        cursor = encode_cursor({"offset": offset + first}) if has_next else None
        return web.json_response({"items": page, "end_cursor": cursor, "has_next_page": has_next, "total": len(items)})

    app.router.add_get(MEMBERS_PREFIX, list_members)
    app.router.add_get(MEMBERS_PREFIX + "/{user_id}", get_member)
