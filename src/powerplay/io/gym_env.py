"""MDPs from Gymnasium environments that publish their transition table (``env.unwrapped.P``).

Gymnasium's tabular "toy text" environments (FrozenLake, Taxi, CliffWalking) expose
``P[state][action] = [(probability, next_state, reward, terminated), ...]``. That is all an
MDP needs. Two deliberate changes:

* **The environment's rewards are ignored.** POWER averages over *many* reward functions,
  drawn from the ``reward_distribution`` of an experiment, on states. A single hand-made
  reward (FrozenLake's "1 at the goal") is one sample of that; keep using it elsewhere.
* **Terminal states are absorbing.** A state entered with ``terminated=True`` (a hole or
  the goal of FrozenLake, the goal of CliffWalking) keeps all its actions, each looping back
  to itself: the agent stays there collecting that state's reward forever, the usual way to
  fold episode ends into a discounted MDP. If such a state can also be entered without
  terminating (Taxi's passenger-at-destination states), it keeps its dynamics and the
  terminating moves lead instead to an absorbing copy labelled ``'{state} (terminated)'``.

Gymnasium is an optional dependency (``pip install 'powerplay[gym]'``): it is imported only when an
environment is named by its id (``from_gymnasium('FrozenLake-v1')``); an environment object you
made yourself is only read.

Examples
--------
>>> import gymnasium                                              # doctest: +SKIP
>>> lake = from_gymnasium(gymnasium.make('FrozenLake-v1'))         # doctest: +SKIP
>>> lake.states[:3], lake.actions                                  # doctest: +SKIP
(('(0, 0)', '(0, 1)', '(0, 2)'), ('left', 'down', 'right', 'up'))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import DependencyMissing, ModelError
from ..model.labels import cell_label
from ..model.mdp import MDP, PROBABILITY_TOLERANCE
from . import safe_load

#: Action names of the Gymnasium environments we know, by the start of their spec id
#: (from each environment's documentation).
KNOWN_ACTIONS: dict[str, tuple[str, ...]] = {
    "FrozenLake": ("left", "down", "right", "up"),
    "CliffWalking": ("up", "right", "down", "left"),
    "Taxi": ("south", "north", "east", "west", "pickup", "dropoff"),
}


def _grid_shape(env) -> tuple[int, int] | None:
    """``(rows, cols)`` of a grid environment whose states are ``row * cols + col``."""
    if hasattr(env, "nrow") and hasattr(env, "ncol"):
        return int(env.nrow), int(env.ncol)
    shape = getattr(env, "shape", None)
    if isinstance(shape, tuple) and len(shape) == 2:
        return int(shape[0]), int(shape[1])
    return None


def _is_integer(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _checked_table(table: Mapping[Any, Any]) -> dict[int, dict[int, list[tuple[float, int, bool]]]]:
    """``P`` checked entry by entry: ``{state: {action: [(probability, next_state, terminated)]}}``.

    Raises
    ------
    ModelError
        One line naming the entry (``P[state][action]``) and what is wrong with it.
    """
    states = list(table)
    for s in states:
        if not _is_integer(s):
            raise ModelError(f"Gymnasium table P: state {safe_load._short(s)} is not a state number (an integer)")
    known = set(states)
    checked: dict[int, dict[int, list[tuple[float, int, bool]]]] = {}
    for s in states:
        row = table[s]
        if not isinstance(row, Mapping):
            raise ModelError(
                f"Gymnasium table P[{s}] (state {s}) is a {type(row).__name__}, not a mapping of actions to outcomes"
            )
        checked[int(s)] = {}
        for a, outcomes in row.items():
            where = f"Gymnasium table P[{s}][{safe_load._short(a)}] (state {s}, action {safe_load._short(a)})"
            if not _is_integer(a):
                raise ModelError(f"{where}: the action is not an action number (an integer)")
            if not isinstance(outcomes, (list, tuple)):
                raise ModelError(
                    f"{where} is a {type(outcomes).__name__}, not a list of (probability, next_state, reward, terminated)"
                )
            entries = []
            for i, outcome in enumerate(outcomes):
                if not isinstance(outcome, (list, tuple)) or len(outcome) != 4:
                    raise ModelError(
                        f"{where}: outcome {i} is {safe_load._short(outcome)}, not (probability, next_state, reward, terminated)"
                    )
                p, n, _reward, done = outcome
                if isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, float, np.integer, np.floating)):
                    raise ModelError(f"{where}: outcome {i} has the probability {safe_load._short(p)}, not a number")
                if not (math.isfinite(p) and 0 <= p <= 1 + PROBABILITY_TOLERANCE):
                    raise ModelError(f"{where}: outcome {i} has the probability {p!r}, not a number in [0, 1]")
                if not _is_integer(n) or n not in known:
                    raise ModelError(f"{where}: outcome {i} leads to {safe_load._short(n)}, which is not a state of P")
                if not isinstance(done, (bool, np.bool_)) and done not in (0, 1):
                    raise ModelError(f"{where}: outcome {i} has terminated={safe_load._short(done)}, not true or false")
                entries.append((float(p), int(n), bool(done)))
            checked[int(s)][int(a)] = entries
    return checked


def _make(env_id: str, options: dict[str, Any]) -> Any:
    try:
        import gymnasium
    except ImportError:
        raise DependencyMissing(f"making the Gymnasium environment {env_id!r}", extra="gym") from None
    try:
        return gymnasium.make(env_id, **options)
    except gymnasium.error.Error as error:  # unknown id, wrong version, bad options: one line
        raise ModelError(f"Gymnasium environment {env_id!r}: {error}") from None


def from_gymnasium(
    env: Any,
    *,
    state_labels: Sequence[str] | Callable[[int], str] | None = None,
    action_labels: Sequence[str] | None = None,
    name: str | None = None,
    **make_options: Any,
) -> MDP:
    """The MDP of a Gymnasium environment with a transition table ``env.unwrapped.P``.

    Parameters
    ----------
    env : gymnasium.Env or str
        E.g. ``gymnasium.make('FrozenLake-v1')``, or an id such as ``'FrozenLake-v1'``,
        ``'Taxi-v3'``, ``'CliffWalking-v1'`` (made with ``gymnasium.make(env, **make_options)``).
    state_labels : list of str or callable, optional
        Labels of the integer states. By default grid environments (FrozenLake,
        CliffWalking) get gridworld cell labels ``'(row, col)'`` (so gridworld heat maps
        work) and others the state number as a string.
    action_labels : list of str, optional
        Labels of the integer actions. By default the documented names for FrozenLake,
        CliffWalking and Taxi, else the action number as a string.
    name : str, optional
        Defaults to the environment's spec id.
    **make_options
        Passed to ``gymnasium.make`` when ``env`` is an id (e.g. ``map_name='8x8'``).

    Returns
    -------
    MDP
        Every action available in every state; rewards ignored; terminal states absorbing
        (see module notes; some environments get absorbing copies of terminal states).

    Raises
    ------
    ModelError
        If the environment has no transition table, an entry of it is malformed (one line
        naming ``P[state][action]``: a probability that is not a number in [0, 1], NaN
        included; a next state not in ``P``; an outcome that is not a 4-tuple; a row that is
        not a mapping), or labels do not match it.
    DependencyMissing
        If ``env`` is an id and Gymnasium is not installed.

    Examples
    --------
    >>> class TwoStates:                      # anything with a P table works
    ...     P = {0: {0: [(1.0, 1, 0.0, True)]}, 1: {0: [(1.0, 0, 0.0, False)]}}
    >>> mdp = from_gymnasium(TwoStates())
    >>> mdp.next_states('1', '0')             # state 1 is terminal: it loops on itself
    {'1': 1.0}
    """
    if isinstance(env, str):
        env = _make(env, make_options)
    elif make_options:
        raise ModelError(
            f"options {sorted(make_options)} are for gymnasium.make: pass an environment id, not an environment"
        )
    inner = getattr(env, "unwrapped", env)
    table = getattr(inner, "P", None)
    if not isinstance(table, dict) or not table:
        raise ModelError(
            f"{type(inner).__name__} has no transition table env.unwrapped.P; only tabular environments "
            "(FrozenLake, Taxi, CliffWalking, ...) can be converted"
        )
    table = _checked_table(table)
    spec = getattr(env, "spec", None) or getattr(inner, "spec", None)
    spec_id = getattr(spec, "id", "") or type(inner).__name__
    state_ids = sorted(table)
    action_ids = sorted({a for by_action in table.values() for a in by_action})

    if state_labels is None:
        shape = _grid_shape(inner)
        if shape is not None and len(state_ids) == shape[0] * shape[1]:
            labels = {s: cell_label(*divmod(int(s), shape[1])) for s in state_ids}
        else:
            labels = {s: str(s) for s in state_ids}
    elif callable(state_labels):
        labels = {s: str(state_labels(s)) for s in state_ids}
    else:
        labels = dict(zip(state_ids, map(str, state_labels)))
        if len(labels) != len(state_ids):
            raise ModelError(f"state_labels has {len(state_labels)} labels for {len(state_ids)} states")
    if action_labels is None:
        known = next((names for prefix, names in KNOWN_ACTIONS.items() if spec_id.startswith(prefix)), None)
        action_labels = known if known is not None and len(known) == len(action_ids) else [str(a) for a in action_ids]
    if len(action_labels) != len(action_ids):
        raise ModelError(f"action_labels has {len(action_labels)} labels for {len(action_ids)} actions")
    action_names = dict(zip(action_ids, map(str, action_labels)))

    terminal = {
        n
        for by_action in table.values()
        for outcomes in by_action.values()
        for p, n, done in outcomes
        if done and p > 0
    }
    # Moves out of a terminal state are replaced by self-loops, so only moves from other states matter here.
    entered_otherwise = {
        n
        for s, by_action in table.items()
        if s not in terminal
        for outcomes in by_action.values()
        for p, n, done in outcomes
        if not done and p > 0
    }
    # A terminal state also entered without terminating (Taxi's passenger-delivered states) keeps
    # its dynamics; terminating moves then lead to an absorbing copy of it instead.
    copies = {n: f"{labels[n]} (terminated)" for n in sorted(terminal & entered_otherwise)}
    absorbing = {labels[n] for n in terminal - set(copies)} | set(copies.values())

    transitions: dict[str, dict[str, dict[str, float]]] = {}
    for s in state_ids:
        row: dict[str, dict[str, float]] = {}
        for a in action_ids:
            if labels[s] in absorbing:
                row[action_names[a]] = {labels[s]: 1.0}
                continue
            outcome: dict[str, float] = {}
            for p, next_state, done in table[s].get(a, ()):
                if p > 0:
                    target = copies[next_state] if done and next_state in copies else labels[next_state]
                    outcome[target] = outcome.get(target, 0.0) + float(p)
            if outcome:
                row[action_names[a]] = outcome
        transitions[labels[s]] = row
    for copy in copies.values():
        transitions[copy] = {action_names[a]: {copy: 1.0} for a in action_ids}
    return MDP.from_dict(
        transitions,
        states=[labels[s] for s in state_ids] + list(copies.values()),
        actions=[action_names[a] for a in action_ids],
        name=name or spec_id,
    )
