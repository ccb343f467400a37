"""String labels for states, actions and agents, in the reference tool's formats.

States and actions are identified by strings everywhere a user sees them (configs,
files, figures). The formats are the reference tool's, extended to any number of agents:

* a gridworld cell: ``'(row, col)'``, e.g. ``'(1, 3)'``;
* a joint state: each agent's state followed by ``'_{agent}'``, joined by ``'^'`` in agent
  order, e.g. ``'(1, 3)_H^(0, 2)_A'`` (two agents, the reference's format) or
  ``'(1, 3)_H^(0, 2)_A^(2, 2)_B'`` (three);
* a joint action likewise: ``'left_H^down_A'``, ``'left_H^down_A^stay_B'``.

Agent names are a letter followed by letters or digits (``'H'``, ``'A'``, ``'B2'``): no
``'_'`` or ``'^'``, which delimit the labels. The published pair is
:data:`DEFAULT_AGENTS` ``= ('H', 'A')``; order matters (it is the learning order, and the
order of the parts of a joint label).

Examples
--------
>>> joint_label(['(1, 3)', '(0, 2)', '(2, 2)'], ['H', 'A', 'B'])
'(1, 3)_H^(0, 2)_A^(2, 2)_B'
>>> split_joint_label('left_H^down_A^stay_B', ['H', 'A', 'B'])
('left', 'down', 'stay')
>>> joint_label('(1, 3)', '(0, 2)')            # the two-agent shorthand, = pair_label
'(1, 3)_H^(0, 2)_A'
>>> split_joint_label('left_H^down_A')
('left', 'down')
>>> cell_coordinates('(1, 3)')
(1, 3)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..errors import ModelError

_CELL = re.compile(r"^\((-?\d+), ?(-?\d+)\)$")

#: The published pair of agents (the default everywhere two agents are meant).
DEFAULT_AGENTS: tuple[str, ...] = ("H", "A")
#: The two-agent name of :data:`DEFAULT_AGENTS`, kept for existing code.
AGENTS = DEFAULT_AGENTS

#: What an agent name looks like (checked with ``fullmatch``: a single character class, so no
#: backtracking whatever the input).
_AGENT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def cell_label(row: int, col: int) -> str:
    """Label of the gridworld cell at ``(row, col)``."""
    return f"({row}, {col})"


def cell_coordinates(label: str) -> tuple[int, int] | None:
    """``(row, col)`` of a gridworld cell label, or ``None`` if ``label`` is not a cell."""
    match = _CELL.match(label)
    return (int(match.group(1)), int(match.group(2))) if match else None


def cells_of(labels: Iterable[str]) -> list[tuple[int, int]] | None:
    """``(row, col)`` of every label, or ``None`` if some label is not a cell ``'(r, c)'``.

    Examples
    --------
    >>> cells_of(['(0, 1)', '(2, 0)'])
    [(0, 1), (2, 0)]
    >>> cells_of(['(0, 1)', 'start']) is None
    True
    """
    cells = []
    for label in labels:
        cell = cell_coordinates(label)
        if cell is None:
            return None
        cells.append(cell)
    return cells


def check_agent_name(agent: object) -> str:
    """``agent`` if it is a valid agent name (a letter, then letters or digits), else an error.

    Raises
    ------
    ModelError
        Naming the value, in one line.

    Examples
    --------
    >>> check_agent_name('B2')
    'B2'
    >>> check_agent_name('my_agent')
    Traceback (most recent call last):
    ...
    powerplay.errors.ModelError: agent name 'my_agent' must be a letter followed by letters or digits (no '_' or '^': they delimit joint labels)
    """
    if not isinstance(agent, str) or _AGENT_NAME.fullmatch(agent) is None:
        shown = repr(agent) if len(repr(agent)) <= 60 else repr(agent)[:57] + "..."
        raise ModelError(
            f"agent name {shown} must be a letter followed by letters or digits "
            "(no '_' or '^': they delimit joint labels)"
        )
    return agent


def check_agent_names(agents: Sequence[str], minimum: int = 2) -> tuple[str, ...]:
    """The agents of a joint MDP as a tuple, checked: valid names, no repeats, at least ``minimum``.

    Parameters
    ----------
    agents : sequence of str
        In order (the learning order, and the order of the parts of joint labels).
    minimum : int
        The fewest agents allowed (two for a joint MDP).

    Returns
    -------
    tuple of str

    Raises
    ------
    ModelError
        Naming the agent at fault (or the count), in one line.

    Examples
    --------
    >>> check_agent_names(['H', 'A', 'B'])
    ('H', 'A', 'B')
    >>> check_agent_names(['H', 'A', 'H'])
    Traceback (most recent call last):
    ...
    powerplay.errors.ModelError: agent 'H' is listed twice in the agents ['H', 'A', 'H']
    """
    if isinstance(agents, str) or not isinstance(agents, Sequence):
        raise ModelError(f"agents must be a list of agent names such as ['H', 'A', 'B'], not {agents!r}")
    names = tuple(agents)
    seen: set[str] = set()
    for agent in names:
        check_agent_name(agent)
        if agent in seen:
            raise ModelError(f"agent {agent!r} is listed twice in the agents {list(names)}")
        seen.add(agent)
    if len(names) < minimum:
        raise ModelError(f"a joint MDP needs at least {minimum} agents, got {list(names)}")
    return names


def pair_label(label_H: str, label_A: str) -> str:
    """Two-agent joint label of Agent H's and Agent A's labels (states or actions).

    Examples
    --------
    >>> pair_label('left', 'down')
    'left_H^down_A'
    """
    return f"{label_H}_H^{label_A}_A"


def joint_label(parts: Sequence[str] | str, agents: Sequence[str] | str = DEFAULT_AGENTS) -> str:
    """Joint label of one label per agent (states or actions): ``'^'.join(f'{part}_{agent}')``.

    Parameters
    ----------
    parts : sequence of str
        One label per agent, in agent order.
    agents : sequence of str
        The agents (default ``('H', 'A')``). Not checked here (see :func:`check_agent_names`).

    Returns
    -------
    str

    Raises
    ------
    ModelError
        If there is not one part per agent.

    Notes
    -----
    Two strings, ``joint_label(label_H, label_A)``, is the two-agent shorthand
    :func:`pair_label` (today's callers keep working).

    Examples
    --------
    >>> joint_label(['left', 'down', 'stay'], ['H', 'A', 'B'])
    'left_H^down_A^stay_B'
    >>> joint_label(['left', 'down'])
    'left_H^down_A'
    """
    if isinstance(parts, str):  # the two-agent shorthand joint_label(label_H, label_A)
        if not isinstance(agents, str):
            raise ModelError(f"joint_label: a single label {parts!r} needs Agent A's label as the second argument")
        return pair_label(parts, agents)
    if isinstance(agents, str) or len(parts) != len(agents):
        raise ModelError(f"joint_label: {len(parts)} labels for the agents {list(agents)}")
    return "^".join(f"{part}_{agent}" for part, agent in zip(parts, agents))


def example_joint_label(agents: Sequence[str] = DEFAULT_AGENTS, letters: str = "uvwxyz") -> str:
    """A placeholder joint label for messages: ``'u_H^v_A'``, ``'x_H^y_A^z_B'``, ...

    Examples
    --------
    >>> example_joint_label(), example_joint_label(('H', 'A', 'B'), letters='xyz')
    ('u_H^v_A', 'x_H^y_A^z_B')
    """
    n = len(agents)
    parts = list(letters[:n]) if n <= len(letters) else [f"{letters[0]}{i}" for i in range(n)]
    return joint_label(parts, agents)


def split_joint_label(label: str, agents: Sequence[str] = DEFAULT_AGENTS) -> tuple[str, ...] | None:
    """One label per agent of a joint label, or ``None`` if ``label`` is not joint for ``agents``.

    Split from the right on the known separators: the label must end in ``'_{last agent}'``;
    then each earlier agent's part begins after the last ``'_{agent}^'`` before it. String
    methods, not a regular expression: ``^(.*)_H\\^(.*)_A$`` backtracks quadratically on long
    labels full of ``'_H^'``, and labels come from files. For two agents this is exactly the
    reference's split (at the last ``'_H^'`` before the final ``'_A'``).

    Parameters
    ----------
    label : str
    agents : sequence of str
        Default ``('H', 'A')``.

    Returns
    -------
    tuple of str or None
        One part per agent.

    Examples
    --------
    >>> split_joint_label('(0, 1)_H^(2, 2)_A^(1, 0)_B', ('H', 'A', 'B'))
    ('(0, 1)', '(2, 2)', '(1, 0)')
    >>> split_joint_label('(0, 1)_H^(2, 2)_A^(1, 0)_B') is None   # not an H, A label
    True
    """
    suffix = f"_{agents[-1]}"
    if not label.endswith(suffix):
        return None
    head = label[: len(label) - len(suffix)]
    parts: list[str] = []
    for agent in reversed(agents[:-1]):
        separator = f"_{agent}^"
        cut = head.rfind(separator)
        if cut < 0:
            return None
        parts.append(head[cut + len(separator) :])
        head = head[:cut]
    parts.append(head)
    return tuple(reversed(parts))


def infer_agents(labels: Iterable[str]) -> tuple[str, ...] | None:
    """The agents that joint labels name, read from their ``'_{agent}'`` suffixes, or ``None``.

    The first label is cut at every ``'^'``; each piece must end in ``'_{agent}'`` with a valid
    agent name, the names must differ and be at least two, and every label must then split
    with them (:func:`split_joint_label`). Labels whose parts contain ``'^'`` cannot be read
    this way: give the agents explicitly.

    Examples
    --------
    >>> infer_agents(['left_H^down_A^stay_B', 'up_H^up_A^up_B'])
    ('H', 'A', 'B')
    >>> infer_agents(['left_H^down_A', 'plain']) is None
    True
    """
    labels = iter(labels)
    first = next(labels, None)
    if first is None:
        return None
    agents = []
    for piece in first.split("^"):
        cut = piece.rfind("_")
        if cut < 0 or _AGENT_NAME.fullmatch(piece[cut + 1 :]) is None:
            return None
        agents.append(piece[cut + 1 :])
    if len(agents) < 2 or len(set(agents)) != len(agents):
        return None
    names = tuple(agents)
    for label in labels:
        if split_joint_label(label, names) is None:
            return None
    return names


def ambiguous_joint_part(
    labels_by_agent: Sequence[Iterable[str]], agents: Sequence[str] = DEFAULT_AGENTS
) -> tuple[str, str, str] | None:
    """The first ``(agent, label, separator)`` that would make joint labels split wrongly, or ``None``.

    :func:`split_joint_label` reads a joint label back as written exactly when no agent's label
    but the first agent's contains the separator ``'_{previous agent}^'`` (a label may contain
    anything else; agent names cannot contain ``'_'`` or ``'^'``, so separators cannot overlap
    the neighbouring parts). Linear in the total length of the labels.

    Parameters
    ----------
    labels_by_agent : sequence of iterables of str
        Each agent's labels, in agent order.
    agents : sequence of str

    Examples
    --------
    >>> ambiguous_joint_part([['x_H^y'], ['z']], ['H', 'A']) is None   # 'x_H^y_H^z_A' splits back fine
    True
    >>> ambiguous_joint_part([['u'], ['v'], ['w_A^x']], ['H', 'A', 'B'])
    ('B', 'w_A^x', '_A^')
    """
    for previous, agent, labels in zip(agents, agents[1:], labels_by_agent[1:]):
        separator = f"_{previous}^"
        for label in labels:
            if separator in label:
                return agent, label, separator
    return None


def ambiguous_joint_pair(
    labels_H: Iterable[str], labels_A: Iterable[str]
) -> tuple[str, str, tuple[str, ...] | None] | None:
    """The first pair ``(h, a, read_back)`` whose joint label splits into something else, or ``None``.

    E.g. Agent H's ``'x_H^y'`` with Agent A's ``'z'`` gives ``'x_H^y_H^z_A'``, which splits as
    ``('x_H^y', 'z')`` -- fine -- but Agent A's ``'y_H^z'`` would read back differently. (The
    two-agent case of :func:`ambiguous_joint_part`.)
    """
    labels_H = list(labels_H)
    found = ambiguous_joint_part([labels_H, labels_A])
    if found is None or not labels_H:
        return None
    h, a = labels_H[0], found[1]
    return h, a, split_joint_label(pair_label(h, a))


def is_joint_label(label: str, agents: Sequence[str] = DEFAULT_AGENTS) -> bool:
    """Whether ``label`` has the joint form for ``agents`` (default ``'x_H^y_A'``)."""
    return split_joint_label(label, agents) is not None


def are_gridworld_states(states: Iterable[str], agents: Sequence[str] = DEFAULT_AGENTS) -> bool:
    """Whether every label is a cell ``'(r, c)'`` or a joint state of cells (of ``agents``)."""
    for state in states:
        parts = split_joint_label(state, agents) or (state,)
        if any(cell_coordinates(part) is None for part in parts):
            return False
    return True


def index_of(labels: Sequence[str], what: str) -> dict[str, int]:
    """Map each label to its position, refusing duplicates.

    Raises
    ------
    ValueError
        If a label appears twice; ``what`` names the kind of label in the message.
    """
    positions: dict[str, int] = {}
    for position, label in enumerate(labels):
        if label in positions:
            raise ModelError(f"duplicate {what} label {label!r}")
        positions[label] = position
    return positions
