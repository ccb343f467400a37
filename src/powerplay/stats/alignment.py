r"""The alignment coefficient α_HA, its noise-attenuation correction, and honest error bars.

α_HA is the Pearson correlation, across states, of the two agents' POWER: each state's
mean POWER of Agent H against its mean POWER of Agent A. The per-state means come from
``N`` reward samples and carry sampling noise, and noise *attenuates* a correlation: with
few samples α_HA is pulled towards 0 (on the no-overlap 7x7 maze at γ = 0.99 the raw value
moves from −0.27 at 500 samples to −0.47 at 5,000). This module reports, from streamed
moments only (:mod:`powerplay.stats.moments`):

* the raw α_HA, its jackknife standard error and a 95 % interval;
* each agent's *reliability*: the share of the across-state variance of its per-state
  means that is signal rather than sampling noise;
* the attenuation-corrected α_HA, a consistent estimate of the infinite-sample value, with
  its own standard error and interval;
* the sample count at which both reliabilities would reach a target.

Derivation
----------
Write ``h_i(s)``, ``a_i(s)`` for the POWER samples (``i = 1..N``), ``\bar h(s)``, ``\bar a(s)``
for their means, ``μ_h(s)``, ``μ_a(s)`` for the infinite-sample means, and ``e_h = \bar h - μ_h``.
Across states (``S`` of them, means over states written ``⟨·⟩``) the raw statistic is built from

    v_h = ⟨(\bar h - ⟨\bar h⟩)²⟩,    c_ha = ⟨(\bar h - ⟨\bar h⟩)(\bar a - ⟨\bar a⟩)⟩.

Because every state's mean uses the same reward samples, the noise is correlated across
states and between agents. Its contribution to ``c_ha`` has expectation

    E[⟨(e_h - ⟨e_h⟩)(e_a - ⟨e_a⟩)⟩] = (⟨σ_ha(s)⟩ − cov(m_h, m_a)) / N  =: b_ha,

where ``σ_ha(s)`` is the per-sample covariance of ``h_i(s)`` and ``a_i(s)``, and
``m_h(i) = ⟨h_i⟩`` is a sample's mean over states (so ``⟨e_h⟩`` is the mean of ``m_h``
minus its expectation). Likewise ``b_hh = (⟨σ_h²(s)⟩ − var(m_h)) / N``. Estimating the
variances and covariances with their unbiased sample versions gives unbiased estimates of
the noise terms, and

    α_raw       = c_ha / sqrt(v_h v_a)
    α_corrected = (c_ha − b_ha) / sqrt((v_h − b_hh)(v_a − b_aa))
    reliability_h = (v_h − b_hh) / v_h

(Spearman's disattenuation, extended to noise that is correlated between agents and across
states). As ``N → ∞`` both statistics converge to the same value, but the corrected one
has no ``O(1/N)`` attenuation bias. Everything needed -- per-state means, sums of squares
and H–A cross products, and the moments of ``m_h``, ``m_a`` -- streams.

Errors
------
Standard errors come from a delete-a-group jackknife over consecutive groups of reward
samples (the group level of :mod:`powerplay.stats.tree`, up to 32 groups), with the
weights of Busing, Meijer and van der Leeden (1999) for unequal group sizes. The raw
α_HA's 95 % interval is formed on Fisher's ``z = atanh(α)`` scale with a Student-t
quantile on ``G − 1`` degrees of freedom and mapped back, so it stays inside ``[-1, 1]``.
The corrected value is a ratio that noise can push past ±1 (it is reported clipped), so
its interval is ``estimate ± t · error`` on the linear scale, clipped to ``[-1, 1]``.

Examples
--------
Both agents' true POWER is the same per state (the infinite-sample α_HA is 1), but each
sample is very noisy, so the raw coefficient is attenuated:

>>> rng = np.random.default_rng(0)
>>> signal = rng.normal(size=40)
>>> h = signal + rng.normal(scale=30, size=(2000, 40))
>>> a = signal + rng.normal(scale=30, size=(2000, 40))
>>> stats = alignment_of_samples(h, a)
>>> print(stats.describe())
α_HA = 0.579 ± 0.116 (corrected 0.937 [0.497, 1.000]; reliability H 0.65, A 0.59)
>>> stats.suggested_samples   # for reliabilities of 0.9
12550
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy.special import stdtrit  # Student's t quantile; scipy.stats would add half a second to start-up

from ..errors import ModelError
from .moments import Layout, Moments
from .tree import reduced

#: Variables an alignment computation needs (see :func:`alignment_layout`).
H, A = "power_H", "power_A"
MEAN_H, MEAN_A = "state_mean_H", "state_mean_A"

#: Reliability below which a run's α_HA is flagged as noisy.
LOW_RELIABILITY = 0.8

#: Target reliability used to suggest a sample count.
TARGET_RELIABILITY = 0.9

#: Coverage of the reported intervals.
CONFIDENCE = 0.95


def alignment_layout(num_states: int) -> Layout:
    """The variables and pairs :func:`alignment_from_moments` needs."""
    return Layout(vectors=(H, A), size=num_states, scalars=((MEAN_H, H), (MEAN_A, A)), pairs=((H, A), (MEAN_H, MEAN_A)))


@dataclass(frozen=True)
class AlignmentStatistics:
    """α_HA of a run, with its correction and uncertainty (see module notes).

    Attributes
    ----------
    alpha : float
        Raw α_HA: Pearson correlation across states of the per-state mean POWERs.
    alpha_sem : float
        Its jackknife standard error (NaN with fewer than two groups).
    alpha_interval : (float, float)
        95 % interval for ``alpha``.
    alpha_corrected : float
        Attenuation-corrected α_HA (NaN if a signal variance is not positive), clipped to [-1, 1].
    alpha_corrected_sem : float
    alpha_corrected_interval : (float, float)
    reliability_H, reliability_A : float
        Share of the across-state variance of each agent's per-state means that is signal.
    num_samples : int
    num_states : int
    groups : int
        Jackknife groups used.
    suggested_samples : int or None
        Samples at which both reliabilities would reach :data:`TARGET_RELIABILITY` (None if
        they already do, or if a signal variance is not positive).
    """

    alpha: float
    alpha_sem: float
    alpha_interval: tuple[float, float]
    alpha_corrected: float
    alpha_corrected_sem: float
    alpha_corrected_interval: tuple[float, float]
    reliability_H: float
    reliability_A: float
    num_samples: int
    num_states: int
    groups: int
    suggested_samples: int | None

    @property
    def low_reliability(self) -> bool:
        """Whether either reliability is below :data:`LOW_RELIABILITY` (or undefined)."""
        return not (self.reliability_H >= LOW_RELIABILITY and self.reliability_A >= LOW_RELIABILITY)

    def as_dict(self) -> dict:
        """Plain numbers for JSON (intervals as two-element lists)."""
        out = asdict(self)
        for key in ("alpha_interval", "alpha_corrected_interval"):
            out[key] = [float(x) for x in out[key]]
        return out

    def describe(self) -> str:
        """One line, e.g. ``'α_HA = -0.470 ± 0.012 (corrected -0.52 [-0.55, -0.49]; reliability H 0.91, A 0.88)'``."""
        return (
            f"α_HA = {_fmt(self.alpha)} ± {_fmt(self.alpha_sem)} (corrected {_fmt(self.alpha_corrected)} "
            f"[{_fmt(self.alpha_corrected_interval[0])}, {_fmt(self.alpha_corrected_interval[1])}]; "
            f"reliability H {_fmt(self.reliability_H, 2)}, A {_fmt(self.reliability_A, 2)})"
        )


def _fmt(x: float, digits: int = 3) -> str:
    return "nan" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


@dataclass(frozen=True)
class _Parts:
    """Across-state variances/covariance of the means, and their noise terms (common scale)."""

    v_h: float
    v_a: float
    c_ha: float
    b_hh: float
    b_aa: float
    b_ha: float

    @property
    def raw(self) -> float:
        denominator = math.sqrt(self.v_h * self.v_a) if self.v_h > 0 and self.v_a > 0 else 0.0
        return float(np.clip(self.c_ha / denominator, -1, 1)) if denominator > 0 else math.nan

    @property
    def corrected(self) -> float:
        """Unclipped: sampling noise can push a disattenuated correlation slightly beyond ±1."""
        s_h, s_a = self.v_h - self.b_hh, self.v_a - self.b_aa
        if not (s_h > 0 and s_a > 0):
            return math.nan
        return (self.c_ha - self.b_ha) / math.sqrt(s_h * s_a)

    def reliability(self, agent: str) -> float:
        v, b = (self.v_h, self.b_hh) if agent == "H" else (self.v_a, self.b_aa)
        return (v - b) / v if v > 0 else math.nan


def _parts(moments: Moments) -> _Parts:
    """The ingredients of both statistics, from one moment record (scale-free)."""
    n = moments.n
    mean_h, m2_h, e_h = moments.scaled(H)
    mean_a, m2_a, e_a = moments.scaled(A)
    _mh_mean, mh_m2, e_mh = moments.scaled(MEAN_H)
    _ma_mean, ma_m2, e_ma = moments.scaled(MEAN_A)
    if (e_mh, e_ma) != (e_h, e_a):  # by construction a state mean shares its vector's scale
        raise ModelError("state-mean moments are not on their vectors' scale")
    dh, da = mean_h - mean_h.mean(), mean_a - mean_a.mean()
    v_h, v_a, c_ha = float(dh @ dh) / len(dh), float(da @ da) / len(da), float(dh @ da) / len(dh)
    if n < 2:
        return _Parts(v_h, v_a, c_ha, 0.0, 0.0, 0.0)
    cross = moments.scaled_cross(H, A)
    cross_m = float(moments.scaled_cross(MEAN_H, MEAN_A))
    denominator = (n - 1) * n
    b_hh = (float(m2_h.mean()) - float(mh_m2)) / denominator
    b_aa = (float(m2_a.mean()) - float(ma_m2)) / denominator
    b_ha = (float(cross.mean()) - cross_m) / denominator
    return _Parts(v_h, v_a, c_ha, b_hh, b_aa, b_ha)


def _jackknife(estimate: float, replicates: np.ndarray, sizes: np.ndarray) -> float:
    """Delete-a-group jackknife standard error with unequal group sizes (Busing et al. 1999)."""
    if len(replicates) < 2 or not math.isfinite(estimate) or not np.all(np.isfinite(replicates)):
        return math.nan
    n, g = sizes.sum(), len(sizes)
    h = n / sizes
    centre = g * estimate - np.sum((1 - sizes / n) * replicates)
    pseudo = h * estimate - (h - 1) * replicates
    return float(math.sqrt(np.sum((pseudo - centre) ** 2 / (h - 1)) / g))


def _linear_interval(estimate: float, replicates: np.ndarray, sizes: np.ndarray) -> tuple[float, float]:
    """``estimate ± t * jackknife error``, clipped to [-1, 1]."""
    error = _jackknife(estimate, replicates, sizes)
    if not math.isfinite(error):
        return (math.nan, math.nan)
    quantile = float(stdtrit(len(replicates) - 1, 0.5 + CONFIDENCE / 2))
    return (max(-1.0, estimate - quantile * error), min(1.0, estimate + quantile * error))


def _interval(estimate: float, replicates: np.ndarray, sizes: np.ndarray) -> tuple[float, float]:
    """Interval on Fisher's z scale, mapped back to [-1, 1]."""
    if not math.isfinite(estimate) or len(replicates) < 2:
        return (math.nan, math.nan)
    limit = 1 - 1e-12
    z = math.atanh(float(np.clip(estimate, -limit, limit)))
    z_replicates = np.arctanh(np.clip(replicates, -limit, limit))
    error = _jackknife(z, z_replicates, sizes)
    if not math.isfinite(error):
        return (math.nan, math.nan)
    quantile = float(stdtrit(len(replicates) - 1, 0.5 + CONFIDENCE / 2))
    return (math.tanh(z - quantile * error), math.tanh(z + quantile * error))


