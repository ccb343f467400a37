"""Map mechanics: one-way doors, teleporters and wind, by hand, against a plain cell-by-cell
builder, in joint gridworlds with every interaction rule, and what they do to POWER."""

import itertools
import re

import naive
import numpy as np
import pytest

import powerplay as pp
from powerplay.errors import ModelError
from powerplay.model.environments import MAZE_7X7
from powerplay.model.generators import generate_mdp, generator_map, generator_spec_name, normalize_generator_spec
from powerplay.model.gridworld import (
    _parse_map,
    gridworld,
    gridworld_from_cells,
    gridworld_from_map,
    joint_gridworld,
)
from powerplay.model.labels import joint_label
from powerplay.model.mechanics import Mechanics, Wind, parse_map, render_map
from powerplay.solvers.power import SingleAgentProblem


def _identical(a, b):
    assert a.states == b.states and a.actions == b.actions
    np.testing.assert_array_equal(a.action_mask, b.action_mask)
    for name in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(a.transitions, name), getattr(b.transitions, name), err_msg=name)


# -- the map syntax -------------------------------------------------------------------------------


def test_parsing_doors_and_teleporters():
    cells, mechanics = parse_map("""
        A.>.#
        v.<^A
        ...#1
        1....
    """)
    assert cells.sum() == 18 and not cells[0, 4] and not cells[2, 3]
    assert mechanics.one_way == (((0, 2), "right"), ((1, 0), "down"), ((1, 2), "left"), ((1, 3), "up"))
    assert mechanics.teleporters == (((0, 0), (1, 4)), ((2, 4), (3, 0)))
    assert render_map(cells, mechanics) == "0.>.#\nv.<^0\n...#1\n1...."  # pads renumbered in order
    again_cells, again = parse_map(render_map(cells, mechanics))
    np.testing.assert_array_equal(again_cells, cells)
    assert again == mechanics
    np.testing.assert_array_equal(_parse_map("A.>.#\nv.<^A\n...#1\n1...."), cells)


@pytest.mark.parametrize(
    "text, message",
    [
        ("..x", "line 1, column 3: 'x' is not '.' (open) or '#' (wall), a one-way door (> < ^ v) or a teleporter"),
        ("1..\n..#", "line 1, column 1: teleporter '1' appears 1 time; each pad mark pairs exactly two cells"),
        ("7.7\n.7.", "line 2, column 2: teleporter '7' appears 3 times"),
        ("a.a", "'a' is not '.'"),
    ],
)
def test_map_errors_name_the_line_and_column(text, message):
    with pytest.raises(ModelError, match=re.escape(message)) as error:
        gridworld_from_map(text)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    "make, field, message",
    [
        (lambda: Wind("north", 0.1, column=0), "wind.direction", "wind.direction must be one of up, down"),
        (lambda: Wind("up", 1.5, column=0), "wind.probability", "in [0, 1], not 1.5"),
        (lambda: Wind("up", 0.5), "wind", "give exactly one of them"),
        (lambda: Wind("up", 0.5, column=1, row=1), "wind", "give exactly one of them"),
        (lambda: Wind("up", 0.5, column=-1), "wind.column", "wind.column must be an integer >= 0"),
        (lambda: Wind.from_spec({"column": 1, "direction": "up"}), "wind.probability", "wind.probability: missing"),
        (lambda: Wind.from_spec({"col": 1, "direction": "up", "probability": 0.1}), "wind.col", "unknown key"),
        (lambda: Wind.from_spec("up"), "wind", "a wind is a mapping"),
        (lambda: gridworld(2, 3, wind={"column": 3, "direction": "up", "probability": 0.1}), "wind.column", "outside"),
        (
            lambda: gridworld(
                2,
                3,
                wind=[
                    {"column": 1, "direction": "up", "probability": 0.1},
                    {"row": 0, "direction": "left", "probability": 0.1},
                ],
            ),
            "wind",
            "cell (0, 1) is in two winds",
        ),
        (
            lambda: gridworld_from_cells(
                np.array([[True, False]]), mechanics=Mechanics.create(one_way={(0, 1): "left"})
            ),
            "one_way",
            "cell (0, 1) is not an open cell",
        ),
        (lambda: Mechanics.create(teleporters=[((0, 0), (0, 0))]), "teleporters", "already a door or a pad"),
        (lambda: Mechanics.create(one_way={(0, 0): "sideways"}), "one_way", "must be one of up, down, left, right"),
    ],
)
def test_bad_mechanics_are_refused_in_one_line_naming_the_field(make, field, message):
    with pytest.raises(ModelError, match=re.escape(message)) as error:
        make()
    assert error.value.field == field and "\n" not in str(error.value)


