"""Running the kbench command in-process, as the CLI tests do."""

from __future__ import annotations

import contextlib
from io import StringIO

from kbench.cli import main


def run(*argv):
    """Run the CLI in-process; returns (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(map(str, argv)))
            code = 0
        except SystemExit as done:
            code = done.code or 0
    return code, out.getvalue(), err.getvalue()
