"""The reference tool's graph schema for MDPs and policies, and networkx conversion.

The reference tool stored MDPs and policies as directed graphs (``networkx.DiGraph``, saved
as Graphviz DOT files). Three kinds of node, each label wrapped in square brackets:

* a state: ``'[s]'``;
* an action available in a state: ``'[a]__[s]'``;
* a possible outcome of that action: ``'[n]__[a]__[s]'``.

An MDP has edges ``'[s]' -> '[a]__[s]'`` (no weight) and ``'[a]__[s]' -> '[n]__[a]__[s]'``
with ``weight`` = P(n | s, a). A policy has only the first two kinds of node, with edges
``'[s]' -> '[a]__[s]'`` whose ``weight`` is the probability of taking ``a`` in ``s``
(available actions the policy never takes are listed with weight 0). Joint (two-agent)
MDPs use joint labels for states (``'(0, 1)_H^(0, 0)_A'``) and actions (``'left_H^stay_A'``);
a policy on a joint MDP has joint states and the acting agent's own actions.

An older plain format has no weights at all: nodes are states, an edge ``s -> t`` means
"from ``s`` the agent can move to ``t``". It becomes an MDP whose actions are named after
the state they move to (:func:`powerplay.model.environments.successor_mdp`).

This module turns such a graph -- given as ordered nodes and edges, from a DOT file
(:mod:`powerplay.io.dot`) or a networkx graph -- into an :class:`~powerplay.model.mdp.MDP`,
:class:`~powerplay.model.mdp.JointMDP` or :class:`~powerplay.model.policy.Policy`, checking
everything on the way; and back.

Orders
------
States keep the order in which their nodes first appear. Actions keep their order of first
appearance too, except that action sets drawn from the gridworld moves use the canonical
order ``up, down, left, right, stay``. (The reference tool sorted labels as strings; compare
objects from its files as sets, or reorder with :func:`powerplay.model.editing.reorder_states`.)
When that would not give an object's own action list back (another order, or actions never
available), the writer adds it as a graph attribute ``actions`` (joint MDPs: ``actions_H``
and ``actions_A``) in node syntax, ``'[up]__[down]'``, which the reader then uses. Files
of the reference tool never need it.

What cannot be written
----------------------
The schema cannot hold every object, and the writer refuses (one line naming the label)
rather than produce a graph that reads back as something else: a label containing ``']__['``
(it would split the node name), a label that is not text, an object without states, a
single-agent MDP whose state and action labels all look joint (it would read back as a joint
MDP), a joint MDP with a state label that is not joint, and joint actions whose labels do
not split back into the same pair (Agent A's label containing ``'_H^'``).

Examples
--------
>>> from powerplay.model.gridworld import gridworld
>>> graph = to_networkx(gridworld(1, 2))
>>> sorted(graph.successors('[right]__[(0, 0)]'))
['[(0, 1)]__[right]__[(0, 0)]']
>>> from_networkx(graph).to_dict()['(0, 0)']
{'right': {'(0, 1)': 1.0}, 'stay': {'(0, 0)': 1.0}}
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import FileFormatError, ModelError
from ..model.environments import successor_mdp
from ..model.gridworld import MOVES
from ..model.labels import DEFAULT_AGENTS, is_joint_label, split_joint_label
from ..model.mdp import MDP, PROBABILITY_TOLERANCE, JointMDP
from ..model.policy import Policy, acting_action_mask
from . import safe_load
from .native import check_joint_actions

AnyObject = MDP | JointMDP | Policy

#: Separator between the bracketed parts of a node name.
SEPARATOR = "]__["


def node_name(*labels: str) -> str:
    """The node for a state, ``(action, state)`` or ``(next, action, state)``.

    Examples
    --------
    >>> node_name('(1, 0)', 'down', '(0, 0)')
    '[(1, 0)]__[down]__[(0, 0)]'
    """
    return "[" + SEPARATOR.join(labels) + "]"


def split_node(name: str) -> list[str] | None:
    """The labels inside a node name (1 to 3 of them), or ``None`` if it is not bracketed."""
    if len(name) < 2 or name[0] != "[" or name[-1] != "]":
        return None
    parts = name[1:-1].split(SEPARATOR)
    return parts if len(parts) <= 3 else None


@dataclass(frozen=True)
class Edge:
    """One edge of a graph: endpoints, its ``weight`` attribute as written, and its line."""

    source: str
    target: str
    weight: str | float | None
    line: int | None = None


@dataclass
class RawGraph:
    """A parsed graph before interpretation.

    Attributes
    ----------
    nodes : dict
        Node name -> line of first appearance (``None`` if unknown), in order of appearance.
    edges : list of Edge
    name : str
        The graph's name (DOT graph ID or networkx ``graph.graph['name']``), possibly empty.
    attributes : dict
        Other graph attributes (``agent`` is read for policies; ``actions``, ``actions_H``
        and ``actions_A`` fix action lists, see module notes).
    origin : str
        Where the graph came from, for error messages.
    node_attributes : dict
        Node name -> its attributes as written (DOT node statements), for callers that need
        them; the schema itself uses none.
    """

    nodes: dict[str, int | None]
    edges: list[Edge]
    name: str
    attributes: dict[str, str]
    origin: str
    node_attributes: dict[str, dict[str, str]] = field(default_factory=dict)


def _ordered_actions(labels: Iterable[str]) -> tuple[str, ...]:
    """Labels in order of first appearance; gridworld moves in their canonical order."""
    seen = tuple(dict.fromkeys(labels))
    if set(seen) <= set(MOVES):
        return tuple(move for move in MOVES if move in seen)
    return seen


#: Graph attributes that fix action lists (written only when the default order would not do).
ACTION_ATTRIBUTES = ("actions", "actions_H", "actions_A")


def _label_list(value: str) -> list[str] | None:
    """The labels of an ``actions`` attribute (``'[a]__[b]'``), or ``None`` if malformed."""
    if len(value) < 2 or value[0] != "[" or value[-1] != "]":
        return None
    return value[1:-1].split(SEPARATOR)


class _Reader:
    """Interprets a :class:`RawGraph` (one use)."""

    def __init__(self, raw: RawGraph):
        self.raw = raw

    def fail(self, problem: str, line: int | None = None) -> FileFormatError:
        return FileFormatError(self.raw.origin, problem, line)

    def actions(self, key: str, used: Iterable[str]) -> tuple[str, ...]:
        """The action list: the graph attribute ``key`` if given (checked), else the used labels in order."""
        used = _ordered_actions(used)
        value = self.raw.attributes.get(key)
        if value is None:
            return used
        listed = _label_list(str(value))
        if listed is None:
            raise self.fail(f"graph attribute {key}={value!r} is not a list of labels like '[up]__[down]'")
        known = set(listed)  # built once: a set per action made the check below quadratic
        if len(known) != len(listed):
            twice = next(a for a in listed if listed.count(a) > 1)
            raise self.fail(f"graph attribute {key} lists action {twice!r} twice")
        missing = [a for a in used if a not in known]
        if missing:
            raise self.fail(f"graph attribute {key} does not list action {missing[0]!r}, which the graph uses")
        return tuple(listed)

    def probability(self, edge: Edge, what: str) -> float:
        value = edge.weight
        try:
            p = float(str(value).strip().strip('"')) if not isinstance(value, (int, float)) else float(value)
        except ValueError:
            raise self.fail(f"{what}: weight {safe_load._short(value)} is not a number", edge.line) from None
        if not math.isfinite(p) or p < 0 or p > 1 + PROBABILITY_TOLERANCE:
            raise self.fail(f"{what}: probability {safe_load._shorten(str(value))} is not in [0, 1]", edge.line)
        return p

    def check_sum(self, total: float, what: str, line: int | None) -> None:
        if abs(total - 1.0) > PROBABILITY_TOLERANCE:
            raise self.fail(f"{what}: probabilities sum to {total:.12g}, not 1", line)

    # -- the plain (successor) format ------------------------------------------------

    def successor_format(self) -> MDP:
        successors: dict[str, list[str]] = {node: [] for node in self.raw.nodes}
        for edge in self.raw.edges:
            if edge.target in successors[edge.source]:
                continue
            successors[edge.source].append(edge.target)
        for state, targets in successors.items():
            if not targets:
                raise self.fail(
                    f"state {state!r} has no outgoing edge (every state needs an action)", self.raw.nodes[state]
                )
        safe_load.check_table(self.raw.origin, len(successors), len(successors))  # one action per state it can move to
        return self.build(lambda: successor_mdp(successors, name=self.raw.name))

    # -- the stochastic format --------------------------------------------------------

    def stochastic_format(self) -> AnyObject:
        raw = self.raw
        parts: dict[str, list[str]] = {}
        for name, line in raw.nodes.items():
            split = split_node(name)
            if split is None:
                raise self.fail(
                    f"node {name!r} is not of the form '[state]', '[action]__[state]' or '[next]__[action]__[state]'",
                    line,
                )
            parts[name] = split
        states = [p[0] for p in parts.values() if len(p) == 1]
        state_set = set(states)
        action_lines: dict[tuple[str, str], int | None] = {}
        for name, p in parts.items():
            if len(p) >= 2 and p[-1] not in state_set:
                raise self.fail(f"node {name!r}: state {p[-1]!r} has no node '[{p[-1]}]'", raw.nodes[name])
            if len(p) == 2:
                action_lines[(p[1], p[0])] = raw.nodes[name]

        linked: set[tuple[str, str]] = set()
        policy_weights: dict[str, dict[str, float]] = {}
        outcomes: dict[tuple[str, str], dict[str, float]] = {}
        first_line: dict[tuple[str, str], int | None] = {}
        weighted_choice = unweighted_choice = None
        for edge in raw.edges:
            src, dst = parts[edge.source], parts[edge.target]
            if len(src) == 1 and len(dst) == 2 and dst[1] == src[0]:
                state, action = src[0], dst[0]
                linked.add((state, action))
                if edge.weight is None:
                    unweighted_choice = unweighted_choice or edge
                    continue
                weighted_choice = weighted_choice or edge
                probability = self.probability(edge, f"state {state!r}, action {action!r}")
                row = policy_weights.setdefault(state, {})
                if action in row and row[action] != probability:
                    raise self.fail(f"state {state!r}, action {action!r}: two different weights", edge.line)
                row[action] = probability
                first_line.setdefault((state, action), edge.line)
            elif len(src) == 2 and len(dst) == 3 and dst[1:] == src:
                action, state, next_state = src[0], src[1], dst[0]
                what = f"state {state!r}, action {action!r}"
                if next_state not in state_set:
                    raise self.fail(f"{what}: next state {next_state!r} is not a state of the graph", edge.line)
                if edge.weight is None:
                    raise self.fail(
                        f"{what}: the edge to next state {next_state!r} has no weight (probability)", edge.line
                    )
                probability = self.probability(edge, what)
                row = outcomes.setdefault((state, action), {})
                if next_state in row and row[next_state] != probability:
                    raise self.fail(f"{what}: next state {next_state!r} given two different probabilities", edge.line)
                row[next_state] = probability
                first_line.setdefault((state, action), edge.line)
            else:
                raise self.fail(
                    f"unexpected edge {edge.source!r} -> {edge.target!r} for the MDP/policy graph schema", edge.line
                )

        is_mdp = bool(outcomes) or any(len(p) == 3 for p in parts.values())
        if is_mdp and weighted_choice is not None:
            raise self.fail(
                "the graph mixes an MDP (action -> next-state edges) with policy weights on state -> action edges",
                weighted_choice.line,
            )
        if not is_mdp and unweighted_choice is not None:
            raise self.fail(
                f"policy edge {unweighted_choice.source!r} -> {unweighted_choice.target!r} has no weight (probability)",
                unweighted_choice.line,
            )
        for (state, action), line in action_lines.items():
            if (state, action) not in linked:
                raise self.fail(f"action node '[{action}]__[{state}]' has no edge from its state '[{state}]'", line)
        if is_mdp:
            return self.mdp(states, outcomes, first_line, action_lines)
        return self.policy(states, policy_weights, first_line)

    def mdp(self, states, outcomes, first_line, action_lines) -> MDP | JointMDP:
        table: dict[str, dict[str, dict[str, float]]] = {state: {} for state in states}
        for (state, action), line in action_lines.items():
            if (state, action) not in outcomes:
                raise self.fail(f"state {state!r}, action {action!r}: the action has no next states", line)
        for (state, action), row in outcomes.items():
            self.check_sum(sum(row.values()), f"state {state!r}, action {action!r}", first_line[(state, action)])
            table[state][action] = row
        for state in states:
            if not table[state]:
                raise self.fail(f"state {state!r} has no actions", self.raw.nodes[node_name(state)])
        action_labels = [action for row in table.values() for action in row]
        joint = bool(states) and all(map(is_joint_label, states)) and all(map(is_joint_label, action_labels))
        if joint:
            pairs = [pair for pair in map(split_joint_label, action_labels) if pair is not None]  # all (joint)
            actions_H = self.actions("actions_H", (h for h, _ in pairs))
            actions_A = self.actions("actions_A", (a for _, a in pairs))
            safe_load.check_table(self.raw.origin, len(states), len(actions_H), len(actions_A))
            return self.build(
                lambda: JointMDP.from_dict(
                    table,
                    states=states,
                    actions_H=actions_H,
                    actions_A=actions_A,
                    name=self.raw.name,
                )
            )
        actions = self.actions("actions", action_labels)
        safe_load.check_table(self.raw.origin, len(states), len(actions))
        return self.build(lambda: MDP.from_dict(table, states=states, actions=actions, name=self.raw.name))

    def policy(self, states, weights, first_line) -> Policy:
        for state in states:
            row = weights.get(state)
            if not row:
                raise self.fail(f"state {state!r} has no actions", self.raw.nodes[node_name(state)])
            self.check_sum(sum(row.values()), f"state {state!r}", first_line[(state, next(iter(row)))])
        default_agent = "A" if states and all(map(is_joint_label, states)) else "H"
        agent = self.raw.attributes.get("agent", default_agent)
        if agent not in ("H", "A"):
            raise self.fail(f"graph attribute agent={agent!r} must be 'H' or 'A'")
        actions = self.actions("actions", (a for state in states for a in weights[state]))
        safe_load.check_table(self.raw.origin, len(states), len(actions))
        table = {state: weights[state] for state in states}
        return self.build(lambda: Policy.from_dict(table, actions=actions, agent=agent, name=self.raw.name))

    def build(self, make):
        try:
            return make()
        except ValueError as error:
            raise self.fail(str(error)) from None

    def read(self) -> AnyObject:
        if not self.raw.nodes:
            raise self.fail("the graph has no nodes")
        if any(edge.weight is not None for edge in self.raw.edges):
            return self.stochastic_format()
        if any(len(split_node(name) or ()) > 1 for name in self.raw.nodes):
            return self.stochastic_format()  # an MDP or policy whose weights are missing: say where
        return self.successor_format()


def object_from_graph(raw: RawGraph) -> AnyObject:
    """Interpret a parsed graph as an MDP, joint MDP or policy (see module notes).

    Parameters
    ----------
    raw : RawGraph

    Returns
    -------
    MDP, JointMDP or Policy

    Raises
    ------
    FileFormatError
        Naming ``raw.origin``, the line when known, and the state/action at fault: nodes not
        in the schema, probabilities outside [0, 1] or not summing to one, next states that
        are not states, actions without outcomes, states without actions.
    ResourceLimitError
        If the object's [states x actions] arrays would be over
        :data:`powerplay.io.safe_load.MAX_TABLE_ENTRIES`.

    Examples
    --------
    >>> raw = RawGraph({'[a]': 1, '[go]__[a]': 2, '[a]__[go]__[a]': 3},
    ...                [Edge('[a]', '[go]__[a]', None), Edge('[go]__[a]', '[a]__[go]__[a]', '1.0')], 'loop', {}, 'demo')
    >>> object_from_graph(raw).to_dict()
    {'a': {'go': {'a': 1.0}}}
    """
    return _Reader(raw).read()


def _writable(label, what: str, origin: str) -> str:
    if not isinstance(label, str):
        raise FileFormatError(origin, f"{what} {label!r} is not text, so it cannot name a graph node")
    if SEPARATOR in label:
        raise FileFormatError(
            origin, f"{what} {label!r} contains {SEPARATOR!r}, which separates the labels in a node name"
        )
    return label


def _kind(obj: AnyObject) -> str:
    return "policy" if isinstance(obj, Policy) else "joint MDP" if isinstance(obj, JointMDP) else "MDP"


def _check_two_agents(obj: AnyObject, origin: str) -> None:
    """Refuse what the reference schema cannot say: agents other than the pair H, A."""
    if isinstance(obj, JointMDP) and obj.agents != DEFAULT_AGENTS:
        raise FileFormatError(
            origin,
            f"joint MDP {obj.name!r} has the agents {', '.join(obj.agents)}, and the reference tool's graph "
            "formats hold the two agents H and A only: write it as .yaml or .json",
        )
    if isinstance(obj, Policy) and obj.agent not in DEFAULT_AGENTS:
        raise FileFormatError(
            origin,
            f"policy {obj.name!r} is agent {obj.agent}'s, and the reference tool's graph formats hold agents H "
            "and A only: write it as .yaml or .json",
        )


def graph_of_object(obj: AnyObject, mdp: MDP | JointMDP | None = None, origin: str = "graph") -> RawGraph:
    """Nodes and edges of an object in the reference schema (weights are Python floats).

    Parameters
    ----------
    obj : MDP, JointMDP or Policy
    mdp : MDP or JointMDP, optional
        For a policy: also list the MDP's available actions the policy never takes (weight
        0), as the reference tool did. Without it only actions with positive probability
        are listed.
    origin : str
        What the graph is for (a file name), for messages.

    Returns
    -------
    RawGraph
        With graph attributes ``agent`` (policies) and, when the order of appearance would
        not give the object's action lists back, ``actions`` / ``actions_H`` / ``actions_A``.

    Raises
    ------
    FileFormatError
        Naming ``origin`` and the label, if the object cannot be written in the schema so
        that it reads back the same (see module notes).
    ModelError
        If ``mdp`` does not have the policy's states.
    """
    if not isinstance(obj.name, str):
        raise FileFormatError(origin, f"the {_kind(obj)}'s name {obj.name!r} is not text")
    _check_two_agents(obj, origin)
    if not obj.states:
        raise FileFormatError(origin, f"{_kind(obj)} {obj.name!r} has no states, and a graph needs at least one node")
    for state in obj.states:
        _writable(state, "state", origin)
    nodes: dict[str, int | None] = {}
    edges: list[Edge] = []
    attributes: dict[str, str] = {}
    if isinstance(obj, Policy):
        for action in obj.actions:
            _writable(action, "action", origin)
        available = None
        if mdp is not None:
            mdp_actions, mask = acting_action_mask(mdp, obj.agent)
            position = {s: i for i, s in enumerate(mdp.states)}
        used = []
        for s, state in enumerate(obj.states):
            state_node = node_name(state)
            nodes[state_node] = None
            if mdp is not None:
                if state not in position:
                    raise ModelError(f"policy state {state!r} is not a state of MDP {mdp.name!r}")
                available = {a for a, ok in zip(mdp_actions, mask[position[state]]) if ok}
            for action, p in zip(obj.actions, obj.probabilities[s]):
                if p > 0 or (available is not None and action in available):
                    action_node = node_name(action, state)
                    nodes[action_node] = None
                    edges.append(Edge(state_node, action_node, float(p)))
                    used.append(action)
        attributes["agent"] = obj.agent
        if _ordered_actions(used) != obj.actions:
            attributes["actions"] = node_name(*obj.actions)
        return RawGraph(nodes, edges, obj.name, attributes, origin)

    for action in (obj.actions_H + obj.actions_A) if isinstance(obj, JointMDP) else obj.actions:
        _writable(action, "action", origin)
    table = obj.to_dict()
    used = [action for row in table.values() for action in row]
    if isinstance(obj, JointMDP):
        flat = [state for state in obj.states if not is_joint_label(state)]
        if flat:
            raise FileFormatError(
                origin,
                f"joint MDP state {flat[0]!r} is not a joint label 'x_H^y_A', so the graph would read back as a single-agent MDP",
            )
        check_joint_actions(obj.actions_H, obj.actions_A, origin)
        pairs = [pair for pair in map(split_joint_label, used) if pair is not None]  # all (checked above)
        if _ordered_actions(h for h, _ in pairs) != obj.actions_H:
            attributes["actions_H"] = node_name(*obj.actions_H)
        if _ordered_actions(a for _, a in pairs) != obj.actions_A:
            attributes["actions_A"] = node_name(*obj.actions_A)
    else:
        if all(map(is_joint_label, obj.states)) and all(map(is_joint_label, used)):
            raise FileFormatError(
                origin,
                f"every state and action label of the single-agent MDP {obj.name!r} looks joint ('x_H^y_A'), "
                "so the graph would read back as a joint MDP",
            )
        if _ordered_actions(used) != obj.actions:
            attributes["actions"] = node_name(*obj.actions)
    for state, by_action in table.items():
        state_node = node_name(state)
        nodes[state_node] = None
        for action, outcomes in by_action.items():
            action_node = node_name(action, state)
            nodes[action_node] = None
            edges.append(Edge(state_node, action_node, None))
            for next_state, p in outcomes.items():
                next_node = node_name(next_state, action, state)
                nodes[next_node] = None
                edges.append(Edge(action_node, next_node, float(p)))
    return RawGraph(nodes, edges, obj.name, attributes, origin)


def to_networkx(obj: AnyObject, mdp: MDP | JointMDP | None = None):
    """A ``networkx.DiGraph`` of an MDP, joint MDP or policy in the reference tool's schema.

    Edge weights are floats. The graph's ``name`` (and, for a policy, ``agent``) are graph
    attributes, and so are action lists the nodes alone would not give back (see module notes).

    Parameters
    ----------
    obj : MDP, JointMDP or Policy
    mdp : MDP or JointMDP, optional
        For a policy: list the MDP's available actions with weight 0 where the policy never
        takes them (as the reference's policy graphs do).

    Returns
    -------
    networkx.DiGraph

    Raises
    ------
    FileFormatError
        If the object cannot be put in the schema so that it reads back the same (a label
        containing ``']__['``, ...; see module notes).

    Examples
    --------
    >>> from powerplay.model.gridworld import gridworld
    >>> from powerplay.model.policy import uniform_random_policy
    >>> graph = to_networkx(uniform_random_policy(gridworld(1, 2)))
    >>> graph['[(0, 0)]']['[stay]__[(0, 0)]']['weight']
    0.5
    """
    import networkx as nx

    raw = graph_of_object(obj, mdp, origin="networkx graph")
    graph: nx.DiGraph[str] = nx.DiGraph(name=raw.name)
    graph.graph.update(raw.attributes)
    graph.add_nodes_from(raw.nodes)
    for edge in raw.edges:
        if edge.weight is None:
            graph.add_edge(edge.source, edge.target)
        else:
            graph.add_edge(edge.source, edge.target, weight=edge.weight)
    return graph


def _unquote(value):
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def from_networkx(graph, origin: str = "networkx graph") -> AnyObject:
    """An MDP, joint MDP or policy from a networkx graph in the reference schema.

    Accepts graphs built by the reference tool (``weight`` attributes as numbers or strings,
    node names with or without surrounding quotes as ``networkx.nx_pydot`` leaves them) and
    the plain state-to-state format.

    Parameters
    ----------
    graph : networkx.DiGraph
        Graph attributes read: ``name``, ``agent`` (policies) and the action lists
        ``actions``, ``actions_H``, ``actions_A`` (as written by :func:`to_networkx`, or as
        Python lists of labels).
    origin : str
        What to call the graph in messages.

    Returns
    -------
    MDP, JointMDP or Policy

    Raises
    ------
    FileFormatError
        As :func:`object_from_graph`, with ``origin`` in place of a file name; also when two
        nodes read as the same label (``1`` and ``'1'``, ``'a'`` and ``'"a"'``), which would
        merge them.
    ResourceLimitError
        If the object's [states x actions] arrays would be over
        :data:`powerplay.io.safe_load.MAX_TABLE_ENTRIES`.

    Examples
    --------
    >>> import networkx as nx
    >>> from_networkx(nx.DiGraph([('a', 'b'), ('b', 'a')])).next_states('a', 'b')
    {'b': 1.0}
    """
    nodes: dict[str, int | None] = {}
    original: dict[str, object] = {}
    for node in graph.nodes:
        name = str(_unquote(str(node)))
        if name in original:  # e.g. 1 and '1', or 'a' and '"a"': one label, two nodes of the graph
            raise FileFormatError(
                origin,
                f"nodes {safe_load._short(original[name])} and {safe_load._short(node)} both read as the label "
                f"{safe_load._short(name)} (labels are text), so they would merge into one; rename one of them",
            )
        original[name] = node
        nodes[name] = None
    edges = [
        Edge(str(_unquote(str(u))), str(_unquote(str(v))), _unquote(data.get("weight")))
        for u, v, data in graph.edges(data=True)
    ]
    attributes = {}
    for key in ("agent", *ACTION_ATTRIBUTES):
        if key in graph.graph:
            value = graph.graph[key]
            if key in ACTION_ATTRIBUTES and isinstance(value, (list, tuple)):
                value = node_name(*map(str, value))
            attributes[key] = str(_unquote(value))
    name = graph.graph.get("name")
    return object_from_graph(RawGraph(nodes, edges, "" if name is None else str(name), attributes, origin))
