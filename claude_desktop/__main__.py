"""`python -m claude_desktop`: the terminal commands, or the app when none is named."""

from __future__ import annotations

import sys


def main() -> int:
    from claude_desktop.cli import COMMANDS

    if len(sys.argv) > 1 and sys.argv[1] in (*COMMANDS, "--version", "-h", "--help"):
        from claude_desktop import cli

        return cli.main(sys.argv[1:])
    import gc

    gc.disable()  # from before the app's own imports (app.main says why)
    from claude_desktop import app

    return app.main()


if __name__ == "__main__":
    sys.exit(main())
