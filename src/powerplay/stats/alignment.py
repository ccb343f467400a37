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
α_HA = 0.579 ± 0.116 (corrected 0.937 [0.497, 1.000]; reliability H 0.65 [0.51, 0.79], A 0.59 [0.39, 0.78])
>>> stats.suggested_samples   # for reliabilities of 0.9
12550
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy.special import stdtrit  # Student's t quantile; scipy.stats would add half a second to start-up

from ..errors import ModelError
from .groups import jackknife_sem
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
        Raw α_HA: Pearson correlation across states of the per-state mean POWERs (NaN if
        undefined: :attr:`alpha_undefined` says why).
    alpha_sem : float
        Its jackknife standard error (NaN with fewer than two groups).
    alpha_interval : (float, float)
        95 % interval for ``alpha``.
    alpha_corrected : float
        Attenuation-corrected α_HA, clipped to [-1, 1]; NaN when it is undefined -- a signal
        variance that is not positive, or an error that cannot be estimated because some
        jackknife replicate has no positive signal (:attr:`alpha_corrected_undefined` says why).
    alpha_corrected_sem : float
    alpha_corrected_interval : (float, float)
    reliability_H, reliability_A : float
        Share of the across-state variance of each agent's per-state means that is signal,
        as estimated (noise can make the estimate negative; displays clip it to [0, 1] with
        its interval, :func:`reliability_text`).
    num_samples : int
    num_states : int
    groups : int
        Jackknife groups used.
    suggested_samples : int or None
        Samples at which both reliabilities would reach :data:`TARGET_RELIABILITY` (None if
        they already do, or if no positive signal is within the reliability intervals).
    reliability_H_interval, reliability_A_interval : (float, float)
        95 % jackknife intervals of the reliabilities (unclipped; NaN if undefined).
    suggested_is_lower_bound : bool
        Whether :attr:`suggested_samples` is only a lower bound: an agent's means were too
        noisy to estimate their signal, so the count comes from the upper end of its
        reliability interval.
    alpha_undefined, alpha_corrected_undefined : str or None
        Why a value is undefined, e.g. ``'too noisy at 500 samples'`` (None when defined).
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
    reliability_H_interval: tuple[float, float] = (math.nan, math.nan)
    reliability_A_interval: tuple[float, float] = (math.nan, math.nan)
    suggested_is_lower_bound: bool = False
    alpha_undefined: str | None = None
    alpha_corrected_undefined: str | None = None

    @property
    def low_reliability(self) -> bool:
        """Whether either reliability is below :data:`LOW_RELIABILITY` (or undefined)."""
        return not (self.reliability_H >= LOW_RELIABILITY and self.reliability_A >= LOW_RELIABILITY)

    def reliability(self, agent: str) -> tuple[float, tuple[float, float]]:
        """``(estimate, interval)`` of one agent's reliability (``'H'`` or ``'A'``)."""
        if agent == "H":
            return self.reliability_H, self.reliability_H_interval
        if agent == "A":
            return self.reliability_A, self.reliability_A_interval
        raise ModelError(f"α_HA has reliabilities for agents H and A, not {agent!r}")

    def noise(self, agent: str) -> str:
        """How noisy an agent's per-state means are: ``'reliable'``, ``'noisy'`` (a positive
        signal, below :data:`LOW_RELIABILITY`), ``'too noisy'`` (no positive signal can be
        estimated at this sample count: the means' spread across states is no larger than
        their noise) or ``'constant'`` (the means do not vary across states at all)."""
        value, _ = self.reliability(agent)
        if value >= LOW_RELIABILITY:
            return "reliable"
        if value > 0:
            return "noisy"
        if self.alpha_undefined == CONSTANT and not math.isfinite(value):
            return "constant"
        return "too noisy"

    def noise_message(self) -> str | None:
        """One sentence on noisy per-state means and what to do (None when both are reliable).

        Separates "too noisy to estimate at N samples" from "do not vary", and gives the
        suggested sample count (a lower bound when a signal could not be estimated).
        """
        if not self.low_reliability:
            return None
        parts = []
        for agent in ("H", "A"):
            kind = self.noise(agent)
            shown = reliability_text(*self.reliability(agent))
            if kind == "noisy":
                parts.append(f"{agent}'s per-state means are noisy (reliability {shown})")
            elif kind == "too noisy":
                parts.append(
                    f"{agent}'s per-state means are too noisy at {self.num_samples:,} samples to estimate how much they "
                    f"vary across states (reliability {shown})"
                )
            elif kind == "constant":
                parts.append(f"{agent}'s per-state means do not vary across states")
        if self.suggested_samples:
            bound = "at least " if self.suggested_is_lower_bound else "about "
            parts.append(f"{bound}{self.suggested_samples:,} samples would reach reliability {TARGET_RELIABILITY}")
        elif any(self.noise(agent) == "too noisy" for agent in ("H", "A")):
            parts.append("no variation is detected yet; more samples would tell")
        return "; ".join(parts)

    def as_dict(self) -> dict:
        """Plain numbers for JSON (intervals as two-element lists)."""
        out = asdict(self)
        for key in ("alpha_interval", "alpha_corrected_interval", "reliability_H_interval", "reliability_A_interval"):
            out[key] = [float(x) for x in out[key]]
        return out

    @classmethod
    def from_dict(cls, record: dict) -> AlignmentStatistics:
        """Inverse of :meth:`as_dict` for a ``run.json`` record (``null`` numbers read as NaN;
        fields older records lack take their defaults)."""

        def number(key):
            value = record.get(key)
            return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan

        def pair(key):
            values = list(record.get(key) or []) + [None, None]
            return tuple(float(v) if isinstance(v, (int, float)) else math.nan for v in values[:2])

        suggested = record.get("suggested_samples")
        return cls(
            alpha=number("alpha"),
            alpha_sem=number("alpha_sem"),
            alpha_interval=pair("alpha_interval"),
            alpha_corrected=number("alpha_corrected"),
            alpha_corrected_sem=number("alpha_corrected_sem"),
            alpha_corrected_interval=pair("alpha_corrected_interval"),
            reliability_H=number("reliability_H"),
            reliability_A=number("reliability_A"),
            num_samples=int(record.get("num_samples") or 0),
            num_states=int(record.get("num_states") or 0),
            groups=int(record.get("groups") or 0),
            suggested_samples=int(suggested) if isinstance(suggested, int) else None,
            reliability_H_interval=pair("reliability_H_interval"),
            reliability_A_interval=pair("reliability_A_interval"),
            suggested_is_lower_bound=bool(record.get("suggested_is_lower_bound", False)),
            alpha_undefined=record.get("alpha_undefined"),
            alpha_corrected_undefined=record.get("alpha_corrected_undefined"),
        )

    def describe(self) -> str:
        """One line, e.g. ``'α_HA = -0.470 ± 0.012 (corrected -0.52 [-0.55, -0.49]; reliability H 0.91 [0.85, 0.97], A ...)'``."""
        raw = (
            f"undefined ({self.alpha_undefined})"
            if not math.isfinite(self.alpha)
            else f"{_fmt(self.alpha)} ± {_fmt(self.alpha_sem) if math.isfinite(self.alpha_sem) else 'undefined'}"
        )
        corrected = (
            f"undefined ({self.alpha_corrected_undefined})"
            if not math.isfinite(self.alpha_corrected)
            else f"{_fmt(self.alpha_corrected)} [{_fmt(self.alpha_corrected_interval[0])}, "
            f"{_fmt(self.alpha_corrected_interval[1])}]"
        )
        return (
            f"α_HA = {raw} (corrected {corrected}; reliability H {reliability_text(*self.reliability('H'))}, "
            f"A {reliability_text(*self.reliability('A'))})"
        )


