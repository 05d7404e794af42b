"""Session links and ids → `devin-<32 hex>`: one table of accepted forms and near misses."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.devin.links import find_session_refs, is_session_id, parse_session_ref, session_url

HEX = "3f9c2a7be14d4c0f9a61d2e8b7c45a90"
OTHER = "fd0db1d69c804f9cb115b6d39944bce9"
ID = f"devin-{HEX}"
APP = "app.devin.ai"
ENTERPRISE = "acme.devinenterprise.com"
LINK = f"https://app.devin.ai/sessions/{HEX}"

CASES: list[tuple[str, str, str | None]] = [
    # --- accepted: links ---
    ("standard link", LINK, ID),
    ("http scheme", f"http://app.devin.ai/sessions/{HEX}", ID),
    ("trailing slash", f"{LINK}/", ID),
    ("query string", f"{LINK}?tab=information%3Aevent-01a0", ID),
    ("fragment", f"{LINK}#timeline", ID),
    ("query and fragment", f"{LINK}?a=1&b=2#x", ID),
    ("upper-case hex", f"https://app.devin.ai/sessions/{HEX.upper()}", ID),
    ("upper-case everything", f"HTTPS://APP.DEVIN.AI/SESSIONS/{HEX.upper()}", ID),
    ("explicit default port", f"https://app.devin.ai:443/sessions/{HEX}", ID),
    ("devin- prefix inside the URL", f"https://app.devin.ai/sessions/devin-{HEX}", ID),
    ("org-scoped path", f"https://app.devin.ai/org/acme-corp/sessions/{HEX}", ID),
    ("org-scoped with prefix and query", f"https://app.devin.ai/org/acme/sessions/devin-{HEX}?x=1", ID),
    ("slack <url>", f"<{LINK}>", ID),
    ("slack <url|label>", f"<{LINK}|Fix the refund bug>", ID),
    ("slack <url|url>", f"<{LINK}|{LINK}>", ID),
    ("trailing full stop", f"{LINK}.", ID),
    ("trailing comma", f"{LINK},", ID),
    ("in parentheses", f"({LINK})", ID),
    ("in parentheses with full stop", f"({LINK}).", ID),
    ("trailing question and exclamation", f"{LINK}?!", ID),
    ("surrounding whitespace", f"  \t{LINK}\n", ID),
    ("quoted", f'"{LINK}"', ID),
    # --- accepted: bare ids ---
    ("canonical id", ID, ID),
    ("bare hex", HEX, ID),
    ("upper-case bare hex", HEX.upper(), ID),
    ("upper-case prefix", f"DEVIN-{HEX}", ID),
    ("id in backticks", f"`{ID}`", ID),
    ("id with trailing full stop", f"{ID}.", ID),
    # --- rejected: other hosts ---
    ("other host", f"https://example.com/sessions/{HEX}", None),
    ("look-alike suffix host", f"https://app.devin.ai.evil.com/sessions/{HEX}", None),
    ("look-alike prefix host", f"https://evilapp.devin.ai/sessions/{HEX}", None),
    ("parent domain", f"https://devin.ai/sessions/{HEX}", None),
    ("api host", f"https://api.devin.ai/sessions/{HEX}", None),
    ("enterprise host when not configured", f"https://{ENTERPRISE}/sessions/{HEX}", None),
    ("trailing-dot host", f"https://app.devin.ai./sessions/{HEX}", None),
    ("userinfo pointing elsewhere", f"https://app.devin.ai@evil.example/sessions/{HEX}", None),
    ("userinfo on the right host", f"https://evil.example@app.devin.ai/sessions/{HEX}", None),
    ("user and password", f"https://u:p@app.devin.ai/sessions/{HEX}", None),
    ("backslash trick", f"https://app.devin.ai\\@evil.example/sessions/{HEX}", None),
    ("encoded slash in host", f"https://app.devin.ai%2F@evil.example/sessions/{HEX}", None),
    ("bad port", f"https://app.devin.ai:99999/sessions/{HEX}", None),
    ("ftp scheme", f"ftp://app.devin.ai/sessions/{HEX}", None),
    ("javascript scheme", f"javascript://app.devin.ai/sessions/{HEX}", None),
    ("no scheme", f"app.devin.ai/sessions/{HEX}", None),
    ("scheme-relative", f"//app.devin.ai/sessions/{HEX}", None),
    # --- rejected: paths and ids ---
    ("31 hex", f"https://app.devin.ai/sessions/{HEX[:-1]}", None),
    ("33 hex", f"https://app.devin.ai/sessions/{HEX}0", None),
    ("non-hex character", f"https://app.devin.ai/sessions/{HEX[:-1]}g", None),
    ("uuid with hyphens", "https://app.devin.ai/sessions/3f9c2a7b-e14d-4c0f-9a61-d2e8b7c45a90", None),
    ("singular /session/", f"https://app.devin.ai/session/{HEX}", None),
    ("extra path segment", f"{LINK}/insights", None),
    ("double slash after id", f"{LINK}//", None),
    ("segment before sessions", f"https://app.devin.ai/x/sessions/{HEX}", None),
    ("empty org slug", f"https://app.devin.ai/org//sessions/{HEX}", None),
    ("org slug with extra segment", f"https://app.devin.ai/org/acme/team/sessions/{HEX}", None),
    ("doubled prefix", f"https://app.devin.ai/sessions/devin-devin-{HEX}", None),
    ("sessions list", "https://app.devin.ai/sessions/", None),
    ("settings page", "https://app.devin.ai/org/acme/settings/general", None),
    ("semicolon after id", f"{LINK};x", None),
    ("zero-width space after id", f"{LINK}\u200b", None),
    ("id with underscore prefix", f"devin_{HEX}", None),
    ("id with 31 hex", f"devin-{HEX[:-1]}", None),
    ("id with 33 hex", f"devin-{HEX}a", None),
    ("org id", "org-5c1e9a7d20b84f3e9d6a4b2c8e1f0a37", None),
    ("40-hex git sha", "0123456789abcdef0123456789abcdef01234567", None),
    ("empty", "", None),
    ("whitespace only", " \t\n ", None),
    ("plain word", "help", None),
    ("very long input", LINK + "?" + "a" * 5000, None),
    ("very long garbage", "x" * 100_000, None),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in CASES], ids=[name for name, _, _ in CASES])
def test_parse_session_ref_table(text: str, expected: str | None) -> None:
    ref = parse_session_ref(text, APP)
    assert (ref.session_id if ref else None) == expected
    if ref is not None:
        assert is_session_id(ref.session_id)
        assert ref.session_id.removeprefix("devin-") == HEX


def test_parse_session_ref_table_is_large_and_balanced() -> None:
    assert len(CASES) >= 40
    assert sum(expected is None for _, _, expected in CASES) >= 30


def test_parse_session_ref_keeps_pasted_url_for_links_only() -> None:
    link = parse_session_ref(f"<{LINK}?tab=1|label>", APP)
    assert link is not None and link.pasted_url == f"{LINK}?tab=1"
    bare = parse_session_ref(ID, APP)
    assert bare is not None and bare.pasted_url is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"https://{ENTERPRISE}/sessions/{HEX}", ID),
        (f"https://ACME.devinenterprise.com/org/acme/sessions/devin-{HEX}?tab=1", ID),
        (LINK, None),  # the public host is not this tenant's
        (f"https://other.devinenterprise.com/sessions/{HEX}", None),
        (f"https://{ENTERPRISE}.evil.com/sessions/{HEX}", None),
        (HEX, ID),
    ],
)
def test_parse_session_ref_uses_configured_enterprise_host(
    monkeypatch: pytest.MonkeyPatch, url: str, expected: str | None
) -> None:
    monkeypatch.setenv("DEVIN_APP_URL", "https://acme.devinenterprise.com/")
    host = load_settings().devin_app_host
    assert host == ENTERPRISE
    ref = parse_session_ref(url, host)
    assert (ref.session_id if ref else None) == expected


def test_find_session_refs_in_free_text_dedupes_in_order() -> None:
    text = (
        f"Two sessions: <{LINK}|the refund fix (done)> and https://app.devin.ai/sessions/{OTHER}. "
        f"Again {ID}, and {HEX.upper()}! Not these: https://evil.example/sessions/{'a' * 32} "
        f"https://app.devin.ai/sessions/{'b' * 31} <@U123> <!channel> devin-{OTHER}"
    )
    refs = find_session_refs(text, APP)
    assert [ref.session_id for ref in refs] == [ID, f"devin-{OTHER}"]
    assert refs[0].pasted_url == LINK  # the first appearance wins, and it was the Slack-wrapped link
    assert refs[1].pasted_url == f"https://app.devin.ai/sessions/{OTHER}"


def test_find_session_refs_empty_and_linkless_text() -> None:
    assert find_session_refs("", APP) == []
    assert find_session_refs("no links here, just <!here> and *bold*", APP) == []


def test_session_url_round_trips() -> None:
    url = session_url("https://app.devin.ai/", ID)
    assert url == LINK
    ref = parse_session_ref(url, APP)
    assert ref is not None and ref.session_id == ID
