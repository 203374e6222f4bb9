"""`python -m claude_desktop`: the terminal commands, or the app when none is named.

The bundle starts through this file too, so choosing between them imports neither: the
commands' names are here (`cli.COMMANDS`, checked equal by a test), and the terminal's
modules (the request, the tool loop, the history's export) are imported only for a
command, where they were ~22 ms of every start of the app (15 interleaved starts).
"""

from __future__ import annotations

import sys

#: The terminal commands: cli.COMMANDS.
COMMANDS = ("ask", "list", "export")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] in (*COMMANDS, "--version", "-h", "--help"):
        from claude_desktop.dataclass_bytecode import cached_dataclass_bytecode

        with cached_dataclass_bytecode():  # as the app's start: their 43 dataclasses, 16 ms
            from claude_desktop import cli

            return cli.main(sys.argv[1:])
    import gc

    gc.disable()  # from before the app's own imports (app.main says why)
    from claude_desktop import app

    return app.main()


if __name__ == "__main__":
    sys.exit(main())
