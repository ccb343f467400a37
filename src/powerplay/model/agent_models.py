"""Agent models: how an agent turns its optimal action values into the policy it follows.

Every learning agent of a run has a model, registered by name in :data:`AGENT_MODELS`; a
config gives one for every agent (``agent_model``) or for one agent (``agent_model_agent_X``),
and :func:`agent_model` turns the config value into an :class:`AgentModel`:

``optimal`` (the default)
    The published agent: uniform over the actions whose value is within the tie tolerance of
    the best (:class:`~powerplay.solvers.values.SolverSettings`), as tie masks.
``{boltzmann: {beta: B}}``
    Boltzmann-rational: action ``a`` with probability ``∝ exp(B · Q*(s, a))`` over the
    available actions, ``Q*`` the optimal action values of the agent's reward sample (in its
    training stage: against the frozen policies of the agents before it, the later agents
    following their seed policies), in reward units::

        Q*(s, a) = R(s) + γ Σ_s' P(s'|s, a) V*(s'),   V*(s) = max_a Q*(s, a)

    (the engine's values: ``V* = R / (1 - γ)`` for a state that loops on itself for ever).
    ``R(s)`` is the same for every action, so the policy is ``softmax(B γ C(s, ·))`` with the
    continuation values ``C(s, a) = Σ_s' P(s'|s, a) V*(s')``. ``B = 0`` is the uniformly
    random policy over the available actions; ``B → ∞`` tends to ``optimal``.
``{epsilon_greedy: {epsilon: e}}``
    With probability ``1 - e`` the optimal (tie-split) policy, with probability ``e`` uniform
    over the available actions. ``e = 0`` is ``optimal`` (bit for bit: the same tie masks).

POWER of an agent is always the published ``(1 - γ)/γ (V^π(s) - R(s))``, ``π`` the policy
its model gives (evaluated against the others' final policies).

Adding a model
--------------
Subclass :class:`AgentModel` as a frozen dataclass (its parameters as fields), give it a
``name``, implement :meth:`~AgentModel.policy` (and :meth:`~AgentModel.policy_error` and
:meth:`~AgentModel.value_tolerance` if it reads action values), and add the class to
:data:`AGENT_MODELS`: configs, ``run.json`` and the solvers pick it up from there.

Examples
--------
>>> agent_model({'boltzmann': {'beta': 5}})
Boltzmann(beta=5.0)
>>> agent_model('optimal').spec, agent_model({'epsilon_greedy': {'epsilon': 0.1}}).spec
('optimal', {'epsilon_greedy': {'epsilon': 0.1}})
>>> agent_model({'softmax': {'beta': 1}})
Traceback (most recent call last):
...
powerplay.errors.ModelError: agent_model: unknown model 'softmax'; valid: optimal, {boltzmann: {beta: B}}, {epsilon_greedy: {epsilon: e}}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np

from ..errors import ModelError

_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class AgentModel:
    """How an agent chooses its actions from its optimal action values (see the module notes).

    Attributes
    ----------
    name : str
        The registry name (``'optimal'``, ``'boltzmann'``, ...).
    usage : str
        How a config writes it, for messages.
    """

    name: ClassVar[str] = ""
    usage: ClassVar[str] = ""

    @property
    def is_optimal(self) -> bool:
        """Whether its policies are the optimal tie-split ones (solved as tie masks, bit for bit as today)."""
        return False

    @property
    def needs_ties(self) -> bool:
        """Whether :meth:`policy` reads the optimal tie sets (certified as for an optimal agent)."""
        return False

    @property
    def needs_action_values(self) -> bool:
        """Whether :meth:`policy` reads the action values (then solved to :meth:`value_tolerance`)."""
        return False

    @property
    def spec(self) -> str | dict[str, dict[str, float]]:
        """The canonical config value: ``'optimal'`` or ``{name: {parameter: value}}``."""
        params = {f.name: float(getattr(self, f.name)) for f in fields(self)}
        return {self.name: params} if params else self.name

    @property
    def title(self) -> str:
        """For tables and figure titles, e.g. ``'Boltzmann beta = 5'``."""
        return self.name

    def policy(
        self,
        action_values: np.ndarray | None,
        tie_probabilities: np.ndarray | None,
        available: np.ndarray,
        gamma: float,
        samples: int,
    ) -> np.ndarray:
        """The policy ``[B, S, A]`` (probabilities over the agent's actions).

        Parameters
        ----------
        action_values : [B, S, A] float64 or None
            The continuation values ``C(s, a) = Σ_s' P(s'|s, a) V*(s')`` (``-inf`` where ``a``
            is not available), when :attr:`needs_action_values`.
        tie_probabilities : [B, S, A] float64 or None
            The optimal tie-split policy, when :attr:`needs_ties`.
        available : [S, A] bool
            The agent's available actions in each state.
        gamma : float
            The agent's discount rate.
        samples : int
            ``B``, the number of reward samples.
        """
        raise NotImplementedError

    def policy_error(self, value_error: np.ndarray, gamma: float) -> np.ndarray:
        """Bound ``[B]`` on ``Σ_a |π(a|s) - π*(a|s)|`` in every state, when the action values it
        was computed from are within ``value_error [B]`` (value units) of the exact ones."""
        return np.zeros_like(np.asarray(value_error, dtype=np.float64))

    def value_tolerance(self, tolerance: float, gamma: float, reach: np.ndarray) -> np.ndarray:
        """How accurately (POWER units, ``[B]``) the optimal values must be solved so that the
        policy's error moves any agent's POWER by at most ``tolerance``, when ``reach [B]``
        (value units) bounds the span of that agent's action values (``docs/engine.md``)."""
        return np.full(np.shape(reach), np.inf)


