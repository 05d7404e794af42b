"""DevinClient: error mapping, retries, pagination and hygiene (MockTransport), then end to end (simulator)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from bot.devin.client import PAGES_MAX, DevinClient
from bot.devin.errors import (
    DevinAuthError,
    DevinConnectionError,
    DevinError,
    DevinInvalidResponseError,
    DevinNotFoundError,
    DevinRateLimitError,
    DevinServerError,
    DevinStatusError,
    DevinTimeoutError,
)
from bot.devin.filters import SessionFilters
from bot.devin.http import USER_AGENT
from bot.devin.retry import BACKGROUND_RETRY, INTERACTIVE_RETRY, RetryPolicy
from bot.sandbox import SANDBOX_API_KEY, SANDBOX_ORG_ID
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.devin_seed import (
    SEED_NO_DEVIN_MESSAGES,
    SEED_OUT_OF_CREDITS,
    SEED_WITH_ANALYSIS,
    SEED_WITHOUT_ANALYSIS,
    UNKNOWN_SESSION_ID,
)
from tests.fixtures_devin import local_devin_client

if TYPE_CHECKING:
    from tests.fixtures_devin import ManualClock, RecordingSleep


API = "https://api.devin.test"
ORG = "org-0123456789abcdef0123456789abcdef"
KEY = "cog_TESTSECRET_5f1d9e8c7b6a4f3e2d1c0b9a8f7e6d5c_DO_NOT_LEAK"
SID = "devin-3f9c2a7be14d4c0f9a61d2e8b7c45a90"
SESSION_PATH = f"/v3/organizations/{ORG}/sessions/{SID}"
LIST_PATH = f"/v3/organizations/{ORG}/sessions"
GENERATE_PATH = f"{SESSION_PATH}/insights/generate"

Reply = Callable[[httpx.Request], httpx.Response]


def session_json(session_id: str = SID, **fields: Any) -> dict[str, Any]:
    body = {
        "session_id": session_id,
        "url": f"https://app.devin.ai/sessions/{session_id.removeprefix('devin-')}",
        "org_id": ORG,
        "status": "running",
        "status_detail": "working",
        "tags": [],
        "created_at": 1767261600,
        "updated_at": 1767262800,
        "acus_consumed": 2.4,
        "pull_requests": [],
    }
    return body | fields


def reply(
    status: int = 200, json: Any = None, *, headers: dict[str, str] | None = None, text: str | None = None
) -> Reply:
    """A fresh httpx.Response per call (a response object must not be sent twice)."""

    def build(request: httpx.Request) -> httpx.Response:
        if text is not None:
            return httpx.Response(status, text=text, headers=headers)
        return httpx.Response(status, json=json, headers=headers)

    return build


def fail(error: type[httpx.TransportError]) -> Reply:
    def build(request: httpx.Request) -> httpx.Response:
        raise error("simulated network failure", request=request)

    return build


class FakeDevin:
    """Routes on (method, path) to scripted replies; the last reply repeats. Anything else fails the test."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Reply]] = {}
        self.calls: list[httpx.Request] = []

    def on(self, method: str, path: str, *replies: Reply) -> FakeDevin:
        self.routes[(method, path)] = list(replies)
        return self

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        script = self.routes.get((request.method, request.url.path))
        if not script:
            raise AssertionError(f"unexpected Devin call {request.method} {request.url}")
        step = script.pop(0) if len(script) > 1 else script[0]
        return step(request)


@pytest.fixture
def fake() -> FakeDevin:
    return FakeDevin()


@pytest.fixture
def sleep(devin_sleep: RecordingSleep) -> RecordingSleep:
    return devin_sleep


def make_client(fake: FakeDevin, sleep: RecordingSleep, retry: RetryPolicy = INTERACTIVE_RETRY) -> DevinClient:
    return DevinClient.create(
        api_url=API, api_key=KEY, org_id=ORG, retry=retry, transport=httpx.MockTransport(fake.handler), sleep=sleep
    )


