"""Reward-function distributions over states, and correlated rewards for a second agent.

A reward function assigns one number to every state. POWER averages over reward functions
drawn from a :class:`RewardDistribution`: independently per state from a 1-D distribution
(``default_dist``, overridable per state with ``state_dists``), optionally forcing groups of
states to share a value (``states_with_identical_rewards``) and redrawing functions that are
equal everywhere (``allow_all_equal_rewards: False``). This is the reference tool's
``reward_distribution`` config block.

1-D distributions (``dist_name`` and ``params``, as in the reference):

==================  =====================  ==========================================
``dist_name``       ``params``             distribution
==================  =====================  ==========================================
``uniform``         ``[low, high]``        uniform on ``[low, high)``
``beta``            ``[alpha, beta]``      Beta(alpha, beta) on ``(0, 1)``
``pareto``          ``[scale, alpha]``     Pareto (type I) with support ``[scale, inf)``
``bernoulli``       ``[p]``                0 or 1, ``P(1) = p``
``jaynes_prior``    ``[]``                 density ∝ 1 / (x (1 - x)) on ``(0, 1)``
``uniform_0_1_manual`` ``[]``              uniform on ``(0, 1)`` via the density sampler
==================  =====================  ==========================================

The Pareto distribution is the classic type I: ``scale`` (often written ``x_m``) is its
smallest value and ``alpha`` its shape or tail index, ``P(X > x) = (scale / x) ** alpha`` for
``x >= scale``. Its mean ``alpha * scale / (alpha - 1)`` exists only for ``alpha > 1`` and
its variance only for ``alpha > 2``. (NumPy's ``Generator.pareto(alpha)`` draws the Lomax,
or Pareto II, distribution ``X / scale - 1``; samples here are ``scale * (1 + Lomax)``.) POWER
is an average of rewards, so it inherits the tails: with ``alpha <= 1`` it has no mean and an
experiment refuses to run (:mod:`powerplay.runner.build`); with ``alpha <= 2`` the standard
errors of its means are meaningless and a :class:`~powerplay.errors.StatisticsWarning` says so.

``jaynes_prior`` is improper (its integral diverges at both ends); like the reference we
make it proper by treating the density as constant on each of 99 equal bins of ``(0, 1)``
(evaluated at bin midpoints) and sampling uniformly within a bin. Any density can be added
the same way with :func:`register_density`.

Correlated rewards for Agent A (the reference's interpolation scheme): for correlation
``beta`` in ``[0, 1]`` each state's reward for A is, independently, H's reward with
probability ``beta`` and a fresh draw from the same distribution otherwise (so ``beta = 1``
copies H's rewards and ``beta = 0`` draws A's independently). The marginal is
unchanged and the Pearson correlation per state is exactly ``beta``. For ``beta`` in
``[-1, 0)`` A's reward is H's reward mirrored through the centre of the distribution's
symmetry interval ``[lo, hi]`` (``lo + hi - r``) with probability ``-beta``; this needs a
distribution symmetric on an interval.

Reward scope: by default (``joint_state``) a reward function assigns a value to every state
of the MDP -- for a joint MDP, each agent's reward depends on the joint state. With
``own_cell`` (joint gridworlds) one reward is drawn per cell per agent, and each agent, in
every joint state, gets the reward of the cell it stands on: the distribution is over the
cells (``state_dists`` and ``states_with_identical_rewards`` name cells), and Agent A's cell
rewards are correlated with H's as above. :func:`reward_stream` builds either kind; a stream
always yields per-joint-state arrays ``[n, S]`` (:meth:`RewardStream.cell_rewards` gives the
per-cell draws). The agents are keys (:func:`agent_cells`), so the scheme is not tied to two.

Reproducibility: :class:`RewardStream` draws samples in fixed blocks (:data:`BLOCK_SIZE`
samples, fewer for MDPs with more than 1,024 states: :func:`block_size`), each from its own
generator derived from ``(seed, stream, block)``. A sample's value depends only on the seed,
the number of states and its index, never on how the work is split.

Examples
--------
>>> dist = RewardDistribution.from_config({'default_dist': {'dist_name': 'uniform', 'params': [0, 1]}})
>>> rewards = dist.for_states(['a', 'b', 'c']).sample(np.random.default_rng(0), 4)
>>> rewards.shape
(4, 3)
>>> stream = RewardStream(dist.for_states(['a', 'b']), seed=7)
>>> np.array_equal(stream.rewards(2, 5)[0], stream.rewards(0, 10)[0][2:5])
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ModelError

#: Samples per independently seeded block of a :class:`RewardStream` (MDPs of up to
#: :data:`BLOCK_VALUES` / ``BLOCK_SIZE`` states; see :func:`block_size`).
BLOCK_SIZE = 1024

#: Most reward values drawn in one block (8 MiB of float64): larger MDPs get smaller blocks,
#: so drawing a few samples never draws (and holds) gigabytes of others.
BLOCK_VALUES = 2**20


def block_size(num_states: int) -> int:
    """Samples per reward block for an MDP of ``num_states`` states.

    :data:`BLOCK_SIZE` up to 1,024 states (every built-in and published environment); for
    larger MDPs the largest power of two with at most :data:`BLOCK_VALUES` values per block.

    Examples
    --------
    >>> block_size(961), block_size(40_000), block_size(1_000_000)
    (1024, 16, 1)
    """
    size = BLOCK_SIZE
    while size > 1 and size * max(int(num_states), 1) > BLOCK_VALUES:
        size //= 2
    return size


#: Redraw rounds allowed when ``allow_all_equal_rewards`` is False before giving up.
MAX_REDRAW_ROUNDS = 1000

Sampler = Callable[[np.random.Generator, tuple[int, ...]], np.ndarray]


@dataclass(frozen=True)
class Distribution:
    """A 1-D reward distribution.

    Parameters
    ----------
    name : str
        The ``dist_name`` it was made from.
    params : tuple of float
        Its ``params``.
    draw : callable
        ``draw(rng, shape) -> ndarray`` of independent samples.
    symmetric_interval : (float, float) or None
        ``(lo, hi)`` if the distribution is symmetric about ``(lo + hi) / 2`` on that
        interval; needed for negative reward correlations.
    mean : float
        Its expectation (``inf`` if it has none).
    support : (float, float)
        Smallest and largest value it can give (``-inf``/``inf`` if unbounded).
    atoms : mapping or None
        ``{value: probability}`` of a discrete distribution; ``None`` for a continuous one
        (no value has positive probability).
    spread : float
        How widely its values vary: the width of the support when it is bounded, else a
        scale parameter (``scale`` for Pareto). Tolerances are judged against it.
    tail_index : float or None
        For heavy-tailed distributions, the order from which moments are infinite (Pareto's
        ``alpha``); ``None`` if every moment is finite.
    """

    name: str
    params: tuple[float, ...]
    draw: Sampler = field(repr=False, compare=False)
    symmetric_interval: tuple[float, float] | None
    mean: float
    support: tuple[float, float] = (-np.inf, np.inf)
    atoms: Mapping[float, float] | None = field(default=None, compare=False)
    spread: float = 1.0
    tail_index: float | None = None

    def sample(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        return np.asarray(self.draw(rng, shape), dtype=np.float64)

    def magnitude(self, tail_probability: float = 0.0) -> float:
        """The largest ``|value|`` it gives, except with probability ``tail_probability``.

        Exact for bounded distributions; for Pareto the ``1 - tail_probability`` quantile
        (``inf`` if that overflows).

        Examples
        --------
        >>> make_distribution({'dist_name': 'uniform', 'params': [-3, 2]}).magnitude()
        3.0
        >>> make_distribution({'dist_name': 'pareto', 'params': [1, 2]}).magnitude(1e-6)
        1000.0
        """
        low, high = self.support
        if np.isfinite(low) and np.isfinite(high):
            return float(max(abs(low), abs(high)))
        if self.name == "pareto" and self.tail_index is not None and tail_probability > 0:
            scale = self.params[0]
            # scale * q ** (-1 / alpha), in logarithms: it overflows for small alpha.
            exponent = np.log10(scale) - np.log10(tail_probability) / self.tail_index
            return float(10.0**exponent) if exponent < 308 else float("inf")
        return float("inf")

    def config(self) -> dict[str, Any]:
        return {"dist_name": self.name, "params": list(self.params)}


def _need(name: str, params: Sequence[float], count: int) -> tuple[float, ...]:
    if len(params) != count:
        raise ModelError(f"distribution {name!r} takes {count} parameter(s), got {list(params)}")
    try:
        return tuple(float(p) for p in params)
    except (TypeError, ValueError):
        raise ModelError(f"distribution {name!r}: parameters must be numbers, got {list(params)}") from None


def _uniform(params):
    lo, hi = _need("uniform", params, 2)
    if not lo < hi:
        raise ModelError(f"distribution 'uniform' needs low < high, got {[lo, hi]}")
    return Distribution(
        "uniform",
        (lo, hi),
        lambda rng, shape: rng.uniform(lo, hi, shape),
        (lo, hi),
        (lo + hi) / 2,
        support=(lo, hi),
        spread=hi - lo,
    )


def _beta(params):
    a, b = _need("beta", params, 2)
    if not (a > 0 and b > 0):
        raise ModelError(f"distribution 'beta' needs positive alpha and beta, got {[a, b]}")
    symmetric = (0.0, 1.0) if a == b else None
    return Distribution(
        "beta", (a, b), lambda rng, shape: rng.beta(a, b, shape), symmetric, a / (a + b), support=(0.0, 1.0)
    )


def _pareto(params):
    scale, alpha = _need("pareto", params, 2)
    if not (scale > 0 and alpha > 0):
        raise ModelError(f"distribution 'pareto' needs positive scale and alpha, got {[scale, alpha]}")
    mean = alpha * scale / (alpha - 1) if alpha > 1 else float("inf")
    # numpy's pareto is the Lomax (Pareto II) distribution; shift and scale to Pareto I.
    return Distribution(
        "pareto",
        (scale, alpha),
        lambda rng, shape: scale * (1.0 + rng.pareto(alpha, shape)),
        None,
        mean,
        support=(scale, np.inf),
        spread=scale,
        tail_index=alpha,
    )


def _bernoulli(params):
    (p,) = _need("bernoulli", params, 1)
    if not 0 <= p <= 1:
        raise ModelError(f"distribution 'bernoulli' needs p in [0, 1], got {p}")
    symmetric = (0.0, 1.0) if p == 0.5 else None
    atoms = {value: mass for value, mass in ((0.0, 1.0 - p), (1.0, p)) if mass > 0}
    return Distribution(
        "bernoulli",
        (p,),
        lambda rng, shape: (rng.random(shape) < p).astype(np.float64),
        symmetric,
        p,
        support=(min(atoms), max(atoms)),
        atoms=atoms,
    )


def density_distribution(
    name: str,
    pdf: Callable[[np.ndarray], np.ndarray],
    interval: tuple[float, float] = (0.0, 1.0),
    resolution: int = 100,
    symmetric: bool = False,
) -> Distribution:
    """A distribution from a (possibly unnormalised or improper) density on an interval.

    The density is treated as constant on each of ``resolution - 1`` equal bins, with its
    value at the bin midpoint, and samples are uniform within a bin (the reference tool's
    construction). Sampling is by inverse CDF.

    Parameters
    ----------
    name : str
    pdf : callable
        Vectorised density, evaluated at bin midpoints only (so it may diverge at the ends).
    interval : (float, float)
    resolution : int
        Number of bin edges.
    symmetric : bool
        Declare the density symmetric on ``interval`` (enables negative correlations).
    """
    lo, hi = float(interval[0]), float(interval[1])
    if not lo < hi or resolution < 2:
        raise ModelError(f"density {name!r}: needs an interval low < high and resolution >= 2")
    edges = np.linspace(lo, hi, resolution)
    mids = 0.5 * (edges[1:] + edges[:-1])
    weights = np.diff(edges) * np.broadcast_to(np.asarray(pdf(mids), dtype=np.float64), mids.shape)
    if not np.all(np.isfinite(weights)) or weights.min() < 0 or weights.sum() <= 0:
        raise ModelError(f"density {name!r} must be finite and non-negative at bin midpoints, and not all zero")
    cdf = np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
    cdf[-1] = 1.0

    def draw(rng: np.random.Generator, shape) -> np.ndarray:
        u = rng.random(shape)
        # Bins of zero mass are never chosen: searchsorted on the right edge skips them.
        b = np.clip(np.searchsorted(cdf, u, side="right") - 1, 0, len(weights) - 1)
        frac = (u - cdf[b]) / np.where(cdf[b + 1] > cdf[b], cdf[b + 1] - cdf[b], 1.0)
        return edges[b] + frac * (edges[b + 1] - edges[b])

    mean = float(np.sum(weights / weights.sum() * mids))
    return Distribution(name, (), draw, (lo, hi) if symmetric else None, mean, support=(lo, hi), spread=hi - lo)


def _jaynes(params):
    _need("jaynes_prior", params, 0)
    return density_distribution("jaynes_prior", lambda x: 1.0 / (x * (1.0 - x)), symmetric=True)


def _uniform_manual(params):
    _need("uniform_0_1_manual", params, 0)
    return density_distribution("uniform_0_1_manual", lambda x: np.ones_like(x), symmetric=True)


#: ``dist_name`` -> factory taking the ``params`` list.
DISTRIBUTIONS: dict[str, Callable[[Sequence[float]], Distribution]] = {
    "uniform": _uniform,
    "beta": _beta,
    "pareto": _pareto,
    "bernoulli": _bernoulli,
    "jaynes_prior": _jaynes,
    "uniform_0_1_manual": _uniform_manual,
}


def register_density(
    name: str,
    pdf: Callable[[np.ndarray], np.ndarray],
    interval: tuple[float, float] = (0.0, 1.0),
    resolution: int = 100,
    symmetric: bool = False,
) -> None:
    """Make a user-defined density available as ``dist_name: name`` (takes no ``params``).

    Examples
    --------
    >>> register_density('triangle', lambda x: x, interval=(0, 1))
    >>> make_distribution({'dist_name': 'triangle'}).mean > 0.6
    True
    """
    dist = density_distribution(name, pdf, interval, resolution, symmetric)

    def factory(params):
        _need(name, params, 0)
        return dist

    DISTRIBUTIONS[name] = factory


def make_distribution(config: Mapping[str, Any]) -> Distribution:
    """A :class:`Distribution` from ``{'dist_name': ..., 'params': [...]}``.

    Raises
    ------
    ValueError
        For an unknown ``dist_name`` (listing the known ones) or bad ``params``.
    """
    if not isinstance(config, Mapping) or "dist_name" not in config:
        raise ModelError(f"a distribution needs a 'dist_name', got {config!r}")
    name = config["dist_name"]
    if name not in DISTRIBUTIONS:
        raise ModelError(f"unknown distribution {name!r}; known: {', '.join(sorted(DISTRIBUTIONS))}")
    params = config.get("params") or []
    if not isinstance(params, (list, tuple)):
        raise ModelError(f"distribution {name!r}: params must be a list, got {params!r}")
    return DISTRIBUTIONS[name](params)


@dataclass(frozen=True)
class RewardDistribution:
    """A distribution over reward functions: independent per state, with the reference's options.

    Parameters
    ----------
    default : Distribution
        Used for every state without an override.
    state_dists : dict
        ``{state label: Distribution}`` overrides.
    states_with_identical_rewards : tuple of tuple of str
        Disjoint groups of states forced to share one reward value.
    allow_all_equal_rewards : bool
        If False, reward functions equal at every state are redrawn.
    """

    default: Distribution
    state_dists: Mapping[str, Distribution] = field(default_factory=dict)
    states_with_identical_rewards: tuple[tuple[str, ...], ...] = ()
    allow_all_equal_rewards: bool = True

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RewardDistribution:
        """From the reference's ``reward_distribution`` block (see module docs)."""
        if "default_dist" not in config:
            raise ModelError("reward_distribution needs a 'default_dist'")
        return cls(
            default=make_distribution(config["default_dist"]),
            state_dists={str(s): make_distribution(c) for s, c in (config.get("state_dists") or {}).items()},
            states_with_identical_rewards=tuple(
                tuple(map(str, g)) for g in config.get("states_with_identical_rewards") or ()
            ),
            allow_all_equal_rewards=bool(config.get("allow_all_equal_rewards", True)),
        )

    def config(self) -> dict[str, Any]:
        out: dict[str, Any] = {"default_dist": self.default.config()}
        if self.state_dists:
            out["state_dists"] = {s: d.config() for s, d in self.state_dists.items()}
        if self.states_with_identical_rewards:
            out["states_with_identical_rewards"] = [list(g) for g in self.states_with_identical_rewards]
        out["allow_all_equal_rewards"] = self.allow_all_equal_rewards
        return out

    def for_states(self, states: Sequence[str]) -> StateRewardSampler:
        """Bind to an MDP's state order (checking every named state exists)."""
        return StateRewardSampler(self, tuple(states))


