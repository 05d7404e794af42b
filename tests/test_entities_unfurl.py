"""`unfurl_content` (bot/entities/unfurl.py): one `chat.unfurl`'s previews and entities always agree."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.devin.models import Session
from bot.entities.unfurl import unfurl_content
from tests import blocks_samples as s
from tests.test_blocks_properties import insights, sessions

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
links = st.builds(
    lambda n, tail: f"https://app.devin.ai/sessions/{n:032x}{tail}",
    st.integers(0, 50),
    st.sampled_from(["", "?x=1", "#a"]),
)


@SETTINGS
@given(st.dictionaries(links, sessions | insights, max_size=5), st.booleans())
def test_every_entity_is_for_a_previewed_url(found: dict[str, Session], minimal: bool) -> None:
    content = unfurl_content(found, app_url=s.APP_URL, minimal=minimal, work_objects=True)
    assert set(content["unfurls"]) == set(found)
    entities = content.get("metadata", {}).get("entities", [])
    assert "metadata" not in content or entities  # never an empty entities list
    assert {e["app_unfurl_url"] for e in entities} <= set(found)
    for entity in entities:
        assert entity["external_ref"]["id"] == found[entity["app_unfurl_url"]].session_id
        if minimal:
            assert set(entity["entity_payload"]) == {"attributes", "fields"}


def test_work_objects_off_is_the_block_kit_call_unchanged() -> None:
    found = {"https://app.devin.ai/sessions/" + "ab" * 16: s.insights()}
    content = unfurl_content(found, app_url=s.APP_URL, minimal=False, work_objects=False)
    assert set(content) == {"unfurls"}