# -- by hand ----------------------------------------------------------------------------------------


def test_a_one_way_door_by_hand():
    trap = gridworld_from_map(".>.")
    assert trap.to_dict() == {
        "(0, 0)": {"right": {"(0, 1)": 1.0}, "stay": {"(0, 0)": 1.0}},
        "(0, 1)": {"left": {"(0, 0)": 1.0}, "right": {"(0, 2)": 1.0}, "stay": {"(0, 1)": 1.0}},
        "(0, 2)": {"stay": {"(0, 2)": 1.0}},  # entering the door moving left is not a move
    }
    # Noise is spread over the available moves only, so it never carries an agent through the wrong way.
    noisy = gridworld_from_map(".>.", stochastic_noise_level=0.3)
    assert noisy.next_states("(0, 1)", "left") == pytest.approx({"(0, 0)": 0.8, "(0, 1)": 0.1, "(0, 2)": 0.1})
    assert noisy.next_states("(0, 0)", "stay") == pytest.approx({"(0, 0)": 0.85, "(0, 1)": 0.15})
    assert noisy.next_states("(0, 2)", "stay") == {"(0, 2)": 1.0}
    down = gridworld_from_map("""
        .
        v
        .
    """)
    assert down.available_actions("(2, 0)") == ["stay"] and down.available_actions("(0, 0)") == ["down", "stay"]


def test_teleporters_by_hand():
    portal = gridworld_from_map("1.#.1")
    assert portal.next_states("(0, 1)", "left") == {"(0, 4)": 1.0}  # into pad (0, 0), out at (0, 4)
    assert portal.next_states("(0, 3)", "right") == {"(0, 0)": 1.0}
    assert portal.next_states("(0, 0)", "stay") == {"(0, 0)": 1.0}  # staying on a pad does nothing
    assert portal.next_states("(0, 0)", "right") == {"(0, 1)": 1.0}  # leaving a pad is a plain move
    # Two outcomes can land on one cell: from pad (0, 1) a move left enters pad (0, 0), whose
    # partner is (0, 1) itself. Noise 0.3 over left/right/stay: left 0.8 + stay 0.1 stay put.
    twins = gridworld_from_map("11.", stochastic_noise_level=0.3)
    assert twins.next_states("(0, 1)", "left") == pytest.approx({"(0, 1)": 0.9, "(0, 2)": 0.1}, rel=1e-12)
    assert twins.next_states("(0, 0)", "right") == pytest.approx({"(0, 0)": 1.0}, rel=1e-12)
    swapped = gridworld_from_map(
        """
        .1
        1.
    """,
        stochastic_noise_level=0.3,
    )
    # From (0, 0): right enters pad (0, 1) and lands on (1, 0); down enters pad (1, 0) and lands on (0, 1).
    assert swapped.next_states("(0, 0)", "right") == pytest.approx({"(1, 0)": 0.8, "(0, 1)": 0.1, "(0, 0)": 0.1})