def _leave_one_out(groups: list[Moments]) -> list[Moments]:
    """For each group, the moments of all the other groups (prefix and suffix merges)."""
    count = len(groups)
    prefix: list[Moments | None] = [None] * count
    suffix: list[Moments | None] = [None] * count
    for g in range(1, count):
        before = prefix[g - 1]
        prefix[g] = groups[g - 1] if before is None else before.merge(groups[g - 1])
    for g in range(count - 2, -1, -1):
        after = suffix[g + 1]
        suffix[g] = groups[g + 1] if after is None else groups[g + 1].merge(after)
    out = []
    for g in range(count):
        parts = [m for m in (prefix[g], suffix[g]) if m is not None]
        out.append(parts[0] if len(parts) == 1 else parts[0].merge(parts[1]))
    return out


def suggested_sample_count(parts: _Parts, num_samples: int, target: float = TARGET_RELIABILITY) -> int | None:
    """Samples at which both agents' reliabilities reach ``target`` (noise falls as ``1/N``)."""
    needed = []
    for v, b in ((parts.v_h, parts.b_hh), (parts.v_a, parts.b_aa)):
        signal = v - b
        if not signal > 0:
            return None
        if b <= 0:
            continue
        # noise at N' is b N / N'; reliability signal / (signal + noise) >= target.
        needed.append(math.ceil(num_samples * b * target / (signal * (1 - target))))
    best = max(needed, default=num_samples)
    return best if best > num_samples else None


