"""Attachments: preparing a big photo and big PDFs, and how long the window stalls meanwhile.

Runs when the app has `claude_desktop.domain.attachments` with `load_attachment` (and
`prepare_attachment`); skipped otherwise. On the app's qasync loop, with a heartbeat timer
running (`common.Heartbeat`), each file goes through `load_attachment` (the worker thread
the window uses) and then `to_block()`, the base64 encoding the window does on sending.

The files are made here: a 24-megapixel JPEG (which the app downscales), a PDF just under
the API's request limit, and a 30 MB PDF, which the app must refuse (its base64 is over the
32 MB a request may carry), quickly and without freezing the window.

Then Send with that 23 MB PDF already in the conversation: a follow-up question goes
through what the window does between Send and the request (the question saved, the branch
read back, the request built and checked, the answer begun, the attachments resolved:
uploaded ones by file id, others read and encoded as base64), with the heartbeat running.
Twice: as after the PDF was uploaded through the Files API (the window's case with the
Anthropic API), and sent inline (no Files API: its bytes are read and encoded for the
request).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .common import Heartbeat, Metric, qt_environment, worker_main, write_pdf

MODULE = "claude_desktop.domain.attachments"
TARGET_STALL_MS = 50.0  # issue 19: the 23 MB PDF included
TARGET_SEND_STALL_MS = 50.0
MODEL = "claude-sonnet-4-6"
PHOTO_SIZE = (6000, 4000)  # 24 MP
MB = 1_000_000


def available() -> bool:
    if importlib.util.find_spec(MODULE) is None:
        return False
    module = importlib.import_module(MODULE)
    return hasattr(module, "prepare_attachment") and hasattr(module, "load_attachment")


def make_photo(path: Path) -> None:
    """A 24 MP JPEG with a photo's detail: smooth light plus sensor-like noise (~10 MB)."""
    from PIL import Image

    width, height = PHOTO_SIZE
    light = Image.radial_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 24)
    sky = Image.linear_gradient("L").resize((width, height))
    Image.merge("RGB", (light, noise, sky)).save(path, "JPEG", quality=92)


def make_pdf(path: Path, size: int, pages: int = 10) -> None:
    """A valid PDF of about `size` bytes: `pages` pages, each one big uncompressed image,
    as a scanned document is (random pixels, so nothing along the way can shrink it)."""
    width = 1000
    height = size // pages // (width * 3)
    pixels = width * height * 3
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (3 + 3 * i) for i in range(pages)), pages),
    ]
    draw = b"q 595 0 0 842 0 0 cm /Im0 Do Q"
    for i in range(pages):
        page, content, image = 3 + 3 * i, 4 + 3 * i, 5 + 3 * i
        assert len(objects) + 1 == page
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>" % (image, content)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(draw), draw))
        objects.append(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
            b"/BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream"
            % (width, height, pixels, os.urandom(pixels))
        )
    write_pdf(path, objects)


async def attach(path: Path) -> dict[str, Any]:
    """Prepare and encode `path` as the window does, timing it and the loop's longest stall."""
    attachments = importlib.import_module(MODULE)
    heartbeat = Heartbeat()
    await asyncio.sleep(0.05)  # the loop settles after the previous file
    heartbeat.start()
    started = time.perf_counter()
    result: dict[str, Any] = {}
    try:
        attachment = await attachments.load_attachment(path)
        loaded = time.perf_counter()
        attachment.to_block()  # the base64 a request carries, made on the GUI thread
        result["encode_ms"] = (time.perf_counter() - loaded) * 1000
        result["summary"] = attachment.summary
        result["sent_bytes"] = len(attachment.data)
    except attachments.AttachmentError as exc:
        result["refused"] = exc.human
    result["ms"] = (time.perf_counter() - started) * 1000
    result["stall_ms"] = heartbeat.stop()
    return result


