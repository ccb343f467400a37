"""Counts of how counter-optimisation rounds ended, merged exactly across chunks and workers.

A learning chain with ``rounds: K`` (:class:`~powerplay.solvers.power.LearningChainProblem`)
re-trains its agents after the chain; each reward sample ends at a **fixed point** (a round
that changed no policy: the profile before it is a pure equilibrium of the sample's game), a
**cycle** (a round's profile repeated one two or more rounds back) or neither within the
``K`` rounds (*unsettled*). :class:`RoundsTotals` counts them per round (and cycles per
period) with integer sums only, so chunks and Dask workers merge them in any order into the
same numbers; ``run.json`` keeps its :meth:`~RoundsTotals.summary` under ``rounds``, and
:func:`rounds_columns` turns that into the runs table's columns.

The share of samples that reach a fixed point estimates the probability that a reward
function drawn from the run's distribution gives a game whose rounds settle within ``K``; it
comes with a 95 % Wilson interval (:func:`wilson_interval`), which stays honest near 0 and 1.

Examples
--------
>>> import numpy as np
>>> from types import SimpleNamespace
>>> chunk = SimpleNamespace(rounds=3, fixed_point=np.array([1, 0, 2, 0]), cycle=np.array([0, 3, 0, 0]),
...                         period=np.array([0, 2, 0, 0]), retrainings=np.array([1, 6, 3, 6]))
>>> totals = RoundsTotals.of(chunk).merge(RoundsTotals.of(chunk))
>>> totals.fixed_points, totals.cycles, totals.unsettled, totals.fixed_point_rounds
(4, 2, 2, (2, 2, 0))
>>> RoundsTotals.from_summary(totals.summary()) == totals
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtri  # the normal quantile, without importing scipy.stats

#: Coverage of the fixed-point share's interval.
CONFIDENCE = 0.95


def wilson_interval(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for a proportion (good also near 0 and 1 and for few trials).

    Examples
    --------
    >>> [round(x, 3) for x in wilson_interval(19, 20)]
    [0.764, 0.991]
    """
    if trials == 0:
        return (math.nan, math.nan)
    z = float(ndtri(0.5 + confidence / 2))
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return (max(0.0, centre - half), min(1.0, centre + half))


def _counts(values: np.ndarray, length: int) -> tuple[int, ...]:
    """How many of ``values`` are 1, 2, ..., ``length`` (zeros -- none -- left out)."""
    values = np.asarray(values, dtype=np.int64)
    counted = np.bincount(values[values > 0], minlength=length + 1)[1 : length + 1]
    return tuple(int(c) for c in counted)


