"""An answer's metrics: kept as plain JSON, made into the footer when shown; old rows' footer
strings still show."""

from __future__ import annotations

import json

from claude_desktop.api.message import Message, Usage
from claude_desktop.domain.turn_metrics import TurnMetrics, footer_from_meta


def test_metrics_round_trip_through_json_and_make_the_footer() -> None:
    message = Message(
        id="msg_1",
        model="claude-sonnet-4-6",
        usage=Usage(input_tokens=1000, output_tokens=500, cache_read_input_tokens=10000),
    )
    metrics = TurnMetrics.of(message, total_time=3.2, time_to_first_token=0.42)
    meta = json.loads(json.dumps({"metrics": metrics.to_json()}))
    text = footer_from_meta(meta, "Claude Sonnet 4.6")
    assert text.startswith("Claude Sonnet 4.6 · 0.4 s to first token · 3.2 s")
    assert "11,000 in / 500 out" in text and "$0.0135 (cache saved $0.0270)" in text


def test_an_old_rows_footer_string_still_shows() -> None:
    assert footer_from_meta({"footer": "Claude · 1.0 s"}, "ignored") == "Claude · 1.0 s"
    assert footer_from_meta({}, "Claude") == ""


def test_damaged_metrics_show_no_footer_rather_than_fail() -> None:
    assert footer_from_meta({"metrics": {"total_time": "soon"}}, "Claude") == ""
    assert footer_from_meta({"metrics": [1, 2]}, "Claude") == ""
    shown = footer_from_meta({"metrics": {"total_time": 1, "cost_usd": "x"}}, "Claude")
    assert shown == "Claude · 1.0 s"
