"""Network readiness in numbers: the thresholds a call-quality test (NET-02) must meet.

DOMAIN.md §5 and §8: MOS of at least about 4, loss under 1 %, jitter low; the numbers are
unsourced, so each project may set its own (``project.network_thresholds``). Client and
server both read them here, with the defaults for what a project does not set.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

#: the test case whose measured values decide network readiness
CALL_QUALITY_TEST = "NET-02"


@dataclass(frozen=True, slots=True)
class NetworkThresholds:
    """What a measured test call must reach: MOS at least, jitter and loss at most."""

    min_mos: float = 4.0
    max_jitter_ms: float = 30.0
    max_loss_pct: float = 1.0

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any] | None) -> NetworkThresholds:
        """A project's thresholds from what its record holds; a value that is missing or not
        a number in range keeps its default (logged, not fatal: the gate still judges)."""
        defaults = cls()
        values: dict[str, float] = {}
        for name in ("min_mos", "max_jitter_ms", "max_loss_pct"):
            raw = (stored or {}).get(name)
            if raw is None:
                continue
            if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(
                raw
            ) or raw < 0:
                log.warning("network threshold %s=%r is not a number; using %s", name, raw,
                            getattr(defaults, name))
                continue
            values[name] = float(raw)
        return cls(**values)

    def shortfalls(
        self, mos: float | None, jitter_ms: float | None, loss_pct: float | None
    ) -> list[str]:
        """What a test call's measured values miss, in words; [] when they all hold.

        A value not measured is a shortfall: readiness is shown by numbers, not by a tick.
        """
        problems: list[str] = []
        if mos is None:
            problems.append("no MOS measured")
        elif mos < self.min_mos:
            problems.append(f"MOS {mos:g} below {self.min_mos:g}")
        if jitter_ms is None:
            problems.append("no jitter measured")
        elif jitter_ms > self.max_jitter_ms:
            problems.append(f"jitter {jitter_ms:g} ms above {self.max_jitter_ms:g} ms")
        if loss_pct is None:
            problems.append("no loss measured")
        elif loss_pct > self.max_loss_pct:
            problems.append(f"loss {loss_pct:g} % above {self.max_loss_pct:g} %")
        return problems
