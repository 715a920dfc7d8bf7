"""One rate limit for a whole batch: a 429 pauses every worker until ``Retry-After`` passes.

Without it each worker would run into the limit on its own; with it the client's own retry of
the refused request simply waits out the same pause as everyone else. In-process the pause is
hooked into the batch's httpx client; on an executor (``_executor``) the driver calls
:meth:`SharedRateLimit.pause` and :meth:`SharedRateLimit.wait` around every task it submits.
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

    async def wait(self) -> None:
        """Return once no pause is on (at once when none is)."""
        while (delay := self.resume_at - time.monotonic()) > 0:
            await asyncio.sleep(delay)

    def pause(self, retry_after: float | None) -> None:
        """Count a 429 and pause everyone for its ``Retry-After`` (``None``: the default)."""
        if retry_after is None:
            retry_after = DEFAULT_RATE_LIMIT_PAUSE
        self.hits += 1
        seconds = min(max(retry_after, 0.0), MAX_RATE_LIMIT_PAUSE)
        self.resume_at = max(self.resume_at, time.monotonic() + seconds)

    async def before_request(self, request: httpx.Request) -> None:
        await self.wait()

    async def after_response(self, response: httpx.Response) -> None:
        if response.status_code != 429:
            return
        from ..wire import retry_after

        self.pause(retry_after(response.headers))

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
