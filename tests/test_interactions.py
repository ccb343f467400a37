"""Interaction rules of joint gridworlds: the registry, each rule by hand, compositions, agent order.

Every rule is checked three ways: transition tables worked out by hand on corridors and small
grids (two, three and four agents), a plain brute-force builder written from the rules' text
(a loop over joint states, joint actions and joint outcomes, no numpy, no shared code), and
symmetry (listing the agents in another order relabels the same MDP).
"""

import hashlib
import itertools
import re
from collections import Counter

import numpy as np
import pytest

from powerplay.errors import ModelError
from powerplay.model.environments import MAZE_7X7
from powerplay.model.generators import generate_mdp, generator_spec_name
from powerplay.model.gridworld import gridworld, gridworld_from_map, joint_gridworld, joint_name
from powerplay.model.interactions import (
    INTERACTION_RULES,
    Block,
    GridGeometry,
    Interaction,
    OutcomeRule,
    interaction_rule,
    interaction_spec,
    resolve_no_swap,
    resolve_push,
)
from powerplay.model.labels import cell_coordinates, joint_label, split_joint_label
from powerplay.model.mdp import MDP
from powerplay.model.mechanics import MOVES

HAB = ("H", "A", "B")
HABC = ("H", "A", "B", "C")


def _corridor(cols: int, **kwargs) -> MDP:
    return gridworld(1, cols, name="corridor", **kwargs)


def _at(*cols: int, agents=HAB) -> str:
    """The joint state of agents in corridor cells ``cols``."""
    return joint_label([f"(0, {c})" for c in cols], agents[: len(cols)])


def _do(*moves: str, agents=HAB) -> str:
    return joint_label(moves, agents[: len(moves)])


def _digest(mdp) -> str:
    h = hashlib.sha256()
    t = mdp.transitions
    for array, dtype in ((t.data, np.float64), (t.indices, np.int64), (t.indptr, np.int64)):
        h.update(np.ascontiguousarray(array, dtype=dtype).tobytes())
    h.update(np.ascontiguousarray(mdp.action_mask).tobytes())
    h.update("\n".join(mdp.states).encode())
    return h.hexdigest()[:20]


# -- the registry -------------------------------------------------------------------------------


def test_the_registry_names_every_rule_once():
    assert list(INTERACTION_RULES) == ["allow", "remove", "block", "no_swap", "push"]
    for name, rule in INTERACTION_RULES.items():
        assert rule.name == name and interaction_rule(name).rules == (rule,) and interaction_spec(name) == name
    assert {name for name, rule in INTERACTION_RULES.items() if rule.exclusive} == {"remove", "block", "push"}
    with pytest.raises(TypeError):
        INTERACTION_RULES["mine"] = Block()  # type: ignore[index]  # read-only


@pytest.mark.parametrize(
    "spec, canonical, title",
    [
        ("allow", "allow", ""),
        (["allow"], "allow", ""),
        (["push"], "push", "pushing"),
        (["no_swap", "block"], ["no_swap", "block"], "no swaps, blocking"),
        (["block", "no_swap"], ["block", "no_swap"], "blocking, no swaps"),
        (["remove", "no_swap"], ["no_swap", "remove"], "no swaps, no overlap"),  # constraints go last
        (("push", "remove"), ["push", "remove"], "pushing, no overlap"),
    ],
)
def test_specs_are_canonical(spec, canonical, title):
    interaction = interaction_rule(spec)
    assert interaction.spec == interaction_spec(spec) == canonical
    assert interaction.title == title
    assert interaction_rule(interaction) is interaction
    assert joint_name("corridor", spec) == ("joint corridor" + (f" ({title})" if title else ""))


@pytest.mark.parametrize(
    "spec, message",
    [
        ("merge", "interaction: unknown rule 'merge'; valid: allow, remove, block, no_swap, push, or a list of them"),
        (["block", "swap"], "unknown rule 'swap'"),
        ([], "interaction: an empty list; name a rule (allow for none)"),
        (["block", "block"], "interaction: rule 'block' is listed twice"),
        (["allow", "block"], "interaction: 'allow' adds nothing to a list of rules"),
        (3, "unknown rule 3"),
        ({"rule": "block"}, "unknown rule {'rule': 'block'}"),
        ([["block"]], "unknown rule ['block']"),
        (None, "unknown rule None"),
    ],
)
def test_bad_specs_are_refused_in_one_line_naming_the_field(spec, message):
    with pytest.raises(ModelError, match=re.escape(message)) as error:
        interaction_rule(spec)
    assert error.value.field == "interaction" and "\n" not in str(error.value)


