"""A real JupyterLab driven by headless Chromium, shared by the whole test session.

How the pieces fit:

- ``lab`` (session): starts ``python -m jupyterlab`` on 127.0.0.1 with a free port, a random
  token and a temporary root, config, settings, workspace and runtime directory, with no
  ``OPENAI_API_KEY`` (so kernels use audiokit's offline engine). Ready means ``/api/status``
  answers; it is shut down at the end of the session.
- ``browser`` (session): a Playwright persistent context on Debian's ``/usr/bin/chromium``
  (``playwright install`` cannot download here) with a fresh ``--user-data-dir`` and
  Chromium's fake media devices; ``launch_chromium`` lets a test start its own instance with
  extra flags (the microphone test feeds a wav file to the fake capture device).
- ``open_notebook`` (function): writes a notebook with the given cells into the lab root, opens
  it in a new tab of JupyterLab or Notebook 7 (the same server serves both), waits for its
  kernel, runs all cells and returns a :class:`Notebook`; at the end it closes the tab, shuts
  the kernel down and fails the test on uncaught page errors.

Every wait is on a condition (a selector, a JS predicate, an HTTP answer) with a deadline.
In CI (``CI=true``) a missing Chromium, Playwright or JupyterLab fails the tests; locally they
are skipped (``tests/_tools.py``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from _tools import require

CHROMIUM = os.environ.get("AUDIOKIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]
# Where each front end opens a notebook (one server serves both).
UIS = {"lab": "/lab/tree/{name}?reset", "notebook": "/notebooks/{name}?"}
# Notebook 7.6 throws errors of its own now and then, on an empty notebook too ("reading
# 'schema'", "Command 'filebrowser:open-path' not registered"): an uncaught error whose stack
# lies wholly in the host's own bundles is not ours to fail on. JupyterLab's are all counted.
HOST_BUNDLES = {"lab": (), "notebook": ("/static/notebook/",)}
LAB_START_TIMEOUT_S = 120
KERNEL_READY_TIMEOUT_MS = 120_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Lab:
    """A running JupyterLab server."""

    url: str
    token: str
    root: Path
    process: subprocess.Popen[bytes]
    log: Path

    def api(self, method: str, path: str) -> httpx.Response:
        headers = {"Authorization": f"token {self.token}"}
        return httpx.request(method, f"{self.url}{path}", headers=headers, timeout=30)

    def log_tail(self, n_chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-n_chars:]


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    require("jupyterlab", "the browser tests need JupyterLab (pip install -e '.[test]')")
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "root"
    root.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    for var, sub in [
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTERLAB_SETTINGS_DIR", "settings"),
        ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
        ("IPYTHONDIR", "ipython"),
    ]:
        env[var] = str(base / sub)
    # No "get notified about Jupyter news?" toast over the widgets.
    notification = base / "settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    port, token = _free_port(), secrets.token_hex(16)
    log = base / "jupyterlab.log"
    cmd = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser",
        "--allow-root",  # CI runs as root
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",
        "--JupyterNotebookApp.expose_app_in_browser=True",  # Notebook 7, when installed
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabServerApp.extension_manager=readonly",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Lab(f"http://127.0.0.1:{port}", token, root, process, log)
    try:
        deadline = time.monotonic() + LAB_START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited with {process.returncode}:\n{server.log_tail()}")
            try:
                if server.api("GET", "/api/status").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab not ready in {LAB_START_TIMEOUT_S}s:\n{server.log_tail()}")
            time.sleep(0.2)  # poll interval of a condition wait
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


BrowserLauncher = Callable[..., Any]


@pytest.fixture(scope="session")
def launch_chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserLauncher]:
    """Return ``launch(*extra_flags)`` -> a Playwright BrowserContext on a fresh profile."""
    require(
        Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK),
        f"the browser tests need Chromium at {CHROMIUM} (apt-get install chromium)",
    )
    require("playwright.sync_api", "the browser tests need Playwright (pip install -e '.[test]')")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    contexts: list[Any] = []

    def launch(*extra_flags: str) -> Any:
        profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh --user-data-dir
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=[*CHROMIUM_FLAGS, *extra_flags],
            permissions=["microphone"],
            viewport={"width": 1280, "height": 1000},
        )
        context.set_default_timeout(60_000)
        contexts.append(context)
        return context

    try:
        yield launch
    finally:
        for context in contexts:
            context.close()
        playwright.stop()


@pytest.fixture(scope="session")
def browser(launch_chromium: BrowserLauncher) -> Any:
    return launch_chromium()


@dataclass
class Notebook:
    """An open notebook tab whose cells have been run."""

    page: Any
    lab: Lab
    path: str
    page_errors: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def output(self, index: int = 0) -> Any:
        """Locator of the output area of code cell ``index``."""
        return (
            self.page.locator(".jp-Notebook .jp-Cell.jp-CodeCell")
            .nth(index)
            .locator(".jp-OutputArea")
        )

    def run_all(self) -> None:
        self.page.evaluate(
            "async () => { await window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
        )

    def run_code(self, code: str) -> str:
        """Execute ``code`` in the notebook's kernel (no new cell); return what it printed."""
        answer = self.page.evaluate(_RUN_CODE_JS, code)
        assert answer["error"] is None, f"{answer['error']}\n{answer['out']}"
        return answer["out"]

    def diagnostics(self) -> str:
        return (
            f"page errors: {self.page_errors}\nconsole: {self.console[-30:]}\n"
            f"lab log:\n{self.lab.log_tail()}"
        )