def alignment_from_moments(total: Moments, groups: list[Moments] | None = None) -> AlignmentStatistics:
    """α_HA statistics from the moments of all samples and of consecutive groups of them.

    Parameters
    ----------
    total : Moments
        A batch of one with the variables of :func:`alignment_layout` (others are ignored).
    groups : list of Moments, optional
        Disjoint consecutive groups covering the same samples (for the jackknife); without
        them the errors and intervals are NaN.
    """
    parts = _parts(total)
    raw, corrected = parts.raw, parts.corrected
    groups = list(groups or [])
    if len(groups) >= 2:
        sizes = np.array([g.n for g in groups], dtype=np.float64)
        replicates = [_parts(m) for m in _leave_one_out(groups)]
        raw_rep = np.array([r.raw for r in replicates])
        corrected_rep = np.array([r.corrected for r in replicates])
    else:
        sizes, raw_rep, corrected_rep = np.zeros(0), np.zeros(0), np.zeros(0)
    return AlignmentStatistics(
        alpha=raw,
        alpha_sem=_jackknife(raw, raw_rep, sizes),
        alpha_interval=_interval(raw, raw_rep, sizes),
        alpha_corrected=float(np.clip(corrected, -1, 1)) if math.isfinite(corrected) else math.nan,
        alpha_corrected_sem=_jackknife(corrected, corrected_rep, sizes),
        # Linear, not Fisher z: the unclipped corrected value may sit at or beyond ±1.
        alpha_corrected_interval=_linear_interval(corrected, corrected_rep, sizes),
        reliability_H=parts.reliability("H"),
        reliability_A=parts.reliability("A"),
        num_samples=total.n,
        num_states=total.layout.size,
        groups=len(groups),
        suggested_samples=suggested_sample_count(parts, total.n),
    )


def alignment_of_samples(power_H: np.ndarray, power_A: np.ndarray) -> AlignmentStatistics:
    """:func:`alignment_from_moments` of paired POWER samples ``[N, S]`` held in memory.

    The same fixed merge tree and groups as a streamed run are used, so the numbers are
    identical to those of the run that produced the samples.
    """
    power_H, power_A = np.asarray(power_H, dtype=np.float64), np.asarray(power_A, dtype=np.float64)
    if power_H.shape != power_A.shape or power_H.ndim != 2:
        raise ModelError(f"POWER samples must be paired [N, S] arrays, got {power_H.shape} and {power_A.shape}")
    layout = alignment_layout(power_H.shape[1])
    reducer = reduced(Moments.leaves(layout, {H: power_H, A: power_A}), keep_groups=layout.names)
    return alignment_from_moments(reducer.root(), reducer.group_moments())


__all__ = [
    "CONFIDENCE",
    "LOW_RELIABILITY",
    "TARGET_RELIABILITY",
    "AlignmentStatistics",
    "alignment_from_moments",
    "alignment_layout",
    "alignment_of_samples",
    "suggested_sample_count",
]
