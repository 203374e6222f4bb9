"""Search results as plain text: Markdown left out, the matched words marked as runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_desktop.domain.history import History
from claude_desktop.domain.search import Run, runs, strip_markdown
from claude_desktop.storage.store import MATCH_END, MATCH_START

S, E = MATCH_START, MATCH_END


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        ("## Step 1: set up the project", "Step 1: set up the project"),
        ("# Title #", "Title"),
        ("Some *text* and **bold** and ***both*** and _this_ and __that__", None),
        ("```python\nprint('hi')\n```", "print('hi')"),
        ("Use `python --version` first", "Use python --version first"),
        ('see [python.org](https://www.python.org "Python") now', "see python.org now"),
        ("an image ![the logo](logo.png) here", "an image the logo here"),
        ("a [reference][1] link", "a reference link"),
        ("install it from [python", "install it from [python"),
        ("from [python.org](https://www.pyth", "from python.org"),
        ("python.org](https://www.python.org). The rest", "python.org. The rest"),
        ("> **Note:** large files", "Note: large files"),
        ("- `--quiet` prints less\n  - more workers", "--quiet prints less more workers"),
        ("1. Create the environment\n2. Activate it", "Create the environment Activate it"),
        ("- [x] done", "done"),
        ("| Method | Speed |\n|:-------|------:|\n| `csv` | fast |", "Method Speed csv fast"),
        ("A <b>common</b> mistake", "A common mistake"),
        ("with ~~old~~ new", "with old new"),
        ("cut **in the mid", "cut in the mid"),
        ("le of bold** here", "le of bold here"),
        ("my_var_name and snake_case stay", "my_var_name and snake_case stay"),
        ("`__init__` and `a * b` are code", "__init__ and a * b are code"),
        ("2 * 3 = 6", "2 * 3 = 6"),
        ("escaped \\*stars\\*", "escaped *stars*"),
        ("Un café à Zürich « quoted »", "Un café à Zürich « quoted »"),
        ("line one\n\nline   two", "line one line two"),
        ("***\n---", ""),
    ],
)
def test_strip_markdown_keeps_the_words(markdown: str, plain: str | None) -> None:
    expected = "Some text and bold and both and this and that" if plain is None else plain
    assert strip_markdown(markdown) == expected


def test_markers_survive_the_stripping_and_become_runs() -> None:
    marked = f"## **{S}Magma{E}** rises through the [{S}crust{E}](https://x.org)"
    assert runs(strip_markdown(marked)) == (
        Run("Magma", True),
        Run(" rises through the ", False),
        Run("crust", True),
    )


def test_neighbouring_matched_words_read_as_one_run() -> None:
    assert runs(f"bake {S}sourdough{E} {S}bread{E} today") == (
        Run("bake ", False),
        Run("sourdough bread", True),
        Run(" today", False),
    )
    assert runs("no match") == (Run("no match", False),)
    assert runs("") == ()


def _store_chat(history: History, title: str, question: str, answer: str) -> int:
    store = history.store
    conv = store.create_conversation(model="claude-sonnet-4-6", title=title)
    q = store.add_message(
        conv.id, parent_id=None, role="user", content=[{"type": "text", "text": question}]
    )
    store.add_message(
        conv.id, parent_id=q.id, role="assistant", content=[{"type": "text", "text": answer}]
    )
    return conv.id


def test_history_search_gives_plain_text_with_the_match_marked(tmp_path: Path) -> None:
    history = History.open(tmp_path / "history.sqlite3")
    try:
        volcano = _store_chat(
            history,
            "Volcanoes",
            "How do volcanoes form?",
            "## How\n\n**Magma** rises through the `crust` « as it does ».",
        )
        found = history.search("magma")
        assert not found.more
        (result,) = found.results
        assert (result.conversation_id, result.message_id is not None) == (volcano, True)
        assert result.title_text == "Volcanoes"
        assert result.snippet_text == "How Magma rises through the crust « as it does »."
        assert [run.text for run in result.snippet if run.match] == ["Magma"]
        assert MATCH_START not in result.snippet_text and MATCH_END not in result.snippet_text

        (title_hit, question_hit) = history.search("volcanoes").results
        assert title_hit.message_id is None and title_hit.snippet == ()
        assert title_hit.title == (Run("Volcanoes", True),)
        assert question_hit.message_id is not None
    finally:
        history.close()


def test_history_search_says_when_more_matched_than_it_lists(tmp_path: Path) -> None:
    history = History.open(tmp_path / "history.sqlite3")
    try:
        for i in range(4):
            _store_chat(history, f"Chat {i}", f"Question {i} about pasta", "Answer")
        assert len(history.search("pasta", limit=4).results) == 4
        assert not history.search("pasta", limit=4).more
        three = history.search("pasta", limit=3)
        assert len(three.results) == 3 and three.more
        assert len(three.messages) == 3 and three.titles == []
    finally:
        history.close()
