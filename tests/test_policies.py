"""Generated policies (uniform, stay, deterministic, random deterministic), their specs, and lifting."""

import numpy as np
import pytest

from powerplay.errors import ModelError, UnknownLabelError, WrongKindError
from powerplay.model.editing import (
    align_policy,
    remove_states_with_overlapping_agents,
    single_agent_to_multiagent_policy,
    update_state_actions,
)
from powerplay.model.environments import builtin_mdp_names, load_mdp
from powerplay.model.gridworld import gridworld, joint_gridworld
from powerplay.model.mdp import JointMDP
from powerplay.model.policies import (
    deterministic_policy,
    generated_policy,
    is_policy_spec,
    parse_policy_spec,
    policy_spec_name,
    random_deterministic_policy,
    stay_policy,
)
from powerplay.model.policy import (
    Policy,
    acting_action_mask,
    check_policy_compatible,
    joint_policy_from_single,
    uniform_random_policy,
)

JOINT_NAMES = [name for name in builtin_mdp_names() if isinstance(load_mdp(name), JointMDP)]
FORBIDDEN_1X3 = "joint_1x3_gridworld_with_agent_H_forbidden_from_staying_when_agent_A_is_at_far_right"
MAZE_3X4 = [["(0, 0)", "(1, 1)"], ["(0, 3)", "(0, 3)"], ["(2, 3)", "(2, 3)"]]

SPECS = [
    "uniform_random",
    "stay",
    {"stay": {"fallback": ["left", "right"]}},
    {"deterministic": {"action": "left", "fallback": "uniform_random"}},
    {"deterministic": {"action": "up", "fallback": ["down", "stay", "uniform_random"]}},
    {"random_deterministic": 3},
    {"random_deterministic": {"seed": 12345}},
]


def rows_of(policy, mdp, states):
    return {state: policy.to_dict()[state] for state in states}


# -- every generated policy fits every built-in joint MDP, for both agents -----------------


def test_the_built_in_joint_mdps_are_the_ones_expected():
    assert len(JOINT_NAMES) == 4 and FORBIDDEN_1X3 in JOINT_NAMES


@pytest.mark.parametrize("name", JOINT_NAMES)
@pytest.mark.parametrize("agent", ["H", "A"])
@pytest.mark.parametrize("spec", SPECS, ids=policy_spec_name)
def test_generated_policies_fit_every_built_in_joint_mdp(name, agent, spec):
    joint = load_mdp(name)
    policy = generated_policy(spec, joint, agent)
    check_policy_compatible(policy, joint)
    assert policy.agent == agent and policy.states == joint.states
    assert policy.name.startswith(f"agent {agent} ") and policy.name.endswith(f" on {joint.name}")
    _, mask = acting_action_mask(joint, agent)
    if spec != "uniform_random":
        # Deterministic wherever the asked-for action (or a listed fallback) is available.
        deterministic = np.isclose(policy.probabilities.max(axis=1), 1.0)
        assert deterministic.sum() >= (mask.sum(axis=1) == 1).sum()
    if spec in ("stay", {"stay": {"fallback": ["left", "right"]}}):
        stay = joint.agent_actions(agent).index("stay")
        np.testing.assert_array_equal(policy.probabilities[:, stay] == 1.0, mask[:, stay])


@pytest.mark.parametrize("name", JOINT_NAMES)
def test_deterministic_policies_take_their_action_wherever_available(name):
    joint = load_mdp(name)
    for agent in "HA":
        actions, mask = acting_action_mask(joint, agent)
        for j, action in enumerate(actions):
            policy = deterministic_policy(joint, agent, action, fallback="uniform_random")
            check_policy_compatible(policy, joint)
            np.testing.assert_array_equal(policy.probabilities[mask[:, j], j], 1.0)
            uniform = mask[~mask[:, j]] / mask[~mask[:, j]].sum(axis=1, keepdims=True)
            np.testing.assert_array_equal(policy.probabilities[~mask[:, j]], uniform)


# -- hand-computed rows ------------------------------------------------------------------


