r"""The alignment coefficient α_HA, its noise-attenuation correction, and honest error bars.

α_HA is the Pearson correlation, across states, of the two agents' POWER: each state's
mean POWER of Agent H against its mean POWER of Agent A. With more agents the same is
computed for every pair ``(X, Y)`` of them, α_XY (the ``pair`` argument of the functions
below, the published pair ``('H', 'A')`` by default); below, ``h`` and ``a`` stand for the
pair's first and second agent. The per-state means come from
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
The corrected value is a ratio that noise can push past ±1: it is reported at the bound,
displayed with the value it was clipped from (:func:`corrected_text`), and its interval is
``estimate ± t · error`` on the linear scale, clipped to ``[-1, 1]``.

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
from dataclasses import dataclass

import numpy as np
from scipy.special import stdtrit  # Student's t quantile; scipy.stats would add half a second to start-up

from ..errors import ModelError, UnknownLabelError
from .groups import jackknife_sem
from .keys import DEFAULT_PAIR
from .moments import Layout, Moments
from .tree import reduced

#: Variables an alignment computation of the published pair needs (see :func:`alignment_layout`).
H, A = "power_H", "power_A"
MEAN_H, MEAN_A = "state_mean_H", "state_mean_A"


def pair_variables(pair: tuple[str, str] = DEFAULT_PAIR) -> tuple[str, str, str, str]:
    """``(power_X, power_Y, state_mean_X, state_mean_Y)``: the variables α_XY reads."""
    x, y = pair
    return f"power_{x}", f"power_{y}", f"state_mean_{x}", f"state_mean_{y}"


#: Reliability below which a run's α_HA is flagged as noisy.
LOW_RELIABILITY = 0.8

#: Target reliability used to suggest a sample count.
TARGET_RELIABILITY = 0.9

#: Coverage of the reported intervals.
CONFIDENCE = 0.95


def alignment_layout(num_states: int, pair: tuple[str, str] = DEFAULT_PAIR) -> Layout:
    """The variables and pairs :func:`alignment_from_moments` needs for α of ``pair``."""
    x, y, mean_x, mean_y = pair_variables(pair)
    return Layout(vectors=(x, y), size=num_states, scalars=((mean_x, x), (mean_y, y)), pairs=((x, y), (mean_x, mean_y)))


@dataclass(frozen=True)
class AlignmentStatistics:
    """α of a pair of agents of a run (α_HA for the published pair), with its correction and
    uncertainty (see module notes).

    Attributes
    ----------
    alpha : float
        Raw α: Pearson correlation across states of the per-state mean POWERs (NaN if
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
    reliability_first, reliability_second : float
        Share of the across-state variance of each agent's per-state means that is signal
        (first and second agent of :attr:`agents`), as estimated (noise can make the estimate
        negative; displays clip it to [0, 1] with its interval, :func:`reliability_text`).
        :meth:`reliability` takes an agent's name; ``reliability_H`` and ``reliability_A``
        are H's and A's.
    num_samples : int
    num_states : int
    groups : int
        Jackknife groups used.
    suggested_samples : int or None
        Samples at which both reliabilities would reach :data:`TARGET_RELIABILITY` (None if
        they already do, or if no positive signal is within the reliability intervals).
    reliability_first_interval, reliability_second_interval : (float, float)
        95 % jackknife intervals of the reliabilities (unclipped; NaN if undefined).
    suggested_is_lower_bound : bool
        Whether :attr:`suggested_samples` is only a lower bound: an agent's means were too
        noisy to estimate their signal, so the count comes from the upper end of its
        reliability interval.
    alpha_undefined, alpha_corrected_undefined : str or None
        Why a value is undefined, e.g. ``'too noisy at 500 samples'`` (None when defined).
    agents : (str, str)
        The pair, ``('H', 'A')`` by default.
    alpha_corrected_unclipped : float
        The corrected estimate before clipping (beyond ±1 when noise pushed it there: displays
        then say so, :func:`corrected_text`; NaN in records written before it was stored).
    """

    alpha: float
    alpha_sem: float
    alpha_interval: tuple[float, float]
    alpha_corrected: float
    alpha_corrected_sem: float
    alpha_corrected_interval: tuple[float, float]
    reliability_first: float
    reliability_second: float
    num_samples: int
    num_states: int
    groups: int
    suggested_samples: int | None
    reliability_first_interval: tuple[float, float] = (math.nan, math.nan)
    reliability_second_interval: tuple[float, float] = (math.nan, math.nan)
    suggested_is_lower_bound: bool = False
    alpha_undefined: str | None = None
    alpha_corrected_undefined: str | None = None
    agents: tuple[str, str] = DEFAULT_PAIR
    alpha_corrected_unclipped: float = math.nan

    @property
    def alpha_corrected_clipped(self) -> bool:
        """Whether the corrected estimate fell beyond ±1 (noise in the disattenuation's ratio)
        and :attr:`alpha_corrected` is its bound; :attr:`alpha_corrected_unclipped` has the value."""
        return math.isfinite(self.alpha_corrected_unclipped) and abs(self.alpha_corrected_unclipped) > 1

    @property
    def tag(self) -> str:
        """``'HA'``: the pair's names joined (the symbol's subscript)."""
        return "".join(self.agents)

    @property
    def symbol(self) -> str:
        """``'α_HA'``."""
        return f"α_{self.tag}"

    @property
    def low_reliability(self) -> bool:
        """Whether either reliability is below :data:`LOW_RELIABILITY` (or undefined)."""
        return not (self.reliability_first >= LOW_RELIABILITY and self.reliability_second >= LOW_RELIABILITY)

    def reliability(self, agent: str) -> tuple[float, tuple[float, float]]:
        """``(estimate, interval)`` of one agent's reliability (an agent of :attr:`agents`).

        Raises
        ------
        UnknownLabelError
            For an agent not in the pair.
        """
        first, second = self.agents
        if agent == first:
            return self.reliability_first, self.reliability_first_interval
        if agent == second:
            return self.reliability_second, self.reliability_second_interval
        raise UnknownLabelError(f"{self.symbol} has reliabilities for agents {first} and {second}, not {agent!r}")

    @property
    def reliability_H(self) -> float:
        """Agent H's reliability (a pair with H)."""
        return self.reliability("H")[0]

    @property
    def reliability_A(self) -> float:
        """Agent A's reliability (a pair with A)."""
        return self.reliability("A")[0]

    @property
    def reliability_H_interval(self) -> tuple[float, float]:
        return self.reliability("H")[1]

    @property
    def reliability_A_interval(self) -> tuple[float, float]:
        return self.reliability("A")[1]

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
        parts = [text for agent in self.agents if (text := self.agent_noise(agent))]
        if self.suggested_samples:
            bound = "at least " if self.suggested_is_lower_bound else "about "
            parts.append(f"{bound}{self.suggested_samples:,} samples would reach reliability {TARGET_RELIABILITY}")
        elif any(self.noise(agent) == "too noisy" for agent in self.agents):
            parts.append("no variation is detected yet; more samples would tell")
        return "; ".join(parts)

    def agent_noise(self, agent: str) -> str | None:
        """What :meth:`noise_message` says of one agent's means (None when they are reliable)."""
        kind = self.noise(agent)
        shown = reliability_text(*self.reliability(agent))
        if kind == "noisy":
            return f"{agent}'s per-state means are noisy (reliability {shown})"
        if kind == "too noisy":
            return (
                f"{agent}'s per-state means are too noisy at {self.num_samples:,} samples to estimate how much they "
                f"vary across states (reliability {shown})"
            )
        if kind == "constant":
            return f"{agent}'s per-state means do not vary across states"
        return None

    def as_dict(self) -> dict:
        """Plain numbers for JSON (intervals as two-element lists); reliabilities named by agent
        (``reliability_H``, ``reliability_A_interval``, ...), and ``agents`` for a pair other
        than ``('H', 'A')`` (so a two-agent record is what it always was)."""
        first, second = self.agents
        out = {
            "alpha": self.alpha,
            "alpha_sem": self.alpha_sem,
            "alpha_interval": [float(x) for x in self.alpha_interval],
            "alpha_corrected": self.alpha_corrected,
            "alpha_corrected_sem": self.alpha_corrected_sem,
            "alpha_corrected_interval": [float(x) for x in self.alpha_corrected_interval],
            f"reliability_{first}": self.reliability_first,
            f"reliability_{second}": self.reliability_second,
            "num_samples": self.num_samples,
            "num_states": self.num_states,
            "groups": self.groups,
            "suggested_samples": self.suggested_samples,
            f"reliability_{first}_interval": [float(x) for x in self.reliability_first_interval],
            f"reliability_{second}_interval": [float(x) for x in self.reliability_second_interval],
            "suggested_is_lower_bound": self.suggested_is_lower_bound,
            "alpha_undefined": self.alpha_undefined,
            "alpha_corrected_undefined": self.alpha_corrected_undefined,
            "alpha_corrected_unclipped": self.alpha_corrected_unclipped,
        }
        if tuple(self.agents) != DEFAULT_PAIR:
            out["agents"] = list(self.agents)
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
        agents = record.get("agents")
        if not (isinstance(agents, (list, tuple)) and len(agents) == 2 and all(isinstance(a, str) for a in agents)):
            agents = DEFAULT_PAIR
        first, second = agents
        return cls(
            alpha=number("alpha"),
            alpha_sem=number("alpha_sem"),
            alpha_interval=pair("alpha_interval"),
            alpha_corrected=number("alpha_corrected"),
            alpha_corrected_sem=number("alpha_corrected_sem"),
            alpha_corrected_interval=pair("alpha_corrected_interval"),
            reliability_first=number(f"reliability_{first}"),
            reliability_second=number(f"reliability_{second}"),
            num_samples=int(record.get("num_samples") or 0),
            num_states=int(record.get("num_states") or 0),
            groups=int(record.get("groups") or 0),
            suggested_samples=int(suggested) if isinstance(suggested, int) else None,
            reliability_first_interval=pair(f"reliability_{first}_interval"),
            reliability_second_interval=pair(f"reliability_{second}_interval"),
            suggested_is_lower_bound=bool(record.get("suggested_is_lower_bound", False)),
            alpha_undefined=record.get("alpha_undefined"),
            alpha_corrected_undefined=record.get("alpha_corrected_undefined"),
            agents=(str(first), str(second)),
            alpha_corrected_unclipped=number("alpha_corrected_unclipped"),
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
            else f"{corrected_text(self.alpha_corrected, self.alpha_corrected_unclipped)} "
            f"[{_fmt(self.alpha_corrected_interval[0])}, {_fmt(self.alpha_corrected_interval[1])}]"
        )
        first, second = self.agents
        return (
            f"{self.symbol} = {raw} (corrected {corrected}; reliability {first} "
            f"{reliability_text(*self.reliability(first))}, {second} {reliability_text(*self.reliability(second))})"
        )


def noise_summary(statistics) -> str | None:
    """:meth:`AlignmentStatistics.noise_message` of several pairs of a run in one sentence: each
    noisy agent once (its reliability is its own, the same in every pair), and the sample count
    at which every agent would reach the target (the largest of the pairs'); None when every
    agent's means are reliable. One pair: its own message.
    """
    pairs = list(statistics)
    if len(pairs) == 1:
        return pairs[0].noise_message()
    first: dict[str, AlignmentStatistics] = {}
    for item in pairs:
        for agent in item.agents:
            first.setdefault(agent, item)
    parts = [text for agent, item in first.items() if (text := item.agent_noise(agent))]
    if not parts:
        return None
    counted = [(s.suggested_samples, s.suggested_is_lower_bound) for s in pairs if s.suggested_samples]
    if counted:
        count, lower = max(counted)
        bound = "at least " if lower else "about "
        parts.append(f"{bound}{count:,} samples would bring every agent to reliability {TARGET_RELIABILITY}")
    elif any(item.noise(agent) == "too noisy" for agent, item in first.items()):
        parts.append("no variation is detected yet; more samples would tell")
    return "; ".join(parts)


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


def corrected_text(value: float, unclipped: float | None = None, digits: int = 3) -> str:
    """A corrected α for display: ``'-0.472'``, or for an estimate that noise pushed beyond ±1
    (reported at the bound) ``'-1.000 (clipped from -1.071)'``.

    Examples
    --------
    >>> corrected_text(-0.4721), corrected_text(-1.0, -1.0712)
    ('-0.472', '-1.000 (clipped from -1.071)')
    """
    text = f"{value:.{digits}f}"
    if unclipped is not None and math.isfinite(unclipped) and abs(unclipped) > 1:
        text += f" (clipped from {unclipped:.{digits}f})"
    return text


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

    def reliability(self, which: int) -> float:
        """The first (0) or second (1) agent's reliability."""
        v, b = (self.v_h, self.b_hh) if which == 0 else (self.v_a, self.b_aa)
        return (v - b) / v if v > 0 else math.nan


def _cross(moments: Moments, a: str, b: str) -> np.ndarray:
    """The scaled co-moment of ``a`` and ``b``, tracked in either order (a product of deviations is symmetric)."""
    if (a, b) in moments.layout.pairs:
        return moments.scaled_cross(a, b)
    if (b, a) in moments.layout.pairs:
        return moments.scaled_cross(b, a)
    raise ModelError(f"the moments do not track the pair ({a!r}, {b!r})")


def _parts(moments: Moments, pair: tuple[str, str] = DEFAULT_PAIR) -> _Parts:
    """The ingredients of both statistics, from one moment record (scale-free)."""
    power_h, power_a, state_mean_h, state_mean_a = pair_variables(pair)  # h, a: the pair's first and second
    n = moments.n
    mean_h, m2_h, e_h = moments.scaled(power_h)
    mean_a, m2_a, e_a = moments.scaled(power_a)
    _mh_mean, mh_m2, e_mh = moments.scaled(state_mean_h)
    _ma_mean, ma_m2, e_ma = moments.scaled(state_mean_a)
    if (e_mh, e_ma) != (e_h, e_a):  # by construction a state mean shares its vector's scale
        raise ModelError("state-mean moments are not on their vectors' scale")
    dh, da = mean_h - mean_h.mean(), mean_a - mean_a.mean()
    v_h, v_a, c_ha = float(dh @ dh) / len(dh), float(da @ da) / len(da), float(dh @ da) / len(dh)
    if n < 2:
        return _Parts(v_h, v_a, c_ha, 0.0, 0.0, 0.0)
    cross = _cross(moments, power_h, power_a)
    cross_m = float(_cross(moments, state_mean_h, state_mean_a))
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


def leave_one_out_merges(groups: list[Moments]) -> list[Moments]:
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


def _pair_groups(groups: list[Moments] | None, pair: tuple[str, str]) -> list[Moments]:
    """The groups restricted to the pair's variables (merging is per variable: the same numbers, less work)."""
    names = pair_variables(pair)
    return [g if set(g.layout.names) == set(names) else g.select(names) for g in groups or []]


def alignment_replicates(
    total: Moments, groups: list[Moments] | None = None, pair: tuple[str, str] = DEFAULT_PAIR
) -> AlignmentReplicates:
    """:class:`AlignmentReplicates` of a run's moments and alignment groups, for α of ``pair``."""
    parts = _parts(total, pair)
    groups = _pair_groups(groups, pair)
    if len(groups) >= 2:
        sizes = np.array([g.n for g in groups], dtype=np.float64)
        replicates = [_parts(m, pair) for m in leave_one_out_merges(groups)]
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


def alignment_from_moments(
    total: Moments,
    groups: list[Moments] | None = None,
    pair: tuple[str, str] = DEFAULT_PAIR,
    *,
    left_out: list[Moments] | None = None,
) -> AlignmentStatistics:
    """α statistics of a pair of agents from the moments of all samples and of consecutive groups of them.

    Parameters
    ----------
    total : Moments
        A batch of one with the variables of :func:`alignment_layout` of ``pair`` (others are ignored).
    groups : list of Moments, optional
        Disjoint consecutive groups covering the same samples (for the jackknife); without
        them the errors and intervals are NaN.
    pair : (str, str)
        The agents, ``('H', 'A')`` by default (α_HA).
    left_out : list of Moments, optional
        The groups' leave-one-out merges, if already computed (shared between pairs: merging
        is per variable, so they give the same numbers as the pair's own).
    """
    pair = (str(pair[0]), str(pair[1]))
    parts = _parts(total, pair)
    raw, corrected = parts.raw, parts.corrected
    groups = _pair_groups(groups, pair) if left_out is None else list(groups or [])
    n = total.n
    which = (0, 1)
    if len(groups) >= 2:
        sizes = np.array([g.n for g in groups], dtype=np.float64)
        replicates = [_parts(m, pair) for m in (leave_one_out_merges(groups) if left_out is None else left_out)]
        raw_rep = np.array([r.raw for r in replicates])
        corrected_rep = np.array([r.corrected for r in replicates])
        reliability_rep = {a: np.array([r.reliability(a) for r in replicates]) for a in which}
    else:
        sizes, raw_rep, corrected_rep = np.zeros(0), np.zeros(0), np.zeros(0)
        reliability_rep = {a: np.zeros(0) for a in which}
    reliability = {a: parts.reliability(a) for a in which}
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
        for agent in which:
            high = _reliability_interval(reliability[agent], reliability_rep[agent], sizes)[1]
            upper[agent] = reliability[agent] if reliability[agent] > 0 else high
        # (An upper end at 1 or more bounds nothing: the means may already be noise-free.)
        if all(math.isfinite(u) and 0 < u < 1 for u in upper.values()) and any(r <= 0 for r in reliability.values()):
            optimistic = _Parts(
                parts.v_h,
                parts.v_a,
                parts.c_ha,
                parts.v_h * (1 - upper[0]),
                parts.v_a * (1 - upper[1]),
                parts.b_ha,
            )
            suggested = suggested_sample_count(optimistic, n)
            lower_bound = suggested is not None
    return AlignmentStatistics(
        alpha=raw,
        alpha_sem=_jackknife(raw, raw_rep, sizes),
        alpha_interval=_interval(raw, raw_rep, sizes),
        alpha_corrected=float(np.clip(corrected, -1, 1)) if math.isfinite(corrected) else math.nan,
        alpha_corrected_unclipped=float(corrected) if math.isfinite(corrected) else math.nan,
        alpha_corrected_sem=corrected_sem,
        # Linear, not Fisher z: the unclipped corrected value may sit at or beyond ±1.
        alpha_corrected_interval=corrected_interval,
        reliability_first=reliability[0],
        reliability_second=reliability[1],
        num_samples=n,
        num_states=total.layout.size,
        groups=len(groups),
        suggested_samples=suggested,
        reliability_first_interval=_reliability_interval(reliability[0], reliability_rep[0], sizes),
        reliability_second_interval=_reliability_interval(reliability[1], reliability_rep[1], sizes),
        suggested_is_lower_bound=lower_bound,
        alpha_undefined=alpha_undefined,
        alpha_corrected_undefined=corrected_undefined,
        agents=pair,
    )


def alignment_of_samples(
    power_H: np.ndarray, power_A: np.ndarray, agents: tuple[str, str] = DEFAULT_PAIR
) -> AlignmentStatistics:
    """:func:`alignment_from_moments` of paired POWER samples ``[N, S]`` held in memory.

    The same fixed merge tree and groups as a streamed run are used, so the numbers are
    identical to those of the run that produced the samples. ``agents`` names the pair
    (``power_H`` is the first agent's samples).
    """
    power_H, power_A = np.asarray(power_H, dtype=np.float64), np.asarray(power_A, dtype=np.float64)
    if power_H.shape != power_A.shape or power_H.ndim != 2:
        raise ModelError(f"POWER samples must be paired [N, S] arrays, got {power_H.shape} and {power_A.shape}")
    if len(agents) != 2 or agents[0] == agents[1]:
        raise ModelError(f"α needs two different agents, got {list(agents)}")
    layout = alignment_layout(power_H.shape[1], agents)
    x, y = layout.vectors
    reducer = reduced(Moments.leaves(layout, {x: power_H, y: power_A}), keep_groups=layout.names)
    return alignment_from_moments(reducer.root(), reducer.group_moments(), agents)


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
    "corrected_text",
    "leave_one_out_merges",
    "noise_summary",
    "pair_variables",
    "reliability_text",
    "suggested_sample_count",
    "undefined_reason",
]
