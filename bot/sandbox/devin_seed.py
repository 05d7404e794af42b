"""The seeded sandbox org: a deterministic, realistic set of Devin sessions laid out relative to a clock.

Everything here is data. Times are relative to the `now` the simulator passes in, except for the two
sessions copied exactly from `reference/devin-api-examples.json`, which keep their fixed January 2026
times. Ids come from a hash of a name, so they are stable across runs and look like real ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from bot.sandbox import SANDBOX_ORG_ID

APP_URL = "https://app.devin.ai"
MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
MESSAGES_MAX = 300
"""Synthetic transcripts stop here, however large the session's counters are."""


def seed_id(name: str) -> str:
    """A stable, valid-looking session id derived from a name (no randomness)."""
    return "devin-" + hashlib.sha256(f"devin-insights-sandbox:{name}".encode()).hexdigest()[:32]


SEED_WITH_ANALYSIS = "devin-3f9c2a7be14d4c0f9a61d2e8b7c45a90"
"""The examples file's insights session: exit, merged PR, full analysis (exact data, fixed 2026-01 times)."""
SEED_WITHOUT_ANALYSIS = "devin-fd0db1d69c804f9cb115b6d39944bce9"
"""The examples file's session with `analysis: null` and 6 Devin messages, so generation succeeds."""
SEED_OUT_OF_CREDITS = "devin-c62083ff56314d3da1c29345c80186be"
"""Suspended `out_of_credits`, updated 3 hours ago (older than the alerts' 60-minute first-start lookback)."""
SEED_RUNNING = seed_id("running")
"""Running / working, updated minutes ago; the demo suspends it."""
SEED_HOSTILE_TITLE = seed_id("hostile-title")
"""Title, tags, PR URL and analysis full of mrkdwn and Slack control sequences."""
SEED_LONG_TITLE = seed_id("long-title")
SEED_UNICODE_TITLE = seed_id("unicode-title")
SEED_RTL_TITLE = seed_id("rtl-title")
SEED_HUGE_ANALYSIS = seed_id("huge-analysis")
"""60 issues, 80 action items, 120 timeline events, a 5,000-character suggested prompt."""
SEED_UNTITLED = seed_id("untitled")
SEED_NO_DEVIN_MESSAGES = seed_id("no-devin-messages")
"""`num_devin_messages == 0`: generation is accepted but never produces an analysis."""
SEED_UNKNOWN_STATUS = seed_id("unknown-status")
"""`status` and `status_detail` values no documented enum has."""
SEED_UNKNOWN_ENUMS = seed_id("history-9")
"""An `origin` and a `category` no documented enum has."""
SEED_ARCHIVED = seed_id("archived")
SEED_PARENT = seed_id("parent")
SEED_CHILDREN = tuple(seed_id(f"child-{n}") for n in range(3))
SEED_RECENT_BILLING = seed_id("recent-billing")
"""Suspended `out_of_quota` five minutes ago; present only when the caller asks for it."""
UNKNOWN_SESSION_ID = seed_id("does-not-exist")
"""A well-formed id that no seeded session has."""

SEED_SUSPENDED_BY_REASON: dict[str, str] = {
    "inactivity": SEED_WITHOUT_ANALYSIS,
    "out_of_credits": SEED_OUT_OF_CREDITS,
    **{
        reason: seed_id(f"suspended-{reason}")
        for reason in (
            "user_request",
            "usage_limit_exceeded",
            "out_of_quota",
            "no_quota_allocation",
            "payment_declined",
            "org_usage_limit_exceeded",
            "user_usage_limit_exceeded",
            "total_session_limit_exceeded",
            "error",
        )
    },
}
"""One suspended session per documented reason (§10.2); none of them was updated in the last 60 minutes."""

USER_ALICE = "user-7a41c2e9d3b5"
USER_BORIS = "user-2b9e07c4f1d8"
USER_CHEN = "user-5d3f81a6c2e0"
USER_DANA = "user-9c6b2e4a7f13"
SERVICE_USER = "service-user-abc123"

HOSTILE_TITLE = (
    "<!channel> *URGENT* deploy `main` now & ping <@U123> — see <https://evil.example|click here> "
    "<!here> &amp; ~gone~ _x_ > quoted ```code``` <#C0SECRET> <!subteam^S123|@oncall>"
)
LONG_TITLE = (
    "Investigate why the nightly reconciliation job for the ledger service intermittently double-counts refunds "
    "issued across a month boundary when the payment provider delivers the settlement webhook late, reproduce it "
    "with the March fixtures, add a regression test, make the job idempotent per settlement id, and document the "
    "recovery procedure for finance in the runbook so on-call can re-run a single day safely"
)
UNICODE_TITLE = "修复结账页面的内存泄漏 🐛🔥 (checkout memory leak) — 👩‍💻 naïve café résumé"
RTL_TITLE = "إصلاح خطأ التحقق من صحة النموذج في صفحة الدفع"

# --- analyses ---------------------------------------------------------------------------------------

Issue = tuple[str, str, str]
"""(issue, impact, label); ids are issue_1, issue_2, … in order."""
Action = tuple[str, int | None, str]
"""(action_item, issue number or None, type)."""
Step = tuple[str, str, str, int | None]
"""(title, description, color, issue number or None)."""
Feedback = tuple[str, str, str, int | None]
"""(summary, excerpt, details, issue number or None)."""
Note = tuple[str, str, str]
"""(note_id, message, reason)."""


