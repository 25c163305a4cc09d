"""TEST_NOW: the instant the whole suite runs at (see tests/conftest.py and docs/decisions.md "One clock").

``python -m tests.clock_helpers`` prints a random instant within a year either side of today, to the minute,
in UTC: `make test` and `.ci/run` draw one this way when TEST_NOW is not set, and print it for replay.
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta


def parse(value: str) -> datetime:
    """An ISO 8601 instant with a UTC offset ("Z" allowed), as aware UTC."""
    instant = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if instant.utcoffset() is None:
        raise ValueError(f"TEST_NOW={value!r} needs a UTC offset, e.g. 2026-12-03T07:10:00+00:00")
    return instant.astimezone(UTC)


def draw(rng: random.Random | None = None) -> str:
    rng = rng or random.SystemRandom()
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    instant = now + timedelta(minutes=rng.randint(-365 * 24 * 60, 365 * 24 * 60))
    return instant.isoformat()


def child_clock(env: Mapping[str, str]) -> dict[str, str]:
    """More environment for an app process a test starts (the CLI, the worker) with ``env``: under TEST_NOW its
    clock starts where this process's (shifted) clock is now, so both agree on "now". Nothing otherwise, and
    nothing for a production process (which refuses a shifted clock)."""
    if not os.environ.get("TEST_NOW") or env.get("CLIENT_PROFILE_ENV", "production") == "production":
        return {}
    return {"CLIENT_PROFILE_NOW": datetime.now(UTC).isoformat()}


if __name__ == "__main__":
    print(draw())