def test_wind_by_hand():
    windy = gridworld(3, 3, wind={"column": 1, "direction": "up", "probability": 0.25})
    assert windy.next_states("(2, 0)", "right") == {"(1, 1)": 0.25, "(2, 1)": 0.75}  # blown on arrival
    assert windy.next_states("(1, 1)", "stay") == {"(0, 1)": 0.25, "(1, 1)": 0.75}  # staying is no shelter
    assert windy.next_states("(1, 1)", "left") == {"(1, 0)": 1.0}  # leaving the column is
    assert windy.next_states("(0, 1)", "stay") == {"(0, 1)": 1.0}  # the edge stops the wind
    # With noise 0.2 in the middle cell (five moves, 0.04 each) and wind 0.5:
    noisy = gridworld(3, 3, stochastic_noise_level=0.2, wind={"column": 1, "direction": "up", "probability": 0.5})
    assert noisy.next_states("(1, 1)", "left") == pytest.approx(
        {
            "(1, 0)": 0.84,  # left as meant (0.8 + 0.04): out of the wind
            "(0, 1)": 0.04 + 0.02,  # up (the edge holds it), and stay blown up
            "(2, 1)": 0.02,  # down, not blown
            "(1, 1)": 0.02 + 0.02,  # down then blown back up, stay not blown
            "(1, 2)": 0.04,  # right
        },
        rel=1e-12,
    )
    # A door facing the wind stops it; the wind does not teleport.
    stopped = gridworld_from_map(
        """
        v1
        .#
        .1
    """,
        wind={"column": 0, "direction": "up", "probability": 0.5},
    )
    assert stopped.next_states("(1, 0)", "stay") == {"(1, 0)": 1.0}
    assert stopped.next_states("(2, 0)", "stay") == {"(1, 0)": 0.5, "(2, 0)": 0.5}
    row = gridworld_from_map("..1\n.#.\n..1", wind={"row": 2, "direction": "right", "probability": 1.0})
    assert row.next_states("(2, 0)", "stay") == {"(2, 1)": 1.0}  # blown onto the pad, not through it
    assert row.next_states("(1, 2)", "down") == {"(0, 2)": 1.0}  # entering pad (2, 2) lands on (0, 2)


# -- against a plain builder ------------------------------------------------------------------------


def _random_map(rng: np.random.Generator, rows: int, cols: int) -> str:
    chars = rng.choice(list(".......#><^v"), size=(rows, cols))
    free = [tuple(x) for x in np.argwhere(chars == ".")]
    for mark, k in zip("1A", range(0, len(free) - 1, 2)):
        if rng.random() < 0.8:
            for r, c in (free[k], free[k + 1]):
                chars[r, c] = mark
    chars[0, 0] = "." if chars[0, 0] == "#" else chars[0, 0]
    return "\n".join("".join(line) for line in chars)


@pytest.mark.parametrize("seed", range(24))
def test_mechanics_match_a_cell_by_cell_builder(seed):
    rng = np.random.default_rng(seed)
    text = _random_map(rng, int(rng.integers(1, 5)), int(rng.integers(2, 6)))
    level = float(rng.choice([0.0, 0.0, 0.3, 0.6]))
    bias = {"left": level / 3} if level and rng.random() < 0.5 else {}
    rows, cols = len(text.splitlines()), len(text.splitlines()[0])
    direction = str(rng.choice(["up", "down", "left", "right"]))
    probability = float(rng.choice([0.1, 0.5, 1.0]))
    winds = [
        [],
        [{"column": int(rng.integers(cols)), "direction": direction, "probability": probability}],
        [{"row": int(rng.integers(rows)), "direction": direction, "probability": probability}],
        [{"row": 0, "direction": "left", "probability": 0.3}, {"row": rows - 1, "direction": "up", "probability": 0.6}],
    ][int(rng.integers(4)) if rows > 1 else int(rng.integers(3))]
    got = gridworld_from_map(text, level, bias, wind=winds or None)
    expected = naive.gridworld_with_mechanics(text, level, bias, winds)
    assert got.states == expected.states and got.actions == expected.actions, text
    np.testing.assert_array_equal(got.action_mask, expected.action_mask)
    np.testing.assert_allclose(got.transitions.toarray(), expected.transitions.toarray(), rtol=0, atol=1e-15)
    np.testing.assert_allclose(got.transitions.sum(axis=1)[got.action_mask.ravel()], 1.0, rtol=1e-12)


@pytest.mark.parametrize("level, bias", [(0.0, {}), (0.4, {}), (0.3, {"right": 0.3})])
def test_the_mechanics_builder_without_effect_is_the_plain_builder_bit_for_bit(level, bias):
    """A calm wind (probability 0) sends a plain map through the mechanics builder: same arrays."""
    cells = _parse_map(MAZE_7X7)
    calm = Mechanics.create(wind={"column": 3, "direction": "up", "probability": 0.0})
    _identical(gridworld_from_cells(cells, level, bias, mechanics=calm), gridworld_from_cells(cells, level, bias))
    _identical(gridworld_from_cells(cells, level, bias, mechanics=calm), naive.gridworld_from_cells(cells, level, bias))