def _issue_id(number: int | None) -> str | None:
    return None if number is None else f"issue_{number}"


def analysis(
    classification: tuple[str, float, list[str], list[str]] | None,
    issues: list[Issue],
    actions: list[Action],
    timeline: list[Step],
    prompt: tuple[str, str, list[Feedback]] | None,
    notes: tuple[list[Note], list[Note]] | None = None,
) -> dict[str, Any]:
    """A `SessionInsightsAnalysis` dict from compact tuples."""
    result: dict[str, Any] = {}
    if classification is not None:
        category, confidence, languages, tools = classification
        result["classification"] = {
            "category": category,
            "confidence": confidence,
            "programming_languages": languages,
            "tools_and_frameworks": tools,
        }
    else:
        result["classification"] = None
    result["issues"] = [
        {"id": f"issue_{n}", "issue": text, "impact": impact, "label": label}
        for n, (text, impact, label) in enumerate(issues, start=1)
    ]
    result["action_items"] = [{"action_item": t, "issue_id": _issue_id(i), "type": k} for t, i, k in actions]
    result["timeline"] = [
        {"title": t, "description": d, "color": c, "issue_id": _issue_id(i)} for t, d, c, i in timeline
    ]
    result["suggested_prompt"] = None
    if prompt is not None:
        original, suggested, feedback = prompt
        result["suggested_prompt"] = {
            "original_prompt": original,
            "suggested_prompt": suggested,
            "feedback_items": [
                {"summary": s, "excerpt": e, "details": d, "issue_id": _issue_id(i)} for s, e, d, i in feedback
            ],
        }
    result["note_usage"] = None
    if notes is not None:
        result["note_usage"] = {
            key: [{"note_id": n, "message": m, "reason": r} for n, m, r in items]
            for key, items in zip(("good_usages", "bad_usages"), notes, strict=True)
        }
    return result


def example_analysis() -> dict[str, Any]:
    """The analysis of `devin-3f9c…` exactly as in the examples file."""
    return analysis(
        ("bug_fixing", 0.91, ["Python", "SQL"], ["FastAPI", "SQLAlchemy", "pytest"]),
        [
            (
                "Devin could not start the test database because the DATABASE_URL secret was not configured "
                "for the session.",
                "High",
                "Configuration",
            ),
            (
                "The initial prompt did not say which endpoint returned the 500 error, so Devin spent several "
                "steps reproducing the wrong request.",
                "Medium",
                "Prompt clarity",
            ),
        ],
        [
            (
                "Add DATABASE_URL (pointing at the CI Postgres instance) to the organization secrets and mark it "
                "available to sessions.",
                1,
                "machine_setup",
            ),
            (
                "Create a Knowledge note describing how to run the API test suite locally "
                "(docker compose up db && pytest -q tests/api).",
                1,
                "knowledge",
            ),
            (
                "Name the failing route and include the stack trace when asking Devin to fix a 500 error.",
                2,
                "prompt_improvement",
            ),
        ],
        [
            (
                "Cloned repository and read the bug report",
                "Devin cloned acme/orders-api, read the linked issue and located the orders router.",
                "green",
                None,
            ),
            (
                "Test database failed to start",
                "pytest aborted because DATABASE_URL was missing; Devin tried two workarounds before asking the user.",
                "red",
                1,
            ),
            (
                "Reproduced the wrong request",
                "Devin reproduced an error on /orders instead of /orders/{id}/refund before the user clarified.",
                "yellow",
                2,
            ),
            (
                "Fix implemented and PR opened",
                "Null check added to the refund handler, regression test added, PR #482 opened.",
                "green",
                None,
            ),
        ],
        (
            "fix the 500 error in orders",
            "In acme/orders-api, POST /orders/{id}/refund returns HTTP 500 when the order has no payment record "
            "(stack trace below). Add a guard that returns 409 instead, add a regression test in "
            "tests/api/test_refunds.py, run `pytest -q tests/api` and open a PR against main.",
            [
                (
                    "Name the failing endpoint",
                    "the 500 error in orders",
                    "The orders service has several routes; naming the exact route and method avoids reproducing "
                    "the wrong failure.",
                    2,
                ),
                (
                    "State how to verify the fix",
                    "fix",
                    "Saying which test command proves the fix lets Devin finish without asking for confirmation.",
                    None,
                ),
            ],
        ),
        (
            [
                (
                    "note-2f7d9c1e8a3b4d5f9e0a1b2c3d4e5f60",
                    "Used the 'Branch naming' note when creating the PR branch.",
                    "The note was relevant and Devin followed it (branch devin/1767261600-refund-500).",
                )
            ],
            [
                (
                    "note-8c0b1a2d3e4f5061728394a5b6c7d8e9",
                    "Ignored the 'Run tests with docker compose' note.",
                    "The note explained how to start the test database, which would have avoided issue_1.",
                )
            ],
        ),
    )


