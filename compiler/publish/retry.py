"""Bounded retries with exponential backoff for calls to a Git host.

Only :class:`~compiler.publish.errors.TransientError` is retried (network failures,
HTTP 429 and 5xx, Git transport errors); everything else, authentication first,
fails at once.  A ``Retry-After`` the server sends is honoured up to the cap.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from compiler.publish.errors import TransientError

T = TypeVar("T")
log = logging.getLogger("shipspec.publish")


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries in all; waits ``base``, ``2*base``, ... capped at ``cap`` seconds.

    >>> [RetryPolicy(attempts=5, base=1, cap=3).delay(n) for n in (1, 2, 3, 4)]
    [1, 2, 3, 3]
    """

    attempts: int = 4
    base: float = 1.0
    cap: float = 20.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        wanted = retry_after if retry_after is not None else self.base * 2 ** (attempt - 1)
        return min(wanted, self.cap)

    def run(self, what: str, call: Callable[[], T]) -> T:
        """``call()``, retried on transient failures; the last failure is raised as is."""
        for attempt in range(1, self.attempts + 1):
            try:
                return call()
            except TransientError as error:
                if attempt == self.attempts:
                    error.message = f"{error.message} (gave up after {attempt} attempts)"
                    error.args = (error.message,)
                    raise
                pause = self.delay(attempt, error.retry_after)
                log.warning(
                    "%s failed (%s); retry %d in %.1fs", what, error.message, attempt, pause
                )
                self.sleep(pause)
        raise AssertionError("unreachable: the last attempt raises")