# -- joint gridworlds with mechanics ----------------------------------------------------------------


def _naive_joint_outcomes(single, cells, moves):
    """``{ends: p}`` of independent moves (before any rule)."""
    out = {}
    for combo in itertools.product(*(single.next_states(c, m).items() for c, m in zip(cells, moves))):
        p = 1.0
        for _, q in combo:
            p *= q
        ends = tuple(n for n, _ in combo)
        out[ends] = out.get(ends, 0.0) + p
    return out


@pytest.mark.parametrize(
    "rule", ["allow", "remove", "block", "no_swap", "push", ["no_swap", "block"], ["no_swap", "push"]]
)
def test_joint_gridworlds_with_mechanics_for_every_rule(rule):
    single = gridworld_from_map(
        """
        1.>.
        .#.1
    """,
        wind={"column": 3, "direction": "up", "probability": 0.3},
    )
    joint = joint_gridworld(single, agents=("H", "A", "B"), interaction=rule)
    exclusive = rule not in ("allow", "no_swap")
    assert joint.num_states == (7 * 6 * 5 if exclusive else 7**3)
    mass = np.asarray(joint.transitions.sum(axis=1)).reshape(joint.action_mask.shape)
    np.testing.assert_allclose(mass[joint.action_mask], 1.0, rtol=1e-12)  # the map is deterministic but for wind
    if rule == "allow":  # the product of the single-agent outcomes, teleports and wind included
        for state in ("(0, 1)_H^(1, 3)_A^(0, 3)_B", "(1, 0)_H^(0, 2)_A^(1, 2)_B"):
            cells = state.replace("_H", "").replace("_A", "").replace("_B", "").split("^")
            for action in joint.available_actions(state)[::7]:
                moves = [part.rsplit("_", 1)[0] for part in action.split("^")]
                expected = {
                    joint_label(ends, ("H", "A", "B")): p
                    for ends, p in _naive_joint_outcomes(single, cells, moves).items()
                }
                assert joint.next_states(state, action) == pytest.approx(expected, rel=1e-12)


def test_wind_in_a_joint_gridworld_by_hand():
    """Each agent is blown on its own: two agents in the windy column, both staying."""
    single = gridworld(2, 2, wind={"column": 1, "direction": "up", "probability": 0.4})
    joint = joint_gridworld(single, interaction="allow")
    assert joint.next_states("(1, 1)_H^(1, 1)_A", "stay_H^stay_A") == pytest.approx(
        {
            "(0, 1)_H^(0, 1)_A": 0.4 * 0.4,
            "(0, 1)_H^(1, 1)_A": 0.4 * 0.6,
            "(1, 1)_H^(0, 1)_A": 0.6 * 0.4,
            "(1, 1)_H^(1, 1)_A": 0.6 * 0.6,
        },
        rel=1e-12,
    )
    blocking = joint_gridworld(single, interaction="block")
    # A stays in (0, 1); H in (1, 1) stays but is blown up into A's cell 40 % of the time: blocked.
    assert blocking.next_states("(1, 1)_H^(0, 1)_A", "stay_H^stay_A") == {"(1, 1)_H^(0, 1)_A": 1.0}
    pushing = joint_gridworld(single, interaction="push")
    # H moves right into the windy column, where A stays; each is blown up with probability 0.4.
    got = pushing.next_states("(1, 0)_H^(1, 1)_A", "right_H^stay_A")
    assert got == pytest.approx(
        {
            "(1, 1)_H^(0, 1)_A": 0.6 * 0.4,  # A blown up: H follows into (1, 1)
            "(0, 1)_H^(1, 1)_A": 0.4 * 0.6,  # H blown on to (0, 1) (a diagonal step), A stays
            # Both blown into (0, 1): contested, both stay; neither blown: H runs into A, which
            # stays, and cannot push it off the grid.
            "(1, 0)_H^(1, 1)_A": 0.4 * 0.4 + 0.6 * 0.6,
        },
        rel=1e-12,
    )


# -- generator specs --------------------------------------------------------------------------------