def test_joint_gridworld_takes_rules_lists_and_objects_alike():
    corridor = _corridor(4)
    by_name = joint_gridworld(corridor, interaction=["no_swap", "block"])
    assert by_name.name == "joint corridor (no swaps, blocking)"
    by_object = joint_gridworld(corridor, interaction=interaction_rule(["no_swap", "block"]))
    assert _digest(by_object) == _digest(by_name)
    assert (
        joint_gridworld(corridor, overlap=["no_swap", "block"], interaction=("no_swap", "block")).name == by_name.name
    )
    with pytest.raises(ModelError, match="differ: overlap is the former name"):
        joint_gridworld(corridor, overlap="block", interaction=["no_swap", "block"])
    # Same rules in another order (constraints are written last anyway): the same MDP.
    assert _digest(joint_gridworld(corridor, interaction=["remove", "no_swap"])) == _digest(
        joint_gridworld(corridor, interaction=["no_swap", "remove"])
    )


# -- a brute-force builder, written from the rules' text ------------------------------------------


def _naive_block(cells, ends):
    ends = list(ends)
    while True:
        back = [i for i in range(len(ends)) if ends[i] != cells[i] and ends.count(ends[i]) > 1]
        if not back:
            return ends
        for i in back:
            ends[i] = cells[i]


def _naive_no_swap(cells, ends):
    n = len(cells)
    back = {
        k
        for i in range(n)
        for j in range(i + 1, n)
        if cells[i] != cells[j] and ends[i] == cells[j] and ends[j] == cells[i]
        for k in (i, j)
    }
    return [cells[i] if i in back else ends[i] for i in range(n)]


def _naive_push(cells, ends, single: MDP):
    n = len(cells)
    where = {cell_coordinates(s): s for s in single.states}
    steps = {(dr, dc): move for move, (dr, dc) in MOVES.items() if move != "stay"}
    moving = [ends[i] != cells[i] for i in range(n)]
    new = list(ends)
    pushes = {}
    for i in range(n):
        victims = [k for k in range(n) if k != i and moving[i] and not moving[k] and ends[i] == cells[k]]
        if not victims:
            continue
        k = victims[0]
        (r0, c0), (r1, c1) = cell_coordinates(cells[i]), cell_coordinates(ends[i])
        move = steps.get((r1 - r0, c1 - c0))
        rivals = any(j != i and moving[j] and ends[j] == ends[i] for j in range(n))
        p = None
        if move is not None and move in single.available_actions(cells[k]):
            dr, dc = MOVES[move]
            p = where.get((r1 + dr, c1 + dc))
        if rivals or p is None or p in ends:
            new[i] = cells[i]
        else:
            pushes[i] = (k, p)
    count = Counter(p for _, p in pushes.values())
    for i, (k, p) in pushes.items():
        if count[p] > 1:
            new[i] = cells[i]
        else:
            new[k] = p
    return _naive_block(cells, new)


def _naive_joint(single: MDP, agents, rules: list[str]) -> dict:
    """``{state: {action: {next: p}}}`` by brute force, outcome rules in list order, remove last."""
    n = len(agents)
    exclusive = any(rule in ("remove", "block", "push") for rule in rules)
    table = {}
    for cells in itertools.product(single.states, repeat=n):
        if exclusive and len(set(cells)) < n:
            continue
        actions = {}
        for moves in itertools.product(*(single.available_actions(c) for c in cells)):
            outcome: dict[str, float] = {}
            forbidden = False
            for combo in itertools.product(*(single.next_states(c, m).items() for c, m in zip(cells, moves))):
                ends = [nxt for nxt, _ in combo]
                for rule in rules:
                    if rule == "block":
                        ends = _naive_block(cells, ends)
                    elif rule == "no_swap":
                        ends = _naive_no_swap(cells, ends)
                    elif rule == "push":
                        ends = _naive_push(cells, ends, single)
                if exclusive and "remove" not in rules:
                    assert len(set(ends)) == n, (cells, moves, ends)
                forbidden |= "remove" in rules and len(set(ends)) < n
                p = 1.0
                for _, q in combo:
                    p *= q
                key = joint_label(ends, agents)
                outcome[key] = outcome.get(key, 0.0) + p
            if not forbidden:
                actions[joint_label(moves, agents)] = outcome
        table[joint_label(cells, agents)] = actions
    return table