# --- requests on the wire ------------------------------------------------------------------------


async def test_client_get_session_sends_bearer_key_and_user_agent(fake: FakeDevin, sleep: RecordingSleep) -> None:
    fake.on("GET", SESSION_PATH, reply(json=session_json(title="Fix it")))
    session = await make_client(fake, sleep).get_session(SID)
    assert session.title == "Fix it"
    (request,) = fake.calls
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("devin-insights/")
    assert request.url.query == b""


async def test_client_list_sessions_uses_flat_repeated_query_keys(fake: FakeDevin, sleep: RecordingSleep) -> None:
    fake.on("GET", LIST_PATH, reply(json={"items": [], "end_cursor": None, "has_next_page": False}))
    filters = SessionFilters(tags=("a", "b"), user_ids=("u1",), updated_after=1767225600, is_archived=False)
    assert [s async for s in make_client(fake, sleep).list_sessions(filters)] == []
    (request,) = fake.calls
    pairs = request.url.params.multi_items()
    assert ("tags", "a") in pairs and ("tags", "b") in pairs
    assert sorted(pairs) == sorted(
        [("tags", "a"), ("tags", "b"), ("user_ids", "u1"), ("updated_after", "1767225600"),
         ("is_archived", "false"), ("first", "200")]
    )  # fmt: skip
    raw = request.url.query.decode()
    assert "tags=a&tags=b" in raw
    assert "qs=" not in raw and "devin_id" not in raw and "%2C" not in raw.upper()


async def test_client_list_sessions_fetches_next_page_only_when_iterated(
    fake: FakeDevin, sleep: RecordingSleep
) -> None:
    first_page = {
        "items": [session_json(f"devin-{n:032x}") for n in range(2)],
        "end_cursor": "CUR1",
        "has_next_page": True,
    }
    last_page = {"items": [session_json(f"devin-{9:032x}")], "end_cursor": None, "has_next_page": False}
    fake.on("GET", LIST_PATH, reply(json=first_page), reply(json=last_page))
    sessions = make_client(fake, sleep).list_sessions(page_size=2)
    assert fake.calls == []  # nothing is fetched before iteration starts
    first = await anext(sessions)
    assert first.session_id == f"devin-{0:032x}" and len(fake.calls) == 1
    await anext(sessions)
    assert len(fake.calls) == 1  # still on page 1
    third = await anext(sessions)
    assert third.session_id == f"devin-{9:032x}" and len(fake.calls) == 2
    assert dict(fake.calls[1].url.params) == {"first": "2", "after": "CUR1"}
    with pytest.raises(StopAsyncIteration):
        await anext(sessions)
    assert len(fake.calls) == 2


@pytest.mark.parametrize(
    "bad_id",
    [
        "",
        "3f9c2a7be14d4c0f9a61d2e8b7c45a90",
        "devin-3F9C2A7BE14D4C0F9A61D2E8B7C45A90",
        "devin-3f9c2a7be14d4c0f9a61d2e8b7c45a9",
        "devin-3f9c2a7be14d4c0f9a61d2e8b7c45a900",
        "devin-../../self",
        f"{SID}/insights",
        f" {SID}",
        "https://app.devin.ai/sessions/3f9c2a7be14d4c0f9a61d2e8b7c45a90",
    ],
)
async def test_client_non_canonical_id_raises_before_any_request(
    fake: FakeDevin, sleep: RecordingSleep, bad_id: str
) -> None:
    client = make_client(fake, sleep)
    for call in (
        client.get_session,
        client.get_session_insights,
        client.generate_session_insights,
    ):
        with pytest.raises(ValueError, match="devin-"):
            await _drain(call(bad_id))
    assert fake.calls == []


@pytest.mark.parametrize("first", [0, 201, -1])
async def test_client_page_size_out_of_range_raises_before_any_request(
    fake: FakeDevin, sleep: RecordingSleep, first: int
) -> None:
    with pytest.raises(ValueError, match="first"):
        await make_client(fake, sleep).list_sessions_page(first=first)
    assert fake.calls == []


