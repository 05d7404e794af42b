"""How a Devin call retries: named policies, `Retry-After` honoured, a time budget over attempts and waits."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, stop_before_delay
from tenacity.wait import wait_base, wait_random_exponential

from bot.devin.errors import DevinConnectionError, DevinRateLimitError, DevinServerError

log = logging.getLogger("bot.devin.client")

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often one call may retry; the budget bounds the total time, waits included."""

    budget_seconds: float
    max_attempts: int = 5
    backoff_initial: float = 0.25
    backoff_max: float = 8.0


INTERACTIVE_RETRY = RetryPolicy(budget_seconds=8.0, max_attempts=3, backoff_initial=0.2, backoff_max=2.0)
"""A person in Slack is waiting: give up within seconds and say so."""
BACKGROUND_RETRY = RetryPolicy(budget_seconds=45.0, max_attempts=6, backoff_initial=0.5, backoff_max=15.0)
"""The poller can wait; the next tick retries anyway."""


def retrying(policy: RetryPolicy, *, idempotent: bool, sleep: Sleep) -> AsyncRetrying:
    """The tenacity loop for one logical request under `policy` (a POST repeats only after a 429)."""
    return AsyncRetrying(
        stop=stop_after_attempt(policy.max_attempts) | stop_before_delay(policy.budget_seconds),
        wait=_WaitRetryAfter(wait_random_exponential(multiplier=policy.backoff_initial, max=policy.backoff_max)),
        retry=retry_if_exception(_retryable(idempotent)),
        sleep=sleep,
        before_sleep=_log_retry,
        reraise=True,
    )


class _WaitRetryAfter(wait_base):
    """Wait as long as a 429's `Retry-After` says; otherwise exponential backoff with full jitter."""

    def __init__(self, fallback: wait_base) -> None:
        self._fallback = fallback

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, DevinRateLimitError) and error.retry_after is not None:
            return error.retry_after
        return float(self._fallback(retry_state))


def _retryable(idempotent: bool) -> Callable[[BaseException], bool]:
    def check(error: BaseException) -> bool:
        if isinstance(error, DevinRateLimitError):
            return True  # a 429 was refused before any work was done, so even a POST may repeat
        if not idempotent:
            return False
        return isinstance(error, DevinServerError | DevinConnectionError)

    return check


def _log_retry(retry_state: RetryCallState) -> None:
    outcome = retry_state.outcome
    error = outcome.exception() if outcome is not None else None
    log.info(
        "devin.request.retry",
        extra={
            "attempt": retry_state.attempt_number,
            "wait": round(retry_state.upcoming_sleep, 3),
            "error": type(error).__name__ if error else None,
        },
    )
