"""The reference's ``learn`` module: value, policy and POWER on reference-style tensors.

Inputs are the reference's dense arrays (``numpy`` arrays, or anything ``numpy.asarray``
accepts, e.g. ``torch`` tensors): a reward function ``[S]``, a transition tensor
``[S, A, S']`` and a policy ``[S, A]``. The computations are ours (:mod:`powerplay.solvers`),
with one deliberate change of semantics:

* **An all-zero row ``T[s, a, :]`` means action ``a`` is unavailable in ``s``** and is never
  chosen. The reference maximised over every row, so an unavailable action counted as a
  move to a state worth 0 -- wrong whenever values are negative, and the source of its
  numerical bugs. Rows summing to less than one (an agent marginalised out of a no-overlap
  joint MDP) are available; the missing mass is worth 0.
* Tolerances certify the result: values are within ``convergence_threshold`` of exact.
* ``find_optimal_policy`` splits probability equally among tied optimal actions (the
  reference picked one at random); ``value_initialization`` is accepted and not needed.

Examples
--------
>>> import numpy as np
>>> T = np.zeros((2, 2, 2)); T[0, 0, 0] = T[0, 1, 1] = T[1, 1, 1] = 1   # state 1 can only stay
>>> R = np.array([0.0, -1.0])
>>> V = value_iteration(R, 0.5, T)
>>> np.round(V, 4).tolist()            # the reference gave state 1 a value of -1 + 0.5 * max(0, V[1])
[0.0, -2.0]
>>> find_optimal_policy(R, 0.5, T).tolist()
[[1.0, 0.0], [0.0, 1.0]]
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from ..errors import ModelError
from ..model.mdp import MDP
from ..solvers.power import SingleAgentProblem
from ..solvers.values import SolverSettings, check_discount_rate, mask_to_probabilities

#: Smallest POWER-unit tolerance handed to the solver (below this, rounding dominates).
MIN_TOLERANCE = 1e-12


def transition_tensor_to_mdp(transition_tensor) -> MDP:
    """An MDP from a dense ``[S, A, S']`` tensor: all-zero rows are unavailable actions.

    States and actions are labelled by their index (``'0'``, ``'1'``, ...).

    Raises
    ------
    ValueError
        On a bad shape, probabilities outside [0, 1], a row above one, or a state without
        any action (naming it).
    """
    tensor = np.asarray(transition_tensor, dtype=np.float64)
    if tensor.ndim != 3 or tensor.shape[0] != tensor.shape[2]:
        raise ModelError(f"transition tensor must be [states, actions, states], got shape {tensor.shape}")
    S, A, _ = tensor.shape
    mask = tensor.sum(axis=2) > 0
    return MDP(
        tuple(str(s) for s in range(S)),
        tuple(str(a) for a in range(A)),
        sparse.csr_array(tensor.reshape(S * A, S)),
        mask,
    )


def _rewards(reward_function, num_states: int) -> np.ndarray:
    rewards = np.asarray(reward_function, dtype=np.float64).reshape(-1)
    if rewards.shape != (num_states,):
        raise ModelError(f"reward function has {rewards.size} entries for {num_states} states")
    return rewards


def _values(mdp: MDP, rewards: np.ndarray, discount_rate: float, convergence_threshold: float) -> np.ndarray:
    """Optimal values, within ``convergence_threshold``, via the POWER solver: ``V = R + g C``."""
    g = check_discount_rate(discount_rate)
    # The solver bounds POWER = (1 - g) C to ``tolerance``; V = R + g C is then within g/(1-g) of that.
    tolerance = max(float(convergence_threshold) * (1 - g) / max(g, 1e-300), MIN_TOLERANCE)
    problem = SingleAgentProblem(mdp, g, settings=SolverSettings(tolerance=min(tolerance, 1.0)))
    power = problem.solve(rewards[None, :]).power["H"][0]
    return rewards + g * power / (1 - g)


def value_iteration(
    reward_function, discount_rate, transition_tensor, value_initialization=None, convergence_threshold=1e-4
):
    """Optimal state values ``[S]`` of a reward function on a ``[S, A, S']`` transition tensor."""
    mdp = transition_tensor_to_mdp(transition_tensor)
    return _values(mdp, _rewards(reward_function, mdp.num_states), discount_rate, convergence_threshold)


def policy_evaluation(
    reward_function,
    discount_rate,
    transition_tensor,
    policy_tensor,
    value_initialization=None,
    convergence_threshold=1e-4,
):
    """State values ``[S]`` of following ``policy_tensor`` ``[S, A]``: ``V = R + g P_pi V``.

    Raises
    ------
    ValueError
        If the policy puts probability on an unavailable action or a row does not sum to one.
    """
    mdp = transition_tensor_to_mdp(transition_tensor)
    policy = np.asarray(policy_tensor, dtype=np.float64)
    if policy.shape != mdp.action_mask.shape:
        raise ModelError(f"policy tensor has shape {policy.shape}, expected {mdp.action_mask.shape}")
    bad = np.argwhere((policy > 0) & ~mdp.action_mask)
    if bad.size:
        raise ModelError(f"state {bad[0, 0]}: the policy takes action {bad[0, 1]}, which is unavailable there")
    sums = policy.sum(axis=1)
    if np.any(np.abs(sums - 1) > 1e-9):
        s = int(np.argmax(np.abs(sums - 1)))
        raise ModelError(f"state {s}: policy probabilities sum to {sums[s]:.12g}, not 1")
    tensor = np.asarray(transition_tensor, dtype=np.float64)
    followed = np.einsum("sa,sat->st", policy, tensor)  # the policy as a one-action MDP
    one_action = MDP(mdp.states, ("policy",), sparse.csr_array(followed), np.ones((mdp.num_states, 1), dtype=bool))
    return _values(one_action, _rewards(reward_function, mdp.num_states), discount_rate, convergence_threshold)


def find_optimal_policy(
    reward_function, discount_rate, transition_tensor, value_initialization=None, convergence_threshold=1e-4
):
    """Optimal policy ``[S, A]``: uniform over the optimal actions of each state."""
    mdp = transition_tensor_to_mdp(transition_tensor)
    rewards = _rewards(reward_function, mdp.num_states)
    problem = SingleAgentProblem(mdp, discount_rate)
    masks = problem.policies(rewards[None, :])["H"][0]
    return mask_to_probabilities(masks, mdp.num_actions)


def compute_power_values(reward_function, optimal_values, discount_rate, transition_tensor=None):
    """The POWER sample ``[S]`` of one reward function from its optimal values.

    ``POWER(s) = (1 - g) / g * (V(s) - R(s))``. At ``discount_rate = 0`` that formula is 0/0;
    pass ``transition_tensor`` to use the equivalent ``(1 - g) * max_a sum_s' T V`` (over
    available actions), which also holds at 0 (the best next-state reward).
    """
    g = check_discount_rate(discount_rate)
    values = np.asarray(optimal_values, dtype=np.float64).reshape(-1)
    rewards = _rewards(reward_function, values.size)
    if transition_tensor is not None:
        mdp = transition_tensor_to_mdp(transition_tensor)
        q = (mdp.transitions @ values).reshape(mdp.num_states, mdp.num_actions)
        return (1 - g) * np.where(mdp.action_mask, q, -np.inf).max(axis=1)
    if g == 0:
        raise ModelError("at discount_rate 0, POWER needs the transition tensor: pass transition_tensor=...")
    return (1 - g) / g * (values - rewards)


__all__ = [
    "compute_power_values",
    "find_optimal_policy",
    "policy_evaluation",
    "transition_tensor_to_mdp",
    "value_iteration",
]