async def _drain(result: Any) -> Any:
    if hasattr(result, "__anext__"):
        return [item async for item in result]
    return await result


# --- error mapping and retries ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "error_type", "attempts", "detail"),
    [
        (401, {"detail": "Invalid or missing credentials"}, DevinAuthError, 1, "Invalid or missing credentials"),
        (403, {"detail": "Service user lacks required permission: ViewOrgSessions"}, DevinAuthError, 1,
         "Service user lacks required permission: ViewOrgSessions"),
        (404, {"detail": "Session not found"}, DevinNotFoundError, 1, "Session not found"),
        (422, {"detail": [{"loc": ["query", "first"], "msg": "Input should be less than or equal to 200",
                           "type": "less_than_equal"}]}, DevinStatusError, 1,
         "first: Input should be less than or equal to 200"),
        (400, {"detail": "Invalid cursor"}, DevinStatusError, 1, "Invalid cursor"),
        (429, {"detail": "Too many requests"}, DevinRateLimitError, 3, "Too many requests"),
        (500, {"detail": "Internal Server Error"}, DevinServerError, 3, "Internal Server Error"),
        (502, {"detail": "Bad Gateway"}, DevinServerError, 3, "Bad Gateway"),
        (503, {"detail": "Service Unavailable"}, DevinServerError, 3, "Service Unavailable"),
    ],
)  # fmt: skip
async def test_client_maps_status_to_error_class_and_retries_only_transient_ones(
    fake: FakeDevin, sleep: RecordingSleep, status: int, body: Any, error_type: type[DevinError], attempts: int,
    detail: str,
) -> None:  # fmt: skip
    fake.on("GET", SESSION_PATH, reply(status, body))
    with pytest.raises(error_type) as caught:
        await make_client(fake, sleep).get_session(SID)
    error = caught.value
    assert type(error) is error_type
    assert (error.status, error.method, error.path, error.detail) == (status, "GET", SESSION_PATH, detail)
    assert len(fake.calls) == attempts
    assert len(sleep.waits) == attempts - 1


@pytest.mark.parametrize(
    ("failure", "error_type"),
    [(httpx.ReadTimeout, DevinTimeoutError), (httpx.ConnectTimeout, DevinTimeoutError),
     (httpx.ConnectError, DevinConnectionError), (httpx.RemoteProtocolError, DevinConnectionError)],
)  # fmt: skip
async def test_client_maps_network_failures_and_retries_get(
    fake: FakeDevin, sleep: RecordingSleep, failure: type[httpx.TransportError], error_type: type[DevinError]
) -> None:
    fake.on("GET", SESSION_PATH, fail(failure))
    with pytest.raises(error_type) as caught:
        await make_client(fake, sleep).get_session(SID)
    assert type(caught.value) is error_type
    assert isinstance(caught.value.__cause__, failure)
    assert len(fake.calls) == INTERACTIVE_RETRY.max_attempts
    assert all(0 <= wait <= INTERACTIVE_RETRY.backoff_max for wait in sleep.waits)


async def test_client_get_recovers_after_two_503s(fake: FakeDevin, sleep: RecordingSleep) -> None:
    fake.on("GET", SESSION_PATH, reply(503, {"detail": "x"}), reply(503, {"detail": "x"}), reply(json=session_json()))
    session = await make_client(fake, sleep).get_session(SID)
    assert session.session_id == SID
    assert len(fake.calls) == 3 and len(sleep.waits) == 2


async def test_client_non_json_body_is_invalid_response(fake: FakeDevin, sleep: RecordingSleep) -> None:
    fake.on("GET", SESSION_PATH, reply(200, text="<html>maintenance</html>", headers={"Content-Type": "text/html"}))
    with pytest.raises(DevinInvalidResponseError, match="not JSON") as caught:
        await make_client(fake, sleep).get_session(SID)
    assert caught.value.status == 200
    assert len(fake.calls) == 1  # a 200 that cannot be read is not transient


