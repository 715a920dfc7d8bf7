"""Transcript text formats (srt, vtt, json, txt) and prompts."""

from ._formats import (
    EXPORTERS,
    SUBTITLE_STYLES,
    format_subtitles,
    format_timestamp,
    parse_subtitles,
    response_body,
)
from ._prompting import (
    WHISPER_PROMPT_TOKENS,
    count_prompt_tokens,
    estimate_prompt_tokens,
    previous_text_prompt,
    prompt_token_source,
    trim_prompt,
    vocabulary_prompt,
    vocabulary_terms,
)

__all__ = [
    "EXPORTERS",
    "SUBTITLE_STYLES",
    "WHISPER_PROMPT_TOKENS",
    "count_prompt_tokens",
    "estimate_prompt_tokens",
    "format_subtitles",
    "format_timestamp",
    "parse_subtitles",
    "previous_text_prompt",
    "prompt_token_source",
    "response_body",
    "trim_prompt",
    "vocabulary_prompt",
    "vocabulary_terms",
]
