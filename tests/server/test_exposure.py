"""`audiokit serve` says so, loudly, when it listens beyond this machine without a key."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from audiokit.server import exposure_warning


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_needs_no_key(host: str) -> None:
    assert exposure_warning(host, None) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "my-laptop.lan"])
def test_other_hosts_warn_without_a_key_and_not_with_one(host: str) -> None:
    warning = exposure_warning(host, None)
    assert warning is not None and host in warning and "--api-key" in warning
    assert exposure_warning(host, "sk-local-key") is None


def test_the_command_prints_the_warning_before_it_serves() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "audiokit", "serve", "--host", "0.0.0.0", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        text=True,
    )
    try:
        deadline = time.monotonic() + 120  # bounded: the warning is the command's first line
        lines = []
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            if "WARNING" in line:
                break
        assert any("WARNING" in line and "no --api-key" in line for line in lines), lines
    finally:
        proc.kill()
        proc.wait(timeout=30)
