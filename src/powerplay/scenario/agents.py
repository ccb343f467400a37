"""One agent of a scenario: its name, discount rate, reward correlation, seed policy, role and model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..model.agent_models import OPTIMAL, AgentModel, agent_model, agent_model_spec

#: What an agent does in a run: ``'only'`` (the single agent of ``single_agent``),
#: ``'learner'`` (learns an optimal policy for its own rewards), ``'fixed'`` (follows a
#: given policy throughout: Agent A of ``multiagent_fixed_policy``).
Role = Literal["only", "learner", "fixed"]
ROLES: tuple[str, ...] = ("only", "learner", "fixed")


@dataclass(frozen=True)
class AgentSpec:
    """One agent of a :class:`~powerplay.scenario.Scenario`.

    Attributes
    ----------
    name : str
        ``'H'``, ``'A'``, ``'B'``, ...
    discount_rate : float or None
        In ``[0, 1)``; None for an agent with a fixed policy (it plans nothing).
    reward_correlation : float or None
        Correlation of its rewards with the first agent's, in ``[-1, 1]``; None for the first
        agent and for agents that draw no rewards.
    seed_policy : str or dict or None
        The config value naming its policy (a name or a generated-policy spec): the seed
        policy it starts from, or for a ``'fixed'`` agent the policy it follows; None for the
        first agent.
    role : {'only', 'learner', 'fixed'}
    agent_model : str or dict
        How it acts on what it learns, in config form (``'optimal'``, the default, or e.g.
        ``{'boltzmann': {'beta': 5.0}}``; :mod:`powerplay.model.agent_models`); stored in its
        canonical form. An agent with a fixed policy is ``'optimal'`` (it has no model).
    """

    name: str
    discount_rate: float | None
    reward_correlation: float | None = None
    seed_policy: str | dict[str, Any] | None = None
    role: Role = "learner"
    agent_model: str | dict[str, Any] = "optimal"

    def __post_init__(self) -> None:
        object.__setattr__(self, "agent_model", agent_model_spec(self.agent_model))

    @property
    def model(self) -> AgentModel:
        """Its :class:`~powerplay.model.agent_models.AgentModel`."""
        return agent_model(self.agent_model) if self.agent_model != OPTIMAL.spec else OPTIMAL

    @property
    def learns(self) -> bool:
        """Whether it learns optimal policies for its own rewards (its POWER is computed)."""
        return self.role != "fixed"

    def to_json(self) -> dict[str, Any]:
        """Plain JSON; ``agent_model`` only when not optimal (so an optimal agent's record is
        what it was before agent models, and a record without it reads back as optimal)."""
        out = {
            "name": self.name,
            "discount_rate": self.discount_rate,
            "reward_correlation": self.reward_correlation,
            "seed_policy": self.seed_policy,
            "role": self.role,
        }
        if self.agent_model != OPTIMAL.spec:
            out["agent_model"] = self.agent_model
        return out


__all__ = ["ROLES", "AgentSpec", "Role"]