@pytest.mark.parametrize(
    "body", [["not", "an", "object"], {"detail": "ok"}, {"session_id": 42, "url": None}, session_json(tags="x")]
)
async def test_client_wrong_shape_json_is_invalid_response(fake: FakeDevin, sleep: RecordingSleep, body: Any) -> None:
    fake.on("GET", SESSION_PATH, reply(json=body))
    with pytest.raises(DevinInvalidResponseError, match="unexpected response shape"):
        await make_client(fake, sleep).get_session(SID)
    assert len(fake.calls) == 1


async def test_client_wrong_shape_page_is_invalid_response(fake: FakeDevin, sleep: RecordingSleep) -> None:
    fake.on("GET", LIST_PATH, reply(json={"items": "nope", "has_next_page": False}))
    with pytest.raises(DevinInvalidResponseError):
        await _drain(make_client(fake, sleep).list_sessions())


@pytest.mark.parametrize(
    "failure",
    [reply(503, {"detail": "x"}), reply(500, {"detail": "x"}), fail(httpx.ReadTimeout), fail(httpx.ConnectError)],
)
async def test_client_generate_does_not_retry_non_429_failures(
    fake: FakeDevin, sleep: RecordingSleep, failure: Reply
) -> None:
    fake.on("POST", GENERATE_PATH, failure)
    with pytest.raises(DevinError):
        await make_client(fake, sleep).generate_session_insights(SID)
    assert len(fake.calls) == 1 and sleep.waits == []


async def test_client_generate_retries_429_and_honours_retry_after(fake: FakeDevin, sleep: RecordingSleep) -> None:
    throttled = reply(429, {"detail": "Too many requests"}, headers={"Retry-After": "2"})
    fake.on("POST", GENERATE_PATH, throttled, reply(json={"session_id": SID, "status": "started"}))
    result = await make_client(fake, sleep).generate_session_insights(SID)
    assert (result.session_id, result.status) == (SID, "started")
    assert sleep.waits == [2.0]
    assert [c.method for c in fake.calls] == ["POST", "POST"]


async def test_client_get_waits_exactly_retry_after_each_time(fake: FakeDevin, sleep: RecordingSleep) -> None:
    fake.on(
        "GET",
        SESSION_PATH,
        reply(429, {"detail": "slow down"}, headers={"Retry-After": "1"}),
        reply(429, {"detail": "slow down"}, headers={"Retry-After": "3"}),
        reply(json=session_json()),
    )
    await make_client(fake, sleep).get_session(SID)
    assert sleep.waits == [1.0, 3.0]


async def test_client_retry_after_beyond_budget_raises_at_once(fake: FakeDevin, sleep: RecordingSleep) -> None:
    fake.on("GET", SESSION_PATH, reply(429, {"detail": "Too many requests"}, headers={"Retry-After": "600"}))
    with pytest.raises(DevinRateLimitError) as caught:
        await make_client(fake, sleep).get_session(SID)
    assert caught.value.retry_after == 600.0
    assert sleep.waits == []  # waiting 600 s would break the 8 s interactive budget: give up now
    assert len(fake.calls) == 1


async def test_client_attempts_bounded_by_policy(fake: FakeDevin, sleep: RecordingSleep) -> None:
    fake.on("GET", SESSION_PATH, reply(503, {"detail": "down"}))
    with pytest.raises(DevinServerError):
        await make_client(fake, sleep, BACKGROUND_RETRY).get_session(SID)
    assert len(fake.calls) == BACKGROUND_RETRY.max_attempts
    assert len(sleep.waits) == BACKGROUND_RETRY.max_attempts - 1
    assert all(0 <= wait <= BACKGROUND_RETRY.backoff_max for wait in sleep.waits)


async def test_client_with_retry_shares_transport_but_changes_policy(fake: FakeDevin, sleep: RecordingSleep) -> None:
    fake.on("GET", SESSION_PATH, reply(503, {"detail": "down"}))
    client = make_client(fake, sleep).with_retry(RetryPolicy(budget_seconds=5, max_attempts=2))
    with pytest.raises(DevinServerError):
        await client.get_session(SID)
    assert len(fake.calls) == 2