def _assert_same_table(joint, expected):
    got = joint.to_dict()
    assert list(got) == list(expected)
    for state in expected:
        assert set(got[state]) == set(expected[state]), state
        for action in expected[state]:
            assert got[state][action] == pytest.approx(expected[state][action], rel=1e-12, abs=1e-15), (state, action)


_ROOMY = """
..#
...
"""


@pytest.mark.parametrize(
    "rules, single, agents",
    [
        (["no_swap"], "2x3", HAB),
        (["push"], "2x3", HAB),
        (["push"], "1x5", HABC),
        (["push"], "roomy noisy", ("H", "A")),
        (["push"], "2x2 noisy", HAB),
        (["no_swap", "block"], "2x3", HAB),
        (["no_swap", "block"], "2x2 noisy", HAB),
        (["block", "no_swap"], "1x5", HABC),
        (["no_swap", "push"], "2x3", HAB),
        (["push", "no_swap"], "2x3", HAB),
        (["no_swap", "remove"], "2x3", HAB),
        (["push", "remove"], "1x5", HABC),
        (["no_swap"], "2x2 noisy", HAB),
    ],
)
def test_rules_match_a_brute_force_construction(rules, single, agents):
    mdp = {
        "2x3": gridworld(2, 3),
        "1x5": _corridor(5),
        "roomy noisy": gridworld_from_map(_ROOMY, stochastic_noise_level=0.3, noise_bias={"left": 0.1}),
        "2x2 noisy": gridworld(2, 2, stochastic_noise_level=0.2),
    }[single]
    joint = joint_gridworld(mdp, agents=agents, interaction=rules)
    _assert_same_table(joint, _naive_joint(mdp, agents, interaction_rule(rules).spec if len(rules) > 1 else rules))
    if "remove" not in rules:
        mass = np.asarray(joint.transitions.sum(axis=1)).reshape(joint.action_mask.shape)
        np.testing.assert_allclose(mass[joint.action_mask], 1.0, rtol=1e-12)
        assert not mass[~joint.action_mask].any()


# -- no_swap by hand ------------------------------------------------------------------------------


def test_no_swap_on_a_corridor_by_hand():
    two = joint_gridworld(_corridor(3), interaction="no_swap")
    assert two.num_states == 9 and two.name == "joint corridor (no swaps)"  # alone, agents may share cells
    assert two.next_states(_at(0, 1), _do("right", "left")) == {_at(0, 1): 1.0}  # would pass through each other
    assert two.next_states(_at(0, 1), _do("right", "right")) == {_at(1, 2): 1.0}  # following is fine
    assert two.next_states(_at(0, 2), _do("right", "left")) == {_at(1, 1): 1.0}  # meeting in a cell is fine alone
    assert two.next_states(_at(1, 1), _do("right", "left")) == {_at(2, 0): 1.0}  # sharing a cell: no swap
    three = joint_gridworld(_corridor(3), agents=HAB, interaction="no_swap")
    # H and A would swap and stay; B still moves into cell 1 (it may share under no_swap alone).
    assert three.next_states(_at(0, 1, 2), _do("right", "left", "left")) == {_at(0, 1, 1): 1.0}


def test_a_rotation_of_four_agents_is_not_a_swap():
    square = gridworld(2, 2)
    joint = joint_gridworld(square, agents=HABC, interaction=["no_swap", "block"])
    start = joint_label(["(0, 0)", "(0, 1)", "(1, 1)", "(1, 0)"], HABC)
    turned = joint_label(["(0, 1)", "(1, 1)", "(1, 0)", "(0, 0)"], HABC)
    assert joint.next_states(start, joint_label(["right", "down", "left", "up"], HABC)) == {turned: 1.0}
    # H and A swap along the top while B and C swap along the bottom: everybody stays.
    assert joint.next_states(start, joint_label(["right", "left", "left", "right"], HABC)) == {start: 1.0}