@dataclass(frozen=True)
class Optimal(AgentModel):
    """The optimal agent: uniform over the actions within the tie tolerance of the best.

    Examples
    --------
    >>> Optimal().spec, Optimal().is_optimal
    ('optimal', True)
    """

    name: ClassVar[str] = "optimal"
    usage: ClassVar[str] = "optimal"

    @property
    def is_optimal(self) -> bool:
        return True

    @property
    def needs_ties(self) -> bool:
        return True

    @property
    def title(self) -> str:
        return "optimal"

    def policy(self, action_values, tie_probabilities, available, gamma, samples) -> np.ndarray:
        if tie_probabilities is None:
            raise ModelError("an optimal agent's policy needs its tie sets")
        return tie_probabilities


def _parameter(value: Any, what: str, low: float, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ModelError(f"{what} must be a number, got {value!r}")
    x = float(value)
    if math.isnan(x) or math.isinf(x):
        raise ModelError(f"{what} must be finite, got {value!r}")
    if x < low or (high is not None and x > high):
        bounds = f"in [{low:g}, {high:g}]" if high is not None else f"at least {low:g}"
        raise ModelError(f"{what} must be {bounds}, got {value!r}")
    return x


@dataclass(frozen=True)
class Boltzmann(AgentModel):
    """Boltzmann-rational: ``π(a|s) ∝ exp(beta · Q*(s, a))`` over the available actions.

    ``Q*`` in reward units (see the module notes), so ``beta`` is in inverse reward units; the
    policy is ``softmax(beta · γ · C(s, ·))`` with ``C`` the continuation values.

    Parameters
    ----------
    beta : float
        The inverse temperature, finite and at least 0 (0: uniformly random; ``optimal`` is
        the limit of large ``beta``).

    Examples
    --------
    >>> q = np.array([[[1.0, 0.0, -np.inf]]])            # one sample, one state, action 2 unavailable
    >>> Boltzmann(beta=2.0).policy(q, None, np.array([[True, True, False]]), 0.5, 1).round(4).tolist()
    [[[0.7311, 0.2689, 0.0]]]
    >>> Boltzmann(beta=0).policy(None, None, np.array([[True, True, False]]), 0.5, 1).tolist()
    [[[0.5, 0.5, 0.0]]]
    """

    beta: float
    name: ClassVar[str] = "boltzmann"
    usage: ClassVar[str] = "{boltzmann: {beta: B}}"

    def __post_init__(self) -> None:
        if isinstance(self.beta, float) and math.isinf(self.beta) and self.beta > 0:
            raise ModelError("boltzmann.beta must be finite, got inf (the limit is the optimal agent: give optimal)")
        object.__setattr__(self, "beta", _parameter(self.beta, "boltzmann.beta", 0.0))

    @property
    def needs_action_values(self) -> bool:
        return self.beta > 0

    @property
    def title(self) -> str:
        # spelled out: β stands for the reward correlation in titles
        return f"Boltzmann beta = {self.beta:g}"

    def policy(self, action_values, tie_probabilities, available, gamma, samples) -> np.ndarray:
        available = np.asarray(available, dtype=bool)
        if self.beta == 0 or action_values is None:
            if self.beta != 0:
                raise ModelError("a Boltzmann agent's policy needs its action values")
            counts = available.sum(axis=1, keepdims=True)
            uniform = np.where(available, 1.0 / np.maximum(counts, 1), 0.0)
            return np.ascontiguousarray(np.broadcast_to(uniform, (samples, *uniform.shape)))
        q = np.asarray(action_values, dtype=np.float64)
        top = np.max(q, axis=2, keepdims=True)
        top[~np.isfinite(top)] = 0.0
        # In place on one [B, S, A] array (the batch's largest: temporaries cost more than the
        # arithmetic); the same operations, so the same numbers, as the one-expression form.
        weights = np.subtract(q, top)
        unusable = weights == -np.inf
        with np.errstate(invalid="ignore"):  # -inf * 0 at gamma = 0, overwritten below
            weights *= self.beta * gamma
        weights[unusable] = -np.inf
        np.exp(weights, out=weights)  # the best action's is exp(0) = 1: no overflow, the sum is at least 1
        total = weights.sum(axis=2, keepdims=True)
        np.divide(weights, total, out=weights, where=total > 0)  # a zero total: all weights are 0
        return weights

    def policy_error(self, value_error: np.ndarray, gamma: float) -> np.ndarray:
        # Each logit beta * gamma * C(s, a) is off by at most beta * gamma * error; softmax moves by
        # at most the perturbation's span (<= twice that) in L1 norm (its Jacobian diag(π) - ππᵀ
        # has L1 norm <= span), and never by more than 2. The softmax's own rounding adds a few eps.
        error = np.asarray(value_error, dtype=np.float64)
        return np.minimum(2.0, 2.0 * self.beta * gamma * error) + 16.0 * _EPS

    def value_tolerance(self, tolerance: float, gamma: float, reach: np.ndarray) -> np.ndarray:
        # POWER moves by at most (ε/2) * reach (solvers.models), ε = 2 beta gamma delta, with
        # delta = e / (1 - gamma) the action values' error for a POWER-unit bound e.
        reach = np.asarray(reach, dtype=np.float64)
        scale = self.beta * gamma * reach
        with np.errstate(divide="ignore"):
            return np.where(scale > 0, tolerance * (1.0 - gamma) / np.where(scale > 0, scale, 1.0), np.inf)


@dataclass(frozen=True)
class EpsilonGreedy(AgentModel):
    """Epsilon-greedy: the optimal tie-split policy with probability ``1 - epsilon``, uniform
    over the available actions with probability ``epsilon``.

    Parameters
    ----------
    epsilon : float in [0, 1]

    Examples
    --------
    >>> ties = np.array([[[1.0, 0.0, 0.0]]])
    >>> EpsilonGreedy(epsilon=0.3).policy(None, ties, np.array([[True, True, False]]), 0.9, 1).tolist()
    [[[0.85, 0.15, 0.0]]]
    """

    epsilon: float
    name: ClassVar[str] = "epsilon_greedy"
    usage: ClassVar[str] = "{epsilon_greedy: {epsilon: e}}"

    def __post_init__(self) -> None:
        object.__setattr__(self, "epsilon", _parameter(self.epsilon, "epsilon_greedy.epsilon", 0.0, 1.0))

    @property
    def is_optimal(self) -> bool:
        return self.epsilon == 0.0

    @property
    def needs_ties(self) -> bool:
        return True

    @property
    def title(self) -> str:
        return f"ε-greedy ε = {self.epsilon:g}"

    def policy(self, action_values, tie_probabilities, available, gamma, samples) -> np.ndarray:
        if tie_probabilities is None:
            raise ModelError("an epsilon-greedy agent's policy needs its tie sets")
        available = np.asarray(available, dtype=bool)
        counts = available.sum(axis=1, keepdims=True)
        uniform = np.where(available, 1.0 / np.maximum(counts, 1), 0.0)
        return (1.0 - self.epsilon) * np.asarray(tie_probabilities) + self.epsilon * uniform


#: The agent models by config name.
AGENT_MODELS: Mapping[str, type[AgentModel]] = MappingProxyType(
    {"optimal": Optimal, "boltzmann": Boltzmann, "epsilon_greedy": EpsilonGreedy}
)

#: The default model.
OPTIMAL = Optimal()


def _unknown(value: Any) -> ModelError:
    valid = ", ".join(cls.usage for cls in AGENT_MODELS.values())
    return ModelError(f"agent_model: unknown model {value!r}; valid: {valid}")


def agent_model(spec: Any) -> AgentModel:
    """The :class:`AgentModel` of a config value (or a model object, returned as it is).

    ``None`` and ``'optimal'`` give :data:`OPTIMAL`; ``{boltzmann: {beta: 5}}`` a
    :class:`Boltzmann` model, and so on (one key: the model's name; its value: the model's
    parameters).

    Raises
    ------
    ModelError
        One line starting ``agent_model:`` naming what is wrong and the valid forms.
    """
    if spec is None:
        return OPTIMAL
    if isinstance(spec, AgentModel):
        return spec
    if isinstance(spec, str):
        cls = AGENT_MODELS.get(spec)
        if cls is None:
            raise _unknown(spec)
        if fields(cls):
            raise ModelError(f"agent_model: {spec} needs its parameters: {cls.usage}")
        return cls()
    if not isinstance(spec, Mapping) or len(spec) != 1:
        raise ModelError(
            f"agent_model: must be a model name or one {{name: {{parameters}}}}, e.g. {{boltzmann: {{beta: 5}}}}, got {spec!r}"
        )
    ((name, params),) = spec.items()
    cls = AGENT_MODELS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise _unknown(name)
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise ModelError(f"agent_model: {name} takes its parameters as a mapping, {cls.usage}, got {params!r}")
    expected = [f.name for f in fields(cls)]
    unknown = [key for key in params if key not in expected]
    if unknown:
        raise ModelError(
            f"agent_model: {name} has no parameter {unknown[0]!r}; it takes {', '.join(expected) or 'none'}"
        )
    missing = [key for key in expected if key not in params]
    if missing:
        raise ModelError(f"agent_model: {name} needs {missing[0]}: {cls.usage}")
    try:
        return cls(**dict(params))
    except ModelError as error:
        raise ModelError(f"agent_model: {error}") from None


def agent_model_spec(spec: Any) -> str | dict[str, dict[str, float]]:
    """The canonical config value of a model (``'optimal'``, ``{'boltzmann': {'beta': 5.0}}``).

    Raises
    ------
    ModelError
        As :func:`agent_model`.
    """
    return agent_model(spec).spec


__all__ = [
    "AGENT_MODELS",
    "OPTIMAL",
    "AgentModel",
    "Boltzmann",
    "EpsilonGreedy",
    "Optimal",
    "agent_model",
    "agent_model_spec",
]
