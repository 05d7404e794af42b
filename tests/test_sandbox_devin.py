"""The simulated Devin org on the wire (raw httpx, no DevinClient) and its seeded data."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from bot.devin.models import SUSPENSION_REASONS, SessionInsights, SessionStatus
from bot.sandbox import SANDBOX_API_KEY, SANDBOX_ORG_ID
from bot.sandbox import devin_seed as seed
from bot.sandbox.devin_org import UNTIL_CLEARED, DevinSimulator

if TYPE_CHECKING:  # types only: pytest imports the fixtures module itself, as a plugin
    from tests.fixtures_devin import ManualClock


AUTH = {"Authorization": f"Bearer {SANDBOX_API_KEY}"}
ORG_PATH = f"/v3/organizations/{SANDBOX_ORG_ID}"
SESSIONS = f"{ORG_PATH}/sessions"
INSIGHTS_ONLY = {"num_user_messages", "num_devin_messages", "session_size", "analysis"}
ALERTING_REASONS = SUSPENSION_REASONS - {"inactivity", "user_request"}
EXAMPLES = Path(__file__).resolve().parent / "data" / "devin_api_examples.json"


@pytest.fixture
async def http(devin_sim: DevinSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=devin_sim.url, headers=AUTH, verify=False) as client:  # plain HTTP
        yield client


async def all_pages(
    http: httpx.AsyncClient, path: str, params: list[tuple[str, str]], after: str | None = None
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = [("after", after)] if after else []
    while True:
        body = (await http.get(path, params=params + cursor)).raise_for_status().json()
        items += body["items"]
        if not body["has_next_page"]:
            assert body["end_cursor"] is None
            return items
        cursor = [("after", body["end_cursor"])]


# --- auth, ids and errors --------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer cog_wrong"}, {"Authorization": SANDBOX_API_KEY}])
async def test_sim_rejects_missing_or_wrong_key(devin_sim: DevinSimulator, headers: dict[str, str]) -> None:
    async with httpx.AsyncClient(base_url=devin_sim.url, headers=headers, verify=False) as client:
        for path in ("/v3/self", SESSIONS, f"{SESSIONS}/{seed.SEED_RUNNING}", "/_sandbox/sessions"):
            response = await client.get(path)
            assert (response.status_code, response.json()["detail"]) == (401, "Invalid or missing credentials")
            assert response.json()["title"] == "Unauthorized"  # RFC 9457 ProblemDetail


async def test_sim_self_names_org(http: httpx.AsyncClient) -> None:
    body = (await http.get("/v3/self")).json()
    assert body["principal_type"] == "service_user" and body["org_id"] == SANDBOX_ORG_ID
    assert body["service_user_id"] and body["service_user_name"]


@pytest.mark.parametrize("suffix", ["", "/insights", "/messages"])
async def test_sim_other_org_is_forbidden(http: httpx.AsyncClient, suffix: str) -> None:
    response = await http.get(f"/v3/organizations/org-other/sessions/{seed.SEED_RUNNING}{suffix}")
    assert response.status_code == 403
    assert response.json()["detail"] == "Service user lacks required permission: ViewOrgSessions"
    assert response.json()["title"] == "Forbidden" and response.json()["status"] == 403
    assert (await http.get("/v3/organizations/org-other/sessions")).status_code == 403


@pytest.mark.parametrize(
    "session_id",
    [seed.UNKNOWN_SESSION_ID, "devin-abc", seed.SEED_RUNNING.upper(), seed.SEED_RUNNING.removeprefix("devin-")],
)
async def test_sim_unknown_or_malformed_id_is_not_found(http: httpx.AsyncClient, session_id: str) -> None:
    for suffix in ("", "/insights", "/messages"):
        response = await http.get(f"{SESSIONS}/{session_id}{suffix}")
        assert (response.status_code, response.json()["detail"]) == (404, "Session not found")
    assert (await http.post(f"{SESSIONS}/{session_id}/insights/generate")).status_code == 404


@pytest.mark.parametrize(
    ("value", "kind"),
    [("0", "greater_than_equal"), ("201", "less_than_equal"), ("-5", "greater_than_equal"), ("ten", "int_parsing")],
)
async def test_sim_first_out_of_range_is_problem_detail_422(http: httpx.AsyncClient, value: str, kind: str) -> None:
    for path in (SESSIONS, f"{SESSIONS}/insights", f"{SESSIONS}/{seed.SEED_RUNNING}/messages"):
        response = await http.get(path, params={"first": value})
        assert response.status_code == 422
        (error,) = response.json()["errors"]
        assert error["location"] == "query.first" and error["type"] == kind and error["message"]


async def test_sim_bad_filter_values_are_422_and_bad_cursor_400(http: httpx.AsyncClient) -> None:
    response = await http.get(SESSIONS, params={"updated_after": "yesterday"})
    assert response.status_code == 422 and response.json()["errors"][0]["location"] == "query.updated_after"
    response = await http.get(SESSIONS, params={"is_archived": "maybe"})
    assert response.status_code == 422 and response.json()["errors"][0]["type"] == "bool_parsing"
    forged = [{"updated_at": "1", "session_id": "x"}, {"updated_at": True, "session_id": "x"}, {"updated_at": 1}]
    for after in ["not-a-cursor", *(base64.urlsafe_b64encode(json.dumps(c).encode()).decode() for c in forged)]:
        response = await http.get(SESSIONS, params={"after": after})
        assert (response.status_code, response.json()["detail"]) == (400, "Invalid cursor")
    negative = base64.urlsafe_b64encode(b'{"offset": -3}').decode()
    response = await http.get(f"{SESSIONS}/{seed.SEED_RUNNING}/messages", params={"after": negative})
    assert response.status_code == 400


async def test_sim_unknown_route_and_method_answer_in_fastapi_shape(http: httpx.AsyncClient) -> None:
    assert (await http.get("/v3/nothing")).json() == {"detail": "Not Found"}
    response = await http.delete("/v3/self")
    assert (response.status_code, response.json()) == (405, {"detail": "Method Not Allowed"})


# --- shapes and pagination ------------------------------------------------------------------------------------


async def test_sim_session_omits_insights_fields_and_insights_include_them(http: httpx.AsyncClient) -> None:
    session = (await http.get(f"{SESSIONS}/{seed.SEED_WITH_ANALYSIS}")).json()
    insights = (await http.get(f"{SESSIONS}/{seed.SEED_WITH_ANALYSIS}/insights")).json()
    assert not INSIGHTS_ONLY & session.keys()
    assert INSIGHTS_ONLY <= insights.keys()
    assert {k: v for k, v in insights.items() if k not in INSIGHTS_ONLY} == session
    listed = (await http.get(SESSIONS, params={"first": 200})).json()["items"]
    assert listed and all(not INSIGHTS_ONLY & item.keys() for item in listed)
    listed = (await http.get(f"{SESSIONS}/insights", params={"first": 200})).json()["items"]
    assert all(INSIGHTS_ONLY <= item.keys() for item in listed)
    assert all("schedule_id" not in item and "repo_names" not in item for item in listed)


async def test_sim_default_page_is_100_and_last_page_has_null_cursor(
    http: httpx.AsyncClient, devin_sim: DevinSimulator
) -> None:
    devin_sim.add_many(150)
    total = len(devin_sim.sessions())
    first = (await http.get(SESSIONS)).json()
    assert len(first["items"]) == 100 and first["has_next_page"] is True and first["total"] == total
    cursor = json.loads(base64.urlsafe_b64decode(first["end_cursor"]))
    assert set(cursor) == {"updated_at", "session_id"}
    rest = (await http.get(SESSIONS, params={"after": first["end_cursor"], "first": 200})).json()
    assert len(rest["items"]) == total - 100
    assert rest["has_next_page"] is False and rest["end_cursor"] is None


async def test_sim_pages_are_ordered_and_complete(http: httpx.AsyncClient, devin_sim: DevinSimulator) -> None:
    items = await all_pages(http, SESSIONS, [("first", "7")])
    keys = [(item["updated_at"], item["session_id"]) for item in items]
    assert keys == sorted(keys)
    assert len(keys) == len(set(keys)) == len(devin_sim.sessions())


async def test_sim_cursor_survives_updates_between_pages(
    http: httpx.AsyncClient, devin_sim: DevinSimulator, devin_clock: ManualClock
) -> None:
    page = (await http.get(SESSIONS, params={"first": 10})).json()
    seen = [item["session_id"] for item in page["items"]]
    devin_clock.advance(5)
    devin_sim.set_status(seen[0], "suspended", "out_of_credits")  # already seen: moves to the end
    devin_sim.remove_session(seen[-1])  # the session the cursor points at may even disappear
    rest = await all_pages(http, SESSIONS, [("first", "10")], after=page["end_cursor"])
    rest_ids = [item["session_id"] for item in rest]
    assert set(seen) | set(rest_ids) >= {s["session_id"] for s in devin_sim.sessions()}
    assert rest_ids[-1] == seen[0]
    assert not set(seen[1:]) & set(rest_ids)


async def test_sim_messages_page_with_cursor(http: httpx.AsyncClient) -> None:
    path = f"{SESSIONS}/{seed.SEED_OUT_OF_CREDITS}/messages"
    first = (await http.get(path, params={"first": 3})).json()
    assert first["total"] == 12 and first["has_next_page"] is True
    assert [m["source"] for m in first["items"]] == ["user", "devin", "devin"]
    assert set(first["items"][0]) == {"event_id", "message", "source", "created_at"}
    items = await all_pages(http, path, [("first", "5")])
    assert len(items) == 12 and items[-1]["message"].startswith("I have to pause")
    synthetic = await all_pages(http, f"{SESSIONS}/{seed.SEED_HUGE_ANALYSIS}/messages", [("first", "200")])
    assert len(synthetic) == 22 + 180
    assert len({m["event_id"] for m in synthetic}) == len(synthetic)


# --- filters -------------------------------------------------------------------------------------------------


@pytest.fixture
def filter_org(devin_sim: DevinSimulator) -> dict[str, str]:
    """Four sessions at known times and attributes, on top of the seed (far older or newer than them)."""
    base = 2_000_000_000
    rows = {
        "a": {"created_at": base, "updated_at": base + 10, "tags": ["x", "y"], "origin": "slack", "user_id": "user-a",
              "playbook_id": "playbook-1", "category": "bug_fixing", "repo_names": ["acme/api"]},
        "b": {"created_at": base + 100, "updated_at": base + 110, "tags": ["y"], "origin": "api", "user_id": None,
              "service_user_id": "service-user-b", "schedule_id": "schedule-1", "is_archived": True},
        "c": {"created_at": base + 200, "updated_at": base + 210, "tags": [], "origin": "jira", "user_id": "user-c",
              "pull_requests": [{"pr_url": "https://github.com/acme/web/pull/1", "pr_state": "open"}]},
        "d": {"created_at": base + 300, "updated_at": base + 310, "tags": ["x,y"], "origin": "slack",
              "user_id": "user-a"},
    }  # fmt: skip
    return {name: devin_sim.add_session(**fields)["session_id"] for name, fields in rows.items()}


BASE = 2_000_000_000
FILTER_CASES: list[tuple[list[tuple[str, str]], set[str]]] = [
    ([("created_after", str(BASE + 100))], {"b", "c", "d"}),  # inclusive
    ([("created_after", str(BASE + 101))], {"c", "d"}),
    ([("created_after", str(BASE)), ("created_before", str(BASE + 200))], {"a", "b"}),  # before is exclusive
    ([("updated_after", str(BASE + 210))], {"c", "d"}),
    ([("updated_after", str(BASE)), ("updated_before", str(BASE + 110))], {"a"}),
    ([("created_after", str(BASE)), ("tags", "x")], {"a"}),
    ([("created_after", str(BASE)), ("tags", "x"), ("tags", "y")], {"a", "b"}),  # any of the tags
    ([("created_after", str(BASE)), ("tags", "x,y")], {"d"}),  # a comma-separated value is one literal
    ([("created_after", str(BASE)), ("origins", "slack")], {"a", "d"}),
    ([("created_after", str(BASE)), ("origins", "api"), ("origins", "jira")], {"b", "c"}),
    ([("created_after", str(BASE)), ("user_ids", "user-a")], {"a", "d"}),
    ([("created_after", str(BASE)), ("service_user_ids", "service-user-b")], {"b"}),
    ([("created_after", str(BASE)), ("playbook_id", "playbook-1")], {"a"}),
    ([("created_after", str(BASE)), ("schedule_id", "schedule-1")], {"b"}),
    ([("created_after", str(BASE)), ("category", "bug_fixing")], {"a"}),
    ([("created_after", str(BASE)), ("is_archived", "true")], {"b"}),
    ([("created_after", str(BASE)), ("is_archived", "false")], {"a", "c", "d"}),
    ([("created_after", str(BASE)), ("repo_names", "acme/api")], {"a"}),
    ([("created_after", str(BASE)), ("repo_names", "acme/web")], {"c"}),
    ([("created_after", str(BASE)), ("origins", "slack"), ("user_ids", "user-a"), ("tags", "x")], {"a"}),
]


@pytest.mark.parametrize(("params", "expected"), FILTER_CASES)
async def test_sim_filters(
    http: httpx.AsyncClient, filter_org: dict[str, str], params: list[tuple[str, str]], expected: set[str]
) -> None:
    names = {session_id: name for name, session_id in filter_org.items()}
    for path in (SESSIONS, f"{SESSIONS}/insights"):
        items = await all_pages(http, path, [*params, ("first", "1")])
        assert {names[item["session_id"]] for item in items} == expected
        body = (await http.get(path, params=params)).json()
        assert body["total"] == len(expected)


async def test_sim_session_ids_filter(http: httpx.AsyncClient) -> None:
    wanted = [seed.SEED_RUNNING, seed.SEED_OUT_OF_CREDITS]
    items = (await http.get(SESSIONS, params=[("session_ids", sid) for sid in wanted])).json()["items"]
    assert {item["session_id"] for item in items} == set(wanted)


async def test_sim_ignores_filters_sent_as_qs(http: httpx.AsyncClient, devin_sim: DevinSimulator) -> None:
    qs = json.dumps({"tags": ["nothing-has-this-tag"], "origins": ["nowhere"]})
    body = (await http.get(SESSIONS, params={"qs": qs, "tags": "nothing-has-this-tag", "first": 200})).json()
    assert len(body["items"]) == body["total"] == len(devin_sim.sessions())


# --- insights generation -----------------------------------------------------------------------------------


async def test_sim_generate_lifecycle(
    http: httpx.AsyncClient, devin_sim: DevinSimulator, devin_clock: ManualClock
) -> None:
    path = f"{SESSIONS}/{seed.SEED_WITHOUT_ANALYSIS}/insights"
    assert (await http.get(path)).json()["analysis"] is None
    assert (await http.post(f"{path}/generate")).json() == {
        "session_id": seed.SEED_WITHOUT_ANALYSIS,
        "status": "started",
    }
    assert (await http.post(f"{path}/generate")).json()["status"] == "already_exists"  # in progress
    devin_clock.advance(devin_sim.insights_delay - 1)
    assert (await http.get(path)).json()["analysis"] is None
    devin_clock.advance(1)
    analysis = (await http.get(path)).json()["analysis"]
    assert analysis is not None
    SessionInsights.model_validate((await http.get(path)).json())
    assert (await http.post(f"{path}/generate")).json()["status"] == "already_exists"  # done
    assert (await http.post(f"{SESSIONS}/{seed.SEED_WITH_ANALYSIS}/insights/generate")).json()["status"] == (
        "already_exists"
    )


async def test_sim_generation_shows_in_list_insights(
    http: httpx.AsyncClient, devin_sim: DevinSimulator, devin_clock: ManualClock
) -> None:
    await http.post(f"{SESSIONS}/{seed.SEED_WITHOUT_ANALYSIS}/insights/generate")
    devin_clock.advance(devin_sim.insights_delay)
    items = await all_pages(http, f"{SESSIONS}/insights", [("session_ids", seed.SEED_WITHOUT_ANALYSIS)])
    assert items[0]["analysis"] is not None


async def test_sim_generate_without_manage_permission_is_403(
    http: httpx.AsyncClient, devin_sim: DevinSimulator
) -> None:
    devin_sim.manage_sessions = False
    response = await http.post(f"{SESSIONS}/{seed.SEED_WITHOUT_ANALYSIS}/insights/generate")
    assert response.status_code == 403 and "ManageOrgSessions" in response.json()["detail"]


# --- faults -----------------------------------------------------------------------------------------------


async def test_sim_status_fault_counts_down_and_respects_path(
    http: httpx.AsyncClient, devin_sim: DevinSimulator
) -> None:
    devin_sim.inject(status=502, times=2, path_contains="/insights")
    assert (await http.get("/v3/self")).status_code == 200
    statuses = [(await http.get(f"{SESSIONS}/{seed.SEED_RUNNING}/insights")).status_code for _ in range(3)]
    assert statuses == [502, 502, 200]
    assert devin_sim.faults == []


async def test_sim_429_fault_carries_retry_after(http: httpx.AsyncClient, devin_sim: DevinSimulator) -> None:
    devin_sim.inject(retry_after=30)
    response = await http.get("/v3/self")
    assert response.status_code == 429 and response.headers["Retry-After"] == "30"
    assert response.json()["detail"] == "Too many requests" and response.json()["title"] == "Too Many Requests"


async def test_sim_fault_until_cleared(http: httpx.AsyncClient, devin_sim: DevinSimulator) -> None:
    devin_sim.inject(status=500, times=UNTIL_CLEARED)
    assert [(await http.get("/v3/self")).status_code for _ in range(4)] == [500] * 4
    devin_sim.clear_faults()
    assert (await http.get("/v3/self")).status_code == 200


async def test_sim_malformed_faults(http: httpx.AsyncClient, devin_sim: DevinSimulator) -> None:
    devin_sim.inject(malformed="not_json")
    response = await http.get("/v3/self")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    devin_sim.inject(malformed="wrong_shape")
    assert (await http.get(SESSIONS)).json() == ["unexpected", "shape"]
    devin_sim.inject(malformed="unknown_enum")
    items = (await http.get(f"{SESSIONS}/insights")).json()["items"]
    assert {item["status"] for item in items} == {"hibernating"} and {i["session_size"] for i in items} == {"xxl"}
    assert (await http.get(SESSIONS)).json()["items"][0]["status"] != "hibernating"  # applied once


async def test_sim_drop_closes_connection_without_answer(http: httpx.AsyncClient, devin_sim: DevinSimulator) -> None:
    devin_sim.inject(drop=True)
    with pytest.raises(httpx.RemoteProtocolError):
        await http.get("/v3/self")
    assert (await http.get("/v3/self")).status_code == 200


async def test_sim_latency_holds_the_answer(devin_sim: DevinSimulator) -> None:
    devin_sim.inject(latency=60)
    async with httpx.AsyncClient(base_url=devin_sim.url, headers=AUTH, timeout=0.2, verify=False) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get("/v3/self")
        assert (await client.get("/v3/self")).status_code == 200


def test_sim_inject_validates_arguments() -> None:
    simulator = DevinSimulator(seed=False)
    with pytest.raises(ValueError):
        simulator.inject(malformed="garbage")
    with pytest.raises(ValueError):
        simulator.inject(status=200)
    with pytest.raises(ValueError):
        simulator.inject(status=500, times=0)


# --- recording ----------------------------------------------------------------------------------------------


async def test_sim_records_api_requests_without_the_key(http: httpx.AsyncClient, devin_sim: DevinSimulator) -> None:
    await http.get(SESSIONS, params=[("tags", "a"), ("tags", "b"), ("first", "5")])
    await http.get("/_sandbox/requests")
    (request,) = devin_sim.requests
    assert (request.method, request.path) == ("GET", SESSIONS)
    assert request.query == [("tags", "a"), ("tags", "b"), ("first", "5")]
    assert devin_sim.requests_to("/sessions") == [request]
    assert SANDBOX_API_KEY not in repr(devin_sim.recorded())
    recorded = (await http.get("/_sandbox/requests")).json()["items"]
    assert recorded == [{**devin_sim.recorded()[0], "query": [["tags", "a"], ["tags", "b"], ["first", "5"]]}]


# --- the Python and HTTP control APIs -------------------------------------------------------------------------


async def test_sim_update_bumps_updated_at_for_pollers(
    http: httpx.AsyncClient, devin_sim: DevinSimulator, devin_clock: ManualClock
) -> None:
    before = devin_sim.session(seed.SEED_RUNNING)["updated_at"]
    devin_clock.advance(120)
    updated = devin_sim.set_status(seed.SEED_RUNNING, "suspended", "out_of_credits")
    assert updated["updated_at"] == int(devin_clock()) > before
    body = (await http.get(SESSIONS, params={"updated_after": str(int(devin_clock()))})).json()
    assert [(i["session_id"], i["status"], i["status_detail"]) for i in body["items"]] == [
        (seed.SEED_RUNNING, "suspended", "out_of_credits")
    ]


def test_sim_add_session_fills_required_fields() -> None:
    clock = 1_800_000_000.0
    simulator = DevinSimulator(seed=False, clock=lambda: clock)
    record = simulator.add_session(title=None, status="suspended")
    SessionInsights.model_validate(record)
    assert record["created_at"] == record["updated_at"] == 1_800_000_000
    assert record["url"].endswith(record["session_id"].removeprefix("devin-"))
    with pytest.raises(ValueError):
        simulator.add_session(session_id=record["session_id"])
    with pytest.raises(ValueError):
        simulator.add_session(session_id="devin-NOTHEX")
    with pytest.raises(KeyError):
        simulator.update_session(seed.UNKNOWN_SESSION_ID, title="x")


async def test_sim_http_control_api(http: httpx.AsyncClient, devin_sim: DevinSimulator) -> None:
    added = (await http.post("/_sandbox/sessions", json={"title": "From the demo", "status": "running"})).json()
    session_id = added["session_id"]
    assert (await http.get(f"{SESSIONS}/{session_id}")).json()["title"] == "From the demo"
    patch = {"status": "suspended", "status_detail": "payment_declined"}
    assert (await http.patch(f"/_sandbox/sessions/{session_id}", json=patch)).json()["status_detail"] == (
        "payment_declined"
    )
    assert (await http.patch(f"/_sandbox/sessions/{seed.UNKNOWN_SESSION_ID}", json=patch)).status_code == 404
    assert (await http.post("/_sandbox/sessions", json={"session_id": "devin-bad"})).status_code == 400
    listed = (await http.get("/_sandbox/sessions")).json()["items"]
    assert session_id in {s["session_id"] for s in listed}
    assert (await http.delete(f"/_sandbox/sessions/{session_id}")).status_code == 204
    assert (await http.get(f"{SESSIONS}/{session_id}")).status_code == 404

    assert (await http.post("/_sandbox/faults", json={"status": 503, "path_contains": "/v3/self"})).status_code == 201
    for bad in ({"colour": "red"}, {"status": 503, "times": "2"}, {"latency": -1}, {"status": "503"}):
        assert (await http.post("/_sandbox/faults", json=bad)).status_code == 400
    assert (await http.get("/v3/self")).status_code == 503
    await http.post("/_sandbox/faults", json={"status": 503, "times": -1})
    assert (await http.delete("/_sandbox/faults")).status_code == 204
    assert (await http.get("/v3/self")).status_code == 200

    bulk = (await http.post("/_sandbox/sessions/bulk", json={"n": 25, "fields": {"tags": ["bulk"]}})).json()
    assert len(bulk["session_ids"]) == 25
    assert (await http.get(SESSIONS, params={"tags": "bulk"})).json()["total"] == 25

    assert (await http.patch("/_sandbox/settings", json={"insights_delay": "soon"})).status_code == 400
    settings = (await http.patch("/_sandbox/settings", json={"manage_sessions": False, "insights_delay": 0})).json()
    assert settings == {"manage_sessions": False, "insights_delay": 0.0}
    assert (await http.post(f"{SESSIONS}/{seed.SEED_RUNNING}/insights/generate")).status_code == 403
    assert (await http.delete("/_sandbox/requests")).status_code == 204
    assert devin_sim.requests == []


async def test_sim_twenty_thousand_sessions_create_and_page_fast() -> None:
    simulator = DevinSimulator(seed=False)
    started = time.perf_counter()
    simulator.add_many(20_000)
    assert time.perf_counter() - started < 5  # generous: ~0.2 s on a laptop
    await simulator.start()
    try:
        async with httpx.AsyncClient(base_url=simulator.url, headers=AUTH, verify=False) as client:
            items = await all_pages(client, SESSIONS, [("first", "200")])
    finally:
        await simulator.stop()
    assert len({item["session_id"] for item in items}) == 20_000
    assert len(simulator.requests) == 100


# --- the seeded org ------------------------------------------------------------------------------------


def test_seed_is_deterministic_and_sized() -> None:
    now = 1_800_000_000
    sessions = seed.seed_sessions(now)
    assert sessions == seed.seed_sessions(now)
    assert 40 <= len(sessions) <= 60
    assert len({s["session_id"] for s in sessions}) == len(sessions)
    assert all(SessionInsights.model_validate(s).session_id == s["session_id"] for s in sessions)
    assert seed.UNKNOWN_SESSION_ID not in {s["session_id"] for s in sessions}


def test_seed_covers_every_status_and_reason() -> None:
    sessions = {s["session_id"]: s for s in seed.seed_sessions(1_800_000_000)}
    assert {str(status) for status in SessionStatus} <= {s["status"] for s in sessions.values()}
    suspended = {s["status_detail"] for s in sessions.values() if s["status"] == "suspended"}
    assert suspended == set(SUSPENSION_REASONS)
    for reason, session_id in seed.SEED_SUSPENDED_BY_REASON.items():
        assert (sessions[session_id]["status"], sessions[session_id]["status_detail"]) == ("suspended", reason)
    running = {s["status_detail"] for s in sessions.values() if s["status"] == "running"}
    assert running == {"working", "waiting_for_user", "waiting_for_approval", "finished"}
    assert sessions[seed.SEED_UNKNOWN_STATUS]["status"] not in {str(status) for status in SessionStatus}
    assert {s["origin"] for s in sessions.values()} >= {"webapp", "slack", "api", "jira", "linear", "automation"}
    assert {pr["pr_state"] for s in sessions.values() for pr in s["pull_requests"]} == {
        "open",
        "merged",
        "closed",
        None,
    }


def test_seed_has_no_fresh_billing_suspension_unless_asked() -> None:
    now = 1_800_000_000
    for recent, expected in ((False, set()), (True, {seed.SEED_RECENT_BILLING})):
        fresh = {
            s["session_id"]
            for s in seed.seed_sessions(now, recent_billing_suspension=recent)
            if s["status"] == "suspended" and s["status_detail"] in ALERTING_REASONS and s["updated_at"] > now - 3600
        }
        assert fresh == expected
    out_of_credits = next(s for s in seed.seed_sessions(now) if s["session_id"] == seed.SEED_OUT_OF_CREDITS)
    assert out_of_credits["updated_at"] == now - 3 * 3600


def test_seed_named_sessions_have_their_property() -> None:
    sessions = {s["session_id"]: s for s in seed.seed_sessions(1_800_000_000)}
    assert sessions[seed.SEED_WITH_ANALYSIS]["analysis"] is not None
    assert sessions[seed.SEED_WITHOUT_ANALYSIS]["analysis"] is None
    assert sessions[seed.SEED_WITHOUT_ANALYSIS]["num_devin_messages"] > 0
    assert (sessions[seed.SEED_RUNNING]["status"], sessions[seed.SEED_RUNNING]["status_detail"]) == (
        "running",
        "working",
    )
    hostile = sessions[seed.SEED_HOSTILE_TITLE]["title"]
    for needle in ("<!channel>", "<!here>", "<@U123>", "<https://evil.example|click", "*URGENT*", "&amp;", "`"):
        assert needle in hostile
    assert sessions[seed.SEED_UNTITLED]["title"] is None
    assert len(sessions[seed.SEED_LONG_TITLE]["title"]) > 300
    assert any(ord(c) > 0x4E00 for c in sessions[seed.SEED_UNICODE_TITLE]["title"])
    assert any("\u0600" <= c <= "\u06ff" for c in sessions[seed.SEED_RTL_TITLE]["title"])
    assert sessions[seed.SEED_NO_DEVIN_MESSAGES]["num_devin_messages"] == 0
    huge = sessions[seed.SEED_HUGE_ANALYSIS]["analysis"]
    assert (len(huge["issues"]), len(huge["action_items"]), len(huge["timeline"])) == (60, 80, 120)
    assert len(huge["suggested_prompt"]["suggested_prompt"]) >= 5000


def test_seed_example_sessions_match_examples_file() -> None:
    if not EXAMPLES.is_file():
        pytest.fail(f"{EXAMPLES} is missing: the documented example payloads belong in tests/data")
    examples = json.loads(EXAMPLES.read_text(encoding="utf-8"))
    sessions = {s["session_id"]: s for s in seed.seed_sessions(time.time())}
    for key in (
        "GET /v3/organizations/{org_id}/sessions/{devin_id}/insights -> 200 (analysis generated)",
        "GET /v3/organizations/{org_id}/sessions/{devin_id}/insights -> 200 (no analysis yet)",
    ):
        expected = examples[key]["response"]
        assert sessions[expected["session_id"]] == expected