# -- push by hand ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cols, start, moves, end",
    [
        (4, (0, 1), ("right", "stay"), (1, 2)),  # H pushes A one cell on
        (2, (0, 1), ("right", "stay"), (0, 1)),  # A is at the wall: H stays
        (4, (1, 0), ("stay", "right"), (2, 1)),  # the second agent pushes the first
        (4, (0, 1), ("right", "left"), (1, 0)),  # A leaves: they swap (push allows swaps)
        (4, (0, 1), ("right", "right"), (1, 2)),  # A leaves: H follows
        (4, (0, 2), ("right", "left"), (0, 2)),  # both move into the free cell 1: both stay
        (4, (0, 1, 2), ("right", "stay", "stay"), (0, 1, 2)),  # a row is not pushed along: cell 2 is held
        (4, (0, 1, 3), ("right", "stay", "left"), (0, 1, 2)),  # B takes cell 2: the push fails, B moves
        (4, (0, 1, 2), ("right", "stay", "right"), (1, 2, 3)),  # B leaves cell 2: the push goes through
        (5, (0, 1, 2, 3), ("right", "stay", "right", "stay"), (1, 2, 3, 4)),  # B pushes C, H pushes A where B was
        (4, (0, 1, 2, 3), ("right", "stay", "right", "stay"), (0, 1, 2, 3)),  # C is at the wall: B stays, so do A, H
        (5, (0, 1, 2, 4), ("right", "stay", "right", "left"), (0, 1, 2, 4)),  # B, C contest 3: the push of A fails
        (4, (0, 2, 1), ("right", "left", "stay"), (0, 2, 1)),  # H and A both run into B: nobody is pushed
        (5, (0, 1, 4, 3), ("right", "stay", "left", "stay"), (0, 1, 4, 3)),  # two pushes into cell 2: both fail
        (5, (0, 1, 3, 4), ("right", "stay", "stay", "left"), (0, 1, 3, 4)),  # H and C both push into cell 2: both fail
    ],
)
def test_push_on_corridors_by_hand(cols, start, moves, end):
    agents = HABC[: len(start)]
    joint = joint_gridworld(_corridor(cols), agents=agents, interaction="push")
    assert joint.next_states(_at(*start, agents=agents), _do(*moves, agents=agents)) == {_at(*end, agents=agents): 1.0}


def test_push_in_two_dimensions_and_against_walls():
    grid = gridworld_from_map("""
        ...
        .#.
        ...
    """)
    joint = joint_gridworld(grid, interaction="push")
    assert joint.next_states("(2, 0)_H^(1, 0)_A", "up_H^stay_A") == {"(1, 0)_H^(0, 0)_A": 1.0}
    assert joint.next_states("(0, 0)_H^(0, 1)_A", "right_H^stay_A") == {"(0, 1)_H^(0, 2)_A": 1.0}
    assert joint.next_states("(0, 2)_H^(1, 2)_A", "down_H^stay_A") == {"(1, 2)_H^(2, 2)_A": 1.0}
    assert joint.next_states("(1, 0)_H^(0, 0)_A", "up_H^stay_A") == {"(1, 0)_H^(0, 0)_A": 1.0}  # off the map
    walled = joint_gridworld(gridworld_from_map("..#"), interaction="push")
    assert walled.next_states("(0, 0)_H^(0, 1)_A", "right_H^stay_A") == {"(0, 0)_H^(0, 1)_A": 1.0}  # into the wall


def test_push_with_noise_by_hand():
    """A 1x3 corridor with noise 0.3. H in cell 0 moves right: right 0.85, stay 0.15 (two moves
    there). A in cell 1 stays: stay 0.8, left 0.1, right 0.1 (three moves)."""
    joint = joint_gridworld(_corridor(3, stochastic_noise_level=0.3), interaction="push")
    pair = ("H", "A")
    got = joint.next_states(_at(0, 1, agents=pair), _do("right", "stay", agents=pair))
    expected = {
        # H right, A stays: A is pushed to 2. H right, A right: H follows.
        _at(1, 2, agents=pair): 0.85 * 0.8 + 0.85 * 0.1,
        _at(1, 0, agents=pair): 0.85 * 0.1,  # H right, A left: they swap
        # H stays, A stays; H stays, A left into H's cell: A would push H off the corridor, so A stays.
        _at(0, 1, agents=pair): 0.15 * 0.8 + 0.15 * 0.1,
        _at(0, 2, agents=pair): 0.15 * 0.1,  # H stays, A right
    }
    assert got == pytest.approx(expected, rel=1e-12)
    assert sum(got.values()) == pytest.approx(1.0, rel=1e-12)


