"""Inputs for the Block Kit builder tests: the documented Devin examples plus edge cases, as API-shaped dicts."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from bot.devin.models import Session, SessionInsights

EXAMPLES_PATH = Path(__file__).resolve().parent / "data" / "devin_api_examples.json"
"""The documented example payloads (copied from the API reference), kept with the tests."""
NOW = 1767450000
"""2026-01-03T14:20:00Z: every test passes this (or offsets of it); builders never read the clock."""
OPENED_AT = NOW - 8000
APP_HOST = "app.devin.ai"
APP_URL = f"https://{APP_HOST}"

INSIGHTS_WITH_ANALYSIS = "GET /v3/organizations/{org_id}/sessions/{devin_id}/insights -> 200 (analysis generated)"
INSIGHTS_NO_ANALYSIS = "GET /v3/organizations/{org_id}/sessions/{devin_id}/insights -> 200 (no analysis yet)"
SESSION_SUSPENDED = "GET /v3/organizations/{org_id}/sessions/{devin_id} -> 200 (suspended: out_of_credits)"
SESSION_RUNNING = "GET /v3/organizations/{org_id}/sessions/{devin_id} -> 200 (running: waiting_for_user)"

HOSTILE_TITLE = "<!channel> *URGENT* <https://evil.example/login|Click here> & `rm -rf` <@U12345> <!here> &lt;b&gt;"
HOSTILE_TEXT = "ping <!everyone> <#C999|general> <!subteam^S1> <!date^1^{date}|x> & <mailto:a@evil.example> ```"


@cache
def _examples() -> dict[str, Any]:
    with EXAMPLES_PATH.open(encoding="utf-8") as file:
        return json.load(file)  # type: ignore[no-any-return]


def example(name: str) -> dict[str, Any]:
    """A deep copy of one documented response body, free to modify."""
    return copy.deepcopy(_examples()[name]["response"])


def insights(name: str = INSIGHTS_WITH_ANALYSIS, **changes: Any) -> SessionInsights:
    """A SessionInsights from a documented example with top-level fields replaced."""
    return SessionInsights.model_validate({**example(name), **changes})


def session(name: str = SESSION_SUSPENDED, **changes: Any) -> Session:
    """A Session from a documented example with top-level fields replaced."""
    return Session.model_validate({**example(name), **changes})


def numbered_session(number: int, **changes: Any) -> Session:
    """A distinct suspended session (for storms): its own id, URL, title and creator."""
    hex_id = f"{number:032x}"
    return session(
        session_id=f"devin-{hex_id}",
        url=f"https://{APP_HOST}/sessions/{hex_id}",
        title=f"Nightly dependency upgrade #{number}",
        user_id=f"user-{number:04d}",
        service_user_id=None,
        acus_consumed=1.5 * number,
        **changes,
    )


def hostile_insights() -> SessionInsights:
    """Devin text trying every trick: mentions, links, dates, entities, code fences, in every field."""
    data = example(INSIGHTS_WITH_ANALYSIS)
    data.update(title=HOSTILE_TITLE, tags=["<!channel>", "a`b", "&amp;"], status_detail="<!here>")
    data["pull_requests"] = [
        {"pr_url": "javascript:alert(1)", "pr_state": "<!channel>"},
        {"pr_url": "https://github.com/acme/api/pull/1|<!here>", "pr_state": "open"},
        {"pr_url": "https://github.com/acme/api/pull/2?a=1&b=<2>", "pr_state": "merged"},
    ]
    analysis = data["analysis"]
    analysis["classification"]["category"] = HOSTILE_TEXT
    analysis["classification"]["programming_languages"] = [HOSTILE_TEXT]
    for item in (*analysis["issues"], *analysis["action_items"]):
        for key in ("issue", "impact", "label", "action_item", "type"):
            if key in item:
                item[key] = f"{HOSTILE_TEXT} {item[key]}"
    for step in analysis["timeline"]:
        step.update(title=HOSTILE_TITLE, description=HOSTILE_TEXT)
    prompt = analysis["suggested_prompt"]
    prompt.update(original_prompt=HOSTILE_TEXT, suggested_prompt=f"{HOSTILE_TEXT}\n> {HOSTILE_TITLE}")
    for item in prompt["feedback_items"]:
        item.update(summary=HOSTILE_TITLE, excerpt=HOSTILE_TEXT, details=HOSTILE_TEXT)
    for usage in analysis["note_usage"]["bad_usages"]:
        usage.update(note_id=HOSTILE_TEXT, message=HOSTILE_TITLE, reason=HOSTILE_TEXT)
    return SessionInsights.model_validate(data)


def huge_insights(scale: int = 1) -> SessionInsights:
    """An analysis far beyond what fits: dozens of long issues, items, steps, PRs and tags."""
    data = example(INSIGHTS_WITH_ANALYSIS)
    impacts = ["Low", "Medium", "High", "Critical", "unknown-impact"]
    long = "The build failed because the cache was stale & the lockfile <pinned> an old version. " * 20
    data["title"] = "Upgrade every service to Python 3.13 and fix whatever breaks " * 5
    data["tags"] = [f"tag-{n}" for n in range(30 * scale)]
    data["pull_requests"] = [
        {"pr_url": f"https://github.com/acme/service-{n}/pull/{n}", "pr_state": ["open", "merged", "closed"][n % 3]}
        for n in range(25 * scale)
    ]
    analysis = data["analysis"]
    analysis["issues"] = [
        {"id": f"issue_{n}", "issue": f"{n}: {long}", "impact": impacts[n % 5], "label": "Build"}
        for n in range(40 * scale)
    ]
    analysis["action_items"] = [
        {"action_item": f"{n}: {long}", "issue_id": f"issue_{n}", "type": "repo_config"} for n in range(30 * scale)
    ]
    analysis["timeline"] = [
        {"title": f"Step {n}: {long[:200]}", "description": long, "color": "red", "issue_id": None}
        for n in range(60 * scale)
    ]
    analysis["classification"]["programming_languages"] = [f"Lang{n}" for n in range(50)]
    prompt = analysis["suggested_prompt"]
    prompt.update(original_prompt=long * 3, suggested_prompt=long * 3)
    prompt["feedback_items"] = [
        {"summary": f"Feedback {n}", "excerpt": long, "details": long, "issue_id": None} for n in range(30 * scale)
    ]
    usage = {"note_id": "note-1", "message": long, "reason": long}
    analysis["note_usage"] = {"good_usages": [usage] * (20 * scale), "bad_usages": [usage] * (20 * scale)}
    return SessionInsights.model_validate(data)


WORST_TEXT = ("&<>" * 2000) + "👨‍👩‍👧" * 100
"""Every character escapes to several (`&amp;&lt;&gt;`), then emoji sequences at any cut point."""


def worst_case_insights(items: int = 400) -> SessionInsights:
    """Every string as long and as escape-heavy as possible, every list long: the largest card there is."""
    text = WORST_TEXT
    long_url = "https://app.devin.ai/sessions/" + "a" * 250
    item = {"issue": text, "impact": text, "label": text, "id": text}
    data = {
        "session_id": "devin-" + "f" * 32,
        "url": long_url,
        "status": text,
        "status_detail": text,
        "title": text,
        "tags": [text] * items,
        "created_at": NOW,
        "updated_at": NOW,
        "acus_consumed": 1e300,
        "pull_requests": [{"pr_url": long_url + "/pull/1", "pr_state": text}] * items,
        "user_id": text,
        "service_user_id": text,
        "origin": text,
        "category": text,
        "subcategory": text,
        "num_user_messages": 10**30,
        "num_devin_messages": -(10**30),
        "session_size": text,
        "analysis": {
            "issues": [item] * items,
            "action_items": [{"action_item": text, "issue_id": text, "type": text}] * items,
            "timeline": [{"title": text, "description": text, "issue_id": text}] * items,
            "classification": {
                "category": text,
                "confidence": 0.5,
                "programming_languages": [text] * items,
                "tools_and_frameworks": [text] * items,
            },
            "suggested_prompt": {
                "original_prompt": text,
                "suggested_prompt": text,
                "feedback_items": [{"summary": text, "excerpt": text, "details": text}] * items,
            },
            "note_usage": {
                "good_usages": [{"note_id": text, "message": text, "reason": text}] * items,
                "bad_usages": [{"note_id": text, "message": text, "reason": text}] * items,
            },
        },
    }
    return SessionInsights.model_validate(data)
