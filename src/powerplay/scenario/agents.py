"""One agent of a scenario: its name, discount rate, reward correlation, seed policy and role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

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
    """

    name: str
    discount_rate: float | None
    reward_correlation: float | None = None
    seed_policy: str | dict[str, Any] | None = None
    role: Role = "learner"

    @property
    def learns(self) -> bool:
        """Whether it learns optimal policies for its own rewards (its POWER is computed)."""
        return self.role != "fixed"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "discount_rate": self.discount_rate,
            "reward_correlation": self.reward_correlation,
            "seed_policy": self.seed_policy,
            "role": self.role,
        }


__all__ = ["ROLES", "AgentSpec", "Role"]
