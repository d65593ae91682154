"""The app in a web browser, for officers whose laptops cannot run a terminal program (textual-serve).

Each browser tab starts its own copy of the app, on the same database, as the officer the server was started
for. textual-serve has no sign-in of its own, so the server listens on this computer only unless it is
given the public address people will use, which must be a reverse proxy with the organisation's sign-in in
front (docs/serve.md shows one).
"""

from __future__ import annotations

import getpass
import os
import shlex
import sys
from pathlib import Path

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
OFFICER_VARIABLE = "OASYS_DIVERSITY_OFFICER"


class ServeError(Exception):
    """The server cannot start as asked; one line saying why."""


def app_command(db_path: Path, questions_dir: Path | None, directory_path: Path | None) -> str:
    """The shell command textual-serve runs for each browser session: this same installation's app."""
    parts = [sys.executable, "-m", "oasys_diversity", "--db", str(db_path)]
    if questions_dir is not None:
        parts += ["--questions", str(questions_dir)]
    if directory_path is not None:
        parts += ["--directory", str(directory_path)]
    return shlex.join(parts)


def check_binding(host: str, public_url: str | None) -> str | None:
    """None when the binding is safe as it is; otherwise the warning to print. Refuses a non-local address
    without --public-url."""
    if host in LOCAL_HOSTS:
        return None
    if not public_url:
        raise ServeError(
            f"listening on {host} would let anyone who can reach it open every case: give --public-url, the "
            "address of a reverse proxy with your organisation's sign-in in front (see docs/serve.md)"
        )
    return (
        f"Listening on {host}. textual-serve has no sign-in of its own: only people signed in through the reverse "
        f"proxy at {public_url} may reach this port (see docs/serve.md)."
    )


def serve(
    db_path: Path,
    questions_dir: Path | None,
    directory_path: Path | None,
    host: str = "127.0.0.1",
    port: int = 8000,
    public_url: str | None = None,
    officer: str | None = None,
) -> None:
    """Serve until interrupted."""
    warning = check_binding(host, public_url)
    if not 0 < port < 65536:
        raise ServeError(f"port {port} is not a port number (1 to 65535)")
    name = (officer or getpass.getuser() or "").strip()
    if not name:
        raise ServeError("no officer name: give --officer NAME")
    try:
        from textual_serve.server import Server
    except ImportError:
        raise ServeError("textual-serve is not installed: pip install 'oasys-diversity[serve]'") from None
    if warning:
        print(warning, file=sys.stderr)
    # Each session's app reads the officer from its environment, which textual-serve copies from ours.
    os.environ[OFFICER_VARIABLE] = name
    server = Server(
        app_command(Path(db_path).resolve(), questions_dir, directory_path),
        host=host,
        port=port,
        title="oasys-diversity",
        public_url=public_url,
    )
    server.serve()