@dataclass(frozen=True)
class RoundsTotals:
    """How the counter-optimisation rounds of some samples ended, in a form that merges exactly.

    Attributes
    ----------
    rounds : int
        The rounds the run asked for (``K``).
    samples : int
    fixed_point_rounds : tuple of int
        ``K`` counts: samples whose fixed point was at round 1, 2, ..., K.
    cycle_rounds : tuple of int
        ``K`` counts: samples whose profile repeated at round 1, 2, ..., K (never 1).
    cycle_periods : tuple of int
        ``K`` counts: cycles of period 1, 2, ..., K (never 1: that is a fixed point).
    retrainings : int
        Best responses computed in the rounds, over all the samples.
    """

    rounds: int
    samples: int
    fixed_point_rounds: tuple[int, ...]
    cycle_rounds: tuple[int, ...]
    cycle_periods: tuple[int, ...]
    retrainings: int

    @classmethod
    def of(cls, outcome: Any) -> RoundsTotals:
        """The totals of a :class:`~powerplay.solvers.power.RoundsOutcome` (per-sample arrays)."""
        K = int(outcome.rounds)
        return cls(
            K,
            int(np.size(outcome.fixed_point)),
            _counts(outcome.fixed_point, K),
            _counts(outcome.cycle, K),
            _counts(outcome.period, K),
            int(np.sum(outcome.retrainings)),
        )

    def merge(self, other: RoundsTotals) -> RoundsTotals:
        if other.rounds != self.rounds:
            raise ValueError(f"cannot merge the totals of {self.rounds} and {other.rounds} rounds")
        # Integer sums: exact in any order.
        return RoundsTotals(
            self.rounds,
            self.samples + other.samples,
            tuple(a + b for a, b in zip(self.fixed_point_rounds, other.fixed_point_rounds)),
            tuple(a + b for a, b in zip(self.cycle_rounds, other.cycle_rounds)),
            tuple(a + b for a, b in zip(self.cycle_periods, other.cycle_periods)),
            self.retrainings + other.retrainings,
        )

    @property
    def fixed_points(self) -> int:
        """Samples that reached a fixed point."""
        return sum(self.fixed_point_rounds)

    @property
    def cycles(self) -> int:
        """Samples whose rounds cycled."""
        return sum(self.cycle_rounds)

    @property
    def unsettled(self) -> int:
        """Samples with neither within the rounds."""
        return self.samples - self.fixed_points - self.cycles

    def summary(self) -> dict[str, Any]:
        """The ``run.json`` form: ``rounds``, ``samples``, ``fixed_points``, ``cycles``, ``unsettled``,
        ``retrainings``, and the non-zero counts by round (``fixed_point_rounds``,
        ``cycle_rounds``) and by period (``cycle_periods``) as ``{"round": count}``."""

        def by_round(counts: tuple[int, ...]) -> dict[str, int]:
            return {str(r): c for r, c in enumerate(counts, start=1) if c}

        return {
            "rounds": self.rounds,
            "samples": self.samples,
            "fixed_points": self.fixed_points,
            "cycles": self.cycles,
            "unsettled": self.unsettled,
            "retrainings": self.retrainings,
            "fixed_point_rounds": by_round(self.fixed_point_rounds),
            "cycle_rounds": by_round(self.cycle_rounds),
            "cycle_periods": by_round(self.cycle_periods),
        }

    @classmethod
    def from_summary(cls, record: Mapping[str, Any]) -> RoundsTotals:
        """The totals of a ``run.json`` ``rounds`` record (:meth:`summary`).

        Raises
        ------
        ValueError
            Saying what is wrong with the record.
        """
        try:
            K = int(record["rounds"])

            def counts(name: str) -> tuple[int, ...]:
                found = [0] * K
                for key, count in (record.get(name) or {}).items():
                    if not 1 <= int(key) <= K or int(count) < 0:
                        raise ValueError(f"{name} has {key!r}: {count!r}")
                    found[int(key) - 1] = int(count)
                return tuple(found)

            totals = cls(
                K,
                int(record["samples"]),
                counts("fixed_point_rounds"),
                counts("cycle_rounds"),
                counts("cycle_periods"),
                int(record.get("retrainings", 0)),
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"is not a rounds record ({error})") from None
        if totals.unsettled < 0 or sum(totals.cycle_periods) != totals.cycles:
            raise ValueError("its counts do not add up")
        return totals

    @property
    def fixed_point_share(self) -> tuple[float, float, float]:
        """The share of samples at a fixed point and its 95 % Wilson interval (NaN without samples)."""
        if not self.samples:
            return (math.nan, math.nan, math.nan)
        low, high = wilson_interval(self.fixed_points, self.samples)
        return (self.fixed_points / self.samples, low, high)

    @property
    def fixed_point_round_mean(self) -> float | None:
        """The mean round of the fixed points (None without any)."""
        if not self.fixed_points:
            return None
        return sum(r * c for r, c in enumerate(self.fixed_point_rounds, start=1)) / self.fixed_points

    def describe(self) -> str:
        """One line for ``powerplay show`` and the report, e.g. ``'812 of 1,000 samples at a fixed point
        within 5 rounds (81.2 % [78.7, 83.5]; by round 1: 700, 2: 112), 150 cycled (period 2: 150), 38
        unsettled'``."""
        share, low, high = self.fixed_point_share

        def listed(counts: tuple[int, ...], what: str) -> str:
            parts = [f"{r}: {c:,}" for r, c in enumerate(counts, start=1) if c]
            return f"{what} {', '.join(parts)}" if parts else ""

        within = f"within {self.rounds} round{'s' if self.rounds != 1 else ''}"
        text = f"{self.fixed_points:,} of {self.samples:,} samples at a fixed point {within}"
        if self.samples:
            detail = f"{100 * share:.1f} % [{100 * low:.1f}, {100 * high:.1f}]"
            by_round = listed(self.fixed_point_rounds, "by round")
            text += f" ({detail}{'; ' + by_round if by_round else ''})"
        text += f", {self.cycles:,} cycled"
        if self.cycles:
            text += f" ({listed(self.cycle_periods, 'period')})"
        return f"{text}, {self.unsettled:,} unsettled"


#: The runs table's columns of a run with rounds (empty for runs without).
ROUNDS_COLUMNS = (
    "rounds_fixed_points",
    "rounds_fixed_point_share",
    "rounds_fixed_point_share_low",
    "rounds_fixed_point_share_high",
    "rounds_fixed_point_round_mean",
    "rounds_cycles",
    "rounds_unsettled",
)


def rounds_columns(record: Mapping[str, Any] | None) -> dict[str, Any]:
    """A run's columns of the runs table from its ``run.json`` ``rounds`` record: counts of fixed
    points, cycles and unsettled samples, the fixed-point share with its 95 % Wilson interval
    (``_low``, ``_high``) and the fixed points' mean round (None when there is none). Empty for
    a run without rounds (or with an unreadable record)."""
    if not record:
        return {}
    try:
        totals = RoundsTotals.from_summary(record)
    except ValueError:
        return {}
    share, low, high = totals.fixed_point_share
    defined = totals.samples > 0
    return {
        "rounds_fixed_points": totals.fixed_points,
        "rounds_fixed_point_share": share if defined else None,
        "rounds_fixed_point_share_low": low if defined else None,
        "rounds_fixed_point_share_high": high if defined else None,
        "rounds_fixed_point_round_mean": totals.fixed_point_round_mean,
        "rounds_cycles": totals.cycles,
        "rounds_unsettled": totals.unsettled,
    }


__all__ = ["CONFIDENCE", "ROUNDS_COLUMNS", "RoundsTotals", "rounds_columns", "wilson_interval"]