def test_push_respects_one_way_doors_and_does_not_teleport():
    door_right = joint_gridworld(gridworld_from_map("..>."), interaction="push")
    assert door_right.next_states(_at(0, 1, agents=("H", "A")), _do("right", "stay", agents=("H", "A"))) == {
        _at(1, 2, agents=("H", "A")): 1.0
    }
    door_left = joint_gridworld(gridworld_from_map("..<."), interaction="push")
    assert door_left.next_states(_at(0, 1, agents=("H", "A")), _do("right", "stay", agents=("H", "A"))) == {
        _at(0, 1, agents=("H", "A")): 1.0
    }
    # Cells 2 and 5 are teleporter pads: an agent pushed onto pad 2 stays on it.
    pads = joint_gridworld(gridworld_from_map("..1#.1"), interaction="push")
    assert pads.next_states(_at(0, 1, agents=("H", "A")), _do("right", "stay", agents=("H", "A"))) == {
        _at(1, 2, agents=("H", "A")): 1.0
    }
    # A move that teleports (from 4 into pad 5, out at pad 2) has no direction: it pushes nobody.
    assert pads.next_states(_at(4, 2, agents=("H", "A")), _do("right", "stay", agents=("H", "A"))) == {
        _at(4, 2, agents=("H", "A")): 1.0
    }
    assert pads.next_states(_at(4, 0, agents=("H", "A")), _do("right", "stay", agents=("H", "A"))) == {
        _at(2, 0, agents=("H", "A")): 1.0
    }


def test_push_needs_a_gridworld():
    abstract = MDP.from_dict({"a": {"go": {"b": 1.0}, "stay": {"a": 1.0}}, "b": {"stay": {"b": 1.0}}}, name="two")
    with pytest.raises(ModelError, match=r"interaction 'push' needs a gridworld, and state 'a' of MDP 'two'") as error:
        joint_gridworld(abstract, interaction="push")
    assert "\n" not in str(error.value) and error.value.field == "interaction"
    renamed = MDP.from_dict({"(0, 0)": {"east": {"(0, 1)": 1.0}}, "(0, 1)": {"east": {"(0, 1)": 1.0}}}, name="odd")
    with pytest.raises(ModelError, match=r"interaction 'push' needs a gridworld, and MDP 'odd' has no action 'up'"):
        joint_gridworld(renamed, interaction=["no_swap", "push"])
    joint_gridworld(abstract, interaction=["no_swap", "block"])  # the other rules need no geometry


def test_resolve_push_and_no_swap_on_arrays():
    grid = GridGeometry.of(_corridor(5))
    np.testing.assert_array_equal(grid.neighbour[0], [-1, -1, -1, 1])  # up, down, left, right
    # Rows are agents H, A, B; columns three cases on a 1x5 corridor.
    origin = np.array([[0, 0, 1], [1, 1, 0], [3, 2, 4]])
    target = np.array([[1, 1, 2], [1, 2, 0], [2, 2, 3]])
    # Case 0: H runs into A, which stays, but B moves into cell 2, so the push fails: H stays, B moves.
    # Case 1: H follows A, which runs into B, which stays: A pushes B on to 3.
    # Case 2: nobody meets: H 1 -> 2, B 4 -> 3.
    np.testing.assert_array_equal(resolve_push(origin, target, grid), [[0, 1, 2], [1, 2, 0], [2, 3, 3]])
    np.testing.assert_array_equal(resolve_no_swap(np.array([[0], [1]]), np.array([[1], [0]])), [[0], [1]])


# -- compositions ---------------------------------------------------------------------------------


def test_no_swap_then_block_against_block_by_hand():
    corridor = _corridor(4)
    block = joint_gridworld(corridor, agents=HAB, interaction="block")
    both = joint_gridworld(corridor, agents=HAB, interaction=["no_swap", "block"])
    start, swap_and_step = _at(0, 1, 3), _do("right", "left", "left")
    assert block.next_states(start, swap_and_step) == {_at(1, 0, 2): 1.0}
    assert both.next_states(start, swap_and_step) == {_at(0, 1, 2): 1.0}  # the swap is undone, B still moves
    # A swap undone first holds its cells against a third agent: B cannot move into A's cell 1.
    assert both.next_states(_at(0, 1, 2), _do("right", "left", "left")) == {_at(0, 1, 2): 1.0}


