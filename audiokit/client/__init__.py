"""The library API: Client, AsyncClient, the default client and the module shortcuts, custom
voices."""

from ._client import AsyncClient, Client
from ._defaults import (
    configure,
    default_client,
    default_client_options,
    speak,
    transcribe,
    translate,
)
from ._voices import (
    AsyncVoiceConsents,
    AsyncVoices,
    DeletedVoiceConsent,
    Voice,
    VoiceConsent,
    VoiceConsentPage,
    VoiceConsents,
    Voices,
)

__all__ = [
    "AsyncClient",
    "AsyncVoiceConsents",
    "AsyncVoices",
    "Client",
    "DeletedVoiceConsent",
    "Voice",
    "VoiceConsent",
    "VoiceConsentPage",
    "VoiceConsents",
    "Voices",
    "configure",
    "default_client",
    "default_client_options",
    "speak",
    "transcribe",
    "translate",
]