def _record_page_error(nb: Notebook, exc: Any, host_bundles: tuple[str, ...]) -> None:
    frames = [line for line in (exc.stack or "").splitlines() if "://" in line]  # with a URL
    if host_bundles and frames and all(any(b in f for b in host_bundles) for f in frames):
        nb.console.append(f"host error (ignored): {exc.message}")
        return
    nb.page_errors.append(f"{exc.message}\n{exc.stack}")


_WAIT_FOR_KERNEL_JS = """
async () => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  window.__testPanel = panel;
  await panel.context.ready;
  await panel.sessionContext.ready;
  const kernel = panel.sessionContext.session.kernel;
  await kernel.info;
  return kernel.name;
}
"""


_RUN_CODE_JS = """
async (code) => {
  const kernel = window.__testPanel.sessionContext.session.kernel;
  const future = kernel.requestExecute({ code, store_history: false });
  let out = "";
  let error = null;
  future.onIOPub = (msg) => {
    const type = msg.header.msg_type;
    if (type === "stream") out += msg.content.text;
    else if (type === "execute_result") out += msg.content.data["text/plain"];
    else if (type === "error") error = `${msg.content.ename}: ${msg.content.evalue}`;
  };
  await future.done;
  return { out, error };
}
"""


@pytest.fixture
def open_notebook(lab: Lab, browser: Any) -> Iterator[Callable[..., Notebook]]:
    opened: list[Notebook] = []

    def open_(
        cells: list[str],
        *,
        context: Any = None,
        name: str | None = None,
        ui: str = "lab",
        setup: Callable[[Any], None] | None = None,
    ) -> Notebook:
        """Open ``cells`` as a new notebook in JupyterLab (``ui="lab"``) or Notebook 7.

        ``setup(page)`` runs on the new page before it opens the notebook (to route or watch
        its websockets).
        """
        if ui not in UIS:
            raise ValueError(f"ui={ui!r}; expected one of {sorted(UIS)}")
        if ui == "notebook":
            require(
                importlib.util.find_spec("notebook") is not None,
                "this test also runs in Notebook 7 (pip install -e '.[test]')",
            )
        name = name or f"test_{secrets.token_hex(4)}.ipynb"
        notebook = {
            "cells": [
                {"cell_type": "code", "metadata": {}, "source": src, "outputs": [],
                 "execution_count": None}
                for src in cells
            ],
            "metadata": {
                "kernelspec": {"name": "python3", "display_name": "Python 3",
                               "language": "python"},
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }  # fmt: skip
        (lab.root / name).write_text(json.dumps(notebook))
        page = (context or browser).new_page()
        nb = Notebook(page, lab, name)
        page.on("pageerror", lambda exc: _record_page_error(nb, exc, HOST_BUNDLES[ui]))
        page.on("console", lambda msg: nb.console.append(f"{msg.type}: {msg.text}"))
        opened.append(nb)
        if setup is not None:
            setup(page)
        page.goto(f"{lab.url}{UIS[ui].format(name=name)}&token={lab.token}")
        page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
            " && window.jupyterapp.shell.currentWidget.sessionContext",
            timeout=KERNEL_READY_TIMEOUT_MS,
        )
        page.evaluate(_WAIT_FOR_KERNEL_JS)
        nb.run_all()
        return nb

    yield open_
    for nb in opened:
        nb.page.close()
    for session in lab.api("GET", "/api/sessions").json():
        lab.api("DELETE", f"/api/sessions/{session['id']}")
    errors = [e for nb in opened for e in nb.page_errors]
    assert not errors, f"uncaught errors in the page: {errors}"
