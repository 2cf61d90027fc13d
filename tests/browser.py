"""Headless Chromium for the tests that render pages (the dashboard, GX's Data Docs).

Debian's ``chromium`` (``make browser`` installs it). The page loads from a file with the network
off: every host resolves to nothing and a dead proxy catches the rest, so a page that needs the
network to draw shows it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise RuntimeError("headless Chromium is missing: `make browser` installs Debian's chromium")
    return path


def render(page: Path, screenshot: Path | None = None, *, size: str = "1400,2400", wait_ms: int = 8000) -> str:
    """The page's DOM after its scripts ran (``wait_ms`` of virtual time), optionally a PNG screenshot."""
    with tempfile.TemporaryDirectory() as profile:
        base = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={size}",
                f"--virtual-time-budget={wait_ms}"]
        url = page.resolve().as_uri()
        dom = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True)
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([*base, f"--screenshot={screenshot.resolve()}", url], capture_output=True, timeout=120,
                           check=True)
    return dom.stdout


def keep_artifact(screenshot: Path, name: str) -> None:
    """Copy a screenshot to ``$CLICKSTITCH_TEST_ARTIFACTS`` (when set), where CI keeps it."""
    artifacts = os.environ.get("CLICKSTITCH_TEST_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, Path(artifacts) / name)