def analysis_ci() -> dict[str, Any]:
    """A CI/infrastructure story: a missing secret and a flaky network call."""
    return analysis(
        ("ci_cd_and_devops", 0.84, ["TypeScript", "YAML"], ["GitHub Actions", "Docker", "pnpm"]),
        [
            ("The CI cache key ignored pnpm-lock.yaml, so every run reinstalled dependencies.", "Medium", "CI"),
            ("Devin had no AWS credentials in the session and could not reproduce the S3 upload.", "High", "Access"),
        ],
        [
            ("Key the dependency cache on the lockfile hash in .github/workflows/ci.yml.", 1, "repo_config"),
            ("Give the session a read-only AWS role through the org secrets.", 2, "machine_setup"),
            ("Mention the bucket and region in the prompt when asking about uploads.", 2, "prompt_improvement"),
        ],
        [
            ("Read the workflow files", "Devin inspected the three workflows and the Dockerfile.", "green", None),
            ("Found the cache miss", "The cache key did not include the lockfile hash.", "yellow", 1),
            ("Upload could not be reproduced", "No AWS credentials were available in the session.", "red", 2),
            ("Opened the PR", "Caching fixed; CI time went from 14 to 6 minutes.", "green", None),
        ],
        (
            "ci is slow and uploads fail sometimes",
            "In acme/web-dashboard, CI takes 14 minutes because dependencies are reinstalled every run. Cache "
            "node_modules keyed on pnpm-lock.yaml. Separately, add retries with backoff to the S3 upload worker "
            "(bucket acme-artifacts, eu-west-1). Open one PR per change.",
            [("Split unrelated tasks", "ci is slow and uploads fail", "Two problems in one prompt.", None)],
        ),
    )


def analysis_feature() -> dict[str, Any]:
    """A feature story with an unclear specification."""
    return analysis(
        ("feature_development", 0.88, ["Python", "TypeScript"], ["Django", "React"]),
        [("The expected CSV columns were not specified and had to be asked for twice.", "Medium", "Requirements")],
        [
            ("Attach a sample of the expected export when requesting a new report format.", 1, "prompt_improvement"),
            ("Add a Knowledge note listing the report column conventions.", 1, "knowledge"),
        ],
        [
            ("Explored the reports module", "Devin located the report builder and its tests.", "green", None),
            ("Asked for the column list", "Devin paused twice to confirm the columns.", "yellow", 1),
            ("Implemented export", "CSV export with streaming response and tests; two PRs opened.", "green", None),
        ],
        (
            "add csv export to orders report",
            "Add a CSV export button to the orders report (columns: order id, customer, total, currency, status, "
            "created at). Stream the response, add tests, and open PRs in orders-api and web-dashboard.",
            [("List the columns", "csv export", "The column list was the main open question.", 1)],
        ),
        ([("note-1a2b3c4d5e6f708192a3b4c5d6e7f809", "Followed 'API pagination'.", "Applied to the export.")], []),
    )


def analysis_refactor() -> dict[str, Any]:
    """A refactoring story with a slow test suite; no note usage."""
    return analysis(
        ("refactoring_and_optimization", 0.77, ["Python"], ["pytest", "mypy"]),
        [
            ("The full test suite takes 25 minutes, so Devin ran it only once.", "High", "Testing"),
            ("Circular imports appeared when the module was split.", "Low", "Code structure"),
        ],
        [
            ("Document how to run a subset of the tests (pytest -k) in a Knowledge note.", 1, "knowledge"),
            ("Enable pytest-xdist in the repo setup so the suite runs in parallel.", 1, "repo_config"),
            ("Split the refactor into smaller sessions per package.", 2, "other"),
        ],
        [
            ("Mapped the module", "Devin listed 41 public functions and their callers.", "green", None),
            ("Slow test run", "One full test run took 25 minutes.", "red", 1),
            ("Fixed circular imports", "Moved shared types into notifications/types.py.", "yellow", 2),
        ],
        None,
    )


def analysis_minimal(*, hostile: bool = False) -> dict[str, Any]:
    """An analysis that omits the optional lists entirely (the models default them)."""
    text = "Escaping check: <!channel> <@U123> *bold* `tick` &amp; <https://evil.example|click>" if hostile else ""
    issue = text or "The on-call policy lives in two places that disagree."
    return {
        "classification": {"category": "documentation", "confidence": 0.6},
        "issues": [{"id": "issue_1", "issue": issue, "impact": "Low", "label": text or "Documentation"}],
    }


_COMPONENTS = ("auth", "billing", "search", "checkout", "notifications", "reports", "ledger", "web", "api", "etl")
_LABELS = ("Configuration", "Testing", "Prompt clarity", "Environment", "Dependencies", "Code structure")
_TYPES = ("machine_setup", "repo_config", "knowledge", "prompt_improvement", "other")
_COLORS = ("green", "yellow", "red", "blue")


