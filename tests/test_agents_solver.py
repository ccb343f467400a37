"""The N-agent learning chain (LearningChainProblem) and the N-agent reward stream.

Cross-checks against a separately written dense implementation (tests/naive_agents.py), exact
symmetries (exchanging two agents, agents that cannot affect each other, a third agent that can
only stay), reproducibility, and the two-agent results pinned bit for bit to main's.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from naive_agents import learning_chain_power
from scipy import sparse
from two_agent_baseline import RECORDED, digests

from powerplay.errors import ModelError, ResourceLimitError
from powerplay.model.gridworld import gridworld, joint_gridworld
from powerplay.model.labels import joint_label, split_joint_label
from powerplay.model.mdp import JointMDP
from powerplay.model.policies import random_deterministic_policy
from powerplay.model.policy import Policy, uniform_random_policy
from powerplay.model.rewards import RewardDistribution, RewardStream, agent_cells, reward_stream
from powerplay.solvers import structure
from powerplay.solvers.power import (
    LearningChainProblem,
    MultiAgentProblem,
    Precision,
    SingleAgentProblem,
    learning_chain_memory,
)
from powerplay.solvers.structure import JointStructure
from powerplay.solvers.values import SolverSettings

HAB = ("H", "A", "B")
UNIFORM = {"default_dist": {"dist_name": "uniform", "params": [0, 1]}}
#: Tight settings: the engine's reported bounds, not the default tolerance, are what is tested.
TIGHT = SolverSettings(tolerance=1e-7, policy_tolerance=1e-11, tie_tolerance=1e-10)
#: The plain implementation's own error (value iteration to 1e-12 relative), in POWER units.
NAIVE_ERROR = 1e-9
RNG = np.random.default_rng(20)


def _seeds(joint, order, kind="uniform"):
    if kind == "uniform":
        return {a: uniform_random_policy(joint, a) for a in order[1:]}
    return {a: random_deterministic_policy(joint, a, seed=i) for i, a in enumerate(order[1:])}


def _assert_matches_naive(joint, order, gammas, seeds, rewards, settings=TIGHT):
    problem = LearningChainProblem(joint, order, gammas, seeds, diagnostic=True, settings=settings)
    batch = problem.solve(rewards)
    expected, learned = learning_chain_power(
        joint, order, gammas, {a: p.probabilities for a, p in seeds.items()}, rewards, settings.tie_tolerance
    )
    assert list(batch.power) == [*order, *(f"{a}_against_seed" for a in order[:-1]), *(f"{a}_seed" for a in order[1:])]
    scale = 1.0 + max(np.abs(r).max() for r in rewards.values())
    for key, power in batch.power.items():
        error = np.abs(power - expected[key]).max(axis=1)
        assert np.all(error <= batch.convergence[key].bound + NAIVE_ERROR * scale), key
    # The learned tie sets are the plain implementation's, exactly.
    for agent, masks in problem.policies(rewards).items():
        actions = joint.agent_actions(agent)
        bits = (masks[..., None] >> np.arange(len(actions), dtype=np.uint64)) & np.uint64(1)
        np.testing.assert_array_equal(bits.astype(bool), learned[agent] > 0, err_msg=agent)
    return problem, batch


# -- two agents: bit for bit ------------------------------------------------------------------


def test_two_agent_results_and_reward_streams_are_bit_identical_to_main():
    """POWER, convergence records and policies of MultiAgentProblem (Part 3's no-overlap maze and a
    noisy joint gridworld, gamma 0.1 / 0.9 / 0.99, uniform and Bernoulli rewards), and the reward
    streams' draws, hashed byte for byte against the digests recorded on main."""
    got = digests()
    assert got.keys() == RECORDED.keys()
    assert {k: v for k, v in got.items() if v != RECORDED[k]} == {}