def test_stay_policy_on_the_joint_1x3_gridworld_where_H_may_not_always_stay():
    joint = load_mdp(FORBIDDEN_1X3)
    stays_A = stay_policy(joint, "A")
    np.testing.assert_array_equal(stays_A.probabilities, np.tile([0, 0, 0, 0, 1.0], (9, 1)))
    assert stays_A.name == f"agent A stays on {joint.name}"
    stays_H = stay_policy(joint, "H")
    # H cannot stay while A is in (0, 2): uniform over H's other moves there.
    assert rows_of(
        stays_H, joint, ["(0, 0)_H^(0, 2)_A", "(0, 1)_H^(0, 2)_A", "(0, 2)_H^(0, 2)_A", "(0, 1)_H^(0, 1)_A"]
    ) == {
        "(0, 0)_H^(0, 2)_A": {"right": 1.0},
        "(0, 1)_H^(0, 2)_A": {"left": 0.5, "right": 0.5},
        "(0, 2)_H^(0, 2)_A": {"left": 1.0},
        "(0, 1)_H^(0, 1)_A": {"stay": 1.0},
    }
    assert stays_H.name.startswith("agent H stays where it can, else uniform random on ")
    strict = stay_policy(joint, "H", fallback=["left", "right"])
    assert strict.to_dict()["(0, 1)_H^(0, 2)_A"] == {"left": 1.0}
    assert strict.to_dict()["(0, 0)_H^(0, 2)_A"] == {"right": 1.0}


def test_deterministic_policy_without_fallback_names_the_first_state_and_the_count():
    joint = load_mdp(FORBIDDEN_1X3)
    with pytest.raises(ModelError) as error:
        deterministic_policy(joint, "H", "stay")
    assert str(error.value) == (
        f"action 'stay' is not available in state '(0, 0)_H^(0, 2)_A' (3 such state(s) in {joint.name}); "
        "give a fallback, e.g. fallback='uniform_random'"
    )
    with pytest.raises(
        ModelError,
        match=r"action 'stay' nor the fallback 'left' is not available in state '\(0, 0\)_H\^\(0, 2\)_A' \(1 such",
    ):
        deterministic_policy(joint, "H", "stay", fallback="left")


def test_fallbacks_are_tried_in_order_and_uniform_random_comes_last():
    corridor = gridworld(1, 3, name="corridor")
    policy = deterministic_policy(corridor, "H", "left", fallback=["up", "right", "stay"])
    assert [policy.to_dict()[s] for s in corridor.states] == [{"right": 1.0}, {"left": 1.0}, {"left": 1.0}]
    assert policy.name == "takes 'left' (else 'up', then 'right', then 'stay') on corridor"
    everywhere = deterministic_policy(corridor, "H", "stay", fallback="uniform_random")
    assert everywhere.name == "takes 'stay' on corridor"  # the fallback was never needed
    with pytest.raises(ModelError, match="'uniform_random' must come last"):
        deterministic_policy(corridor, "H", "left", fallback=["uniform_random", "stay"])
    with pytest.raises(UnknownLabelError, match=r"fallback 'jump' is not one of the actions"):
        deterministic_policy(corridor, "H", "left", fallback="jump")
    with pytest.raises(UnknownLabelError, match=r"action 'jump' is not one of agent H's actions"):
        deterministic_policy(corridor, "H", "jump")


def test_single_agent_policies_are_agent_H_and_named_without_an_agent():
    maze = gridworld(3, 4, MAZE_3X4, name="3x4 maze")
    for policy in (stay_policy(maze), uniform_random_policy(maze, "A"), random_deterministic_policy(maze, "A", 0)):
        assert policy.agent == "H" and "agent" not in policy.name and policy.name.endswith(" on 3x4 maze")
        check_policy_compatible(policy, maze)
    with pytest.raises(UnknownLabelError, match="has no 'stay' action"):
        stay_policy(load_mdp("stochastic_graph_4_states"))
    with pytest.raises(
        ModelError, match=r"agent 'B' is not an agent of joint MDP 'joint 3x4 maze' \(its agents: H, A\)"
    ):
        stay_policy(joint_gridworld(maze), "B")
    with pytest.raises(ModelError, match="agent name 'B_1' must be a letter followed by letters or digits"):
        stay_policy(maze, "B_1")
    with pytest.raises(WrongKindError, match="expected an MDP or JointMDP, got Policy"):
        stay_policy(uniform_random_policy(maze))