# --- the key never leaks -------------------------------------------------------------------------------------

LEAK_SCENARIOS: list[tuple[str, Reply]] = [
    ("401", reply(401, {"detail": "Invalid or missing credentials"})),
    ("403", reply(403, {"detail": "Service user lacks required permission: ViewOrgSessions"})),
    ("404", reply(404, {"detail": "Session not found"})),
    ("422", reply(422, {"detail": [{"loc": ["query", "first"], "msg": "bad", "type": "x"}]})),
    ("429", reply(429, {"detail": "Too many requests"}, headers={"Retry-After": "900"})),
    ("503", reply(503, {"detail": "Service Unavailable"})),
    ("timeout", fail(httpx.ReadTimeout)),
    ("connect", fail(httpx.ConnectError)),
    ("not-json", reply(200, text="<html>oops</html>")),
    ("wrong-shape", reply(json={"unexpected": True})),
]


def _texts_of(error: BaseException) -> list[str]:
    texts = ["".join(traceback.format_exception(error))]
    seen: BaseException | None = error
    while seen is not None:
        texts += [str(seen), repr(seen), repr(vars(seen))]
        seen = seen.__cause__ or seen.__context__
    return texts


@pytest.mark.parametrize(("name", "failure"), LEAK_SCENARIOS, ids=[name for name, _ in LEAK_SCENARIOS])
async def test_client_never_puts_key_in_errors_or_logs(
    fake: FakeDevin, sleep: RecordingSleep, caplog: pytest.LogCaptureFixture, name: str, failure: Reply
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.on("GET", SESSION_PATH, failure)
    with pytest.raises(DevinError) as caught:
        await make_client(fake, sleep).get_session(SID)
    for text in _texts_of(caught.value):
        assert KEY not in text and "TESTSECRET" not in text
    assert caplog.records, "the failure should have been logged"
    for record in caplog.records:
        assert "TESTSECRET" not in record.getMessage()
        assert "TESTSECRET" not in repr(vars(record))


# --- end to end: the client against the simulated org over real HTTP ------------------------------------------


async def test_e2e_get_self_names_the_org(devin_client: DevinClient) -> None:
    principal = await devin_client.get_self()
    assert principal.principal_type == "service_user"
    assert principal.org_id == SANDBOX_ORG_ID


async def test_e2e_get_session_and_insights(devin_client: DevinClient) -> None:
    session = await devin_client.get_session(SEED_WITH_ANALYSIS)
    assert session.title == "Fix 500 on refund endpoint when payment record is missing"
    with_analysis = await devin_client.get_session_insights(SEED_WITH_ANALYSIS)
    assert with_analysis.analysis is not None and len(with_analysis.analysis.issues) == 2
    without = await devin_client.get_session_insights(SEED_WITHOUT_ANALYSIS)
    assert without.analysis is None and without.num_devin_messages == 6


async def test_e2e_generate_then_poll_until_analysis_arrives(
    devin_client: DevinClient, devin_sim: DevinSimulator, devin_clock: ManualClock
) -> None:
    assert (await devin_client.generate_session_insights(SEED_WITHOUT_ANALYSIS)).status == "started"
    assert (await devin_client.get_session_insights(SEED_WITHOUT_ANALYSIS)).analysis is None
    assert (await devin_client.generate_session_insights(SEED_WITHOUT_ANALYSIS)).status == "already_exists"
    devin_clock.advance(devin_sim.insights_delay)
    insights = await devin_client.get_session_insights(SEED_WITHOUT_ANALYSIS)
    assert insights.analysis is not None and insights.analysis.timeline
    assert (await devin_client.generate_session_insights(SEED_WITHOUT_ANALYSIS)).status == "already_exists"


async def test_e2e_session_without_devin_messages_never_gets_analysis(
    devin_client: DevinClient, devin_sim: DevinSimulator, devin_clock: ManualClock
) -> None:
    assert (await devin_client.generate_session_insights(SEED_NO_DEVIN_MESSAGES)).status == "started"
    devin_clock.advance(devin_sim.insights_delay * 10)
    assert (await devin_client.get_session_insights(SEED_NO_DEVIN_MESSAGES)).analysis is None
    assert (await devin_client.generate_session_insights(SEED_NO_DEVIN_MESSAGES)).status == "started"


async def test_e2e_list_sessions_pages_with_filters(devin_client: DevinClient, devin_sim: DevinSimulator) -> None:
    added = {devin_sim.add_session(tags=["e2e-page"], user_id="user-e2e")["session_id"] for _ in range(5)}
    devin_sim.add_session(tags=["e2e-page"], user_id="user-other")
    devin_sim.clear_requests()
    filters = SessionFilters(tags=("e2e-page", "unused-tag"), user_ids=("user-e2e",))
    found = [s.session_id async for s in devin_client.list_sessions(filters, page_size=2)]
    assert set(found) == added and len(found) == 5
    requests = devin_sim.requests_to("/sessions")
    assert len(requests) == 3
    assert all(("tags", "e2e-page") in r.query and ("tags", "unused-tag") in r.query for r in requests)
    assert [dict(r.query).get("after") is None for r in requests] == [True, False, False]


async def test_e2e_list_all_seeded_sessions_and_insights(devin_client: DevinClient, devin_sim: DevinSimulator) -> None:
    sessions = [s async for s in devin_client.list_sessions(page_size=10)]
    assert {s.session_id for s in sessions} == {r["session_id"] for r in devin_sim.sessions()}
    insights = [s async for s in devin_client.list_session_insights(page_size=50)]
    assert len(insights) == len(sessions)
    by_id = {s.session_id: s for s in insights}
    assert by_id[SEED_WITH_ANALYSIS].analysis is not None and by_id[SEED_WITHOUT_ANALYSIS].analysis is None
    assert by_id[SEED_OUT_OF_CREDITS].session_size == "l"


async def test_e2e_unknown_session_is_not_found(devin_client: DevinClient) -> None:
    with pytest.raises(DevinNotFoundError):
        await devin_client.get_session(UNKNOWN_SESSION_ID)


async def test_e2e_wrong_key_and_wrong_org_are_auth_errors(devin_sim: DevinSimulator) -> None:
    wrong_key = local_devin_client(devin_sim.url, api_key="cog_wrong")
    wrong_org = local_devin_client(devin_sim.url, org_id="org-someoneelse")
    try:
        with pytest.raises(DevinAuthError) as caught:
            await wrong_key.get_self()
        assert caught.value.status == 401
        with pytest.raises(DevinAuthError) as caught:
            await wrong_org.get_session(SEED_WITH_ANALYSIS)
        assert caught.value.status == 403
    finally:
        await wrong_key.aclose()
        await wrong_org.aclose()


async def test_e2e_generate_without_manage_permission_is_auth_error(
    devin_client: DevinClient, devin_sim: DevinSimulator
) -> None:
    devin_sim.manage_sessions = False
    with pytest.raises(DevinAuthError, match="ManageOrgSessions"):
        await devin_client.generate_session_insights(SEED_WITHOUT_ANALYSIS)


async def test_e2e_429_with_retry_after_then_success(
    devin_client: DevinClient, devin_sim: DevinSimulator, devin_sleep: RecordingSleep
) -> None:
    devin_sim.inject(retry_after=2, path_contains="/sessions/")
    session = await devin_client.get_session(SEED_WITH_ANALYSIS)
    assert session.session_id == SEED_WITH_ANALYSIS
    assert devin_sleep.waits == [2.0]
    assert len(devin_sim.requests_to(SEED_WITH_ANALYSIS)) == 2


async def test_e2e_two_503s_then_success(
    devin_client: DevinClient, devin_sim: DevinSimulator, devin_sleep: RecordingSleep
) -> None:
    devin_sim.inject(status=503, times=2)
    assert (await devin_client.get_self()).org_id == SANDBOX_ORG_ID
    assert len(devin_sim.requests_to("/v3/self")) == 3 and len(devin_sleep.waits) == 2


async def test_e2e_dropped_connection_is_retried(devin_client: DevinClient, devin_sim: DevinSimulator) -> None:
    devin_sim.inject(drop=True)
    assert (await devin_client.get_self()).principal_type == "service_user"
    assert len(devin_sim.requests_to("/v3/self")) == 2


async def test_e2e_dropped_connection_fails_generate_at_once(
    devin_client: DevinClient, devin_sim: DevinSimulator
) -> None:
    devin_sim.inject(drop=True, path_contains="/generate")
    with pytest.raises(DevinConnectionError):
        await devin_client.generate_session_insights(SEED_WITHOUT_ANALYSIS)
    assert len(devin_sim.requests_to("/generate")) == 1


async def test_e2e_malformed_answers_are_invalid_responses(
    devin_client: DevinClient, devin_sim: DevinSimulator
) -> None:
    devin_sim.inject(malformed="not_json")
    with pytest.raises(DevinInvalidResponseError):
        await devin_client.get_session(SEED_WITH_ANALYSIS)
    devin_sim.inject(malformed="wrong_shape")
    with pytest.raises(DevinInvalidResponseError):
        await devin_client.get_session(SEED_WITH_ANALYSIS)


async def test_e2e_unknown_enum_values_survive(devin_client: DevinClient, devin_sim: DevinSimulator) -> None:
    devin_sim.inject(malformed="unknown_enum")
    session = await devin_client.get_session(SEED_WITH_ANALYSIS)
    assert (session.status, session.status_detail, session.origin) == ("hibernating", "quantum_nap", "carrier_pigeon")


async def test_e2e_timeout_when_devin_is_slow(devin_sim: DevinSimulator, devin_sleep: RecordingSleep) -> None:
    devin_sim.inject(latency=30, times=-1)
    policy = RetryPolicy(budget_seconds=0.3, max_attempts=2)
    client = local_devin_client(devin_sim.url, retry=policy, sleep=devin_sleep)
    try:
        with pytest.raises(DevinTimeoutError):
            await client.get_self()
    finally:
        await client.aclose()


async def test_e2e_key_absent_from_logs_and_recordings(
    devin_client: DevinClient, devin_sim: DevinSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    devin_sim.inject(status=503, times=-1)
    with pytest.raises(DevinServerError):
        await devin_client.get_session(SEED_WITH_ANALYSIS)
    assert caplog.records
    secret = SANDBOX_API_KEY.removeprefix("cog_")
    assert all(secret not in record.getMessage() and secret not in repr(vars(record)) for record in caplog.records)
    assert secret not in repr(devin_sim.recorded())


async def test_client_scrubs_a_key_echoed_in_an_error_body() -> None:
    key = "cog_echoed_secret_value_123456"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"detail": f"bad header Authorization: Bearer {key}"})

    client = DevinClient.create(
        api_url="https://devin.test", api_key=key, org_id="org-x", transport=httpx.MockTransport(handler)
    )
    with pytest.raises(DevinError) as caught:
        await client.get_self()
    await client.aclose()
    assert key not in str(caught.value) and key not in (caught.value.detail or "")
    assert "[redacted]" in str(caught.value)


async def test_client_list_sessions_stops_a_devin_with_a_fresh_next_cursor_for_ever(
    fake: FakeDevin, sleep: RecordingSleep
) -> None:
    def endless(request: httpx.Request) -> httpx.Response:
        page = {"items": [], "end_cursor": f"CUR{len(fake.calls)}", "has_next_page": True}
        return httpx.Response(200, json=page)

    fake.on("GET", LIST_PATH, endless)
    with pytest.raises(DevinInvalidResponseError, match=f"more than {PAGES_MAX} pages"):
        _ = [s async for s in make_client(fake, sleep).list_sessions()]
    assert len(fake.calls) == PAGES_MAX