def test_multi_agent_problem_is_the_two_agent_learning_chain():
    joint = joint_gridworld(gridworld(2, 2, stochastic_noise_level=0.1))
    seed = uniform_random_policy(joint, "A")
    rewards = {a: RNG.random((5, joint.num_states)) for a in ("H", "A")}
    chain = LearningChainProblem(joint, ("H", "A"), [0.9, 0.8], [seed], diagnostic=True).solve(rewards)
    pair = MultiAgentProblem(joint, seed, 0.9, 0.8, diagnostic=True).solve(rewards["H"], rewards["A"])
    assert list(chain.power) == list(pair.power) == ["H", "A", "H_against_seed", "A_seed"]
    assert list(chain.convergence) == ["H_against_seed", "A", "H", "A_seed"]
    for key in pair.power:
        assert np.array_equal(chain.power[key], pair.power[key])
    assert Precision.of_learning_chain(joint, [seed]) == Precision.of(joint, seed, True)


# -- against the plain implementation ---------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "noise", "cells"),
    [("allow", 0.0, (1, 3)), ("remove", 0.0, (2, 2)), ("allow", 0.1, (1, 3)), ("remove", 0.0, (2, 3))],
    ids=["allow", "remove", "allow-noisy", "remove-2x3"],
)
def test_three_agents_match_the_plain_implementation_within_the_reported_bounds(rule, noise, cells):
    joint = joint_gridworld(gridworld(*cells, stochastic_noise_level=noise), agents=HAB, interaction=rule)
    gammas = {"H": 0.9, "A": 0.75, "B": 0.95}
    for kind in ("uniform", "deterministic"):
        rewards = {a: RNG.normal(size=(4, joint.num_states)) for a in HAB}
        _assert_matches_naive(joint, HAB, gammas, _seeds(joint, HAB, kind), rewards)
    # Bernoulli rewards: many exact ties, split uniformly and mixed into the later stages.
    rewards = {a: (RNG.random((6, joint.num_states)) < 0.3).astype(float) for a in HAB}
    _assert_matches_naive(joint, HAB, gammas, _seeds(joint, HAB), rewards)


def test_learning_order_other_than_the_joint_agent_order_and_four_agents():
    joint = joint_gridworld(gridworld(1, 3), agents=HAB)
    order = ("B", "H", "A")
    rewards = {a: RNG.random((3, joint.num_states)) for a in order}
    _assert_matches_naive(joint, order, {"B": 0.6, "H": 0.9, "A": 0.8}, _seeds(joint, order), rewards)
    four = joint_gridworld(gridworld(2, 2), agents=("H", "A", "B", "C"), interaction="remove")
    order = ("H", "A", "B", "C")
    rewards = {a: (RNG.random((4, four.num_states)) < 0.5).astype(float) for a in order}
    _assert_matches_naive(four, order, dict.fromkeys(order, 0.9), _seeds(four, order), rewards)


def _random_rows(rng, num_rows, num_states, deterministic):
    data = np.zeros((num_rows, num_states))
    for r in range(num_rows):
        size = 1 if deterministic else rng.integers(1, min(3, num_states) + 1)
        data[r, rng.choice(num_states, size=size, replace=False)] = rng.dirichlet(np.ones(size))
    return data


