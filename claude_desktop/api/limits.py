"""How much a server may send before the client gives up on it.

A hostile or broken server (an event that never ends, an endless stream, a gigabyte error
page, a gzip bomb) must cost a bounded amount of memory and end in one sentence. Each limit
is far above anything the real API sends. They are read at use (`limits.NAME`), so a test
can lower one.
(Bedrock's event-stream frames have their own cap, 16 MB: api/eventstream.py.)
"""

from __future__ import annotations

MiB = 1024 * 1024

#: One server-sent event (its bytes up to the blank line that ends it). The API's events
#: are a few hundred bytes; a whole redacted thinking block arrives in one, still far below.
MAX_EVENT_BYTES = 8 * MiB

#: An error answer's body: read this far, the rest is dropped unread. The API's error
#: bodies are a few hundred bytes; a gateway's HTML error page a few kilobytes.
MAX_ERROR_BODY_BYTES = 64 * 1024

#: A plain JSON answer (the model list, a file's metadata).
MAX_JSON_BODY_BYTES = 16 * MiB

#: The decoded (decompressed) bytes of one streamed answer. A 128k-token answer is about
#: 10 MB of events; this also stops an endless stream of pings and a gzip bomb.
MAX_STREAM_BYTES = 256 * MiB

#: The characters of one answer: text, thinking, tool input and signatures together. The
#: longest real answer (128k output tokens) is well under 1 MB of text.
MAX_ANSWER_CHARS = 32_000_000

#: Decompression works in pieces of at most this many bytes, so one small compressed chunk
#: cannot expand to hundreds of megabytes at once.
DECODE_PIECE_BYTES = 256 * 1024
