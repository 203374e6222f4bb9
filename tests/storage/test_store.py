"""The Store on real SQLite files: conversations, branching messages, search, trash,
drafts, blobs, and nothing committed lost when the process dies."""

from __future__ import annotations

import base64
import hashlib
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_desktop.storage.blobs import expand_content, inline_attachment
from claude_desktop.storage.store import (
    MATCH_END,
    MATCH_START,
    Draft,
    NotFoundError,
    Store,
    fts_query,
)

MODEL = "claude-sonnet-4-6"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "dir" / "history.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store.open(db_path) as s:
        yield s


def text(t: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": t}]


def chat(store: Store, *turns: str, title: str = "") -> tuple[int, list[int]]:
    """A conversation of alternating user/assistant text messages; returns its id and the
    message ids."""
    conv = store.create_conversation(model=MODEL, title=title)
    ids: list[int] = []
    parent = None
    for i, t in enumerate(turns):
        role = "user" if i % 2 == 0 else "assistant"
        parent = store.add_message(conv.id, parent_id=parent, role=role, content=text(t)).id
        ids.append(parent)
    return conv.id, ids


# -- opening ---------------------------------------------------------------------------------


def test_open_creates_the_directories_and_sets_up_the_file(store: Store, db_path: Path) -> None:
    assert db_path.is_file()
    con = sqlite3.connect(db_path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        con.close()
    pragma = store._con.execute
    assert pragma("PRAGMA foreign_keys").fetchone()[0] == 1
    assert pragma("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_close_twice_is_harmless(db_path: Path) -> None:
    s = Store.open(db_path)
    s.close()
    s.close()


def test_two_stores_on_one_file_see_each_others_commits(store: Store, db_path: Path) -> None:
    with Store.open(db_path) as other:
        conv_id, _ = chat(other, "from the other instance")
        assert store.branch(conv_id)[0].content == text("from the other instance")


# -- conversations ---------------------------------------------------------------------------


def test_a_new_conversation_has_its_settings_and_no_messages(store: Store) -> None:
    conv = store.create_conversation(
        model=MODEL, system="Be brief.", max_tokens=1234, settings={"temperature": 0.5}
    )
    assert conv == store.conversation(conv.id)
    assert (conv.model, conv.system, conv.max_tokens) == (MODEL, "Be brief.", 1234)
    assert conv.settings == {"temperature": 0.5}
    assert conv.title == "" and conv.title_is_auto
    assert conv.current_leaf_id is None and conv.deleted_at is None
    assert conv.created_at == conv.updated_at
    assert store.branch(conv.id) == []
    assert store.children(conv.id, None) == []


def test_a_given_title_is_the_users(store: Store) -> None:
    conv = store.create_conversation(model=MODEL, title="  Trip\nplanning ")
    assert conv.title == "Trip planning" and not conv.title_is_auto


def test_rename_and_update(store: Store) -> None:
    conv = store.create_conversation(model=MODEL)
    store.rename(conv.id, "Made up by Claude", auto=True)
    renamed = store.conversation(conv.id)
    assert renamed is not None and renamed.title == "Made up by Claude" and renamed.title_is_auto
    store.rename(conv.id, "Mine")
    store.update_conversation(conv.id, model="claude-haiku-4-5", max_tokens=99)
    store.update_conversation(conv.id, system="New system", settings={"a": [1, 2]})
    store.update_conversation(conv.id)  # nothing to change: fine
    got = store.conversation(conv.id)
    assert got is not None
    assert (got.title, got.title_is_auto, got.model) == ("Mine", False, "claude-haiku-4-5")
    assert (got.max_tokens, got.system, got.settings) == (99, "New system", {"a": [1, 2]})


def test_unknown_ids_raise_not_found(store: Store) -> None:
    assert store.conversation(404) is None and store.message(404) is None
    for call in (
        lambda: store.rename(404, "x"),
        lambda: store.update_conversation(404, model="m"),
        lambda: store.update_conversation(404),
        lambda: store.delete_conversation(404),
        lambda: store.restore_conversation(404),
        lambda: store.add_message(404, parent_id=None, role="user", content=text("x")),
        lambda: store.update_message(404, status="complete"),
        lambda: store.update_message(404),
        lambda: store.branch(404),
        lambda: store.latest_leaf(404),
        lambda: store.set_current_leaf(404, 1),
        lambda: store.save_draft(404, "x"),
    ):
        with pytest.raises(NotFoundError) as info:
            call()
        assert "404" in info.value.human


def test_the_list_is_most_recently_active_first(store: Store) -> None:
    a, _ = chat(store, "a")
    b, _ = chat(store, "b")
    c = store.create_conversation(model=MODEL).id
    assert [conv.id for conv in store.list_conversations()] == [c, b, a]
    first_a = store.branch(a)[0].id
    store.add_message(a, parent_id=first_a, role="assistant", content=text("answer"))
    assert [conv.id for conv in store.list_conversations()] == [a, c, b]
    # Renaming and settings are not activity: the order stays.
    store.rename(b, "Renamed")
    store.update_conversation(b, model="other")
    assert [conv.id for conv in store.list_conversations()] == [a, c, b]


# -- messages --------------------------------------------------------------------------------

_json_scalar = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_json = st.recursive(
    _json_scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
_b64 = st.binary(max_size=300).map(lambda b: base64.b64encode(b).decode())
_blocks = st.one_of(
    st.builds(lambda t: {"type": "text", "text": t}, st.text()),
    st.builds(
        lambda t, c: {"type": "text", "text": t, "citations": c},
        st.text(),
        st.lists(st.dictionaries(st.text(), _json, max_size=3), max_size=2),
    ),
    st.builds(
        lambda t, sig: {"type": "thinking", "thinking": t, "signature": sig},
        st.text(),
        _b64,
    ),
    st.builds(lambda d: {"type": "redacted_thinking", "data": d}, _b64),
    st.builds(
        lambda i, n, inp: {"type": "tool_use", "id": i, "name": n, "input": inp},
        st.text(min_size=1),
        st.text(min_size=1),
        st.dictionaries(st.text(), _json, max_size=5),
    ),
    st.builds(
        lambda data, title: {
            "type": "document",
            "source": {"type": "base64", "media_type": "application/pdf", "data": data},
            "title": title,
            "cache_control": {"type": "ephemeral"},
        },
        _b64,
        st.text(),
    ),
    st.dictionaries(st.text(), _json, max_size=5),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    content=st.lists(_blocks, max_size=6),
    usage=st.none() | st.dictionaries(st.text(), _json, max_size=4),
    meta=st.dictionaries(st.text(), _json, max_size=4),
    model=st.none() | st.text(),
)
def test_content_blocks_round_trip_exactly(
    store: Store,
    content: list[dict[str, Any]],
    usage: dict[str, Any] | None,
    meta: dict[str, Any],
    model: str | None,
) -> None:
    conv = store.create_conversation(model=MODEL)
    added = store.add_message(
        conv.id,
        parent_id=None,
        role="assistant",
        content=content,
        usage=usage,
        meta=meta,
        model=model,
    )
    got = store.message(added.id)
    assert got == added
    # Attachments are kept by reference: expanded, the content is exactly what was given.
    expanded = expand_content(got.content, store.read_blob_on_own_connection)
    assert expanded == content and got.usage == usage and got.meta == meta
    assert not any(inline_attachment(b) for b in got.content)
    assert got.model == model
    # Key order is part of "exactly as received".
    assert [list(b) for b in expanded] == [list(b) for b in content]
    assert store.branch(conv.id) == [got]


def test_lone_surrogates_round_trip(store: Store) -> None:
    # json.loads accepts "\ud800", so an API response can carry one; UTF-8 cannot.
    content = [{"type": "text", "text": "broken \ud800 pair 🙂"}]
    conv = store.create_conversation(model=MODEL)
    message = store.add_message(conv.id, parent_id=None, role="user", content=content)
    got = store.message(message.id)
    assert got is not None and got.content == content


def test_the_record_does_not_share_the_callers_lists(store: Store) -> None:
    conv = store.create_conversation(model=MODEL)
    content = text("first")
    record = store.add_message(conv.id, parent_id=None, role="user", content=content)
    content[0]["text"] = "changed later"
    assert record.content == text("first")


def test_update_message_replaces_only_what_is_given(store: Store) -> None:
    conv = store.create_conversation(model=MODEL)
    user = store.add_message(conv.id, parent_id=None, role="user", content=text("Q"))
    answer = store.add_message(
        conv.id,
        parent_id=user.id,
        role="assistant",
        content=[],
        status="streaming",
        model=MODEL,
        meta={"time_to_first_token": 0.5},
    )
    store.update_message(answer.id, content=text("Par"))
    store.update_message(answer.id, content=text("Partial answer"))
    store.update_message(
        answer.id, status="complete", usage={"input_tokens": 3, "output_tokens": 7}
    )
    got = store.message(answer.id)
    assert got is not None
    assert got.content == text("Partial answer") and got.status == "complete"
    assert got.usage == {"input_tokens": 3, "output_tokens": 7}
    assert got.meta == {"time_to_first_token": 0.5} and got.model == MODEL
    store.update_message(answer.id, meta={"total_time": 2.0})
    got = store.message(answer.id)
    assert got is not None and got.meta == {"total_time": 2.0}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"role": "system", "content": text("x")},
        {"role": "user", "content": text("x"), "status": "done"},
        {"role": "user", "content": {"type": "text", "text": "x"}},
        {"role": "user", "content": ["just a string"]},
        {"role": "user", "content": text("x"), "meta": {"t": float("nan")}},
    ],
)
def test_invalid_messages_are_refused_and_nothing_is_written(
    store: Store, kwargs: dict[str, Any]
) -> None:
    conv = store.create_conversation(model=MODEL)
    with pytest.raises((ValueError, TypeError)):
        store.add_message(conv.id, parent_id=None, **kwargs)
    assert store.children(conv.id, None) == []
    got = store.conversation(conv.id)
    assert got is not None and got.current_leaf_id is None


def test_invalid_status_update_is_refused(store: Store) -> None:
    _, (m,) = chat(store, "Q")
    with pytest.raises(ValueError):
        store.update_message(m, status="finished")


def test_a_parent_from_another_conversation_is_refused(store: Store) -> None:
    _, (other,) = chat(store, "elsewhere")
    conv = store.create_conversation(model=MODEL)
    with pytest.raises(NotFoundError):
        store.add_message(conv.id, parent_id=other, role="assistant", content=text("x"))
    assert store.children(conv.id, other) == []


# -- branching -------------------------------------------------------------------------------


def test_add_message_moves_the_current_leaf(store: Store) -> None:
    conv_id, (q, a) = chat(store, "Q", "A")
    conv = store.conversation(conv_id)
    assert conv is not None and conv.current_leaf_id == a
    assert [m.id for m in store.branch(conv_id)] == [q, a]


def test_editing_makes_a_sibling_and_keeps_the_old_branch(store: Store) -> None:
    conv_id, (q1, a1, q2, a2) = chat(store, "Q1", "A1", "Q2", "A2")
    # Edit Q2: a new child of A1, answered anew.
    q2b = store.add_message(conv_id, parent_id=a1, role="user", content=text("Q2 edited")).id
    a2b = store.add_message(conv_id, parent_id=q2b, role="assistant", content=text("A2b")).id
    assert [m.id for m in store.children(conv_id, a1)] == [q2, q2b]
    assert [m.id for m in store.branch(conv_id)] == [q1, a1, q2b, a2b]
    # The old branch is intact and can be shown again.
    assert [m.id for m in store.branch(conv_id, a2)] == [q1, a1, q2, a2]
    store.set_current_leaf(conv_id, store.latest_leaf(q2))
    assert [m.id for m in store.branch(conv_id)] == [q1, a1, q2, a2]
    message = store.message(q2)
    assert message is not None and message.content == text("Q2")


def test_regenerating_makes_sibling_answers_in_creation_order(store: Store) -> None:
    conv_id, (q, a1) = chat(store, "Q", "A1")
    a2 = store.add_message(conv_id, parent_id=q, role="assistant", content=text("A2")).id
    a3 = store.add_message(conv_id, parent_id=q, role="assistant", content=text("A3")).id
    assert [m.id for m in store.children(conv_id, q)] == [a1, a2, a3]
    assert [m.content for m in store.children(conv_id, q)] == [text("A1"), text("A2"), text("A3")]
    store.set_current_leaf(conv_id, a2)
    assert [m.id for m in store.branch(conv_id)] == [q, a2]


def test_editing_the_first_message_makes_a_second_root(store: Store) -> None:
    conv_id, (q1, _) = chat(store, "Q1", "A1")
    q1b = store.add_message(conv_id, parent_id=None, role="user", content=text("Q1b")).id
    assert [m.id for m in store.children(conv_id, None)] == [q1, q1b]
    assert [m.id for m in store.branch(conv_id)] == [q1b]


def test_latest_leaf_follows_the_newest_child(store: Store) -> None:
    conv_id, (q, a) = chat(store, "Q", "A")
    assert store.latest_leaf(a) == a
    assert store.latest_leaf(q) == a
    a2 = store.add_message(conv_id, parent_id=q, role="assistant", content=text("A2")).id
    q2 = store.add_message(conv_id, parent_id=a, role="user", content=text("Q2")).id
    # From q the newest child is a2 (a leaf), even though a has a newer descendant.
    assert store.latest_leaf(q) == a2
    assert store.latest_leaf(a) == q2


def test_set_current_leaf_refuses_a_message_of_another_conversation(store: Store) -> None:
    conv_a, (qa,) = chat(store, "A")
    _, (qb,) = chat(store, "B")
    with pytest.raises(NotFoundError):
        store.set_current_leaf(conv_a, qb)
    with pytest.raises(NotFoundError):
        store.branch(conv_a, qb)
    conv = store.conversation(conv_a)
    assert conv is not None and conv.current_leaf_id == qa


def test_a_thousand_message_branch(store: Store) -> None:
    conv = store.create_conversation(model=MODEL)
    parent = None
    expected = []
    for i in range(1000):
        role = "user" if i % 2 == 0 else "assistant"
        parent = store.add_message(
            conv.id, parent_id=parent, role=role, content=text(f"message {i}")
        ).id
        expected.append(parent)
        if i % 100 == 50:
            # A regenerated alternative off the main line, which the branch must skip.
            store.add_message(conv.id, parent_id=parent, role=role, content=text("aside"))
            store.set_current_leaf(conv.id, parent)
    branch = store.branch(conv.id)
    assert [m.id for m in branch] == expected
    assert [m.content[0]["text"] for m in branch] == [f"message {i}" for i in range(1000)]
    assert [m.parent_id for m in branch] == [None, *expected[:-1]]
    assert store.latest_leaf(expected[0]) == expected[-1]
    assert store.visible_message_counts() == {conv.id: 1000}


def test_visible_message_counts(store: Store) -> None:
    a, (q, _, _) = chat(store, "Q", "A", "Q2")
    store.add_message(a, parent_id=q, role="assistant", content=text("regenerated"))
    b, _ = chat(store, "only")
    store.create_conversation(model=MODEL)
    c, _ = chat(store, "trashed")
    store.delete_conversation(c)
    assert store.visible_message_counts() == {a: 2, b: 1}


# -- interrupted answers ---------------------------------------------------------------------


def test_recover_interrupted_marks_streaming_answers(store: Store) -> None:
    conv_id, (q,) = chat(store, "Q")
    streaming = store.add_message(
        conv_id, parent_id=q, role="assistant", content=text("Hal"), status="streaming"
    )
    done = store.add_message(conv_id, parent_id=q, role="assistant", content=text("Full"))
    assert store.recover_interrupted() == 1
    assert store.recover_interrupted() == 0
    got = store.message(streaming.id)
    assert got is not None and got.status == "interrupted" and got.content == text("Hal")
    got = store.message(done.id)
    assert got is not None and got.status == "complete"


_CHILD_SELF_KILL = """
import os, signal, sys
from pathlib import Path
from claude_desktop.storage.store import Store

store = Store.open(Path(sys.argv[1]))
conv = store.create_conversation(model="m", title="Crash test")
user = store.add_message(conv.id, parent_id=None, role="user",
                         content=[{"type": "text", "text": "Tell me a story"}])
answer = store.add_message(conv.id, parent_id=user.id, role="assistant", content=[],
                           status="streaming")
story = ""
for word in ["Once", " upon", " a", " time"]:
    story += word
    store.update_message(answer.id, content=[{"type": "text", "text": story}])
# Half-way through a write that never commits.
store._con.execute("BEGIN IMMEDIATE")
store._con.execute("UPDATE messages SET content = '[]' WHERE id = ?", (answer.id,))
os.kill(os.getpid(), signal.SIGKILL)
"""

_CHILD_WRITE_FOREVER = """
import sys
from pathlib import Path
from claude_desktop.storage.store import Store

store = Store.open(Path(sys.argv[1]))
conv = store.create_conversation(model="m")
user = store.add_message(conv.id, parent_id=None, role="user",
                         content=[{"type": "text", "text": "Count"}])
answer = store.add_message(conv.id, parent_id=user.id, role="assistant", content=[],
                           status="streaming")
n = 0
while True:
    n += 1
    store.update_message(answer.id, content=[{"type": "text", "text": f"count {n} " * 50}],
                         meta={"n": n})
    store.save_draft(None, f"draft {n}")
    print(n, flush=True)
"""

needs_sigkill = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _run_child(code: str, db_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), str(db_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@needs_sigkill
def test_a_killed_process_loses_nothing_it_committed(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    child = _run_child(_CHILD_SELF_KILL, db_path)
    _, err = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL, err
    with Store.open(db_path) as store:
        (conv,) = store.list_conversations()
        user, answer = store.branch(conv.id)
        assert user.content == text("Tell me a story")
        assert answer.content == text("Once upon a time")
        assert answer.status == "streaming"
        assert store.recover_interrupted() == 1
        got = store.message(answer.id)
        assert got is not None and got.status == "interrupted"
        assert store.search("upon")[0].message_id == answer.id
        assert store._con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@needs_sigkill
def test_killed_at_a_random_moment_while_writing(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    child = _run_child(_CHILD_WRITE_FOREVER, db_path)
    assert child.stdout is not None
    reported = 0
    while reported < 200:
        line = child.stdout.readline()
        assert line, child.stderr.read() if child.stderr else ""
        reported = int(line)
    # The child has not waited for us: this lands somewhere in its next writes.
    child.kill()
    child.wait(timeout=60)
    child.stdout.close()
    if child.stderr:
        child.stderr.close()
    with Store.open(db_path) as store:
        assert store._con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        (conv,) = store.list_conversations()
        _, answer = store.branch(conv.id)
        n = answer.meta["n"]
        assert n >= reported  # everything reported as saved was saved
        # Content and meta were one statement: they agree.
        assert answer.content == text(f"count {n} " * 50)
        draft = store.draft(None)
        assert draft is not None and int(draft.text.split()[1]) in (n, n - 1)
        assert store.search(f"count {n}")


# -- search ----------------------------------------------------------------------------------


def test_search_finds_words_in_messages_and_titles(store: Store) -> None:
    conv_id, (q, a) = chat(
        store, "How do I bake sourdough bread?", "Feed the starter first.", title="Baking"
    )
    hits = store.search("starter")
    assert [(h.conversation_id, h.message_id) for h in hits] == [(conv_id, a)]
    assert hits[0].title == "Baking"
    assert f"{MATCH_START}starter{MATCH_END}" in hits[0].snippet
    (hit,) = store.search("baking")
    assert hit.message_id is None and hit.snippet == f"{MATCH_START}Baking{MATCH_END}"
    assert [h.message_id for h in store.search("sourdough bread")] == [q]
    assert store.search("sourdough starter") == []  # every word, in one message


def test_titles_come_before_messages(store: Store) -> None:
    a, _ = chat(store, "Something about python here")
    b, _ = chat(store, "Unrelated", title="Python tips")
    hits = store.search("python")
    assert [(h.conversation_id, h.message_id is None) for h in hits] == [(b, True), (a, False)]


def test_the_last_word_is_a_prefix(store: Store) -> None:
    chat(store, "Kubernetes deployment manifests")
    assert len(store.search("kube")) == 1
    assert len(store.search("deployment mani")) == 1
    assert store.search("kube ") == []  # a finished word is a whole word
    assert store.search("ubernetes") == []


def test_search_ignores_case_and_accents(store: Store) -> None:
    chat(store, "Un café à Zürich")
    assert len(store.search("CAFE zurich")) == 1
    assert len(store.search("Café")) == 1


def test_search_finds_thinking_and_document_titles(store: Store) -> None:
    conv = store.create_conversation(model=MODEL)
    q = store.add_message(
        conv.id,
        parent_id=None,
        role="user",
        content=[
            {
                "type": "document",
                "source": {"type": "base64", "media_type": "application/pdf", "data": "QUJD"},
                "title": "quarterly-report.pdf",
            },
            {"type": "text", "text": "Summarise"},
        ],
    )
    a = store.add_message(
        conv.id,
        parent_id=q.id,
        role="assistant",
        content=[
            {"type": "thinking", "thinking": "Consider the margins", "signature": "c2ln"},
            {"type": "tool_use", "id": "t", "name": "calc", "input": {"expr": "zebra"}},
            {"type": "text", "text": "Revenue grew."},
        ],
    )
    assert [h.message_id for h in store.search("quarterly")] == [q.id]
    assert [h.message_id for h in store.search("margins")] == [a.id]
    assert [h.message_id for h in store.search("revenue")] == [a.id]
    # Neither signatures, base64 data nor tool input are words anyone searches for.
    assert store.search("c2ln") == [] and store.search("QUJD") == []
    assert store.search("zebra") == []


def test_the_index_follows_updates(store: Store) -> None:
    conv_id, (q,) = chat(store, "Q")
    answer = store.add_message(
        conv_id, parent_id=q, role="assistant", content=text("draft words"), status="streaming"
    )
    assert store.search("draft")
    store.update_message(answer.id, content=text("final wording"), status="complete")
    assert store.search("draft") == []
    assert [h.message_id for h in store.search("wording")] == [answer.id]
    store.rename(conv_id, "Old name")
    store.rename(conv_id, "New name")
    assert store.search("old") == []
    assert [h.message_id for h in store.search("new")] == [None]


def test_search_among_equal_ranks_newest_conversation_first(store: Store) -> None:
    ids = [chat(store, "identical words")[0] for _ in range(3)]
    assert [h.conversation_id for h in store.search("identical")] == ids[::-1]
    assert len(store.search("identical", limit=2)) == 2
    assert store.search("identical", limit=0) == []


def test_trashed_conversations_are_not_found(store: Store) -> None:
    conv_id, _ = chat(store, "secret plans", title="Plans")
    store.delete_conversation(conv_id)
    assert store.search("plans") == []
    store.restore_conversation(conv_id)
    assert len(store.search("plans")) == 2


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"',
        'foo"bar',
        '"unbalanced',
        "AND",
        "OR",
        "NOT",
        "a AND",
        "NEAR(a b)",
        "title: x",
        "body:foo",
        "*",
        "foo*",
        "^start",
        "(",
        ")",
        "-minus",
        "+",
        "a:b:c",
        "{col}",
        "🙂",
        "\x00",
        "'; DROP TABLE messages; --",
        "é" * 500,
    ],
)
def test_any_input_is_plain_words(store: Store, query: str) -> None:
    chat(store, 'foo "bar" AND near NOT title body start minus')
    store.search(query)  # must not raise
    store.search(query + " ")


def test_punctuated_words_match_like_the_text_is_split() -> None:
    assert fts_query("") is None and fts_query(" ** ") is None
    assert fts_query('foo"bar') == '"foo""bar"*'
    assert fts_query("and or ") == '"and" "or"'
    assert fts_query("foo -") == '"foo"'


def test_punctuation_in_a_query(store: Store) -> None:
    chat(store, 'He said "foo bar" at e-mail@example.com')
    assert len(store.search('foo"bar')) == 1
    assert len(store.search("e-mail@example.com")) == 1
    assert len(store.search("AND")) == 0


# -- trash -----------------------------------------------------------------------------------


def test_delete_restore_and_purge(store: Store) -> None:
    keep, _ = chat(store, "keep")
    gone, (q, a) = chat(store, "gone", "answer")
    store.save_draft(gone, "unsent")
    store.delete_conversation(gone)
    deleted = store.conversation(gone)
    assert deleted is not None and deleted.deleted_at is not None
    assert [c.id for c in store.list_conversations()] == [keep]
    # Undo brings everything back, in its old place.
    store.restore_conversation(gone)
    assert [c.id for c in store.list_conversations()] == [gone, keep]
    assert [m.id for m in store.branch(gone)] == [q, a]
    assert store.draft(gone) == Draft("unsent", [])

    def deleted_at() -> float:
        conv = store.conversation(gone)
        assert conv is not None and conv.deleted_at is not None
        return conv.deleted_at

    store.delete_conversation(gone)
    first = deleted_at()
    store.delete_conversation(gone)  # twice: the first time counts
    assert deleted_at() == first
    assert store.purge_deleted(older_than=first - 1) == 0
    assert store.purge_deleted(older_than=time.time() + 1) == 1
    assert store.conversation(gone) is None and store.message(q) is None
    assert store.draft(gone) is None
    count = store._con.execute
    assert count("SELECT count(*) FROM message_fts").fetchone()[0] == 1
    assert count("SELECT count(*) FROM title_fts").fetchone()[0] == 1
    assert [c.id for c in store.list_conversations()] == [keep]


# -- drafts ----------------------------------------------------------------------------------


def test_drafts(store: Store) -> None:
    conv_id, _ = chat(store, "Q")
    assert store.draft(None) is None and store.draft(conv_id) is None
    attachments = [{"blob": "ab" * 32, "name": "notes.txt", "media_type": "text/plain"}]
    store.save_draft(None, "new chat text", attachments)
    store.save_draft(conv_id, "reply text")
    assert store.draft(None) == Draft("new chat text", attachments)
    assert store.draft(conv_id) == Draft("reply text", [])
    store.save_draft(None, "changed")
    assert store.draft(None) == Draft("changed", [])
    assert store._con.execute("SELECT count(*) FROM drafts").fetchone()[0] == 2
    store.save_draft(conv_id, "", None)  # empty: nothing to keep
    assert store.draft(conv_id) is None
    store.save_draft(conv_id, "", attachments)  # attachments alone are a draft
    assert store.draft(conv_id) == Draft("", attachments)
    store.clear_draft(None)
    store.clear_draft(None)
    assert store.draft(None) is None


# -- blobs -----------------------------------------------------------------------------------


def test_blobs_are_stored_once(store: Store) -> None:
    data = bytes(range(256)) * 100
    digest = store.put_blob(data, "application/pdf")
    assert store.put_blob(data, "application/octet-stream") == digest
    assert digest == hashlib.sha256(data).hexdigest()
    assert store.blob(digest) == (data, "application/pdf")
    assert store._con.execute("SELECT count(*) FROM blobs").fetchone()[0] == 1
    assert store.blob("0" * 64) is None
    empty = store.put_blob(b"", "text/plain")
    assert store.blob(empty) == (b"", "text/plain")


def test_the_clock_never_repeats(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: 1000.0)
    a = store.create_conversation(model=MODEL)
    b = store.create_conversation(model=MODEL)
    assert b.created_at > a.created_at
    assert [c.id for c in store.list_conversations()] == [b.id, a.id]


def test_a_blob_written_from_a_worker_thread_is_seen_by_the_store(store: Store) -> None:
    data = bytes(range(256)) * 4096
    digest = hashlib.sha256(data).hexdigest()
    assert not store.has_blob(digest)
    worker = threading.Thread(
        target=store.put_blob_on_own_connection, args=(data, "application/pdf", digest)
    )
    worker.start()
    worker.join()
    assert store.has_blob(digest)
    assert store.blob(digest) == (data, "application/pdf")
    # Once there, a save with the known digest neither hashes nor writes the bytes again.
    assert store.put_blob(b"not even the same bytes", "text/plain", digest) == digest
    assert store.blob(digest) == (data, "application/pdf")


def test_search_finds_words_in_tool_results(store: Store) -> None:
    """A tool's result is what Claude read: search finds it, as text or as text blocks."""
    conv_id, (q,) = chat(store, "What is in my notes?")
    call = store.add_message(
        conv_id,
        parent_id=q,
        role="assistant",
        content=[{"type": "tool_use", "id": "t1", "name": "fs__read", "input": {"p": "n.md"}}],
    )
    results = store.add_message(
        conv_id,
        parent_id=call.id,
        role="user",
        content=[
            {"type": "tool_result", "tool_use_id": "t1", "content": "Buy aubergines tomorrow"},
            {
                "type": "tool_result",
                "tool_use_id": "t2",
                "content": [
                    {"type": "text", "text": "Meeting with Ottoline"},
                    {"type": "image", "source": {"type": "base64", "data": "WkVCUkE="}},
                ],
            },
        ],
    )
    assert [h.message_id for h in store.search("aubergines")] == [results.id]
    assert [h.message_id for h in store.search("ottoline")] == [results.id]
    assert store.search("WkVCUkE") == []


def test_a_version_3_database_indexes_its_tool_results_on_upgrade(db_path: Path) -> None:
    from claude_desktop.storage import schema

    db_path.parent.mkdir(parents=True)
    con = sqlite3.connect(db_path, isolation_level=None)
    schema.migrate(con, target=3)
    now = time.time()
    con.execute(
        "INSERT INTO conversations (id, model, max_tokens, created_at, updated_at)"
        " VALUES (1, ?, 1024, ?, ?)",
        (MODEL, now, now),
    )
    con.execute(
        "INSERT INTO messages (conversation_id, role, content, created_at)"
        " VALUES (1, 'user', ?, ?)",
        ('[{"type": "tool_result", "tool_use_id": "t", "content": "quokka census"}]', now),
    )
    con.close()
    with Store.open(db_path) as upgraded:
        assert len(upgraded.search("quokka")) == 1