def test_random_deterministic_policy_is_reproducible_and_uniform_over_available_actions():
    joint = load_mdp("joint_7x7_gridworld_maze")
    _, mask = acting_action_mask(joint, "A")
    first, again, other = (random_deterministic_policy(joint, "A", seed) for seed in (7, 7, 8))
    np.testing.assert_array_equal(first.probabilities, again.probabilities)
    assert not np.array_equal(first.probabilities, other.probabilities)
    # One available action per state, the documented draw.
    picks = np.random.default_rng(7).integers(mask.sum(axis=1))
    expected = np.array([np.flatnonzero(row)[j] for row, j in zip(mask, picks)])
    np.testing.assert_array_equal(first.probabilities.argmax(axis=1), expected)
    assert np.all(first.probabilities.max(axis=1) == 1.0) and np.all(mask[first.probabilities > 0])
    # Over many seeds, each of a state's k available actions is picked about 1/k of the time.
    counts = sum(random_deterministic_policy(joint, "A", seed).probabilities for seed in range(400))
    k = mask.sum(axis=1, keepdims=True)
    expected_counts = 400 * mask / k
    sigma = np.sqrt(400 * (1 / k) * (1 - 1 / k)) * mask
    assert np.all(np.abs(counts - expected_counts) <= 5 * sigma + 1e-9)
    # A generator is used as given and advanced.
    rng = np.random.default_rng(7)
    from_rng = random_deterministic_policy(joint, "A", rng)
    np.testing.assert_array_equal(from_rng.probabilities, first.probabilities)
    assert from_rng.name == f"agent A random deterministic on {joint.name}"
    assert not np.array_equal(random_deterministic_policy(joint, "A", rng).probabilities, first.probabilities)
    for bad in (-1, 1.5, True, "3"):
        with pytest.raises(ModelError, match="seed must be a non-negative integer"):
            random_deterministic_policy(joint, "A", bad)


# -- specs ----------------------------------------------------------------------------------


def test_specs_build_the_same_policies_as_the_functions():
    joint = load_mdp("joint_7x7_gridworld_maze_no_overlaps")
    pairs = [
        ("uniform_random", uniform_random_policy(joint, "A")),
        ({"uniform_random": {}}, uniform_random_policy(joint, "A")),
        ("stay", stay_policy(joint, "A")),
        ({"deterministic": "left"}, None),
        ({"deterministic": {"action": "left", "fallback": "stay"}}, deterministic_policy(joint, "A", "left", "stay")),
        ({"random_deterministic": 3}, random_deterministic_policy(joint, "A", 3)),
        ({"random_deterministic": {"seed": 3}}, random_deterministic_policy(joint, "A", 3)),
    ]
    for spec, expected in pairs:
        assert is_policy_spec(spec)
        if expected is None:  # 'left' is unavailable somewhere: no fallback, an error
            with pytest.raises(ModelError, match="action 'left' is not available in state"):
                generated_policy(spec, joint, "A")
            continue
        got = generated_policy(spec, joint, "A")
        np.testing.assert_array_equal(got.probabilities, expected.probabilities)
        assert got.name == expected.name


@pytest.mark.parametrize(
    "spec, field, message",
    [
        (
            "stai",
            "stai",
            "unknown policy generator 'stai'; valid: uniform_random, stay, deterministic, random_deterministic",
        ),
        (
            {"stai": {}},
            "stai",
            "unknown policy generator 'stai'; valid: uniform_random, stay, deterministic, random_deterministic",
        ),
        ({"stay": {}, "deterministic": "up"}, None, "a mapping with one key"),
        (
            {"deterministic": {"acton": "up"}},
            "deterministic.acton",
            "deterministic: unknown key 'acton'; valid: action, fallback",
        ),
        ({"uniform_random": {"seed": 3}}, "uniform_random.seed", "uniform_random: unknown key 'seed'; valid: none"),
        ("deterministic", "deterministic.action", "deterministic: needs an action name"),
        ({"deterministic": "jump"}, "deterministic.action", "action 'jump' is not one of agent A's actions"),
        (
            {"deterministic": {"action": "up", "fallback": "fly"}},
            "deterministic.fallback",
            "'fly' is not one of the actions",
        ),
        ({"stay": {"fallback": [1, 2]}}, "stay.fallback", "fallback must be an action, a list of actions"),
        ("random_deterministic", "random_deterministic.seed", "seed must be a non-negative integer, got None"),
        ({"random_deterministic": {"seed": -2}}, "random_deterministic.seed", "got -2"),
        ({"random_deterministic": 2.5}, "random_deterministic.seed", "got 2.5"),
        ({"stay": "left"}, "stay", "stay: parameters must be a mapping with keys fallback"),
        (3, None, "a policy spec is a generator name"),
    ],
)
def test_bad_specs_name_the_field_and_the_valid_choices(spec, field, message):
    with pytest.raises(ModelError) as error:
        generated_policy(spec, load_mdp("joint_3x3_gridworld"), "A")
    assert message in str(error.value) and error.value.field == field
    assert "\n" not in str(error.value)


