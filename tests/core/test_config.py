"""Settings: arguments beat the environment, the backend is chosen once and said once, bad
values are refused with the parameter named, and the API key never shows itself.
"""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys

import pytest

import audiokit
from audiokit.core import ValidationError
from audiokit.core._config import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    Defaults,
    Secret,
    resolve_settings,
)

KEY = "sk-test-config-5555"


def test_defaults_with_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    s = resolve_settings()
    assert s.backend == "api"
    assert s.base_url == DEFAULT_BASE_URL
    assert s.api_key.get_secret_value() == KEY
    assert (s.timeout, s.max_retries) == (DEFAULT_TIMEOUT, DEFAULT_MAX_RETRIES)


def test_arguments_beat_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://env.test/v1")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-env")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-env")
    s = resolve_settings(api_key=KEY, base_url="http://arg.test/v1", organization="org-arg")
    assert s.api_key.get_secret_value() == KEY
    assert s.base_url == "http://arg.test/v1"
    assert (s.organization, s.project) == ("org-arg", "proj-env")
    monkeypatch.setenv("OPENAI_PROJECT", "proj-main")
    assert resolve_settings().project == "proj-main"


def test_backend_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_settings(base_url="http://127.0.0.1:8000/v1").backend == "api"
    assert resolve_settings(api_key=KEY).backend == "api"
    local = resolve_settings(backend="local", api_key=KEY)
    assert local.backend == "local" and local.api_key is None  # the key is not carried along
    assert local.base_url.startswith("http://audiokit.local")
    monkeypatch.setenv("AUDIOKIT_BACKEND", "local")
    assert resolve_settings(api_key=KEY).backend == "local"
    monkeypatch.delenv("AUDIOKIT_BACKEND")
    # A fresh interpreter, as a user would start one (the environment has no OPENAI_* /
    # AUDIOKIT_* variables: conftest._isolated_env). The library prints nothing itself (Jupyter
    # would draw stderr as an error block): the choice is said on the "audiokit" logger, once.
    fresh = subprocess.run(
        [sys.executable, "-c", SAY_LOCAL_TWICE], capture_output=True, text=True, timeout=120
    )
    assert fresh.returncode == 0, fresh.stderr
    assert (fresh.stdout, fresh.stderr) == ("local local\n", "")
    logged = subprocess.run(
        [
            sys.executable,
            "-c",
            "import logging\nlogging.basicConfig(level=logging.INFO)" + SAY_LOCAL_TWICE,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert logged.stderr.count("INFO:audiokit:") == 1, logged.stderr
    assert "offline local engine" in logged.stderr


SAY_LOCAL_TWICE = """
import audiokit
first, second = audiokit.Client(), audiokit.Client()
print(first.backend, second.backend)
"""


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"backend": "cloud"}, "backend"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"max_retries": True}, "max_retries"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": -5}, "timeout"),
        ({"timeout": "10"}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"timeout": float("inf")}, "timeout"),
        ({"base_url": "localhost:8000/v1"}, "base_url"),
        ({"base_url": "ftp://example.com"}, "base_url"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict, param: str) -> None:
    with pytest.raises(ValidationError) as info:
        resolve_settings(api_key=KEY, **kwargs)
    assert info.value.param == param
    with pytest.raises(ValidationError):
        audiokit.Client(api_key=KEY, **kwargs)


def test_bad_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "api.openai.com/v1")
    with pytest.raises(ValidationError, match="base_url"):
        resolve_settings(api_key=KEY)


def test_secret_never_shows_itself() -> None:
    secret = Secret(KEY)
    texts = [repr(secret), str(secret), f"{secret}", f"{secret!r}", f"{secret:>20}"]
    texts += ["%s" % (secret,), str([secret]), str({"k": secret})]  # noqa: UP031
    for text in texts:
        assert KEY not in text
    assert secret.get_secret_value() == KEY
    assert secret == Secret(KEY) and secret != Secret("other") and secret != KEY
    assert hash(secret) == hash(Secret(KEY))
    assert bool(secret) and not Secret("")


def test_secret_and_settings_are_not_pickled_into_files() -> None:
    settings = resolve_settings(api_key=KEY)
    for value in (Secret(KEY), settings, audiokit.Client(api_key=KEY)):
        with pytest.raises(TypeError, match="not pickled"):
            pickle.dumps(value)
    assert copy.copy(settings).api_key is settings.api_key  # in memory it is fine


def test_settings_and_client_reprs_hide_the_key() -> None:
    settings = resolve_settings(api_key=KEY, base_url="http://127.0.0.1:9/v1")
    assert KEY not in repr(settings) and "Secret('***')" in repr(settings)
    client = audiokit.Client(api_key=KEY, base_url="http://127.0.0.1:9/v1")
    assert repr(client) == "Client(backend='api', http://127.0.0.1:9/v1)"
    client.close()


def test_default_models_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIOKIT_VOICE", "coral")
    monkeypatch.setenv("AUDIOKIT_SPEECH_MODEL", "tts-1")
    monkeypatch.setenv("AUDIOKIT_TRANSCRIPTION_MODEL", "")
    d = Defaults.from_env()
    assert (d.voice, d.speech_model) == ("coral", "tts-1")
    assert d.transcription_model == Defaults().transcription_model  # empty means unset