def _groups_by_distribution(
    default: Distribution, num_states: int, named: dict[int, Distribution]
) -> list[tuple[Distribution, np.ndarray]]:
    """``[(distribution, ascending state indices)]``, one per distinct distribution object, in
    the order of each one's first state (the order samples are drawn in, so it fixes the numbers)."""
    members: dict[int, list[int]] = {}
    unique: dict[int, Distribution] = {}
    for i, dist in named.items():
        unique.setdefault(id(dist), dist)
        members.setdefault(id(dist), []).append(i)
    by_default = np.ones(num_states, dtype=bool)
    by_default[list(named)] = False
    groups = {key: np.sort(np.array(idx, dtype=np.int64)) for key, idx in members.items()}
    rest = np.flatnonzero(by_default)
    if rest.size:
        unique.setdefault(id(default), default)
        groups[id(default)] = np.sort(np.concatenate([groups.get(id(default), np.zeros(0, dtype=np.int64)), rest]))
    return [(unique[key], idx) for key, idx in sorted(groups.items(), key=lambda item: item[1][0])]


class StateRewardSampler:
    """A :class:`RewardDistribution` bound to a state list: draws ``[n, S]`` reward samples."""

    def __init__(self, distribution: RewardDistribution, states: tuple[str, ...]):
        self.distribution = distribution
        self.states = states
        # Only states named in the config need looking up: no per-state Python work otherwise
        # (a million-state MDP with one distribution binds in milliseconds).
        named = bool(distribution.state_dists or distribution.states_with_identical_rewards)
        position = {s: i for i, s in enumerate(states)} if named else {}
        for state in distribution.state_dists:
            if state not in position:
                raise ModelError(f"{state!r} is not a state of the MDP", field="state_dists")
        self.per_state = [distribution.default] * len(states)
        for state, dist in distribution.state_dists.items():
            self.per_state[position[state]] = dist
        self._groups = _groups_by_distribution(
            distribution.default, len(states), {position[s]: d for s, d in distribution.state_dists.items()}
        )
        self._tied: list[np.ndarray] = []
        seen: set[str] = set()
        for group in distribution.states_with_identical_rewards:
            for state in group:
                if state not in position:
                    raise ModelError(f"{state!r} is not a state of the MDP", field="states_with_identical_rewards")
                if state in seen:
                    raise ModelError(f"{state!r} is in two groups", field="states_with_identical_rewards")
                seen.add(state)
            idx = np.array([position[s] for s in group])
            if len({(self.per_state[i].name, self.per_state[i].params) for i in idx}) > 1:
                raise ModelError(
                    f"states {list(group)} have different distributions", field="states_with_identical_rewards"
                )
            self._tied.append(idx)
        if not distribution.allow_all_equal_rewards and len(states) - sum(len(g) - 1 for g in self._tied) < 2:
            raise ModelError(
                "is False but every reward function gives all states one value (fewer than two independent states)",
                field="allow_all_equal_rewards",
            )

    @property
    def num_states(self) -> int:
        return len(self.states)

    def independent_distributions(self) -> list[Distribution]:
        """One distribution per independently drawn value: each identical-reward group counts once."""
        tied = {int(i) for idx in self._tied for i in idx[1:]}
        return [dist for i, dist in enumerate(self.per_state) if i not in tied]

    def all_equal_probability(self) -> float:
        """Probability that a drawn reward function gives every state the same value.

        0 as soon as two independently drawn values come from distributions without atoms
        (one of them continuous); for discrete ones, ``sum over v of prod_i P_i(v)``.

        Examples
        --------
        >>> coin = RewardDistribution.from_config({'default_dist': {'dist_name': 'bernoulli', 'params': [0.5]}})
        >>> round(coin.for_states(['a', 'b', 'c']).all_equal_probability(), 12)
        0.25
        """
        units = self.independent_distributions()
        if len(units) < 2:
            return 1.0
        tables = [dist.atoms for dist in units if dist.atoms is not None]
        if len(tables) < len(units):
            return 0.0
        values = set.intersection(*(set(atoms) for atoms in tables))
        # Sums of logarithms: a product over thousands of states would underflow term by term.
        total = 0.0
        for value in values:
            total += float(np.exp(sum(np.log(atoms[value]) for atoms in tables)))
        return min(total, 1.0)

    def check_redraws(self, num_draws: int) -> None:
        """Refuse ``allow_all_equal_rewards: False`` when redrawing could not finish.

        All-equal reward functions are redrawn at most :data:`MAX_REDRAW_ROUNDS` times; a
        sample still all-equal after that stops the run. This refuses distributions whose
        functions are always all-equal, and those for which ``num_draws`` samples would
        stop the run with probability over one in a million.

        Raises
        ------
        ModelError
            With ``field='allow_all_equal_rewards'``.
        """
        if self.distribution.allow_all_equal_rewards:
            return
        q = self.all_equal_probability()
        if q >= 1.0:
            described = ", ".join(sorted({f"{d.name} {list(d.params)}" for d in self.independent_distributions()}))
            raise ModelError(
                f"is False but every reward function drawn from {described} gives all states the same value, "
                "so none could be drawn; allow them, or use a distribution that varies",
                field="allow_all_equal_rewards",
            )
        if q > 0 and np.log(max(num_draws, 1)) + MAX_REDRAW_ROUNDS * np.log(q) > np.log(1e-6):
            raise ModelError(
                f"is False but a reward function is all-equal with probability {q:.6g}, so some of the {num_draws:,} "
                f"samples would likely still be all-equal after {MAX_REDRAW_ROUNDS} redraws and stop the run; "
                "allow them, or use a distribution that varies more",
                field="allow_all_equal_rewards",
            )

    def magnitude(self, tail_probability: float = 0.0) -> float:
        """The largest ``|reward|`` of any state, except with probability ``tail_probability`` per draw."""
        return max((dist.magnitude(tail_probability) for dist, _ in self._groups), default=0.0)

    def spread(self) -> float:
        """The widest :attr:`Distribution.spread` over the states (the scale of the rewards)."""
        return max((dist.spread for dist, _ in self._groups), default=1.0)

    def symmetric_intervals(self) -> np.ndarray:
        """``[S, 2]`` symmetry interval of each state's distribution.

        Raises
        ------
        ValueError
            Naming a distribution that is not symmetric on an interval.
        """
        out = np.empty((self.num_states, 2))
        for i, dist in enumerate(self.per_state):
            if dist.symmetric_interval is None:
                raise ModelError(
                    f"a negative reward_correlation needs a distribution symmetric on an interval; "
                    f"{dist.name} {list(dist.params)} (state {self.states[i]!r}) is not"
                )
            out[i] = dist.symmetric_interval
        return out

    def tie(self, samples: np.ndarray) -> np.ndarray:
        """Copy each identical-reward group's first column onto the rest (in place)."""
        for idx in self._tied:
            samples[:, idx[1:]] = samples[:, idx[:1]]
        return samples

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if len(self._groups) == 1:  # one distribution for every state: no scatter needed
            return self.tie(self._groups[0][0].sample(rng, (n, self.num_states)))
        out = np.empty((n, self.num_states))
        for dist, idx in self._groups:
            out[:, idx] = dist.sample(rng, (n, len(idx)))
        return self.tie(out)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``[n, S]`` reward functions, redrawing all-equal ones if so configured."""
        out = self._draw(rng, n)
        if self.distribution.allow_all_equal_rewards:
            return out
        for _ in range(MAX_REDRAW_ROUNDS):
            flat = np.all(out == out[:, :1], axis=1)
            if not flat.any():
                return out
            out[flat] = self._draw(rng, int(flat.sum()))
        raise ModelError("allow_all_equal_rewards is False but reward functions kept coming out equal at every state")

    def correlated(self, rng: np.random.Generator, rewards_H: np.ndarray, correlation: float) -> np.ndarray:
        """Agent A's rewards with the given correlation to ``rewards_H`` ``[n, S]`` (module docs)."""
        if not -1.0 <= correlation <= 1.0:
            raise ModelError(f"reward_correlation must be in [-1, 1], got {correlation!r}")
        n = rewards_H.shape[0]
        if correlation == 1.0:
            return rewards_H.copy()
        fresh = self.sample(rng, n)
        if correlation == 0.0:
            return fresh
        take = self.tie(rng.random((n, self.num_states)))  # identical-reward groups share their coin
        if correlation >= 0:
            return np.where(take < correlation, rewards_H, fresh)
        interval = self.symmetric_intervals()
        mirrored = interval[:, 0] + interval[:, 1] - rewards_H
        return np.where(take < -correlation, mirrored, fresh)


