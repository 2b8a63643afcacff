"""The platform's one clock convention for received times.

The source systems record naive local times (Beijing, UTC+8), so a batch's receipt time is taken on the same clock:
compared with naive UTC, every row of the last eight hours would look like it came from the future.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SOURCE_TZ = ZoneInfo("Asia/Shanghai")


def received_now() -> datetime:
    """Now, as a naive Beijing time to the second: the `received_at` of a batch."""
    return datetime.now(SOURCE_TZ).replace(tzinfo=None, microsecond=0)
