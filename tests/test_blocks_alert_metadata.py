"""`alert_metadata`: the message metadata an alert carries (pure builder; properties over hostile input)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from blocks.alert_metadata import METADATA_VALUE_MAX, RESOLVED_EVENT, SUSPENDED_EVENT, alert_metadata

SID = "devin-" + "a" * 32


def test_metadata_names_the_episode_and_nothing_else() -> None:
    meta = alert_metadata(channel="C1", reason="out_of_credits", resolved=False, session_id=SID, episode=2)
    assert meta == {
        "event_type": SUSPENDED_EVENT,
        "event_payload": {
            "session_id": SID,
            "episode": 2,
            "reason": "out_of_credits",
            "channel": "C1",
            "part": "alert",
        },
    }
    group = alert_metadata(channel="C1", reason="error", resolved=True, group_key="g" * 32, part="reply")
    assert group["event_type"] == RESOLVED_EVENT and "session_id" not in group["event_payload"]
    assert group["event_payload"]["group_key"] == "g" * 32 and group["event_payload"]["part"] == "reply"


@given(reason=st.text(), channel=st.text(max_size=300), resolved=st.booleans(), episode=st.integers(0, 10**6))
def test_metadata_is_small_json_whatever_the_reason(reason: str, channel: str, resolved: bool, episode: int) -> None:
    meta = alert_metadata(channel=channel, reason=reason, resolved=resolved, session_id=SID, episode=episode)
    payload = meta["event_payload"]
    assert all(len(v) <= METADATA_VALUE_MAX for v in payload.values() if isinstance(v, str))
    assert set(payload) <= {"session_id", "episode", "group_key", "reason", "channel", "part"}
    assert len(json.dumps(meta)) < 2_000