def test_generator_specs_with_mechanics():
    base = {"generator": "maze", "rows": 3, "cols": 3, "seed": 5}
    spec = {**base, "one_way": 2, "teleporters": 1, "wind": {"column": 2, "direction": "down", "probability": 0.2}}
    text = generator_map(spec)
    plain = pp.maze_map(3, 3, seed=5)
    assert len(text) == len(plain)
    differ = [(a, b) for a, b in zip(text, plain) if a != b]
    assert len(differ) == 4 and sorted(a for a, _ in differ) == sorted(["0", "0"] + [c for c in text if c in "<>^v"])
    assert all(b == "." for _, b in differ)  # mechanics go on open squares; the map is unchanged
    mdp = generate_mdp(spec)
    expected = gridworld_from_map(text, wind=spec["wind"])
    assert mdp.to_dict() == expected.to_dict()
    assert (
        mdp.name
        == generator_spec_name(spec)
        == ("maze 3x3 seed 5, 2 one-way doors, 1 teleporter pair, wind down 0.2 in column 2")
    )
    assert normalize_generator_spec(spec)["wind"] == [{"column": 2, "direction": "down", "probability": 0.2}]
    assert "wind" not in normalize_generator_spec(base) and "one_way" not in normalize_generator_spec(base)
    joint = generate_mdp({**spec, "joint": "push"})
    assert joint.name.endswith("column 2 (pushing)") and joint.num_states == 17 * 16
    rooms = generator_map({"generator": "rooms", "rows": 2, "cols": 2, "seed": 0, "one_way": 4, "teleporters": 2})
    assert sum(rooms.count(c) for c in "<>^v") == 4  # every door between rooms made one-way
    assert rooms.count("0") == rooms.count("1") == 2


@pytest.mark.parametrize(
    "extra, field, message",
    [
        ({"one_way": 99}, "one_way", "one_way=99 but the map has only 8 passages"),
        ({"teleporters": 99}, "teleporters", "teleporters=99 needs 198 cells, but the map has only 9"),
        ({"one_way": -1}, "one_way", "one_way must be an integer >= 0"),
        ({"wind": {"column": 9, "direction": "up", "probability": 0.1}}, "wind.column", "outside the 5x5 map"),
        ({"wind": {"column": 1, "direction": "up"}}, "wind.probability", "missing"),
    ],
)
def test_bad_mechanics_in_specs_name_the_key(extra, field, message):
    with pytest.raises(ModelError, match=re.escape(message)) as error:
        generate_mdp({"generator": "maze", "rows": 3, "cols": 3, "seed": 5, **extra})
    assert error.value.field == field


# -- POWER -------------------------------------------------------------------------------------------


def _front_power(gamma: float) -> float:
    """E max(X, Y, (1 - g) Y + g Z) for X, Y, Z independent uniform on [0, 1].

    In the corridor ``.>.`` (cells a, d, b; d a door entered moving right, so b is a dead end)
    an agent in a with rewards (X, Y, Z) may stay (X forever), step into d and stay (Y), or
    step into d and on into b (Y once, then Z forever): POWER = (1 - g) / g (V - R) =
    max(X, Y, (1 - g) Y + g Z) per sample. W = max(Y, (1 - g) Y + g Z) = Y + g (Z - Y)^+ has
    P(W <= w) = w^2 (1 + g) / (2 g) for w <= g, and with y0 = (w - g) / (1 - g),
    y0 + (w^2 - y0^2) / 2 + (w - y0)^2 / (2 g) above; E max(X, W) = 1 - int_0^1 t P(W <= t) dt,
    which works out to 3/4 - (1 - g)/8 + (1 - g)^2/24.
    """
    return 0.75 - (1 - gamma) / 8 + (1 - gamma) ** 2 / 24


def test_the_closed_form_is_the_integral_of_the_derived_distribution():
    from scipy.integrate import quad

    def cdf(w, g):
        if w <= g:
            return w * w * (1 + g) / (2 * g)
        y0 = (w - g) / (1 - g)
        return y0 + (w * w - y0 * y0) / 2 + (w - y0) ** 2 / (2 * g)

    for g in (0.1, 0.5, 0.9, 0.99):
        integral = 1 - quad(lambda t: t * cdf(t, g), 0, 1, points=[g], epsabs=1e-14)[0]
        assert integral == pytest.approx(_front_power(g), abs=1e-12)
    rng = np.random.default_rng(1)
    x, y, z = rng.random((3, 400_000))
    draws = np.maximum(x, np.maximum(y, 0.01 * y + 0.99 * z))
    assert abs(draws.mean() - _front_power(0.99)) < 4 * draws.std() / np.sqrt(draws.size)