def test_is_policy_spec_and_canonical_names():
    assert is_policy_spec("uniform_random") and is_policy_spec({"anything": 1})
    assert not is_policy_spec("joint_3x3_gridworld_agent_A_uniform_random") and not is_policy_spec(3)
    assert [policy_spec_name(spec) for spec in SPECS] == [
        "uniform_random",
        "stay",
        "stay else left, right",
        "deterministic left else uniform_random",
        "deterministic up else down, stay, uniform_random",
        "random_deterministic seed 3",
        "random_deterministic seed 12345",
    ]
    assert parse_policy_spec("stay") == ("stay", {"fallback": "uniform_random"})


# -- lifting single-agent policies (and the names of lifted and edited policies) ---------------


def test_lifting_onto_a_joint_mdp_conditions_on_the_available_actions():
    joint = load_mdp(FORBIDDEN_1X3)  # H may not stay while A is in (0, 2)
    single = Policy.from_dict(
        {
            "(0, 0)": {"stay": 0.6, "right": 0.4},
            "(0, 1)": {"stay": 0.5, "left": 0.125, "right": 0.375},
            "(0, 2)": {"stay": 1.0},
        },
        actions=["up", "down", "left", "right", "stay"],
        name="mostly stays",
    )
    lifted = joint_policy_from_single(single, "H", joint=joint, fallback="left")
    check_policy_compatible(lifted, joint)
    assert lifted.name == "mostly stays (lifted to agent H)"
    assert lifted.to_dict() == {
        # A elsewhere: H's own rows, copied
        "(0, 0)_H^(0, 0)_A": {"right": 0.4, "stay": 0.6},
        "(0, 0)_H^(0, 1)_A": {"right": 0.4, "stay": 0.6},
        "(0, 1)_H^(0, 0)_A": {"left": 0.125, "right": 0.375, "stay": 0.5},
        "(0, 1)_H^(0, 1)_A": {"left": 0.125, "right": 0.375, "stay": 0.5},
        "(0, 2)_H^(0, 0)_A": {"stay": 1.0},
        "(0, 2)_H^(0, 1)_A": {"stay": 1.0},
        # A at (0, 2): 'stay' is forbidden; its probability is shared in proportion ...
        "(0, 0)_H^(0, 2)_A": {"right": 1.0},  # 0.4 / 0.4
        "(0, 1)_H^(0, 2)_A": {"left": 0.25, "right": 0.75},  # 0.125 / 0.5, 0.375 / 0.5
        # ... and where the policy used nothing else, the fallback decides
        "(0, 2)_H^(0, 2)_A": {"left": 1.0},
    }
    with pytest.raises(
        ModelError, match=r"joint state '\(0, 2\)_H\^\(0, 2\)_A': agent H can take none of the actions \['stay'\]"
    ):
        joint_policy_from_single(single, "H", joint=joint)


@pytest.mark.parametrize("overlap", ["allow", "remove", "block"])
def test_lifting_onto_joint_gridworlds_copies_the_single_agent_rows(overlap):
    maze = gridworld(3, 4, MAZE_3X4, name="3x4 maze")
    single = update_state_actions(uniform_random_policy(maze), "(0, 2)", {"down": 1.0})
    joint = joint_gridworld(maze, overlap=overlap)
    lifted = single_agent_to_multiagent_policy(single, joint=joint)
    check_policy_compatible(lifted, joint)
    every_pair = single_agent_to_multiagent_policy(single)
    np.testing.assert_array_equal(lifted.probabilities, align_policy(every_pair, joint).probabilities)
    own = [maze.states.index(s.split("_H^")[1][:-2]) for s in joint.states]
    np.testing.assert_array_equal(lifted.probabilities, single.probabilities[own])