def reliability_text(value: float, interval: tuple[float, float] = (math.nan, math.nan)) -> str:
    """A reliability for display: clipped to [0, 1], with its clipped interval when known.

    Examples
    --------
    >>> reliability_text(-0.08, (-0.3, 0.21)), reliability_text(0.912), reliability_text(float('nan'))
    ('0.00 [0.00, 0.21]', '0.91', 'undefined')
    """
    if value is None or not math.isfinite(value):
        return "undefined"
    text = f"{min(max(value, 0.0), 1.0):.2f}"
    low, high = interval
    if math.isfinite(low) and math.isfinite(high):
        text += f" [{min(max(low, 0.0), 1.0):.2f}, {min(max(high, 0.0), 1.0):.2f}]"
    return text


#: Why α_HA is undefined when POWER does not vary across states.
CONSTANT = "POWER does not vary across states"


def undefined_reason(num_samples: int) -> str:
    """Why a noise-corrected statistic is undefined at this sample count."""
    return "1 sample" if num_samples < 2 else f"too noisy at {num_samples:,} samples"


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


_jackknife = jackknife_sem


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


@dataclass(frozen=True)
class AlignmentReplicates:
    """α_HA from all samples and with each group left out (for paired differences between runs).

    Attributes
    ----------
    raw, corrected : float
        From all samples (``corrected`` unclipped).
    raw_replicates, corrected_replicates : numpy.ndarray
        ``[G]`` with each group left out.
    sizes : numpy.ndarray
        ``[G]`` samples per group.
    """

    raw: float
    corrected: float
    raw_replicates: np.ndarray  # [G]
    corrected_replicates: np.ndarray  # [G]
    sizes: np.ndarray  # [G]


