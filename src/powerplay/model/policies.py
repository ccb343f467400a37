"""Generated policies: uniform random, stay, one fixed action, a random deterministic choice.

Each constructor builds a policy for one agent of *any* MDP or joint MDP from its action
mask alone, vectorised over states, so it fits whichever MDP a run uses (a built-in, a file,
a generated maze, a 40,000-state joint gridworld) with no per-state work by hand:

* :func:`~powerplay.model.policy.uniform_random_policy` -- uniform over the available actions;
* :func:`stay_policy` -- ``stay`` wherever it is available;
* :func:`deterministic_policy` -- one named action wherever it is available;
* :func:`random_deterministic_policy` -- one uniformly drawn available action per state,
  reproducible from a seed.

On a joint MDP any of its agents may act (``'H'``, ``'A'``, ``'B'``, ...); on a single-agent
MDP the acting agent is always H (``agent`` is ignored), as for
:func:`~powerplay.model.policy.uniform_random_policy`. Every policy is named after what it
does and the MDP it is for, e.g. ``'agent A stays on joint 7x7 gridworld maze (no overlap)'``.

Where the asked-for action is unavailable
-----------------------------------------
``fallback`` says what a deterministic policy does in a state where its action is not
available: an action, a list of actions tried in order, or ``'uniform_random'`` (uniform over
that state's available actions; allowed only last). A name that is one of the agent's
actions always means that action. Without a fallback (the default of
:func:`deterministic_policy`) such a state is an error naming the first one; :func:`stay_policy`
falls back to uniform random by default, since "stay where you can" is what is usually meant.
A policy's name mentions its fallback only if some state used it.

Policy specs (configs)
----------------------
A config may give a *policy spec* where it names a policy file
(``seed_policy_graph_agent_A``, ``policy_graph_agent_A``); the policy is then built for the
run's MDP by :func:`generated_policy`. A spec is a generator name, or a mapping with one key,
the generator name, whose value holds its parameters:

======================================================  ==========================================
spec                                                    policy
======================================================  ==========================================
``uniform_random``                                      :func:`~powerplay.model.policy.uniform_random_policy`
``stay``, ``{stay: {fallback: F}}``                     :func:`stay_policy` (default F: ``uniform_random``)
``{deterministic: ACTION}``                             :func:`deterministic_policy`, no fallback
``{deterministic: {action: ACTION, fallback: F}}``      :func:`deterministic_policy`
``{random_deterministic: SEED}``,                       :func:`random_deterministic_policy`
``{random_deterministic: {seed: SEED}}``
======================================================  ==========================================

``F`` is an action, a list of actions or ``uniform_random``; ``SEED`` a non-negative integer.
``uniform_random`` also accepts ``{uniform_random: {}}``. Anything else is a
:class:`~powerplay.errors.ModelError` whose ``field`` names the part of the spec at fault and
whose message lists the valid names or keys.

Examples
--------
>>> from powerplay.model.gridworld import gridworld, joint_gridworld
>>> joint = joint_gridworld(gridworld(1, 3, name='corridor'), overlap='remove')
>>> stays = stay_policy(joint, 'A')
>>> stays.name, stays.to_dict()['(0, 0)_H^(0, 2)_A']
('agent A stays on joint corridor (no overlap)', {'stay': 1.0})
>>> left = generated_policy({'deterministic': {'action': 'left', 'fallback': 'stay'}}, joint, 'A')
>>> left.name
"agent A takes 'left' (else 'stay') on joint corridor (no overlap)"
>>> left.to_dict()['(0, 2)_H^(0, 0)_A'], left.to_dict()['(0, 0)_H^(0, 2)_A']
({'stay': 1.0}, {'left': 1.0})
>>> generated_policy({'random_deterministic': {'seed': 3}}, joint, 'A').name
'agent A random deterministic (seed 3) on joint corridor (no overlap)'
>>> trio = joint_gridworld(gridworld(1, 3, name='corridor'), agents=('H', 'A', 'B'), interaction='remove')
>>> generated_policy('stay', trio, 'B').name
'agent B stays on joint corridor, agents H A B (no overlap)'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from numbers import Integral
from typing import Any

import numpy as np

from ..errors import ModelError, UnknownLabelError
from .policy import (
    UNIFORM_FALLBACK,
    AnyMDP,
    Policy,
    acting_action_mask,
    acting_agent,
    as_preferences,
    choose_actions,
    policy_name,
    uniform_random_policy,
)

Fallback = str | Sequence[str] | None


def _fallback_text(preferences: Sequence[str]) -> str:
    return ", then ".join("uniform random" if p == UNIFORM_FALLBACK else repr(p) for p in preferences)


def deterministic_policy(mdp: AnyMDP, agent: str, action: str, fallback: Fallback = None) -> Policy:
    """The policy that takes ``action`` wherever it is available to the acting agent.

    Parameters
    ----------
    mdp : MDP or JointMDP
    agent : str
        The acting agent: any agent of a joint MDP (ignored on a single-agent MDP, where it is H).
    action : str
        One of the agent's action labels.
    fallback : str or list of str, optional
        What to do where ``action`` is unavailable: an action, a list of actions tried in
        order, or ``'uniform_random'`` (last). By default such a state is an error.

    Returns
    -------
    Policy
        Deterministic wherever ``action`` or an action of ``fallback`` is available, named
        e.g. ``"agent A takes 'left' (else 'stay') on joint corridor"`` (the fallback is named
        only if some state used it).

    Raises
    ------
    UnknownLabelError
        If ``action`` or a fallback is not one of the agent's actions.
    ModelError
        Naming the first state where neither ``action`` nor any fallback is available, and
        how many such states there are.

    Examples
    --------
    >>> from powerplay.model.gridworld import gridworld
    >>> corridor = gridworld(1, 3, name='corridor')
    >>> deterministic_policy(corridor, 'H', 'right')
    Traceback (most recent call last):
    ...
    powerplay.errors.ModelError: action 'right' is not available in state '(0, 2)' (1 such state(s) in corridor); give a fallback, e.g. fallback='uniform_random'
    >>> policy = deterministic_policy(corridor, 'H', 'right', fallback=['down', 'stay'])
    >>> policy.name, [policy.to_dict()[s] for s in corridor.states]
    ("takes 'right' (else 'down', then 'stay') on corridor", [{'right': 1.0}, {'right': 1.0}, {'stay': 1.0}])
    """
    agent = acting_agent(mdp, agent)
    actions, mask = acting_action_mask(mdp, agent)
    if action not in actions:
        raise UnknownLabelError(f"action {action!r} is not one of agent {agent}'s actions {list(actions)}")
    preferences = as_preferences(fallback)
    probs, unfilled = choose_actions([action, *preferences], actions, mask, what="fallback")
    if unfilled.any():
        s = int(np.flatnonzero(unfilled)[0])
        where = f" in {mdp.name}" if mdp.name else ""
        tried = f"nor the fallback {_fallback_text(preferences)} " if preferences else ""
        raise ModelError(
            f"action {action!r} {tried}is not available in state {mdp.states[s]!r} "
            f"({int(unfilled.sum())} such state(s){where}); give a fallback, e.g. fallback={UNIFORM_FALLBACK!r}"
        )
    used_fallback = not np.all(mask[:, actions.index(action)])
    what = f"takes {action!r}" + (f" (else {_fallback_text(preferences)})" if used_fallback else "")
    return Policy(mdp.states, actions, probs, agent=agent, name=policy_name(what, mdp, agent))


def stay_policy(mdp: AnyMDP, agent: str = "A", fallback: Fallback = UNIFORM_FALLBACK) -> Policy:
    """The policy that takes ``stay`` wherever it can ("Agent A always stays").

    Parameters
    ----------
    mdp : MDP or JointMDP
        Its acting agent must have an action labelled ``'stay'`` (every gridworld does).
    agent : str
        The acting agent: any agent of a joint MDP (ignored on a single-agent MDP, where it is H).
    fallback : str or list of str or None
        What to do where ``stay`` is unavailable (see :func:`deterministic_policy`); by
        default uniform over the state's available actions.

    Returns
    -------
    Policy
        Named e.g. ``'agent A stays on joint 3x3 gridworld'``.

    Raises
    ------
    UnknownLabelError
        If the agent has no ``'stay'`` action.
    ModelError
        As :func:`deterministic_policy`.

    Examples
    --------
    >>> from powerplay.model.environments import load_mdp
    >>> joint = load_mdp('joint_1x3_gridworld_with_agent_H_forbidden_from_staying_when_agent_A_is_at_far_right')
    >>> stays = stay_policy(joint, 'H')
    >>> stays.name
    'agent H stays where it can, else uniform random on joint 1x3 gridworld, H cannot stay while A is at the far right'
    >>> stays.to_dict()['(0, 1)_H^(0, 2)_A'], stays.to_dict()['(0, 1)_H^(0, 1)_A']
    ({'left': 0.5, 'right': 0.5}, {'stay': 1.0})
    """
    agent = acting_agent(mdp, agent)
    actions, mask = acting_action_mask(mdp, agent)
    if "stay" not in actions:
        raise UnknownLabelError(
            f"agent {agent} has no 'stay' action in {mdp.name or 'this MDP'} (its actions: {list(actions)}); "
            "use deterministic_policy with one of them"
        )
    policy = deterministic_policy(mdp, agent, "stay", fallback)
    everywhere = np.all(mask[:, actions.index("stay")])
    what = "stays" if everywhere else f"stays where it can, else {_fallback_text(as_preferences(fallback))}"
    return replace(policy, name=policy_name(what, mdp, agent))


def random_deterministic_policy(mdp: AnyMDP, agent: str, seed: int | np.random.Generator) -> Policy:
    """A deterministic policy taking one uniformly drawn available action in each state.

    Parameters
    ----------
    mdp : MDP or JointMDP
    agent : str
        The acting agent: any agent of a joint MDP (ignored on a single-agent MDP, where it is H).
    seed : int or numpy.random.Generator
        The draw is reproducible from an integer seed: with ``k_s`` actions available in
        state ``s`` (in the agent's action order), the policy takes the ``j_s``-th of them,
        ``j = numpy.random.default_rng(seed).integers(k)``. A generator is used as given
        (and advanced).

    Returns
    -------
    Policy
        Named e.g. ``'agent A random deterministic (seed 3) on joint 3x3 gridworld'``.

    Raises
    ------
    ModelError
        If ``seed`` is neither a non-negative integer nor a generator.

    Examples
    --------
    >>> from powerplay.model.gridworld import gridworld
    >>> corridor = gridworld(1, 3, name='corridor')
    >>> policy = random_deterministic_policy(corridor, 'H', seed=3)
    >>> picks = np.random.default_rng(3).integers(corridor.action_mask.sum(axis=1))
    >>> [corridor.available_actions(s)[j] for s, j in zip(corridor.states, picks)]
    ['stay', 'left', 'left']
    >>> [next(iter(policy.to_dict()[s])) for s in corridor.states]
    ['stay', 'left', 'left']
    """
    agent = acting_agent(mdp, agent)
    if isinstance(seed, np.random.Generator):
        rng, label = seed, "random deterministic"
    elif isinstance(seed, Integral) and not isinstance(seed, bool) and seed >= 0:
        rng, label = np.random.default_rng(int(seed)), f"random deterministic (seed {int(seed)})"
    else:
        raise ModelError(f"seed must be a non-negative integer or a numpy.random.Generator, not {seed!r}", field="seed")
    actions, mask = acting_action_mask(mdp, agent)
    picks = rng.integers(mask.sum(axis=1))  # [S], j_s in [0, k_s)
    # Column of the j_s-th available action: the first where the running count exceeds j_s.
    columns = np.argmax(np.cumsum(mask, axis=1) > picks[:, None], axis=1)
    probs = np.zeros(mask.shape)
    probs[np.arange(len(columns)), columns] = 1.0
    return Policy(mdp.states, actions, probs, agent=agent, name=policy_name(label, mdp, agent))


# -- policy specs --------------------------------------------------------------------------

#: Generator names of a policy spec and the parameter keys each accepts.
POLICY_SPEC_KEYS: dict[str, tuple[str, ...]] = {
    "uniform_random": (),
    "stay": ("fallback",),
    "deterministic": ("action", "fallback"),
    "random_deterministic": ("seed",),
}

#: The single parameter a generator's value stands for when it is not a mapping.
_SHORTHAND = {"deterministic": "action", "random_deterministic": "seed"}


def is_policy_spec(value: Any) -> bool:
    """Whether a config value asks for a generated policy rather than naming a policy.

    True for any mapping (a policy name is a string, so a mapping can only be a spec; a bad
    one then gets a precise error from :func:`generated_policy`) and for the bare generator
    names (``'uniform_random'``, ``'stay'``, ...).

    Examples
    --------
    >>> is_policy_spec('stay'), is_policy_spec({'deterministic': 'left'}), is_policy_spec('my_policy')
    (True, True, False)
    """
    return isinstance(value, Mapping) or (isinstance(value, str) and value in POLICY_SPEC_KEYS)


def _valid(names) -> str:
    return ", ".join(names) if names else "none"


def parse_policy_spec(spec: Any) -> tuple[str, dict[str, Any]]:
    """``(generator, parameters)`` of a policy spec, checked and with defaults filled in.

    Raises
    ------
    ModelError
        With ``field`` naming the part of the spec at fault: an unknown generator or key
        (the message lists the valid ones), a missing or malformed parameter.

    Examples
    --------
    >>> parse_policy_spec({'deterministic': 'left'})
    ('deterministic', {'action': 'left', 'fallback': None})
    >>> parse_policy_spec({'random_deterministic': {'seed': 3, 'sed': 4}})
    Traceback (most recent call last):
    ...
    powerplay.errors.ModelError: random_deterministic: unknown key 'sed'; valid: seed
    """
    if isinstance(spec, str):
        name, params = spec, None
    elif isinstance(spec, Mapping):
        if len(spec) != 1:
            raise ModelError(
                f"a policy spec is a generator name or a mapping with one key, the generator "
                f"({_valid(POLICY_SPEC_KEYS)}); got keys {list(spec)}"
            )
        ((name, params),) = spec.items()
    else:
        raise ModelError(f"a policy spec is a generator name ({_valid(POLICY_SPEC_KEYS)}) or a mapping, not {spec!r}")
    if name not in POLICY_SPEC_KEYS:
        raise ModelError(f"unknown policy generator {name!r}; valid: {_valid(POLICY_SPEC_KEYS)}", field=str(name))
    keys = POLICY_SPEC_KEYS[name]
    if params is None:
        params = {}
    elif not isinstance(params, Mapping):
        if name not in _SHORTHAND:
            raise ModelError(
                f"{name}: parameters must be a mapping with keys {_valid(keys)}, not {params!r}", field=name
            )
        params = {_SHORTHAND[name]: params}
    for key in params:
        if key not in keys:
            raise ModelError(f"{name}: unknown key {key!r}; valid: {_valid(keys)}", field=f"{name}.{key}")
    out: dict[str, Any] = {}
    if name == "stay":
        out["fallback"] = params.get("fallback", UNIFORM_FALLBACK)
    if name == "deterministic":
        if not isinstance(params.get("action"), str):
            raise ModelError(
                f"deterministic: needs an action name, e.g. {{deterministic: left}}, got {params.get('action')!r}",
                field="deterministic.action",
            )
        out["action"], out["fallback"] = params["action"], params.get("fallback")
    if "fallback" in out:
        try:
            as_preferences(out["fallback"])
        except ModelError as error:
            raise ModelError(f"{name}: {error}", field=f"{name}.fallback") from None
    if name == "random_deterministic":
        seed = params.get("seed")
        if not isinstance(seed, Integral) or isinstance(seed, bool) or seed < 0:
            raise ModelError(
                f"random_deterministic: seed must be a non-negative integer, got {seed!r}",
                field="random_deterministic.seed",
            )
        out["seed"] = int(seed)
    return name, out


def policy_spec_name(spec: Any) -> str:
    """A short canonical text for a policy spec (for run folders and figure titles).

    Examples
    --------
    >>> policy_spec_name({'deterministic': {'action': 'left', 'fallback': ['up', 'stay']}})
    'deterministic left else up, stay'
    >>> policy_spec_name({'random_deterministic': 3}), policy_spec_name('stay')
    ('random_deterministic seed 3', 'stay')
    """
    name, params = parse_policy_spec(spec)
    if name == "deterministic":
        fallback = as_preferences(params["fallback"])
        return f"deterministic {params['action']}" + (f" else {', '.join(fallback)}" if fallback else "")
    if name == "random_deterministic":
        return f"random_deterministic seed {params['seed']}"
    if name == "stay" and params["fallback"] != UNIFORM_FALLBACK:
        return f"stay else {', '.join(as_preferences(params['fallback'])) or 'error'}"
    return name


def generated_policy(spec: Any, mdp: AnyMDP, agent: str = "A") -> Policy:
    """The policy a spec describes, built for ``mdp`` (see the module notes for the grammar).

    Parameters
    ----------
    spec : str or mapping
        ``'uniform_random'``, ``'stay'``, ``{'deterministic': 'left'}``,
        ``{'random_deterministic': {'seed': 3}}``, ...
    mdp : MDP or JointMDP
    agent : str
        The acting agent: any agent of a joint MDP (ignored on a single-agent MDP, where it is H).

    Returns
    -------
    Policy

    Raises
    ------
    ModelError
        With ``field`` naming the part of the spec at fault (see :func:`parse_policy_spec`);
        an unknown action is an :class:`~powerplay.errors.UnknownLabelError`.

    Examples
    --------
    >>> from powerplay.model.environments import load_mdp
    >>> joint = load_mdp('joint_3x3_gridworld')
    >>> generated_policy('uniform_random', joint).name
    'agent A uniform random on joint 3x3 gridworld'
    >>> generated_policy({'deterministic': 'jump'}, joint)
    Traceback (most recent call last):
    ...
    powerplay.errors.UnknownLabelError: deterministic.action: action 'jump' is not one of agent A's actions ['up', 'down', 'left', 'right', 'stay']
    """
    name, params = parse_policy_spec(spec)
    if name == "uniform_random":
        return uniform_random_policy(mdp, agent)
    if name == "random_deterministic":
        return random_deterministic_policy(mdp, agent, params["seed"])
    # Labels checked here, so that an unknown one names its field of the spec.
    actions, _ = acting_action_mask(mdp, acting_agent(mdp, agent))
    if name == "deterministic" and params["action"] not in actions:
        raise UnknownLabelError(
            f"deterministic.action: action {params['action']!r} is not one of agent {acting_agent(mdp, agent)}'s "
            f"actions {list(actions)}",
            field="deterministic.action",
        )
    for item in as_preferences(params["fallback"]):
        if item not in actions and item != UNIFORM_FALLBACK:
            raise UnknownLabelError(
                f"{name}.fallback: {item!r} is not one of the actions {list(actions)} nor {UNIFORM_FALLBACK!r}",
                field=f"{name}.fallback",
            )
    if name == "stay":
        return stay_policy(mdp, agent, params["fallback"])
    return deterministic_policy(mdp, agent, params["action"], params["fallback"])


__all__ = [
    "POLICY_SPEC_KEYS",
    "deterministic_policy",
    "generated_policy",
    "is_policy_spec",
    "parse_policy_spec",
    "policy_spec_name",
    "random_deterministic_policy",
    "stay_policy",
    "uniform_random_policy",
]
