"""Real-browser tests: Playwright driving Debian's Chromium against a Streamlit server on loopback."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts"


def pytest_collection_modifyitems(config, items):
    """Browser tests need Chromium: skipped without it on a developer machine, required in CI."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
    if os.path.exists(CHROMIUM) or shutil.which("chromium"):
        return
    if os.environ.get("CI"):
        raise pytest.UsageError("CI needs Debian's chromium for the browser tests (apt-get install chromium)")
    skip = pytest.mark.skip(reason="chromium is not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        return browser_type_launch_args
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 720}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(script: Path = ROOT / "dashboard.py", cases_dir: Path | None = None, timeout: float = 60,
                     secrets: str = ""):
    """Run `streamlit run script` on a free loopback port; yield its URL; stop it afterwards.

    The server runs in a temporary folder whose .streamlit/secrets.toml names `cases_dir`, followed by the TOML text
    `secrets` (e.g. `editors = [...]` and an `[auth]` section; `{port}` in its redirect_uri is the server's port).
    """
    port = free_port()
    with tempfile.TemporaryDirectory() as workdir:
        settings = Path(workdir) / ".streamlit"
        settings.mkdir()
        shutil.copy(ROOT / ".streamlit" / "config.toml", settings / "config.toml")
        if cases_dir is not None or secrets:
            folder = f'cases_dir = "{cases_dir}"\n' if cases_dir is not None else ""
            (settings / "secrets.toml").write_text(folder + secrets)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, process, timeout)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_healthy(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("streamlit exited: " + process.stderr.read().decode(errors="replace")[-2000:])
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not become healthy within {timeout} s")


@pytest.fixture(scope="session")
def app_url():
    """The dashboard on the bundled cases."""
    with streamlit_server() as url:
        yield url


def screenshot(page, name: str) -> Path:
    """Save a screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
