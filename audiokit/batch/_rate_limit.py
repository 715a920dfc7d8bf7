"""One rate limit for a whole batch: a 429 pauses every worker until ``Retry-After`` passes.

Without it each worker would run into the limit on its own; with it the client's own retry of
the refused request simply waits out the same pause as everyone else.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

__all__ = ["SharedRateLimit"]

DEFAULT_RATE_LIMIT_PAUSE = 1.0  # seconds to pause everyone after a 429 without Retry-After
MAX_RATE_LIMIT_PAUSE = 60.0  # seconds: never pause longer than this on the server's say-so


class SharedRateLimit:
    """One 429 pauses every request of the batch until the server's ``Retry-After`` passes.

    Installed as httpx event hooks on the batch's client: the request hook waits while a pause
    is on; the response hook starts a pause when the answer is 429. The client's own retry of
    that request then goes through the same wait.
    """

    def __init__(self) -> None:
        self.resume_at = 0.0  # time.monotonic() before which no request is sent
        self.hits = 0

    async def before_request(self, request: httpx.Request) -> None:
        while (delay := self.resume_at - time.monotonic()) > 0:
            await asyncio.sleep(delay)

    async def after_response(self, response: httpx.Response) -> None:
        if response.status_code != 429:
            return
        from ..wire import retry_after

        pause = retry_after(response.headers)
        pause = DEFAULT_RATE_LIMIT_PAUSE if pause is None else min(pause, MAX_RATE_LIMIT_PAUSE)
        self.hits += 1
        self.resume_at = max(self.resume_at, time.monotonic() + pause)

    def attach(self, client: httpx.AsyncClient) -> None:
        hooks = client.event_hooks
        hooks["request"].append(self.before_request)
        hooks["response"].append(self.after_response)
        client.event_hooks = hooks

    def detach(self, client: httpx.AsyncClient) -> None:
        hooks = client.event_hooks
        for name, hook in (("request", self.before_request), ("response", self.after_response)):
            if hook in hooks[name]:
                hooks[name].remove(hook)
        client.event_hooks = hooks