async def send_follow_up(pdf: Path, folder: Path, *, uploaded: bool) -> dict[str, Any]:
    """Send a follow-up in a conversation holding `pdf`, as the window does; the longest
    stall from Send until the request is ready, and how long that took."""
    attachments = importlib.import_module(MODULE)
    from claude_desktop.domain.history import History, OpenConversation
    from claude_desktop.domain.request_messages import request_for
    from claude_desktop.domain.uploads import FileCache, resolve_request_files

    history = History.open(folder / f"history-{'uploaded' if uploaded else 'inline'}.sqlite3")
    try:
        attachment = await attachments.load_attachment(pdf)
        conv = OpenConversation(None)
        chat = {"model": MODEL, "system": "", "max_tokens": 1000}
        first = history.add_question(
            conv, "Summarise it.", content=attachments.user_content("Summarise it.", [attachment]),
            **chat,
        )  # fmt: skip
        answer = history.begin_answer(conv, first.id, MODEL)
        history.store.update_message(
            answer.id, content=[{"type": "text", "text": "A summary."}], status="complete"
        )
        conv = history.reload(conv)
        if uploaded:
            # As after the first question uploaded it, in this session.
            from claude_desktop.storage.files import remember_uploaded_file

            remember_uploaded_file(history.store, attachment.sha256, "file_bench")
            FileCache.of(history.store).mark_checked("file_bench")
        del attachment
        heartbeat = Heartbeat()
        await asyncio.sleep(0.05)
        heartbeat.start()
        started = time.perf_counter()
        question = history.add_question(conv, "And the second page?", **chat)
        request = request_for(conv, upto=question.id)
        history.begin_answer(conv, question.id, MODEL)
        attachments.check_conversation_limits(request.messages)
        messages, _ = await resolve_request_files(
            None,  # type: ignore[arg-type]  # nothing is uploaded or checked here
            history.store,
            request.messages,
            threshold=10**12 if not uploaded else 5_000_000,
        )
        attachments.mark_cache_breakpoint(messages)
        elapsed = (time.perf_counter() - started) * 1000
        return {"ms": elapsed, "stall_ms": heartbeat.stop()}
    finally:
        history.close()


async def measure(files: dict[str, Path], folder: Path) -> dict[str, dict[str, Any]]:
    attachments = importlib.import_module(MODULE)
    if hasattr(attachments, "preload_parsers"):
        # As the app does once its window has shown (app.preload_attachment_parsers).
        await asyncio.to_thread(attachments.preload_parsers)
    results = {name: await attach(path) for name, path in files.items()}
    for uploaded in (True, False):
        key = "send.uploaded" if uploaded else "send.inline"
        results[key] = await send_follow_up(files["pdf"], folder, uploaded=uploaded)
    return results


def run(args: argparse.Namespace) -> list[Metric]:
    case = "7 attachments"
    if not available():
        return [Metric("attach", case, "attachments", None, "ms", note=f"skipped: no {MODULE}")]
    qt_environment(base_url=args.base_url)
    from PySide6.QtWidgets import QApplication

    from claude_desktop.app import run_on_qt_loop
    from claude_desktop.event_loop import AppEventLoop

    attachments = importlib.import_module(MODULE)
    # The largest PDF whose base64 fits in a request: the biggest the app accepts.
    largest_pdf = int(attachments.MAX_REQUEST_BYTES * 3 / 4) - MB
    with tempfile.TemporaryDirectory(prefix="cd-bench-attach-") as tmp:
        files = {"photo": Path(tmp) / "photo-24mp.jpg"}
        make_photo(files["photo"])
        files["pdf"] = Path(tmp) / f"scan-{largest_pdf // MB}mb.pdf"
        make_pdf(files["pdf"], largest_pdf)
        files["pdf30"] = Path(tmp) / "scan-30mb.pdf"
        make_pdf(files["pdf30"], 30 * MB)
        sizes = {name: path.stat().st_size for name, path in files.items()}
        app = QApplication.instance() or QApplication([sys.argv[0]])
        loop = AppEventLoop(app)
        asyncio.set_event_loop(loop)
        try:
            results = run_on_qt_loop(loop, measure(files, Path(tmp)))
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    labels = {
        "photo": "24 MP JPEG",
        "pdf": f"{sizes.get('pdf', 0) / MB:.0f} MB PDF",
        "pdf30": "30 MB PDF",
    }
    metrics = []
    for name, result in results.items():
        if name.startswith("send."):
            how = "uploaded, sent by file id" if name == "send.uploaded" else "sent inline"
            label = f"Send with a {labels['pdf']} in the conversation ({how})"
            metrics.append(Metric(f"attach.{name}", case, f"{label}: to the request",
                                  result["ms"], "ms"))  # fmt: skip
            metrics.append(Metric(f"attach.{name}.stall", case, f"{label}: longest stall",
                                  result["stall_ms"], "ms", TARGET_SEND_STALL_MS))  # fmt: skip
            continue
        label = f"{labels[name]} ({sizes[name] / MB:.1f} MB)"
        if "refused" in result:
            note = f"refused: {result['refused']}"
        else:
            note = (
                f"{result['summary']}; sends {result['sent_bytes'] / MB:.1f} MB; "
                f"base64 {result['encode_ms']:.0f} ms"
            )
        metrics.append(Metric(f"attach.{name}", case, f"{label}: attach and encode",
                              result["ms"], "ms", note=note))  # fmt: skip
        metrics.append(Metric(f"attach.{name}.stall", case, f"{label}: longest stall",
                              result["stall_ms"], "ms", TARGET_STALL_MS))  # fmt: skip
    return metrics


def main() -> None:
    worker_main(run)


if __name__ == "__main__":
    main()
