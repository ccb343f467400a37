"""POWER keys, agents and pairs of agents, as the statistics name them.

A run's POWER samples are keyed by *agent names* (``'H'``, ``'A'``, ``'B'``: a letter followed
by letters or digits, the rule of :mod:`powerplay.model.labels`, which this package may not
import) and, in diagnostic mode, by *diagnostics* of an agent: ``'{agent}_against_seed'`` (its
POWER in its own training stage) and ``'{agent}_seed'`` (following its seed policy). The
underscore, which no agent name has, tells the two apart.

Keys are ordered agents first (in the run's learning order), then the ``_against_seed``
diagnostics, then the ``_seed`` ones, each in agent order: for the published pair exactly
``('H', 'A', 'H_against_seed', 'A_seed')``, the column order of every table so far.

α is computed for every unordered pair of agents, in agent order (``('H', 'A'), ('H', 'B'),
('A', 'B')``), and named by the pair's *tag*, the two names joined (``'HA'``): the runs
table's ``alpha_HA``, ``alpha_HB``, ... In the (unlikely) case that two pairs of a run's
agents join to the same text (agents ``A``, ``BC``, ``AB``, ``C``), every tag of that run
puts an underscore between the names (``'A_BC'``).

Examples
--------
>>> order_power_keys(['A_seed', 'A', 'H_against_seed', 'H'])
('H', 'A', 'H_against_seed', 'A_seed')
>>> order_power_keys(['B', 'H', 'A', 'B_seed'], agents=('H', 'A', 'B'))
('H', 'A', 'B', 'B_seed')
>>> agents_of(['H', 'A', 'B', 'H_against_seed']), pairs_of(('H', 'A', 'B'))
(('H', 'A', 'B'), (('H', 'A'), ('H', 'B'), ('A', 'B')))
>>> pair_tags(('H', 'A', 'B'))
{('H', 'A'): 'HA', ('H', 'B'): 'HB', ('A', 'B'): 'AB'}
>>> key_agent('H_against_seed'), key_agent('B2'), key_agent('x_y')
('H', 'B2', None)
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence

from ..errors import UnknownLabelError

#: What an agent name looks like (the rule of :mod:`powerplay.model.labels`).
AGENT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")

#: The published pair: the default agent and pair wherever one is meant.
DEFAULT_PAIR: tuple[str, str] = ("H", "A")

#: The diagnostic suffixes, in column order.
DIAGNOSTIC_SUFFIXES = ("_against_seed", "_seed")

#: The POWER keys of a two-agent diagnostic run (H, A), in column order.
PAIR_KEYS = ("H", "A", "H_against_seed", "A_seed")


def is_agent_name(key: str) -> bool:
    """Whether ``key`` is an agent name (not a diagnostic)."""
    return isinstance(key, str) and AGENT_NAME.fullmatch(key) is not None


def key_agent(key: str) -> str | None:
    """The agent a POWER key belongs to (the key itself for an agent name), or None if it is not a POWER key."""
    if is_agent_name(key):
        return key
    for suffix in DIAGNOSTIC_SUFFIXES:
        if isinstance(key, str) and key.endswith(suffix) and is_agent_name(key[: -len(suffix)]):
            return key[: -len(suffix)]
    return None


def check_power_key(key: str) -> str:
    """``key`` if it is an agent name or a diagnostic of one.

    Raises
    ------
    UnknownLabelError
        Saying what a POWER key looks like.
    """
    if key_agent(key) is None:
        raise UnknownLabelError(
            f"{key!r} is not a POWER key: an agent name (a letter, then letters or digits, e.g. H, A, B2) "
            "or a diagnostic of one (H_against_seed, A_seed)"
        )
    return key


def agents_of(keys: Iterable[str]) -> tuple[str, ...]:
    """The agent names among POWER keys: H and A first (the published pair), then the others as given."""
    names = [k for k in dict.fromkeys(keys) if is_agent_name(k)]
    return tuple(sorted(names, key=lambda k: DEFAULT_PAIR.index(k) if k in DEFAULT_PAIR else len(DEFAULT_PAIR)))


def order_power_keys(keys: Iterable[str], agents: Sequence[str] | None = None) -> tuple[str, ...]:
    """POWER keys in column order (module notes): agents, then ``_against_seed``, then ``_seed`` diagnostics.

    Parameters
    ----------
    keys : iterable of str
    agents : sequence of str, optional
        The run's agents in learning order (default :func:`agents_of` the keys). Agents
        without a key are skipped; keys of agents not listed come last, as given.

    Raises
    ------
    UnknownLabelError
        For a key that is neither an agent name nor a diagnostic of one.
    """
    given = [check_power_key(k) for k in dict.fromkeys(keys)]
    agents = tuple(agents) if agents is not None else agents_of(given)
    present = set(given)
    ordered = [a for a in agents if a in present]
    for suffix in DIAGNOSTIC_SUFFIXES:
        ordered += [f"{a}{suffix}" for a in agents if f"{a}{suffix}" in present]
    placed = set(ordered)
    return tuple(ordered + [k for k in given if k not in placed])


def pairs_of(agents: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Every unordered pair of agents, in agent order."""
    return tuple(itertools.combinations(tuple(agents), 2))


def pair_tags(agents: Sequence[str]) -> dict[tuple[str, str], str]:
    """``{pair: tag}`` for every pair of ``agents`` (module notes: ``'HA'``, or ``'A_BC'`` where tags would collide)."""
    pairs = pairs_of(agents)
    joined = [f"{x}{y}" for x, y in pairs]
    if len(set(joined)) == len(joined):
        return dict(zip(pairs, joined))
    return {(x, y): f"{x}_{y}" for x, y in pairs}


def pair_tag(pair: Sequence[str], agents: Sequence[str] | None = None) -> str:
    """The tag of one pair among ``agents`` (default: the pair alone)."""
    x, y = pair
    tags = pair_tags(agents if agents is not None else (x, y))
    separator = "_" if any("_" in tag for tag in tags.values()) else ""
    return f"{x}{separator}{y}"


__all__ = [
    "AGENT_NAME",
    "DEFAULT_PAIR",
    "DIAGNOSTIC_SUFFIXES",
    "PAIR_KEYS",
    "agents_of",
    "check_power_key",
    "is_agent_name",
    "key_agent",
    "order_power_keys",
    "pair_tag",
    "pair_tags",
    "pairs_of",
]