def alignment_replicates(total: Moments, groups: list[Moments] | None = None) -> AlignmentReplicates:
    """:class:`AlignmentReplicates` of a run's moments and alignment groups."""
    parts = _parts(total)
    groups = list(groups or [])
    if len(groups) >= 2:
        sizes = np.array([g.n for g in groups], dtype=np.float64)
        replicates = [_parts(m) for m in _leave_one_out(groups)]
        raw_rep = np.array([r.raw for r in replicates])
        corrected_rep = np.array([r.corrected for r in replicates])
    else:
        sizes, raw_rep, corrected_rep = np.zeros(0), np.zeros(0), np.zeros(0)
    return AlignmentReplicates(parts.raw, parts.corrected, raw_rep, corrected_rep, sizes)


def _reliability_interval(value: float, replicates: np.ndarray, sizes: np.ndarray) -> tuple[float, float]:
    error = _jackknife(value, replicates, sizes)
    if not math.isfinite(error):
        return (math.nan, math.nan)
    quantile = float(stdtrit(len(replicates) - 1, 0.5 + CONFIDENCE / 2))
    return (value - quantile * error, value + quantile * error)


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
    n = total.n
    if len(groups) >= 2:
        sizes = np.array([g.n for g in groups], dtype=np.float64)
        replicates = [_parts(m) for m in _leave_one_out(groups)]
        raw_rep = np.array([r.raw for r in replicates])
        corrected_rep = np.array([r.corrected for r in replicates])
        reliability_rep = {a: np.array([r.reliability(a) for r in replicates]) for a in ("H", "A")}
    else:
        sizes, raw_rep, corrected_rep = np.zeros(0), np.zeros(0), np.zeros(0)
        reliability_rep = {a: np.zeros(0) for a in ("H", "A")}
    reliability = {a: parts.reliability(a) for a in ("H", "A")}
    constant = not (parts.v_h > 0 and parts.v_a > 0)
    alpha_undefined = CONSTANT if constant else None
    corrected_sem = _jackknife(corrected, corrected_rep, sizes)
    corrected_interval = _linear_interval(corrected, corrected_rep, sizes)
    corrected_undefined = None
    if constant:
        corrected_undefined = CONSTANT
    elif n < 2 or not math.isfinite(corrected) or not np.all(np.isfinite(corrected_rep)):
        # No estimate without its error: a corrected value whose replicates have no signal
        # could be anything in [-1, 1].
        corrected_undefined = undefined_reason(n)
    if corrected_undefined is not None:
        corrected, corrected_sem, corrected_interval = math.nan, math.nan, (math.nan, math.nan)
    suggested = suggested_sample_count(parts, n)
    lower_bound = False
    if suggested is None and not constant and n >= 2:
        # A signal too noisy to estimate: the upper ends of the reliability intervals give
        # the most optimistic signal, hence a lower bound on the samples needed.
        upper = {}
        for agent in ("H", "A"):
            high = _reliability_interval(reliability[agent], reliability_rep[agent], sizes)[1]
            upper[agent] = reliability[agent] if reliability[agent] > 0 else high
        # (An upper end at 1 or more bounds nothing: the means may already be noise-free.)
        if all(math.isfinite(u) and 0 < u < 1 for u in upper.values()) and any(r <= 0 for r in reliability.values()):
            optimistic = _Parts(
                parts.v_h,
                parts.v_a,
                parts.c_ha,
                parts.v_h * (1 - upper["H"]),
                parts.v_a * (1 - upper["A"]),
                parts.b_ha,
            )
            suggested = suggested_sample_count(optimistic, n)
            lower_bound = suggested is not None
    return AlignmentStatistics(
        alpha=raw,
        alpha_sem=_jackknife(raw, raw_rep, sizes),
        alpha_interval=_interval(raw, raw_rep, sizes),
        alpha_corrected=float(np.clip(corrected, -1, 1)) if math.isfinite(corrected) else math.nan,
        alpha_corrected_sem=corrected_sem,
        # Linear, not Fisher z: the unclipped corrected value may sit at or beyond ±1.
        alpha_corrected_interval=corrected_interval,
        reliability_H=reliability["H"],
        reliability_A=reliability["A"],
        num_samples=n,
        num_states=total.layout.size,
        groups=len(groups),
        suggested_samples=suggested,
        reliability_H_interval=_reliability_interval(reliability["H"], reliability_rep["H"], sizes),
        reliability_A_interval=_reliability_interval(reliability["A"], reliability_rep["A"], sizes),
        suggested_is_lower_bound=lower_bound,
        alpha_undefined=alpha_undefined,
        alpha_corrected_undefined=corrected_undefined,
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
    "CONSTANT",
    "LOW_RELIABILITY",
    "TARGET_RELIABILITY",
    "AlignmentReplicates",
    "AlignmentStatistics",
    "alignment_from_moments",
    "alignment_layout",
    "alignment_of_samples",
    "alignment_replicates",
    "reliability_text",
    "suggested_sample_count",
    "undefined_reason",
]