def huge_analysis() -> dict[str, Any]:
    """An analysis far larger than any Slack message can hold."""
    issues: list[Issue] = [
        (
            f"Jest-specific API `jest.{('mock', 'spyOn', 'useFakeTimers')[n % 3]}` in packages/"
            f"{_COMPONENTS[n % 10]} needed a manual rewrite (case {n + 1}); codemods missed it.",
            ("High", "Medium", "Low")[n % 3],
            _LABELS[n % len(_LABELS)],
        )
        for n in range(60)
    ]
    actions: list[Action] = [
        (
            f"Add a vitest.config.ts to packages/{_COMPONENTS[n % 10]} with the shared setup (item {n + 1}).",
            n % 60 + 1,
            _TYPES[n % len(_TYPES)],
        )
        for n in range(80)
    ]
    timeline: list[Step] = [
        (
            f"Step {n + 1}: migrate packages/{_COMPONENTS[n % 10]}",
            f"Converted {3 + n % 7} test files; {n % 4} needed manual fixes.",
            _COLORS[n % 4],
            (n % 60 + 1) if n % 3 == 0 else None,
        )
        for n in range(120)
    ]
    sentence = "Migrate every package from Jest to Vitest, keeping snapshots stable and coverage at 85% or more. "
    suggested = (sentence * (5000 // len(sentence) + 1))[:5000]
    feedback: list[Feedback] = [
        (f"Feedback {n + 1}", "migrate to vitest", f"Detail {n + 1}: say which packages come first.", n + 1)
        for n in range(30)
    ]
    notes: list[Note] = [(f"note-{n:032x}", f"Note {n} message.", f"Reason {n}.") for n in range(15)]
    return analysis(
        ("migrations_and_upgrades", 0.97, ["TypeScript", "JavaScript"], ["Jest", "Vitest", "pnpm", "Turborepo"]),
        issues,
        actions,
        timeline,
        ("migrate to vitest", suggested, feedback),
        (notes, notes[::-1]),
    )


def generated_analysis(session: Mapping[str, Any]) -> dict[str, Any]:
    """What a completed generation produces for a session that had none (deterministic)."""
    title = session.get("title") or "this session"
    category = session.get("category") or "other"
    return analysis(
        (str(category), 0.8, ["Python"], ["pytest"]),
        [(f"Devin needed two clarifications while working on: {title}", "Medium", "Prompt clarity")],
        [("Include the acceptance criteria in the first message.", 1, "prompt_improvement")],
        [
            ("Read the task", f"Devin read the request: {title}", "green", None),
            ("Asked for clarification", "Devin paused for the user's answer.", "yellow", 1),
            ("Finished the work", "Devin summarised the changes.", "green", None),
        ],
        (str(title), f"{title}. Acceptance: tests pass and a PR is opened against main.", []),
    )


# --- messages ---------------------------------------------------------------------------------------

_DEVIN_LINES = (
    "I'll start by cloning the repository and reading the relevant code.",
    "I found where this is handled; the change touches three files.",
    "Running the test suite now.",
    "Two tests fail on main already; I'll leave them alone and mention it in the PR.",
    "Tests pass locally. Opening a pull request.",
    "Quick question before I continue: should I keep the old behaviour behind a flag?",
)
_USER_LINES = ("Sounds good, go ahead.", "Yes, keep it behind a flag.", "Can you also add a changelog entry?")
_LAST_LINES = {
    "out_of_credits": "I have to pause: this organization has run out of credits.",
    "out_of_quota": "I have to pause: the ACU quota for this period is used up.",
    "payment_declined": "I have to pause: the last payment was declined.",
    "usage_limit_exceeded": "I have to pause: this session reached its usage limit.",
    "org_usage_limit_exceeded": "I have to pause: the organization reached its usage limit.",
    "user_usage_limit_exceeded": "I have to pause: you reached your own ACU limit.",
    "error": "Something went wrong on my side and I had to stop.",
}


def _event_id(session_id: str, n: int) -> str:
    return "evt-" + hashlib.sha256(f"{session_id}:{n}".encode()).hexdigest()[:32]


def synthetic_messages(session: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A transcript matching the session's counters (capped at MESSAGES_MAX), oldest first."""
    users, devins = int(session.get("num_user_messages", 1)), int(session.get("num_devin_messages", 0))
    total = min(users + devins, MESSAGES_MAX)
    start, end = int(session.get("created_at", 0)), int(session.get("updated_at", 0))
    step = max(1, (end - start) // max(total, 1))
    sources = ["user"] + ["devin"] * max(devins, 0)
    for n in range(1, users):  # spread the remaining user messages through the transcript
        sources.insert(min(len(sources), n * (len(sources) // users + 1)), "user")
    title = session.get("title") or "take a look at the failing job"
    messages = []
    for n, source in enumerate(sources[:total]):
        if n == 0:
            text = f"Please {title[:1].lower()}{title[1:]}."
        elif source == "user":
            text = _USER_LINES[n % len(_USER_LINES)]
        else:
            text = _DEVIN_LINES[n % len(_DEVIN_LINES)]
        messages.append(
            {
                "event_id": _event_id(session["session_id"], n),
                "message": text,
                "source": source,
                "created_at": start + n * step,
            }
        )
    last_line = _LAST_LINES.get(str(session.get("status_detail")))
    if session.get("status") == "suspended" and last_line and messages and messages[-1]["source"] == "devin":
        messages[-1] = {**messages[-1], "message": last_line}
    return messages


def seed_messages(now: float) -> dict[str, list[dict[str, Any]]]:
    """Hand-written transcripts (the examples file's three messages of the out-of-credits session, and more)."""
    created = int(now) - 5 * HOUR
    lines = [
        (
            "Please migrate our Stripe webhook handlers to the latest API version and update the signature checks.",
            "user",
            0,
        ),
        ("I'll start with the handler registry in payments/webhooks/__init__.py.", "devin", 300),
        ("There are 7 handlers; 3 of them use the deprecated `event.data.object` shape.", "devin", 900),
        ("Pinned the Stripe SDK to the new API version in requirements.txt.", "devin", 1500),
        ("Updated `charge.succeeded` and `charge.refunded`.", "devin", 2400),
        ("Updated `invoice.paid`; its payload moved `lines` under `invoice`.", "devin", 3300),
        ("Updated `customer.subscription.updated`.", "devin", 4200),
        ("I've updated 4 of the 7 handlers. Running the webhook test suite now.", "devin", 5400),
        ("12 of 14 webhook tests pass; the two failures are in the dispute handler.", "devin", 6000),
        ("The signature check now uses the new tolerance parameter.", "devin", 6300),
        ("Starting on the dispute handlers.", "devin", 6800),
        ("I have to pause: this organization has run out of credits.", "devin", 7100),
    ]
    messages = [
        {"event_id": _event_id(SEED_OUT_OF_CREDITS, n), "message": text, "source": source, "created_at": created + at}
        for n, (text, source, at) in enumerate(lines)
    ]
    return {SEED_OUT_OF_CREDITS: messages}


# --- sessions ---------------------------------------------------------------------------------------


def session_record(session_id: str, **fields: Any) -> dict[str, Any]:
    """A complete insights-shaped record: every required field filled with a sane default, `fields` on top."""
    record: dict[str, Any] = {
        "session_id": session_id,
        "url": f"{APP_URL}/sessions/{session_id.removeprefix('devin-')}",
        "org_id": SANDBOX_ORG_ID,
        "status": "running",
        "status_detail": "working",
        "tags": [],
        "created_at": 0,
        "updated_at": 0,
        "acus_consumed": 0.0,
        "pull_requests": [],
        "title": "Sandbox session",
        "user_id": USER_ALICE,
        "service_user_id": None,
        "playbook_id": None,
        "parent_session_id": None,
        "child_session_ids": None,
        "is_archived": False,
        "structured_output": None,
        "origin": "webapp",
        "category": None,
        "subcategory": None,
        "num_user_messages": 1,
        "num_devin_messages": 1,
        "session_size": "xs",
        "analysis": None,
    }
    record.update(fields)
    return record


def _pr(repo: str, number: int, state: str | None) -> dict[str, Any]:
    return {"pr_url": f"https://github.com/{repo}/pull/{number}", "pr_state": state}


def _examples() -> list[dict[str, Any]]:
    """The two insights sessions of the examples file, field for field."""
    with_analysis = session_record(
        SEED_WITH_ANALYSIS, status="exit", status_detail=None, tags=["bugfix", "orders-api"],
        created_at=1767261600, updated_at=1767266100, acus_consumed=7.85,
        pull_requests=[_pr("acme/orders-api", 482, "merged")],
        title="Fix 500 on refund endpoint when payment record is missing", origin="slack", category="bug_fixing",
        subcategory="API error fixes", num_user_messages=4, num_devin_messages=17, session_size="m",
        analysis=example_analysis(),
    )  # fmt: skip
    without_analysis = session_record(
        SEED_WITHOUT_ANALYSIS, status="suspended", status_detail="inactivity", tags=["deps"],
        created_at=1767348000, updated_at=1767352500, acus_consumed=2.1,
        pull_requests=[_pr("acme/web-dashboard", 77, "open")], title="Upgrade eslint to v9 in web-dashboard",
        num_user_messages=1, num_devin_messages=6, session_size="s",
    )  # fmt: skip
    return [with_analysis, without_analysis]


# Columns: id, title, status, status_detail, created (seconds ago), updated (seconds ago), other fields.
# The rows stay one per session on purpose, so the table reads as a table.
# fmt: off
def _active(now: int) -> list[dict[str, Any]]:
    r = _row_factory(now)
    return [
        r(SEED_RUNNING, "Add rate limiting to the public search API", "running", "working", 2 * HOUR, 4 * MINUTE,
          origin="slack", tags=["search", "api"], category="feature_development", subcategory="API endpoints",
          acus_consumed=3.2, num_user_messages=3, num_devin_messages=14, session_size="m"),
        r(seed_id("running-waiting-user"), "Investigate p99 latency regression in checkout-service", "running",
          "waiting_for_user", 6 * HOUR, 40 * MINUTE, origin="jira", category="production_investigation",
          user_id=USER_BORIS, tags=["perf", "checkout"], acus_consumed=5.9, num_user_messages=2,
          num_devin_messages=21, session_size="l"),
        r(seed_id("running-approval"), "Rotate the staging database credentials", "running", "waiting_for_approval",
          50 * MINUTE, 12 * MINUTE, origin="cli", category="ci_cd_and_devops", user_id=USER_CHEN, acus_consumed=0.8,
          num_devin_messages=5),
        r(seed_id("running-finished"), "Write unit tests for the invoice PDF renderer", "running", "finished",
          5 * HOUR, 25 * MINUTE, category="unit_test_generation", subcategory="Unit tests", tags=["billing"],
          pull_requests=[_pr("acme/billing-service", 1204, "open")], acus_consumed=4.4, num_user_messages=2,
          num_devin_messages=19, session_size="m", structured_output={"tests_added": 12, "coverage_delta": 3.4}),
        r(seed_id("running-django"), "Bump Django to 5.1 in billing-service", "running", "working", 90 * MINUTE,
          7 * MINUTE, origin="desktop", category="migrations_and_upgrades", user_id=USER_DANA,
          tags=["deps", "billing"], acus_consumed=1.7, num_devin_messages=8, session_size="s"),
        r(SEED_NO_DEVIN_MESSAGES, "Triage Sentry issue BILLING-2291", "new", None, 3 * MINUTE, 3 * MINUTE,
          origin="api", user_id=None, service_user_id=SERVICE_USER, num_devin_messages=0),
        r(seed_id("creating"), "Set up preview environments for web-dashboard", "creating", None, MINUTE, MINUTE,
          origin="linear", category="ci_cd_and_devops", num_devin_messages=0),
        r(seed_id("claimed"), "Port the CLI argument parser from argparse to click", "claimed", None, 2 * MINUTE,
          2 * MINUTE, origin="teams", user_id=USER_BORIS),
        r(seed_id("resuming"), "Finish the GraphQL schema docs", "resuming", None, 2 * DAY, MINUTE,
          category="documentation_and_content", acus_consumed=2.3, num_user_messages=3, num_devin_messages=12,
          session_size="s"),
        r(SEED_PARENT, "Upgrade every service to Node 22", "running", "waiting_for_user", 8 * HOUR, 50 * MINUTE,
          category="migrations_and_upgrades", child_session_ids=list(SEED_CHILDREN), acus_consumed=8.8,
          num_user_messages=2, num_devin_messages=16, session_size="m"),
        r(SEED_UNICODE_TITLE, UNICODE_TITLE, "running", "working", 3 * HOUR, 20 * MINUTE, origin="slack",
          category="bug_fixing", tags=["前端", "🐛"], acus_consumed=2.5, num_devin_messages=9),
        r(seed_id("error-status-recent"), "Fix the broken staging deploy", "error", "error", 30 * MINUTE,
          15 * MINUTE, origin="slack", category="ci_cd_and_devops", user_id=USER_BORIS, acus_consumed=0.6,
          num_devin_messages=2),
        r(SEED_UNKNOWN_STATUS, "Re-index the knowledge base after the schema change", "hibernating",
          "awaiting_capacity", 4 * HOUR, 3 * HOUR, category="data_and_automation", acus_consumed=0.2),
    ]


def _suspended(now: int, recent_billing: bool) -> list[dict[str, Any]]:
    r, by = _row_factory(now), SEED_SUSPENDED_BY_REASON
    rows = [
        r(SEED_OUT_OF_CREDITS, "Migrate payment webhooks to Stripe API 2025-xx", "suspended", "out_of_credits",
          5 * HOUR, 3 * HOUR, tags=["migration", "payments"], acus_consumed=24.6, user_id=None,
          service_user_id=SERVICE_USER, origin="api", category="migrations_and_upgrades", subcategory="Other",
          num_user_messages=1, num_devin_messages=11, session_size="l"),
        r(by["user_request"], "Refactor the notifications module into a package", "suspended", "user_request",
          3 * HOUR, 30 * MINUTE, category="refactoring_and_optimization", user_id=USER_CHEN, acus_consumed=3.0,
          num_user_messages=4, num_devin_messages=15, session_size="m", analysis=analysis_refactor()),
        r(by["usage_limit_exceeded"], "Generate OpenAPI clients for the partner SDKs", "suspended",
          "usage_limit_exceeded", 3 * DAY, 2 * DAY, origin="slack", category="feature_development",
          user_id=USER_DANA, acus_consumed=18.2, num_user_messages=2, num_devin_messages=31, session_size="l"),
        r(by["out_of_quota"], "Backfill missing tax codes on historical invoices", "suspended", "out_of_quota",
          30 * HOUR, 26 * HOUR, origin="automation", category="data_and_automation", user_id=None,
          service_user_id=SERVICE_USER, schedule_id="schedule-nightly-backfill", acus_consumed=11.0,
          num_devin_messages=9, session_size="m"),
        r(by["no_quota_allocation"], "Audit IAM policies for least privilege", "suspended", "no_quota_allocation",
          3 * DAY + HOUR, 3 * DAY, category="code_quality_and_security", user_id=USER_BORIS, acus_consumed=0.4,
          num_devin_messages=2),
        r(by["payment_declined"], "Replace moment.js with date-fns in web-dashboard", "suspended", "payment_declined",
          10 * HOUR, 8 * HOUR, origin="linear", category="refactoring_and_optimization", tags=["frontend"],
          pull_requests=[_pr("acme/web-dashboard", 91, None)], acus_consumed=6.6, num_user_messages=2,
          num_devin_messages=13, session_size="m"),
        r(by["org_usage_limit_exceeded"], "Add retries to the S3 upload worker", "suspended",
          "org_usage_limit_exceeded", 4 * HOUR, 2 * HOUR, origin="slack", category="bug_fixing", user_id=USER_CHEN,
          acus_consumed=9.3, num_user_messages=3, num_devin_messages=17, session_size="m", analysis=analysis_ci()),
        r(by["user_usage_limit_exceeded"], "Triage the weekly dependency scan findings", "suspended",
          "user_usage_limit_exceeded", 5 * HOUR, 3 * HOUR, origin="code_scan", category="security", user_id=USER_CHEN,
          devin_mode="fast", automation_id="automation-weekly-scan", acus_consumed=5.0, num_devin_messages=9),
        r(by["total_session_limit_exceeded"], "Summarise last quarter's incident reports", "suspended",
          "total_session_limit_exceeded", 4 * DAY + HOUR, 4 * DAY, category="research_and_exploration",
          acus_consumed=1.1, num_devin_messages=4),
        r(by["error"], "Containerise the legacy reporting service", "suspended", "error", 9 * HOUR, 6 * HOUR,
          origin="jira", category="ci_cd_and_devops", user_id=USER_DANA, acus_consumed=7.7, num_user_messages=2,
          num_devin_messages=22, session_size="l"),
        r(seed_id("out-of-credits-old"), "Add dark mode to the admin console", "suspended", "out_of_credits",
          6 * DAY, 5 * DAY, category="feature_development", user_id=USER_BORIS, acus_consumed=14.0,
          num_devin_messages=26, session_size="l"),
        r(seed_id("inactivity-recent"), "Explain how the feature-flag service caches rules", "suspended",
          "inactivity", 2 * HOUR, 10 * MINUTE, origin="slack", category="research_and_exploration",
          acus_consumed=0.9, num_devin_messages=3),
    ]
    if recent_billing:
        rows.append(r(SEED_RECENT_BILLING, "Load-test the new rate limiter", "suspended", "out_of_quota", HOUR,
                      5 * MINUTE, origin="api", category="ci_cd_and_devops", acus_consumed=12.5,
                      num_devin_messages=10, session_size="m"))
    return rows


def _finished(now: int) -> list[dict[str, Any]]:
    r = _row_factory(now)
    services = ("orders-api", "billing-service", "web-dashboard")
    huge_prs = [_pr("acme/web", 900 + n, s) for n, s in enumerate(("merged", "merged", "open", "closed", None))]
    return [
        r(seed_id("exit-feature"), "Add CSV export to the orders report", "exit", None, 2 * DAY, 2 * DAY - 3 * HOUR,
          origin="slack", category="feature_development", subcategory="Data export", tags=["orders"],
          pull_requests=[_pr("acme/orders-api", 501, "merged"), _pr("acme/web-dashboard", 88, "merged")],
          acus_consumed=6.1, num_user_messages=5, num_devin_messages=24, session_size="m",
          analysis=analysis_feature()),
        r(seed_id("exit-closed-pr"), "Speed up the CI pipeline by caching node_modules", "exit", None, 3 * DAY,
          3 * DAY - 2 * HOUR, category="ci_cd_and_devops", user_id=USER_CHEN, acus_consumed=2.9,
          pull_requests=[_pr("acme/web-dashboard", 79, "closed"), _pr("acme/web-dashboard", 80, "merged")],
          num_user_messages=2, num_devin_messages=11, session_size="s", analysis=analysis_ci()),
        r(seed_id("exit-minimal-analysis"), "Document the on-call escalation policy", "exit", None, DAY,
          DAY - HOUR, origin="teams", category="documentation_and_content", acus_consumed=0.7,
          num_devin_messages=4, analysis=analysis_minimal()),
        r(seed_id("exit-xl"), "Rewrite the search indexer in Rust", "exit", None, 6 * DAY, 4 * DAY,
          category="refactoring_and_optimization", user_id=USER_DANA, acus_consumed=61.3,
          pull_requests=[_pr("acme/search", 12, "open")], num_user_messages=38, num_devin_messages=240,
          session_size="xl", analysis=analysis_refactor()),
        r(seed_id("exit-no-messages"), "Summarise open Dependabot alerts", "exit", None, 7 * HOUR, 7 * HOUR - 60,
          origin="cli", num_devin_messages=0),
        r(seed_id("error-status"), "Migrate analytics jobs from Airflow 1 to Airflow 2", "error", None, 20 * HOUR,
          19 * HOUR, origin="jira", category="migrations_and_upgrades", acus_consumed=3.3, num_devin_messages=7),
        r(SEED_ARCHIVED, "Spike: evaluate pgvector for semantic search", "exit", None, 7 * DAY, 7 * DAY - HOUR,
          category="research_and_exploration", is_archived=True, acus_consumed=4.0, num_devin_messages=14,
          session_size="s"),
        r(seed_id("playbook"), "Weekly dependency update (playbook)", "exit", None, 26 * HOUR, 25 * HOUR,
          origin="automation", user_id=None, service_user_id=SERVICE_USER, playbook_id="playbook-deps-weekly",
          schedule_id="schedule-weekly-deps", tags=["deps", "automated"], category="migrations_and_upgrades",
          pull_requests=[_pr("acme/orders-api", 510, "open"), _pr("acme/billing-service", 1210, "merged")],
          acus_consumed=2.2, num_devin_messages=9),
        r(seed_id("code-scan"), "Fix CodeQL alert: SQL injection in report filters", "exit", None, 12 * HOUR,
          11 * HOUR, origin="code_scan", category="security", subcategory="Static analysis",
          pull_requests=[_pr("acme/orders-api", 515, "open")], acus_consumed=1.4, num_devin_messages=6),
        r(SEED_HOSTILE_TITLE, HOSTILE_TITLE, "exit", None, 5 * HOUR, 4 * HOUR, origin="slack",
          tags=["<!everyone>", "a&b", "`tick`"], category="other", acus_consumed=1.0, num_devin_messages=5,
          pull_requests=[{"pr_url": "https://github.com/acme/web/pull/7?x=<!channel>&y=|evil", "pr_state": "open"}],
          analysis=analysis_minimal(hostile=True)),
        r(SEED_LONG_TITLE, LONG_TITLE, "exit", None, 2 * DAY, 2 * DAY - 4 * HOUR, category="bug_fixing",
          tags=["ledger", "finance"], acus_consumed=12.9, num_user_messages=6, num_devin_messages=44,
          session_size="l", pull_requests=[_pr("acme/ledger", 77, "merged")]),
        r(SEED_RTL_TITLE, RTL_TITLE, "exit", None, 30 * HOUR, 29 * HOUR, origin="teams", category="bug_fixing",
          acus_consumed=1.8, num_devin_messages=7),
        r(SEED_UNTITLED, None, "exit", None, 14 * HOUR, 13 * HOUR, origin="api", user_id=None,
          service_user_id=SERVICE_USER, acus_consumed=0.3, num_devin_messages=2),
        r(SEED_HUGE_ANALYSIS, "Monorepo-wide migration from Jest to Vitest", "exit", None, 4 * DAY, 3 * DAY,
          category="migrations_and_upgrades", subcategory="Test tooling", tags=["frontend", "tests", "monorepo"],
          acus_consumed=48.75, num_user_messages=22, num_devin_messages=180, session_size="xl",
          pull_requests=huge_prs, analysis=huge_analysis()),
        *(
            r(child, f"Upgrade {svc} to Node 22", "exit", None, 8 * HOUR - 60, 5 * HOUR - n * 600, origin="api",
              parent_session_id=SEED_PARENT, category="migrations_and_upgrades", user_id=None,
              service_user_id=SERVICE_USER, pull_requests=[_pr(f"acme/{svc}", 600 + n, "merged")],
              acus_consumed=2.0 + n, num_devin_messages=7 + n)
            for n, (child, svc) in enumerate(zip(SEED_CHILDREN, services, strict=True))
        ),
        *(
            r(seed_id(f"history-{n}"), title, "exit", None, (n + 1) * 11 * HOUR, (n + 1) * 11 * HOUR - 2 * HOUR,
              origin=origin, category=category, user_id=user, tags=[repo], acus_consumed=round(1.5 + n * 0.9, 2),
              pull_requests=[_pr(f"acme/{repo}", 300 + n, state)], num_user_messages=1 + n % 4,
              num_devin_messages=5 + 3 * n, session_size=("xs", "s", "m", "l")[n % 4],
              analysis=analysis_feature() if n % 3 == 0 else None)
            for n, (title, origin, category, user, repo, state) in enumerate(_HISTORY)
        ),
    ]


_HISTORY = [
    ("Add pagination to the /customers endpoint", "slack", "feature_development", USER_ALICE, "orders-api", "merged"),
    ("Fix flaky test_checkout_total on CI", "jira", "bug_fixing", USER_BORIS, "checkout", "merged"),
    ("Remove dead feature flags older than 90 days", "webapp", "code_quality_and_security", USER_CHEN, "web", "open"),
    ("Write a migration guide for API v2 → v3", "linear", "documentation_and_content", USER_DANA, "docs", "closed"),
    ("Profile slow dashboard queries", "cli", "research_and_exploration", USER_ALICE, "web-dashboard", None),
    ("Review PR #231: new caching layer", "slack", "code_review", USER_BORIS, "billing-service", "merged"),
    ("Generate property tests for the money type", "desktop", "unit_test_generation", USER_CHEN, "ledger", "open"),
    ("Set up Renovate for the monorepo", "scheduled", "ci_cd_and_devops", USER_DANA, "infra", "merged"),
    ("Convert the ETL notebooks into Airflow DAGs", "other", "data_and_automation", USER_ALICE, "etl", "merged"),
    ("Tighten CSP headers on the marketing site", "github_app", "data_science", USER_BORIS, "marketing", "open"),
]
"""Older finished sessions; the last (SEED_UNKNOWN_ENUMS) has an origin and a category no enum documents."""
# fmt: on


def _row_factory(now: int) -> Any:
    def row(
        session_id: str,
        title: str | None,
        status: str,
        status_detail: str | None,
        created_ago: int,
        updated_ago: int,
        **fields: Any,
    ) -> dict[str, Any]:
        return session_record(
            session_id,
            title=title,
            status=status,
            status_detail=status_detail,
            created_at=now - created_ago,
            updated_at=now - updated_ago,
            **fields,
        )

    return row


def seed_sessions(now: float, *, recent_billing_suspension: bool = False) -> list[dict[str, Any]]:
    """Every seeded session as a full insights-shaped record (times relative to `now`, Unix seconds).

    No session suspended for an alerting reason was updated in the last 60 minutes, unless
    `recent_billing_suspension` adds SEED_RECENT_BILLING (suspended five minutes before `now`).
    """
    t = int(now)
    return [*_examples(), *_active(t), *_suspended(t, recent_billing_suspension), *_finished(t)]
