r"""Sample groups: the POWER means of fixed groups of reward samples, for paired standard errors.

Every run streams, besides its moments, the mean POWER of each state over ``G`` consecutive
groups of its reward samples (the *paired level* of the merge tree, :mod:`powerplay.stats.tree`:
at most :data:`~powerplay.stats.tree.PAIRED_GROUPS` groups of ``2**k`` samples, ``G × S``
numbers per POWER key). The groups depend only on the sample count, and every run of a sweep
with one ``random_seed`` draws the same rewards (common random numbers), so two runs that share
their reward stream have the *same* groups of the *same* reward draws.

From them, a delete-a-group jackknife gives

* the standard error of any smooth statistic ``θ`` of a run's per-state means (a contrast
  between states, a correlation, a Python function): ``θ`` recomputed with each group left
  out, ``θ_(g)``, and the spread of the pseudo-values (Busing, Meijer and van der Leeden 1999,
  for unequal group sizes; :func:`jackknife_sem`);
* the *paired* standard error of the difference ``θ(b) − θ(a)`` between two runs with the
  same groups of the same draws: the replicates are differences too,
  ``θ_(g)(b) − θ_(g)(a)``, so the noise the two runs share cancels. Runs are strongly
  correlated under common random numbers (0.85 between neighbouring discount rates on the
  7x7 maze), and ``hypot(sem_a, sem_b)`` then overstates the error of a difference several
  times over.

For a linear statistic such as one state's POWER the jackknife is the textbook between-group
estimate, which agrees with the standard error of the per-sample differences up to the
jackknife's own noise (``G − 1`` degrees of freedom).

Examples
--------
>>> rng = np.random.default_rng(0)
>>> common = rng.normal(size=(1024, 3))                # the noise both runs share
>>> a = SampleGroups.of_samples({'H': 1.0 + common})
>>> b = SampleGroups.of_samples({'H': 1.1 + common + 0.1 * rng.normal(size=(1024, 3))})
>>> a.size, a.same_groups(b)
(64, True)
>>> first = lambda m: m['H'][..., 0]
>>> value = first(b.totals()) - first(a.totals())
>>> replicates = first(b.leave_one_out()) - first(a.leave_one_out())
>>> round(jackknife_sem(value, replicates, a.counts), 3)     # the shared noise cancels
0.004
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..errors import ModelError
from .tree import PAIRED_GROUPS, group_level, nodes_at


def jackknife_sem(estimate: float, replicates: np.ndarray, sizes: np.ndarray) -> float:
    """Delete-a-group jackknife standard error with unequal group sizes (Busing et al. 1999).

    Parameters
    ----------
    estimate : float
        The statistic from all samples.
    replicates : numpy.ndarray
        ``[G]`` the statistic with each group left out.
    sizes : numpy.ndarray
        ``[G]`` samples per group.

    Returns
    -------
    float
        NaN with fewer than two groups or a non-finite estimate or replicate.

    Examples
    --------
    >>> x = np.arange(10.0)
    >>> replicates = np.array([np.delete(x, i).mean() for i in range(10)])
    >>> bool(np.isclose(jackknife_sem(x.mean(), replicates, np.ones(10)), x.std(ddof=1) / np.sqrt(10)))
    True
    """
    replicates = np.asarray(replicates, dtype=np.float64)
    sizes = np.asarray(sizes, dtype=np.float64)
    if len(replicates) < 2 or not math.isfinite(estimate) or not np.all(np.isfinite(replicates)):
        return math.nan
    n, g = sizes.sum(), len(sizes)
    h = n / sizes
    centre = g * estimate - np.sum((1 - sizes / n) * replicates)
    pseudo = h * estimate - (h - 1) * replicates
    return float(math.sqrt(np.sum((pseudo - centre) ** 2 / (h - 1)) / g))


@dataclass(frozen=True)
class SampleGroups:
    """Per-group POWER means of a run (see module notes).

    Attributes
    ----------
    counts : numpy.ndarray
        ``[G]`` int64, samples per group, in sample order.
    means : mapping
        POWER key -> ``[G, S]`` mean POWER of each state over each group.
    """

    counts: np.ndarray  # [G] int64
    means: Mapping[str, np.ndarray]  # key -> [G, S]

    def __post_init__(self) -> None:
        counts = np.asarray(self.counts, dtype=np.int64)
        if counts.ndim != 1 or counts.size == 0 or np.any(counts < 1):
            raise ModelError(f"sample groups need positive counts, got shape {counts.shape}")
        for key, array in self.means.items():
            if np.ndim(array) != 2 or np.shape(array)[0] != counts.size:
                raise ModelError(f"group means of {key!r} have shape {np.shape(array)}, expected [{counts.size}, S]")
        object.__setattr__(self, "counts", counts)

    @property
    def size(self) -> int:
        """``G``, the number of groups."""
        return int(self.counts.size)

    @property
    def num_samples(self) -> int:
        return int(self.counts.sum())

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.means)

    def same_groups(self, other: SampleGroups) -> bool:
        """Whether both runs cut their samples into the same groups (same sample count)."""
        return self.size == other.size and bool(np.array_equal(self.counts, other.counts))

    def totals(self) -> dict[str, np.ndarray]:
        """POWER key -> ``[S]`` mean over all samples (the count-weighted mean of the groups)."""
        weights = self.counts / self.counts.sum()
        return {key: weights @ array for key, array in self.means.items()}

    def leave_one_out(self) -> dict[str, np.ndarray]:
        """POWER key -> ``[G, S]`` the per-state means with each group left out in turn.

        Raises
        ------
        ModelError
            With fewer than two groups (nothing is left when the only group is left out).
        """
        if self.size < 2:
            raise ModelError("a jackknife needs at least two sample groups")
        n = float(self.counts.sum())
        sizes = self.counts.astype(np.float64)[:, None]
        out = {}
        for key, array in self.means.items():
            total = (self.counts.astype(np.float64) @ array)[None, :]
            out[key] = (total - sizes * array) / (n - sizes)
        return out

    @classmethod
    def of_samples(cls, power: Mapping[str, np.ndarray]) -> SampleGroups:
        """The groups of POWER samples ``[N, S]`` held in memory, as a streamed run forms them
        (consecutive groups of ``2**k`` samples; the last may be shorter). Means are computed
        here with numpy, so they agree with a streamed run's to rounding, not to the bit.
        """
        first = np.asarray(next(iter(power.values())))
        n = first.shape[0]
        level = group_level(n, PAIRED_GROUPS)
        width = 1 << level
        edges = [min(j * width, n) for j in range(nodes_at(level, n) + 1)]
        counts = np.diff(edges)
        means = {
            key: np.stack([np.asarray(v, dtype=np.float64)[a:b].mean(axis=0) for a, b in itertools.pairwise(edges)])
            for key, v in power.items()
        }
        return cls(counts, means)

    # -- storage ----------------------------------------------------------------------

    def to_arrays(self, prefix: str = "paired:") -> dict[str, np.ndarray]:
        """Plain arrays for ``summary.npz`` (see :meth:`from_arrays`)."""
        out = {f"{prefix}count": self.counts, f"{prefix}keys": np.array(list(self.means), dtype=str)}
        out.update({f"{prefix}mean:{key}": np.asarray(array) for key, array in self.means.items()})
        return out

    @classmethod
    def from_arrays(cls, arrays, prefix: str = "paired:") -> SampleGroups | None:
        """Inverse of :meth:`to_arrays`; ``None`` if the arrays hold no groups (an older run).

        Raises
        ------
        KeyError
            If the groups are incomplete.
        """
        names = getattr(arrays, "files", arrays)
        if f"{prefix}count" not in names:
            return None
        keys = [str(k) for k in arrays[f"{prefix}keys"]]
        means = {key: np.asarray(arrays[f"{prefix}mean:{key}"], dtype=np.float64) for key in keys}
        return cls(np.asarray(arrays[f"{prefix}count"], dtype=np.int64), means)


__all__ = ["SampleGroups", "jackknife_sem"]
