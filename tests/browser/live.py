"""What the browser tests share: the app on a real server, chromium's flags, where screenshots go."""
from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from werkzeug.serving import make_server

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
# A scratch folder unless `make screenshots` points DECLGATE_SCREENSHOTS at docs/screenshots/ to refresh the README's.
SCREENSHOTS = Path(os.environ.get("DECLGATE_SCREENSHOTS") or tempfile.mkdtemp(prefix="declgate-shots-"))


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """`app` on a real werkzeug server in a thread, on a free port: its base URL while the block runs."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
