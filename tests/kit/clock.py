"""Time for delivery tests: `FakeClock`, a monotonic clock whose `sleep` only records and
advances (the throttle waits without waiting), and `NOW`, the delivery tests' wall clock (an
hour after the articles' `T0`)."""

from __future__ import annotations

from datetime import timedelta

from tests.kit.articles import T0

NOW = T0 + timedelta(hours=1)


class FakeClock:
    """A monotonic clock starting at 1000 s whose `sleep` records the wait and advances it."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.t += seconds