def test_the_order_of_outcome_rules_matters_for_push():
    """[no_swap, push]: a swap undone first leaves agents that stay, which can then be pushed;
    [push, no_swap]: push sees two movers, blocks the third agent, and the swap is undone after."""
    grid = gridworld(3, 2)
    start = joint_label(["(1, 0)", "(1, 1)", "(2, 1)"], HAB)
    action = joint_label(["right", "left", "up"], HAB)
    first = joint_gridworld(grid, agents=HAB, interaction=["no_swap", "push"])
    assert first.next_states(start, action) == {joint_label(["(1, 0)", "(0, 1)", "(1, 1)"], HAB): 1.0}
    second = joint_gridworld(grid, agents=HAB, interaction=["push", "no_swap"])
    assert second.next_states(start, action) == {start: 1.0}


def test_no_swap_and_block_commute_on_the_maze():
    """A swap that survives blocking has no third agent in its cells, so undoing it before or after
    blocking gives the same: the two orders build the same MDP (three agents, the 7x7 maze)."""
    maze = gridworld_from_map(MAZE_7X7)
    assert _digest(joint_gridworld(maze, agents=HAB, interaction=["no_swap", "block"])) == _digest(
        joint_gridworld(maze, agents=HAB, interaction=["block", "no_swap"])
    )


def test_remove_after_outcome_rules():
    corridor = _corridor(3)
    remove = joint_gridworld(corridor, interaction="remove")
    no_swap_remove = joint_gridworld(corridor, interaction=["no_swap", "remove"])
    assert remove.next_states(_at(0, 1, agents=("H", "A")), _do("right", "left", agents=("H", "A"))) == {
        _at(1, 0, agents=("H", "A")): 1.0
    }
    assert no_swap_remove.next_states(_at(0, 1, agents=("H", "A")), _do("right", "left", agents=("H", "A"))) == {
        _at(0, 1, agents=("H", "A")): 1.0
    }
    assert "right_H^stay_A" not in no_swap_remove.available_actions(_at(0, 1, agents=("H", "A")))
    trio = joint_gridworld(corridor, agents=HAB, interaction=["no_swap", "remove"])
    start = _at(0, 1, 2)
    assert len(trio.available_actions(start)) == 3  # stay, and the two swaps (which now stay too)
    assert all(trio.next_states(start, a) == {start: 1.0} for a in trio.available_actions(start))
    # push and block never end two agents in one cell, so remove after them deletes nothing more.
    for rule in ("push", "block"):
        alone = joint_gridworld(corridor, agents=HAB, interaction=rule)
        assert _digest(joint_gridworld(corridor, agents=HAB, interaction=[rule, "remove"])) == _digest(alone)


def test_a_later_rule_that_lets_agents_share_a_cell_is_refused():
    class Gather(OutcomeRule):  # not registered: a stand-in for a badly written new rule
        name, title, exclusive = "gather", "gathering", False
        summary = "everybody goes where the first agent goes"

        def resolve(self, origin, target, grid):
            return np.broadcast_to(target[:1], target.shape).copy()

    with pytest.raises(ModelError, match=r"interaction \['block', 'gather'\] puts two agents in one cell") as error:
        joint_gridworld(_corridor(3), interaction=Interaction((Block(), Gather())))
    assert "\n" not in str(error.value)
    assert re.search(r"state '\(0, \d\)_H\^\(0, \d\)_A', joint action '\w+_H\^\w+_A'", str(error.value))


def test_exclusive_rules_need_a_cell_per_agent():
    with pytest.raises(ModelError, match="has 2 states for 3 agents, so no joint state would be left"):
        joint_gridworld(_corridor(2), agents=HAB, interaction="push")
    assert joint_gridworld(_corridor(2), agents=HAB, interaction="no_swap").num_states == 8


