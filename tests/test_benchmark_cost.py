"""The cost benchmark (benchmarks/cost.py) runs with the tests too: it goes through the
window's path against the fake's cache rules in about a second, and meets its targets."""

from __future__ import annotations

import argparse

from benchmarks.cost import run


def test_the_prompt_cache_meets_the_cost_targets() -> None:
    metrics = run(argparse.Namespace(short=True, base_url=""))
    judged = [m for m in metrics if m.target is not None]
    assert len(judged) == 5
    assert all(m.verdict == "pass" for m in judged), [(m.name, m.shown()) for m in judged]