def test_the_documented_lifting_routes_work_on_the_no_overlap_mdp():
    """Lift, then fit to the no-overlap MDP: three routes, one policy (the issue-12 bug)."""
    maze = gridworld(3, 4, MAZE_3X4, name="3x4 maze")
    no_overlap = joint_gridworld(maze, overlap="remove")
    single = update_state_actions(uniform_random_policy(maze), "(0, 2)", {"down": 1.0})
    lifted = single_agent_to_multiagent_policy(single)
    assert len(lifted.states) == 36 and no_overlap.num_states == 30
    routes = [
        align_policy(lifted, no_overlap),
        remove_states_with_overlapping_agents(lifted),
        single_agent_to_multiagent_policy(single, joint=no_overlap),
    ]
    for policy in routes:
        check_policy_compatible(policy, no_overlap)
        np.testing.assert_array_equal(policy.probabilities, routes[0].probabilities)
    assert routes[0].to_dict()["(1, 2)_H^(0, 2)_A"] == {"down": 1.0}


def test_policy_names_follow_lifting_and_edits():
    maze = gridworld(3, 4, MAZE_3X4, name="3x4 maze")
    single = uniform_random_policy(maze)
    assert single.name == "uniform random on 3x4 maze"
    edited = update_state_actions(update_state_actions(single, "(0, 2)", {"down": 1.0}), "(1, 2)", {"stay": 1.0})
    assert edited.name == "uniform random on 3x4 maze (edited)"
    lifted = single_agent_to_multiagent_policy(edited)
    assert lifted.agent == "A" and lifted.name == "uniform random on 3x4 maze (edited) (lifted to agent A)"
    assert "agent H" not in lifted.name
    as_H = single_agent_to_multiagent_policy(single, acting_agent_is_H=True)
    assert as_H.agent == "H" and as_H.name == "uniform random on 3x4 maze (lifted to agent H)"
    assert remove_states_with_overlapping_agents(lifted).name.endswith("(lifted to agent A) (no overlap)")
    joint = joint_gridworld(maze)
    assert uniform_random_policy(joint, "A").name == "agent A uniform random on joint 3x4 maze"


def test_remove_states_with_overlapping_agents_takes_policies_and_refuses_other_things():
    from powerplay.compat import multi

    joint = load_mdp("joint_7x7_gridworld_maze")
    no_overlap = load_mdp("joint_7x7_gridworld_maze_no_overlaps")
    seed = uniform_random_policy(joint, "A")
    smaller = remove_states_with_overlapping_agents(seed)
    assert smaller.states == no_overlap.states and smaller.agent == "A"
    check_policy_compatible(smaller, no_overlap)
    np.testing.assert_array_equal(smaller.probabilities, uniform_random_policy(no_overlap, "A").probabilities)
    np.testing.assert_array_equal(
        multi.remove_states_with_overlapping_agents(seed).probabilities, smaller.probabilities
    )
    with pytest.raises(WrongKindError, match="expected a joint MDP or a policy on joint states, got dict"):
        remove_states_with_overlapping_agents({"a": 1})
    with pytest.raises(ModelError, match="state 'a' is not a joint state"):
        remove_states_with_overlapping_agents(Policy.from_dict({"a": {"stay": 1.0}}))


@pytest.mark.parametrize("name", [n for n in builtin_mdp_names() if n not in JOINT_NAMES])
def test_generated_policies_fit_every_built_in_single_agent_mdp(name):
    mdp = load_mdp(name)
    policies = [
        uniform_random_policy(mdp),
        random_deterministic_policy(mdp, "H", 5),
        deterministic_policy(mdp, "H", mdp.actions[0], fallback="uniform_random"),
    ]
    if "stay" in mdp.actions:
        policies.append(stay_policy(mdp))
    for policy in policies:
        check_policy_compatible(policy, mdp)
        assert policy.agent == "H" and policy.name.endswith(f" on {mdp.name}")
