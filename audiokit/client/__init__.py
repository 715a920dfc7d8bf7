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
from ._voice_types import (
    MAX_VOICE_AUDIO_BYTES,
    DeletedVoiceConsent,
    Voice,
    VoiceConsent,
    VoiceConsentPage,
    check_language_tag,
)
from ._voices import AsyncVoiceConsents, AsyncVoices, VoiceConsents, Voices

__all__ = [
    "MAX_VOICE_AUDIO_BYTES",
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
    "check_language_tag",
    "configure",
    "default_client",
    "default_client_options",
    "speak",
    "transcribe",
    "translate",
]