@st.composite
def three_agent_cases(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    S = draw(st.integers(1, 4))
    shape = (S, draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    mask = rng.random(shape) < 0.7
    mask.reshape(S, -1)[:, 0] = True  # every state keeps an action
    rows = _random_rows(rng, mask.size, S, draw(st.booleans())) * mask.reshape(-1, 1)
    joint = JointMDP(
        tuple(f"s{i}_H^s{i}_A^s{i}_B" for i in range(S)),
        HAB,
        tuple(tuple(f"{a.lower()}{i}" for i in range(n)) for a, n in zip(HAB, shape[1:])),
        sparse.csr_array(rows),
        mask,
    )
    seeds = {}
    for agent in ("A", "B"):
        available = joint.agent_action_mask(agent)
        probs = rng.random(available.shape) * available
        seeds[agent] = Policy(joint.states, joint.agent_actions(agent), probs / probs.sum(axis=1, keepdims=True), agent)
    gammas = dict(zip(HAB, draw(st.lists(st.sampled_from([0.0, 0.5, 0.9, 0.99]), min_size=3, max_size=3))))
    offset = draw(st.sampled_from([0.0, 1e3]))
    rewards = {a: rng.normal(size=(3, S)) + offset for a in HAB}
    return joint, gammas, seeds, rewards


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(three_agent_cases())
def test_random_three_agent_mdps_match_the_plain_implementation(case):
    """Random joint MDPs: absent joint actions (leaking mass), stochastic rows, offsets."""
    joint, gammas, seeds, rewards = case
    _assert_matches_naive(joint, HAB, gammas, seeds, rewards)


# -- exact symmetries ----------------------------------------------------------------------------


def _swap_AB(states):
    """The position of each state with A's and B's cells exchanged."""
    position = {state: i for i, state in enumerate(states)}
    swapped = []
    for state in states:
        h, a, b = split_joint_label(state, HAB)
        swapped.append(position[joint_label((h, b, a), HAB)])
    return np.array(swapped)


@pytest.mark.parametrize("rule", ["allow", "remove"])
def test_exchanging_two_agents_with_identical_settings_exchanges_their_power(rule):
    """A and B with equal discount rates and seed policies: B learning second with A's rewards
    (moved to the state where A's cell is B's) has A's POWER there, and A learning last has B's."""
    joint = joint_gridworld(gridworld(2, 3), agents=HAB, interaction=rule)
    sigma = _swap_AB(joint.states)
    seeds = _seeds(joint, HAB)
    gammas = {"H": 0.8, "A": 0.9, "B": 0.9}
    rewards = {a: RNG.random((8, joint.num_states)) for a in HAB}
    batch = LearningChainProblem(joint, HAB, gammas, seeds, diagnostic=True).solve(rewards)
    moved = {"H": rewards["H"][:, sigma], "B": rewards["A"][:, sigma], "A": rewards["B"][:, sigma]}
    swapped = LearningChainProblem(joint, ("H", "B", "A"), gammas, seeds, diagnostic=True).solve(moved)
    for key, other in (
        ("H", "H"),
        ("A", "B"),
        ("B", "A"),
        ("H_against_seed", "H_against_seed"),
        ("A_against_seed", "B_against_seed"),
        ("A_seed", "B_seed"),
        ("B_seed", "A_seed"),
    ):
        error = np.abs(swapped.power[other][:, sigma] - batch.power[key]).max(axis=1)
        assert np.all(error <= batch.convergence[key].bound + swapped.convergence[other].bound + 1e-12), key


@pytest.mark.parametrize("noise", [0.0, 0.1])
def test_agents_that_cannot_affect_each_other_all_have_the_single_agent_power_of_their_cell(noise):
    """``allow`` and own-cell rewards with correlation 1 and equal discount rates: every agent's
    POWER is the single-agent POWER of its own cell, so all agents agree wherever they stand on
    the same cell (noise makes every later stage stochastic: value iteration across samples)."""
    single = gridworld(2, 2, stochastic_noise_level=noise)
    joint = joint_gridworld(single, agents=HAB)
    distribution = RewardDistribution.from_config(UNIFORM)
    stream = reward_stream(
        distribution, joint.states, 4, scope="own_cell", agents=HAB, correlations={"A": 1.0, "B": 1.0}
    )
    rewards = stream.rewards_by_agent(0, 12)
    batch = LearningChainProblem(joint, HAB, [0.9] * 3, _seeds(joint, HAB), diagnostic=True).solve(rewards)
    cells, index = agent_cells(joint.states, HAB)
    cell_rewards = stream.cell_rewards_by_agent(0, 12)
    order = [cells.index(s) for s in single.states]
    expected = SingleAgentProblem(single, 0.9, settings=TIGHT).solve(cell_rewards["H"][:, order])
    per_cell = np.empty_like(expected.power["H"])
    per_cell[:, order] = expected.power["H"]
    for agent in HAB:
        np.testing.assert_array_equal(cell_rewards[agent], cell_rewards["H"])
        error = np.abs(batch.power[agent] - per_cell[:, index[agent]]).max(axis=1)
        assert np.all(error <= batch.convergence[agent].bound + expected.convergence["H"].bound + 1e-12), agent


def _with_a_staying_agent(pair, cells):
    """The joint MDP of H, A and a B that can only stay (in any of ``cells``): one copy of
    ``pair`` per cell of B, states ``(x, y, z)`` in C order (as :func:`joint_gridworld`)."""
    C, S2 = len(cells), pair.num_states
    width = pair.num_joint_actions
    coo = pair.transitions.tocoo()
    s2, j = np.divmod(coo.row, width)
    z = np.arange(C)
    rows = ((s2[:, None] * C + z) * width + j[:, None]).ravel()
    cols = (coo.col[:, None] * C + z).ravel()
    data = np.repeat(coo.data, C)
    transitions = sparse.csr_array((data, (rows, cols)), shape=(S2 * C * width, S2 * C))
    mask = np.repeat(pair.action_mask, C, axis=0)[..., None]
    states = [joint_label((*split_joint_label(s), c), HAB) for s in pair.states for c in cells]
    return JointMDP(states, HAB, (*pair.actions_by_agent, ("stay",)), transitions, mask, "B stays")


@pytest.mark.parametrize("noise", [0.0, 0.1])
def test_a_third_agent_that_only_stays_gives_each_copy_the_two_agent_numbers(noise):
    """Under ``allow`` a B that can only stay splits the joint MDP into one copy of the two-agent
    MDP per cell of B. Sample by sample, with the same rewards restricted to each copy, H's and
    A's learned policies are exactly the two-agent ones and every POWER array agrees within the
    two runs' certified bounds (with noise, A's stage runs by value iteration across samples
    here and by policy iteration in the two-agent run)."""
    single = gridworld(2, 3, stochastic_noise_level=noise)
    pair = joint_gridworld(single)
    trio = _with_a_staying_agent(pair, single.states)
    if noise == 0.0:  # the joint gridworld of three agents with B's moves taken away
        full = joint_gridworld(single, agents=HAB)
        stay = full.agent_actions("B").index("stay")
        shape = (full.num_states, *full.action_shape, full.num_states)
        np.testing.assert_array_equal(
            full.transitions.toarray().reshape(shape)[:, :, :, stay],
            trio.transitions.toarray().reshape(shape[:3] + shape[4:]),
        )
        assert trio.states == full.states
    seeds = _seeds(trio, HAB)
    gammas = {"H": 0.9, "A": 0.95, "B": 0.5}
    B = 6
    rewards = {a: RNG.random((B, trio.num_states)) for a in HAB}
    problem = LearningChainProblem(trio, HAB, gammas, seeds, diagnostic=True)
    batch = problem.solve(rewards)
    learned = problem.policies(rewards)
    # The copies: for each cell z of B, the trio's states (x, y, z) in the pair's state order.
    position = {state: i for i, state in enumerate(trio.states)}
    copies = [
        np.array([position[joint_label((*split_joint_label(s), z), HAB)] for s in pair.states]) for z in single.states
    ]
    stacked = {a: np.concatenate([rewards[a][:, idx] for idx in copies]) for a in ("H", "A")}
    two = MultiAgentProblem(pair, uniform_random_policy(pair, "A"), gammas["H"], gammas["A"], diagnostic=True)
    expected = two.solve(stacked["H"], stacked["A"])
    expected_policies = two.policies(stacked["H"], stacked["A"])
    assert np.all(learned["B"] == 1)  # its one action
    for c, idx in enumerate(copies):
        rows = slice(c * B, (c + 1) * B)
        for agent in ("H", "A"):
            np.testing.assert_array_equal(learned[agent][:, idx], expected_policies[agent][rows])
        for key, other in (
            ("H", "H"),
            ("A", "A"),
            ("H_against_seed", "H_against_seed"),
            ("A_against_seed", "A"),
            ("A_seed", "A_seed"),
        ):
            error = np.abs(batch.power[key][:, idx] - expected.power[other][rows]).max(axis=1)
            bound = batch.convergence[key].bound + expected.convergence[other].bound[rows]
            assert np.all(error <= bound + 1e-12), (key, c)


# -- reproducibility, errors, sizes ------------------------------------------------------------


def test_samples_are_bit_identical_for_any_batch_split_and_thread_count():
    joint = joint_gridworld(gridworld(2, 2, stochastic_noise_level=0.1), agents=HAB, interaction="allow")
    problem = LearningChainProblem(joint, HAB, [0.9, 0.95, 0.8], _seeds(joint, HAB), diagnostic=True)
    rewards = {a: (RNG.random((70, joint.num_states)) < 0.4).astype(float) for a in HAB}
    whole = problem.solve(rewards)
    parts = [problem.solve({a: r[lo:hi] for a, r in rewards.items()}) for lo, hi in ((0, 17), (17, 50), (50, 70))]
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        single_thread = problem.solve(rewards)
    finally:
        numba.set_num_threads(threads)
    for key, power in whole.power.items():
        assert np.array_equal(power, np.concatenate([p.power[key] for p in parts])), key
        assert np.array_equal(power, single_thread.power[key]), key
    for stage, conv in whole.convergence.items():
        assert np.array_equal(conv.bound, np.concatenate([p.convergence[stage].bound for p in parts])), stage


def test_bad_agents_rates_seeds_and_rewards_are_refused_in_one_line_naming_the_field():
    joint = joint_gridworld(gridworld(1, 3), agents=HAB)
    seeds = _seeds(joint, HAB)
    cases = [
        (dict(agents=("H", "A")), "agents", "once each"),
        (dict(agents=("H", "A", "A")), "agents", "once each"),
        (dict(discount_rates={"H": 0.9, "A": 0.9}), "discount_rate_agent_B", "no discount rate"),
        (dict(discount_rates={"H": 0.9, "A": 1.0, "B": 0.9}), "discount_rate_agent_A", "= 1"),
        (dict(seed_policies={"A": seeds["A"]}), "seed_policy_agent_B", "needs a seed policy"),
        (dict(seed_policies={**seeds, "H": uniform_random_policy(joint, "H")}), "seed_policy_agent_H", "first"),
        (dict(seed_policies={"A": seeds["B"], "B": seeds["B"]}), "seed_policy_agent_A", "agent B's"),
    ]
    base = dict(agents=HAB, discount_rates=dict.fromkeys(HAB, 0.9), seed_policies=seeds)
    for change, field, text in cases:
        with pytest.raises(ModelError, match=text) as info:
            LearningChainProblem(joint, **{**base, **change})
        assert info.value.field == field and "\n" not in str(info.value)
    problem = LearningChainProblem(joint, **base)
    with pytest.raises(ModelError, match="no reward samples for agent B"):
        problem.solve({"H": np.zeros((1, 27)), "A": np.zeros((1, 27))})
    with pytest.raises(ModelError, match="same shape"):
        problem.solve({"H": np.zeros((1, 27)), "A": np.zeros((2, 27)), "B": np.zeros((1, 27))})


def test_joint_mdps_whose_lookup_would_not_fit_are_refused_with_the_estimate(monkeypatch):
    joint = joint_gridworld(gridworld(1, 3), agents=HAB)
    monkeypatch.setattr(structure, "MAX_ROW_INDEX", 1000)
    with pytest.raises(ResourceLimitError, match=r"27 states x 125 joint actions = 3,375 .* over the solvers' limit"):
        JointStructure(joint)
    with pytest.raises(ResourceLimitError):
        learning_chain_memory(joint)


def test_memory_estimate_covers_the_structures_and_grows_with_the_chunk_only():
    joint = joint_gridworld(gridworld(3, 3), agents=HAB, interaction="remove")
    problem = LearningChainProblem(joint, HAB, [0.9] * 3, _seeds(joint, HAB))
    built = sum(
        a.nbytes
        for s in (problem.first_rows, *(t.rows for t in problem.stage_structures))
        for a in (s.state_ptr, s.row_ptr, s.cols, s.probs, s.row_self, s.row_action)
    ) + sum(t.row_index.nbytes + t.row_agent_action.nbytes for t in problem.stage_structures)
    memory = learning_chain_memory(joint, HAB)
    assert memory.structure_bytes >= built
    small, large = memory.total(32, joint.num_states), memory.total(320, joint.num_states)
    assert large - small == 288 * joint.num_states * memory.peak_per_sample_state
    assert list(memory.per_sample_state) == ["learn H", "learn A", "learn B", "evaluate"]


def test_precision_of_three_agents_is_closed_only_without_lost_mass():
    for rule, closed in (("allow", True), ("remove", False)):
        joint = joint_gridworld(gridworld(2, 2), agents=HAB, interaction=rule)
        precision = Precision.of_learning_chain(joint, _seeds(joint, HAB))
        problem = LearningChainProblem(joint, HAB, [0.9] * 3, _seeds(joint, HAB))
        assert precision == problem.precision and precision.closed is closed
        assert precision.terms == 25 * 2 + 2  # 5 x 5 others' actions, rows of one entry and a self-loop


# -- the reward stream -------------------------------------------------------------------------


@pytest.mark.parametrize("scope", ["joint_state", "own_cell"])
def test_the_first_two_agents_draw_the_two_agent_stream_and_later_ones_their_own(scope):
    distribution = RewardDistribution.from_config(UNIFORM)
    pair = joint_gridworld(gridworld(2, 2))
    two = reward_stream(distribution, pair.states, 9, 0.3, scope)
    trio = joint_gridworld(gridworld(2, 2), agents=HAB)
    three = reward_stream(distribution, trio.states, 9, scope=scope, agents=HAB, correlations={"A": 0.3, "B": 1.0})
    drawn = three.rewards_by_agent(1000, 1030)  # across a block boundary
    pair_H, pair_A = two.rewards(1000, 1030)
    if scope == "own_cell":
        cells3, index3 = agent_cells(trio.states, HAB)
        cells2, _ = agent_cells(pair.states)
        assert cells2 == cells3
        per_cell = three.cell_rewards_by_agent(1000, 1030)
        np.testing.assert_array_equal(per_cell["H"], two.cell_rewards(1000, 1030)[0])
        np.testing.assert_array_equal(per_cell["A"], two.cell_rewards(1000, 1030)[1])
        np.testing.assert_array_equal(per_cell["B"], per_cell["H"])  # correlation 1
        for agent in HAB:
            np.testing.assert_array_equal(drawn[agent], per_cell[agent][:, index3[agent]])
    else:
        np.testing.assert_array_equal(
            drawn["H"][:, : pair.num_states],
            RewardStream(distribution.for_states(trio.states), 9, 0.3).rewards(1000, 1030)[0][:, : pair.num_states],
        )
        np.testing.assert_array_equal(drawn["B"], drawn["H"])
    whole = three.rewards_by_agent(990, 1040)
    for agent in HAB:
        np.testing.assert_array_equal(drawn[agent], whole[agent][10:40])
    assert pair_H.shape == (30, pair.num_states) and pair_A is not None
    with pytest.raises(ModelError, match="use rewards_by_agent"):
        three.rewards(0, 1)
    assert (
        three.fingerprint()
        != RewardStream(
            three.sampler, 9, cells=three.cells or None, agents=HAB, correlations={"A": 0.3, "B": 0.0}
        ).fingerprint()
    )


def test_later_agents_are_correlated_with_the_first_agent_as_asked():
    distribution = RewardDistribution.from_config(UNIFORM)
    agents = ("H", "A", "B", "C")
    stream = RewardStream(
        distribution.for_states([f"s{i}" for i in range(50)]),
        1,
        agents=agents,
        correlations={"A": 0.0, "B": 0.6, "C": -1.0},
    )
    drawn = stream.rewards_by_agent(0, 2000)
    first = drawn["H"].ravel()
    assert abs(np.corrcoef(first, drawn["A"].ravel())[0, 1]) < 0.02
    assert abs(np.corrcoef(first, drawn["B"].ravel())[0, 1] - 0.6) < 0.02
    np.testing.assert_allclose(drawn["C"], 1.0 - drawn["H"], atol=1e-15)
    for bad, text in (({"A": 0.0}, "every agent after H"), ({"A": 0.0, "B": 2.0, "C": 0.0}, r"\[-1, 1\]")):
        with pytest.raises(ModelError, match=text):
            RewardStream(stream.sampler, 1, agents=agents, correlations=bad)