@pytest.mark.parametrize("gamma", [0.9, 0.99])
def test_a_one_way_door_into_a_dead_end_per_sample(gamma):
    """POWER sample by sample, against the formulas: the dead end behind the door is worth only
    its own reward; the cell in front keeps every option it had (with deterministic moves, going
    through and never coming back is only ever chosen to stay behind the door)."""
    rng = np.random.default_rng(0)
    rewards = rng.random((500, 3))
    x, y, z = rewards.T
    door = SingleAgentProblem(gridworld_from_map(".>."), gamma).solve(rewards).power["H"]
    corridor = SingleAgentProblem(gridworld_from_map("..."), gamma).solve(rewards).power["H"]
    bound = 1e-4  # the engine's certified error bound per sample
    front = np.maximum(x, np.maximum(y, (1 - gamma) * y + gamma * z))
    np.testing.assert_allclose(door[:, 0], front, atol=bound)
    np.testing.assert_allclose(corridor[:, 0], front, atol=bound)
    np.testing.assert_allclose(door[:, 1], rewards.max(axis=1), atol=bound)
    np.testing.assert_allclose(door[:, 2], z, atol=bound)  # the dead end: its own reward, forever
    np.testing.assert_allclose(corridor[:, 2], np.maximum(z, np.maximum(y, (1 - gamma) * y + gamma * x)), atol=bound)
    np.testing.assert_allclose(
        door[:50], naive.single_agent_power(gridworld_from_map(".>."), rewards[:50], gamma), atol=bound
    )


def test_a_one_way_door_lowers_power_by_the_predicted_amount():
    """Means over 40,000 reward samples against the analytic values, within 4 standard errors."""
    gamma = 0.99
    uniform = pp.RewardDistribution.from_config({"default_dist": {"dist_name": "uniform", "params": [0, 1]}})
    means = {}
    for text in (".>.", "..."):
        result = pp.run_experiment(
            pp.Experiment("single_agent", gridworld_from_map(text), gamma, uniform, 40_000, random_seed=3)
        )
        means[text] = (result.power_mean(), result.power_sem())
    (door, door_sem), (corridor, corridor_sem) = means[".>."], means["..."]
    expected_door = [_front_power(gamma), 0.75, 0.5]
    expected_corridor = [_front_power(gamma), 0.75, _front_power(gamma)]
    assert np.all(np.abs(door - expected_door) < 4 * door_sem + 1e-4)
    assert np.all(np.abs(corridor - expected_corridor) < 4 * corridor_sem + 1e-4)
    # Behind the door POWER falls from about 0.7488 to 1/2; in front of it and on it nothing changes.
    assert corridor[2] - door[2] > 0.24


def test_with_noise_a_one_way_door_lowers_power_in_front_of_it():
    """With noise the agent in front of the door can slip through into the dead end, so at high γ
    its POWER falls well below the open corridor's (the engine agrees with the plain solver)."""
    gamma = 0.99
    rng = np.random.default_rng(4)
    rewards = rng.random((2000, 3))
    door_mdp = gridworld_from_map(".>.", stochastic_noise_level=0.2)
    door = SingleAgentProblem(door_mdp, gamma).solve(rewards).power["H"]
    corridor = (
        SingleAgentProblem(gridworld_from_map("...", stochastic_noise_level=0.2), gamma).solve(rewards).power["H"]
    )
    np.testing.assert_allclose(door[:30], naive.single_agent_power(door_mdp, rewards[:30], gamma), atol=1e-4)
    np.testing.assert_allclose(door[:, 2], rewards[:, 2], atol=1e-4)  # the dead end has only 'stay'
    drop = corridor[:, 0] - door[:, 0]
    # Not for every reward function: when the dead end is the place to be, the door keeps the agent there.
    assert (drop < 0).any()
    assert drop.mean() > 0.08 and drop.mean() > 20 * drop.std() / np.sqrt(drop.size)