class RewardStream:
    """Reproducible reward samples for every agent of a run, addressable by sample index.

    Parameters
    ----------
    sampler : StateRewardSampler
    seed : int
        The run's random seed.
    correlation : float, optional
        The two-agent form: also produce Agent A's rewards with this correlation to H's
        (``agents`` then defaults to ``('H', 'A')``).
    cells : mapping, optional
        Own-cell rewards: ``{agent: [S] int}`` the cell (index into the sampler's states) the
        agent stands on in each joint state (:func:`agent_cells`); the sampler draws per cell.
    correlations : mapping, optional
        ``{agent: correlation with agents[0]}`` for every agent but the first.
    agents : sequence of str, optional
        The agents whose rewards are drawn, in order (default ``('H',)``, or ``('H', 'A')``
        with ``correlation``).

    Raises
    ------
    ModelError
        For a bad seed, a correlation outside [-1, 1] (or negative with a distribution that is
        not symmetric), or correlations that do not name exactly the agents after the first.

    Notes
    -----
    Samples come in blocks of :func:`block_size` samples; block ``k`` of the ``j``-th agent
    (``j = 0`` for the first) uses ``numpy.random.default_rng(SeedSequence(seed, spawn_key=(j, k)))``:
    the first agent's rewards are drawn from it, agent ``j``'s from the first agent's with its
    own correlation (:meth:`StateRewardSampler.correlated`). So any range of samples can be
    produced alone, results do not depend on chunking or worker count, and the first two
    agents' draws are those of the two-agent stream (H and A).

    Examples
    --------
    >>> dist = RewardDistribution.from_config({'default_dist': {'dist_name': 'uniform', 'params': [0, 1]}})
    >>> stream = RewardStream(dist.for_states(['a', 'b']), 7, agents=('H', 'A', 'B'),
    ...                       correlations={'A': 1.0, 'B': 0.0})
    >>> drawn = stream.rewards_by_agent(0, 3)
    >>> list(drawn), drawn['B'].shape, bool(np.array_equal(drawn['A'], drawn['H']))
    (['H', 'A', 'B'], (3, 2), True)
    """

    def __init__(
        self,
        sampler: StateRewardSampler,
        seed: int,
        correlation: float | None = None,
        cells: Mapping[str, np.ndarray] | None = None,
        *,
        correlations: Mapping[str, float] | None = None,
        agents: Sequence[str] | None = None,
    ):
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ModelError(f"random_seed must be a non-negative integer, got {seed!r}")
        if correlation is not None and correlations is not None:
            raise ModelError("give correlation (two agents) or correlations (any number), not both")
        if agents is None:
            agents = ("H", "A") if correlation is not None else ("H", *correlations) if correlations else ("H",)
        agents = tuple(agents)
        if len(set(agents)) != len(agents) or not agents:
            raise ModelError(f"a reward stream needs distinct agents, got {list(agents)}")
        if correlations is None:
            correlations = {agents[1]: correlation} if correlation is not None and len(agents) == 2 else {}
        if set(correlations) != set(agents[1:]):
            raise ModelError(
                f"reward correlations must name every agent after {agents[0]} ({', '.join(agents[1:]) or 'none'}), "
                f"got {', '.join(correlations) or 'none'}"
            )
        self.sampler = sampler
        self.seed = int(seed)
        self.agents = agents
        self.correlations = {agent: float(correlations[agent]) for agent in agents[1:]}
        self.correlation = self.correlations[agents[1]] if len(agents) == 2 else None
        # Own-cell rewards: agent -> [S] the cell (index into the sampler's states) it stands
        # on in each joint state; the sampler draws per cell and blocks are expanded.
        self.cells = {agent: np.asarray(index, dtype=np.int64) for agent, index in (cells or {}).items()}
        missing = [agent for agent in agents if self.cells and agent not in self.cells]
        if missing:
            raise ModelError(f"own-cell rewards need agent {missing[0]}'s cells", field="reward_scope")
        num_states = len(next(iter(self.cells.values()))) if self.cells else sampler.num_states
        self.num_states = num_states
        self.block_size = block_size(max(num_states, sampler.num_states))
        for agent, value in self.correlations.items():
            if not -1.0 <= value <= 1.0:
                field = "reward_correlation" if len(agents) == 2 else f"reward_correlation_agent_{agent}"
                raise ModelError(f"reward_correlation must be in [-1, 1], got {value!r}", field=field)
            if value < 0:
                sampler.symmetric_intervals()  # fail early

    def _rng(self, stream: int, block: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(stream, block)))

    def _cell_blocks(self, k: int) -> list[np.ndarray]:
        """Block ``k`` of every agent, in order, as the sampler draws it (per cell for own-cell rewards)."""
        first = self.sampler.sample(self._rng(0, k), self.block_size)
        drawn = [first]
        for j, agent in enumerate(self.agents[1:], start=1):
            drawn.append(self.sampler.correlated(self._rng(j, k), first, self.correlations[agent]))
        return drawn

    def _agent_blocks(self, k: int) -> list[np.ndarray]:
        drawn = self._cell_blocks(k)
        if not self.cells:
            return drawn
        # Each agent gets its own cell's reward: its draws through its own cells.
        return [block[:, self.cells[agent]] for agent, block in zip(self.agents, drawn)]

    def _pair(self, drawn: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray | None]:
        if len(drawn) > 2:
            raise ModelError(
                f"this stream draws rewards of {len(drawn)} agents ({', '.join(self.agents)}): use rewards_by_agent"
            )
        return drawn[0], (drawn[1] if len(drawn) == 2 else None)

    def block(self, k: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Block ``k``: ``([block_size, S] rewards of H, same for A or None)`` (at most two agents)."""
        return self._pair(self._agent_blocks(k))

    def block_by_agent(self, k: int) -> dict[str, np.ndarray]:
        """Block ``k``: ``{agent: [block_size, S]}``."""
        return dict(zip(self.agents, self._agent_blocks(k)))

    def cell_rewards(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Own-cell streams: samples ``start:stop`` per cell, ``([n, C] for H, [n, C] for A or None)``.

        Raises
        ------
        ModelError
            For a stream of per-joint-state rewards, or of more than two agents
            (:meth:`cell_rewards_by_agent`).
        """
        return self._pair(list(self.cell_rewards_by_agent(start, stop).values()))

    def cell_rewards_by_agent(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Own-cell streams: samples ``start:stop`` per cell, ``{agent: [n, C]}``.

        Raises
        ------
        ModelError
            For a stream of per-joint-state rewards.
        """
        if not self.cells:
            raise ModelError("this reward stream draws rewards per joint state, not per cell")
        return self._range(start, stop, self._cell_blocks, self.sampler.num_states)

    def fingerprint(self) -> str:
        """SHA-256 of the first reward sample of each agent: two streams with the same
        fingerprint draw the same rewards (same seed, distribution, states and correlations),
        and a changed random-number generator is detected."""
        digest = hashlib.sha256()
        for rewards in self.rewards_by_agent(0, 1).values():
            digest.update(np.ascontiguousarray(rewards).tobytes())
        return digest.hexdigest()

    def rewards(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Samples ``start:stop`` as ``([n, S] for H, [n, S] for A or None)`` (at most two agents).

        Raises
        ------
        ModelError
            For a stream of more than two agents (:meth:`rewards_by_agent`).
        """
        return self._pair(list(self.rewards_by_agent(start, stop).values()))

    def rewards_by_agent(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Samples ``start:stop`` as ``{agent: [n, S]}``, in agent order."""
        return self._range(start, stop, self._agent_blocks, self.num_states)

    def _range(self, start: int, stop: int, block, width: int) -> dict[str, np.ndarray]:
        if not 0 <= start <= stop:
            raise ModelError(f"bad sample range {start}:{stop}")
        size = self.block_size
        first, last = start // size, (stop - 1) // size if stop > start else start // size - 1
        parts: list[list[np.ndarray]] = [[] for _ in self.agents]
        for k in range(first, last + 1):
            lo = max(start - k * size, 0)
            hi = min(stop - k * size, size)
            for part, drawn in zip(parts, block(k)):
                part.append(drawn[lo:hi])
        return {
            agent: (np.concatenate(part) if part else np.empty((0, width))) for agent, part in zip(self.agents, parts)
        }


#: Reward scopes (the ``reward_scope`` config parameter): per joint state, or per agent's own cell.
REWARD_SCOPES = ("joint_state", "own_cell")


def agent_cells(
    states: Sequence[str], agents: Sequence[str] | None = None
) -> tuple[tuple[str, ...], dict[str, np.ndarray]]:
    """The cells of a joint MDP's states, and for each agent the cell it stands on in each state.

    Parameters
    ----------
    states : sequence of str
        Joint labels ``'x_H^y_A'`` (``'x_H^y_A^z_B'``, ... for more agents).
    agents : sequence of str, optional
        The agents (default: read from the labels, else ``('H', 'A')``).

    Returns
    -------
    cells : tuple of str
        Every cell label any agent occupies, in order of first appearance.
    index : dict
        Agent -> ``[S]`` int64, the position in ``cells`` of the agent's cell in each joint state.

    Raises
    ------
    ModelError
        If a state is not a joint label of the agents.

    Examples
    --------
    >>> cells, index = agent_cells(['(0, 0)_H^(0, 1)_A', '(0, 1)_H^(0, 0)_A'])
    >>> cells, index['H'].tolist(), index['A'].tolist()
    (('(0, 0)', '(0, 1)'), [0, 1], [1, 0])
    >>> agent_cells(['a_H^b_A^c_B'])[1]['B'].tolist()
    [2]
    """
    from .labels import DEFAULT_AGENTS, infer_agents, joint_label, split_joint_label

    if agents is None:
        agents = infer_agents(states[:1]) or DEFAULT_AGENTS
    agents = tuple(agents)
    positions: dict[str, int] = {}
    index = {agent: np.empty(len(states), dtype=np.int64) for agent in agents}
    for s, state in enumerate(states):
        parts = split_joint_label(state, agents)
        if parts is None:
            example = joint_label(["x", "y", *(f"z{i}" for i in range(len(agents) - 2))], agents)
            raise ModelError(
                f"own-cell rewards need a joint MDP whose states are joint labels {example!r}, got {state!r}",
                field="reward_scope",
            )
        for agent, cell in zip(agents, parts):
            index[agent][s] = positions.setdefault(cell, len(positions))
    return tuple(positions), index


def scoped_sampler(
    distribution: RewardDistribution,
    states: Sequence[str],
    scope: str = "joint_state",
    agents: Sequence[str] | None = None,
) -> tuple[StateRewardSampler, dict[str, np.ndarray] | None]:
    """The sampler a reward scope draws from, and the agents' cells for ``own_cell``.

    Raises
    ------
    ModelError
        For an unknown scope, or ``own_cell`` on states that are not joint labels.
    """
    if scope == "joint_state":
        return distribution.for_states(states), None
    if scope == "own_cell":
        cells, index = agent_cells(states, agents)
        return distribution.for_states(cells), index
    raise ModelError(f"unknown reward scope {scope!r}; use {' or '.join(REWARD_SCOPES)}", field="reward_scope")


def reward_stream(
    distribution: RewardDistribution,
    states: Sequence[str],
    seed: int,
    correlation: float | None = None,
    scope: str = "joint_state",
    *,
    correlations: Mapping[str, float] | None = None,
    agents: Sequence[str] | None = None,
) -> RewardStream:
    """The :class:`RewardStream` of a run: per joint state, or per agent's own cell (module notes).

    Two agents: ``correlation`` (A's with H's). Any number: ``agents`` (in order) and
    ``correlations`` (``{agent: correlation with agents[0]}`` for every agent but the first).

    Examples
    --------
    >>> dist = RewardDistribution.from_config({'default_dist': {'dist_name': 'uniform', 'params': [0, 1]}})
    >>> states = ['a_H^b_A^c_B', 'c_H^b_A^a_B']
    >>> stream = reward_stream(dist, states, 0, scope='own_cell', agents=('H', 'A', 'B'),
    ...                        correlations={'A': 0.0, 'B': 1.0})
    >>> drawn = stream.rewards_by_agent(0, 2)   # B's cell rewards are H's: cell c in both
    >>> bool(np.array_equal(drawn['H'][:, 1], drawn['B'][:, 0]))
    True
    """
    sampler, cells = scoped_sampler(distribution, states, scope, agents)
    return RewardStream(sampler, seed, correlation=correlation, cells=cells, correlations=correlations, agents=agents)