# -- order of the agents ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rules, noise",
    [
        ("allow", 0.3),
        ("remove", 0.0),
        ("block", 0.0),
        ("block", 0.3),
        ("push", 0.0),
        ("push", 0.3),
        ("no_swap", 0.3),
        (["no_swap", "block"], 0.0),
        (["no_swap", "push"], 0.2),
    ],
)
@pytest.mark.parametrize("order", [(1, 2, 0), (2, 0, 1), (0, 2, 1)])
def test_reordering_the_agents_reorders_the_joint_gridworld(rules, noise, order):
    """The rules treat all agents alike: listing them in another order relabels the same MDP."""
    single = gridworld(2, 3, squares_to_delete=[["(1, 2)", "(1, 2)"]], stochastic_noise_level=noise)
    first = joint_gridworld(single, agents=HAB, interaction=rules)
    agents = tuple(HAB[i] for i in order)
    second = joint_gridworld(single, agents=agents, interaction=rules)
    assert first.num_states == second.num_states

    def relabel(label: str) -> str:
        parts = dict(zip(HAB, split_joint_label(label, HAB)))
        return joint_label([parts[agent] for agent in agents], agents)

    table = second.to_dict()
    for state, by_action in first.to_dict().items():
        assert set(table[relabel(state)]) == {relabel(action) for action in by_action}, state
        for action, outcomes in by_action.items():
            got = table[relabel(state)][relabel(action)]
            assert got.keys() == {relabel(n) for n in outcomes}
            for nxt, p in outcomes.items():
                assert got[relabel(nxt)] == pytest.approx(p, rel=1e-12)


# -- generator specs ----------------------------------------------------------------------------------


def test_generator_specs_take_rules_and_lists():
    spec = {"generator": "maze", "rows": 2, "cols": 2, "seed": 0, "joint": ["remove", "no_swap"], "agents": HAB}
    joint = generate_mdp(spec)
    assert joint.name == generator_spec_name(spec) == "joint maze 2x2 seed 0, agents H A B (no swaps, no overlap)"
    single = generate_mdp({**spec, "joint": None, "agents": None})
    assert _digest(joint_gridworld(single, agents=HAB, interaction=["no_swap", "remove"])) == _digest(joint)
    with pytest.raises(ModelError, match=r"joint: rule 'push' is listed twice") as error:
        generate_mdp({**spec, "joint": ["push", "push"]})
    assert error.value.field == "joint"


# -- the published rules, bit for bit as before the registry --------------------------------------

#: Recorded from main (commit f867c7c) before the rules became objects, with test_agents_model's digest.
_THREE_AND_FOUR_AGENTS = {
    ("maze", "allow"): "57b9ed1620adc00d3d33",
    ("maze", "remove"): "7f8d68d9eac6208bc832",
    ("maze", "block"): "90307d07b98a6dc50d08",
    ("noisy", "allow"): "60ea6130f21d6ebf3633",
    ("noisy", "block"): "f742e73451f9774396ce",
    ("corridor4", "remove"): "bfc405d4d83cff7e209e",
    ("corridor4", "block"): "152b22d39f921295402a",
}


@pytest.mark.parametrize("single, rule", sorted(_THREE_AND_FOUR_AGENTS))
def test_three_and_four_agent_joint_gridworlds_are_bit_identical_to_before(single, rule):
    from test_agents_model import _digest as pinned_digest

    mdp, agents = {
        "maze": (gridworld_from_map(MAZE_7X7, name="7x7 gridworld maze"), HAB),
        "noisy": (gridworld(2, 3, stochastic_noise_level=0.2, noise_bias={"up": 0.05}, name="noisy 2x3"), HAB),
        "corridor4": (gridworld(1, 5, name="c"), HABC),
    }[single]
    assert pinned_digest(joint_gridworld(mdp, agents=agents, interaction=rule)) == _THREE_AND_FOUR_AGENTS[single, rule]
    assert (
        pinned_digest(joint_gridworld(mdp, agents=agents, interaction=[rule])) == _THREE_AND_FOUR_AGENTS[single, rule]
    )


def test_a_generated_three_agent_joint_gridworld_is_bit_identical_to_before():
    from test_agents_model import _digest as pinned_digest

    spec = {"generator": "rooms", "rows": 1, "cols": 2, "room_size": 2, "seed": 0, "joint": "block", "agents": HAB}
    assert pinned_digest(generate_mdp(spec)) == "432676d67df8768b76b1"
