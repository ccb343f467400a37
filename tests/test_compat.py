"""The reference-compatible modules: the same API surface, mapped onto our model correctly."""

import inspect
import textwrap

import networkx as nx
import numpy as np
import pytest

from powerplay.compat import anim, base, dist, get, graph, learn, mdp, multi, policy, runex, viz
from powerplay.io import to_networkx, write_mdp
from powerplay.model.environments import load_mdp, load_policy
from powerplay.model.gridworld import gridworld, joint_gridworld
from powerplay.model.policy import Policy, marginalize, uniform_random_policy
from powerplay.model.rewards import RewardDistribution
from powerplay.runner.executors import run_experiment
from powerplay.runner.experiment import Experiment
from powerplay.solvers.power import SingleAgentProblem
from powerplay.solvers.values import SolverSettings

UNIFORM = {"dist_name": "uniform", "params": [0, 1]}

#: The reference README's documented signatures of ``base`` (name -> parameters with defaults).
BASE_SIGNATURES = {
    "construct_single_agent_gridworld_mdp": "(num_rows, num_cols, squares_to_delete=[], stochastic_noise_level=0, noise_bias={}, description='single-agent gridworld')",
    "construct_multiagent_gridworld_mdp": "(num_rows, num_cols, squares_to_delete=[])",
    "edit_gridworld_mdp": "(mdp_graph)",
    "construct_policy_from_mdp": "(mdp_graph, acting_agent_is_H=False)",
    "edit_gridworld_policy": "(policy_graph)",
    "single_agent_to_multiagent_policy": "(single_agent_policy_graph, acting_agent_is_H=False)",
    "view_gridworld": "(gridworld_mdp_graph)",
    "plot_mdp_or_policy": "(mdp_or_policy_graph, subgraphs_per_row=4, subgraphs_per_figure=128)",
    "save_mdp_graph": "(mdp_graph, mdp_filename)",
    "load_mdp_graph": "(mdp_filename)",
    "save_policy_graph": "(policy_graph, policy_filename)",
    "load_policy_graph": "(policy_filename)",
    "launch_experiment": "(config_filename, wandb_entity=None, wandb_project='uncategorized', number_of_workers=None, plot_as_gridworld=False, plot_distributions=False, plot_correlations=False, diagnostic_mode=False)",
    "test_vanilla": "()",
    "test_gridworld": "()",
    "test_stochastic": "()",
    "test_multiagent": "()",
    "test_reward_correlation": "()",
    "run_all_tests": "()",
    "reproduce_figure": "(post_number, fig_number)",
    "visualize_correlated_reward_samples": "(num_samples, distribution_config={'dist_name': 'uniform', 'params': [0, 1]}, correlation=0, symmetric_interval=None, random_seed=0, fig_name=None)",
    "visualize_all_correlated_reward_samples": "(num_samples, distribution_config={'dist_name': 'uniform', 'params': [0, 1]}, correlations_list=[], symmetric_interval=None, random_seed=0, fig_name='correlated_reward_animation')",
    "visualize_alignment_plots": "(sweep_id, include_baseline_powers=True, fig_name='alignment_plot_animation')",
    "visualize_average_powers": "(sweep_id, include_baseline_power=True, fig_name=None)",
    "visualize_full_gridworld_rollout": "(sweep_id, run_suffix='', initial_state='(0, 0)_H^(0, 0)_A', reward_sample_index=0, number_of_steps=20, agent_whose_rewards_are_displayed='H', fig_name='gridworld_rollout')",
    "generate_sweep_animation": "(sweep_id, animation_param, figure_prefix=None)",
}

#: The advanced functions the reference README documents, by module.
ADVANCED = {
    graph: [
        "is_graph_multiagent",
        "get_states_from_graph",
        "get_actions_from_graph",
        "get_single_agent_actions_from_joint_mdp_graph",
        "get_available_actions_from_graph_state",
        "get_available_states_and_probabilities_from_mdp_graph_state_and_action",
        "graph_to_joint_transition_tensor",
        "graph_to_full_transition_tensor",
        "graph_to_policy_tensor",
        "any_graphs_to_full_transition_tensor",
    ],
    mdp: ["add_state_action", "update_state_action", "remove_state_completely", "generate_noised_gridworlds"],
    multi: ["remove_states_with_overlapping_agents", "create_joint_multiagent_graph"],
    policy: [
        "update_state_actions",
        "single_agent_to_multiagent_policy_graph",
        "sample_optimal_policy_data_from_run",
        "simulate_policy_rollout",
        "policy_tensor_to_graph",
    ],
    get: [
        "get_properties_from_run",
        "get_sweep_run_suffixes_for_param",
        "get_sweep_type",
        "get_transition_graphs",
        "get_sweep_state_list",
    ],
    viz: ["plot_sample_aggregations", "plot_sample_distributions", "plot_sample_correlations"],
    anim: ["animate_from_filenames"],
    learn: ["value_iteration", "policy_evaluation", "find_optimal_policy", "compute_power_values"],
    runex: ["run_one_experiment"],
    dist: ["config_to_pdf_constructor", "config_to_reward_distribution", "generate_correlated_reward_samples"],
}


@pytest.mark.parametrize("name", sorted(BASE_SIGNATURES))
def test_base_signatures_match_the_reference(name):
    assert str(inspect.signature(getattr(base, name))) == BASE_SIGNATURES[name]


def test_advanced_functions_exist():
    missing = [
        f"{module.__name__}.{name}"
        for module, names in ADVANCED.items()
        for name in names
        if not callable(getattr(module, name, None))
    ]
    assert not missing
    assert "uniform" in dist.DISTRIBUTION_DICT and "jaynes_prior" in dist.DISTRIBUTION_DICT


def test_networkx_graphs_are_accepted_everywhere():
    maze = base.construct_single_agent_gridworld_mdp(3, 4, squares_to_delete=[["(0, 0)", "(1, 1)"]])
    as_graph = to_networkx(maze)
    assert isinstance(as_graph, nx.DiGraph)
    from_graph = base.construct_policy_from_mdp(as_graph)
    np.testing.assert_array_equal(from_graph.probabilities, uniform_random_policy(maze).probabilities)
    assert graph.get_states_from_graph(as_graph) == list(maze.states)
    assert multi.create_joint_multiagent_graph(as_graph).num_states == maze.num_states**2


def test_construct_and_convert():
    single = base.construct_single_agent_gridworld_mdp(
        3, 4, stochastic_noise_level=0.5, noise_bias={"left": 0.2}, description="d"
    )
    assert (
        single.name == "d"
        and single.to_dict() == gridworld(3, 4, stochastic_noise_level=0.5, noise_bias={"left": 0.2}).to_dict()
    )
    joint = base.construct_multiagent_gridworld_mdp(3, 4)
    assert joint.num_states == 144
    agent_A = base.construct_policy_from_mdp(joint)
    agent_H = base.construct_policy_from_mdp(joint, acting_agent_is_H=True)
    assert (agent_A.agent, agent_H.agent) == ("A", "H")
    lifted = base.single_agent_to_multiagent_policy(base.construct_policy_from_mdp(gridworld(3, 4)))
    assert lifted.agent == "A" and set(lifted.states) == set(joint.states)


def test_graph_queries_and_tensors():
    joint = load_mdp("joint_1x3_gridworld_with_agent_H_forbidden_from_staying_when_agent_A_is_at_far_right")
    move_left = load_policy("joint_1x3_gridworld_agent_A_move_left")
    assert graph.is_graph_multiagent(joint) and not graph.is_graph_multiagent(gridworld(1, 3))
    assert graph.get_single_agent_actions_from_joint_mdp_graph(joint) == [list(joint.actions_H), list(joint.actions_A)]
    assert "stay_H^stay_A" not in graph.get_available_actions_from_graph_state(joint, "(0, 0)_H^(0, 2)_A")
    assert graph.get_available_states_and_probabilities_from_mdp_graph_state_and_action(
        joint, "(0, 0)_H^(0, 0)_A", "right_H^stay_A"
    ) == {"(0, 1)_H^(0, 0)_A": 1.0}
    tensor = graph.graph_to_joint_transition_tensor(joint)
    assert tensor.shape == (9, 5, 5, 9) and np.allclose(tensor.sum(axis=3)[joint.action_mask], 1)
    folded = graph.any_graphs_to_full_transition_tensor(joint, move_left, acting_agent_is_H=True)
    np.testing.assert_array_equal(folded, marginalize(joint, move_left).transitions.toarray().reshape(9, 5, 9))
    # By hand: H stays at (0, 0) while A steps left from (0, 2) to (0, 1).
    assert (
        folded[
            joint.states.index("(0, 0)_H^(0, 2)_A"),
            joint.actions_H.index("right"),
            joint.states.index("(0, 1)_H^(0, 1)_A"),
        ]
        == 1
    )
    single = graph.graph_to_full_transition_tensor(gridworld(1, 2))
    assert single[0, 3, 1] == 1 and single[0, 0].sum() == 0  # 'right' moves; 'up' is unavailable
    assert graph.graph_to_policy_tensor(move_left).shape == (9, 5)
    back = policy.policy_tensor_to_graph(
        graph.graph_to_policy_tensor(uniform_random_policy(joint, "A")), joint, acting_agent_is_H=False
    )
    assert back.to_dict() == uniform_random_policy(joint, "A").to_dict()


def test_mdp_and_multi_edits():
    grid = base.construct_single_agent_gridworld_mdp(1, 3)
    edited = mdp.update_state_action(grid, "(0, 2)", {"left": {"(0, 1)": 1}}, check_closure=True)
    assert edited.available_actions("(0, 2)") == ["left"]
    assert mdp.add_state_action(grid, "pit", {"stay": {"pit": 1}}).num_states == 4
    assert mdp.remove_state_completely(grid, "(0, 2)").states == ("(0, 0)", "(0, 1)")
    assert [g.next_states("(0, 0)", "right") for g in mdp.generate_noised_gridworlds(grid, [0, 0.5])] == [
        {"(0, 1)": 1.0},
        {"(0, 0)": 0.25, "(0, 1)": 0.75},
    ]
    assert multi.remove_states_with_overlapping_agents(multi.create_joint_multiagent_graph(grid)).num_states == 6
    with pytest.raises(TypeError, match="expected an MDP graph, got policy"):
        multi.create_joint_multiagent_graph(uniform_random_policy(grid))
    stay = policy.update_state_actions(uniform_random_policy(grid), "(0, 0)", {"stay": 1})
    assert stay.to_dict()["(0, 0)"] == {"stay": 1.0}
    assert policy.single_agent_to_multiagent_policy_graph(stay, acting_agent_is_H=True).agent == "H"


def test_a_single_agent_mdp_where_a_joint_one_is_needed_and_vice_versa_is_named():
    grid = gridworld(1, 2)
    for acting_agent_is_H in (True, False):  # (False used to fail unpacking the action mask's shape)
        with pytest.raises(TypeError, match="expected a joint MDP graph, got single-agent MDP '1x2 gridworld'"):
            graph.any_graphs_to_full_transition_tensor(
                grid, uniform_random_policy(grid), acting_agent_is_H=acting_agent_is_H
            )
    joint = joint_gridworld(grid)
    with pytest.raises(TypeError, match="expected a single-agent MDP graph, got joint MDP 'joint 1x2 gridworld'"):
        multi.create_joint_multiagent_graph(joint)
    with pytest.raises(TypeError, match="expected a single-agent MDP graph, got joint MDP"):
        mdp.generate_noised_gridworlds(joint, [0.5])


# -- learn: checked against a plain numpy implementation --------------------------------


def naive_values(rewards, gamma, tensor, iterations=20000):
    """Value iteration over available actions only (rows with mass), to machine precision."""
    available = tensor.sum(axis=2) > 0
    values = np.zeros(len(rewards))
    for _ in range(iterations):
        q = np.where(available, tensor @ values, -np.inf)
        new = rewards + gamma * q.max(axis=1)
        if np.max(np.abs(new - values)) < 1e-13:
            return new
        values = new
    return values


@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.95])
def test_learn_against_numpy(gamma):
    tensor = graph.graph_to_full_transition_tensor(load_mdp("stochastic_graph_4_states"))
    rewards = np.array([-1.0, -0.5, -2.0, -0.1])  # negative: an unavailable action must not look like 0
    expected = naive_values(rewards, gamma, tensor)
    values = learn.value_iteration(rewards, gamma, tensor, convergence_threshold=1e-9)
    np.testing.assert_allclose(values, expected, atol=1e-8)
    optimal = learn.find_optimal_policy(rewards, gamma, tensor)
    assert np.allclose(optimal.sum(axis=1), 1) and np.all(optimal[tensor.sum(axis=2) == 0] == 0)
    evaluated = learn.policy_evaluation(rewards, gamma, tensor, optimal, convergence_threshold=1e-9)
    np.testing.assert_allclose(evaluated, expected, atol=1e-8)
    power = learn.compute_power_values(rewards, values, gamma, transition_tensor=tensor)
    reference = (
        SingleAgentProblem(load_mdp("stochastic_graph_4_states"), gamma, settings=SolverSettings(tolerance=1e-11))
        .solve(rewards[None])
        .power["H"][0]
    )
    np.testing.assert_allclose(power, reference, atol=1e-8)
    if gamma > 0:
        np.testing.assert_allclose(learn.compute_power_values(rewards, values, gamma), reference, atol=1e-7)
    else:
        with pytest.raises(ValueError, match="needs the transition tensor"):
            learn.compute_power_values(rewards, values, gamma)


def test_policy_evaluation_is_exact_for_a_random_policy():
    tensor = graph.graph_to_full_transition_tensor(gridworld(2, 3, stochastic_noise_level=0.2))
    pol = graph.graph_to_policy_tensor(uniform_random_policy(gridworld(2, 3, stochastic_noise_level=0.2)))
    rewards = np.random.default_rng(3).normal(size=6)
    followed = np.einsum("sa,sat->st", pol, tensor)
    exact = np.linalg.solve(np.eye(6) - 0.8 * followed, rewards)
    np.testing.assert_allclose(
        learn.policy_evaluation(rewards, 0.8, tensor, pol, convergence_threshold=1e-10), exact, atol=1e-9
    )
    bad = pol.copy()
    bad[0] = 0
    bad[0, 0] = 1  # 'up' from the top row is unavailable
    with pytest.raises(ValueError, match="state 0: the policy takes action 0, which is unavailable"):
        learn.policy_evaluation(rewards, 0.8, tensor, bad)


# -- dist and runex ----------------------------------------------------------------------


def test_dist_samplers():
    rng = np.random.default_rng(0)
    pdf = dist.config_to_pdf_constructor({"dist_name": "beta", "params": [1, 2]})
    draws = pdf(20000, rng=rng)
    assert draws.shape == (20000,) and abs(draws.mean() - 1 / 3) < 0.01
    sampler = dist.config_to_reward_distribution(
        ["a", "b", "c"], {"default_dist": UNIFORM, "state_dists": {"c": {"dist_name": "uniform", "params": [-1, 0]}}}
    )
    rewards_H = sampler([5000], rng=np.random.default_rng(1))
    assert rewards_H.shape == (5000, 3) and rewards_H[:, 2].max() <= 0 <= rewards_H[:, 0].min()
    np.testing.assert_array_equal(sampler(7, rng=np.random.default_rng(2)), sampler(7, rng=np.random.default_rng(2)))
    same = dist.generate_correlated_reward_samples(sampler, rewards_H, correlation=1, rng=rng)
    np.testing.assert_array_equal(same, rewards_H)
    mirrored = dist.generate_correlated_reward_samples(
        sampler, rewards_H, correlation=-1, symmetric_interval=[0, 1], rng=rng
    )
    np.testing.assert_allclose(mirrored[:, :2], 1 - rewards_H[:, :2])
    half = dist.generate_correlated_reward_samples(sampler, rewards_H, correlation=0.5, rng=rng)
    assert abs(np.corrcoef(half[:, 0], rewards_H[:, 0])[0, 1] - 0.5) < 0.05


def test_run_one_experiment_matches_the_runner():
    grid = gridworld(3, 3)
    config = {"default_dist": UNIFORM}
    result = runex.run_one_experiment([grid], 0.6, config, num_reward_samples=300, random_seed=4)
    expected = run_experiment(Experiment("single_agent", grid, 0.6, RewardDistribution.from_config(config), 300, 4))
    np.testing.assert_array_equal(result.power["H"], expected.power["H"])
    joint, seed = load_mdp("joint_3x3_gridworld"), load_policy("joint_3x3_gridworld_agent_A_uniform_random")
    sampler = dist.config_to_reward_distribution(joint.states, config)
    fixed = runex.run_one_experiment([joint, seed], 0.6, sampler, num_reward_samples=50, random_seed=1)
    assert set(fixed.power) == {"H"}
    both = runex.run_one_experiment(
        [joint, seed], 0.6, sampler, num_reward_samples=50, random_seed=1, reward_correlation=1
    )
    np.testing.assert_allclose(both.power["A"], both.power["H"], atol=1e-9)  # identical rewards, identical POWER


# -- files and sweeps in a working directory ----------------------------------------------


def test_save_and_load_in_the_reference_layout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    maze = base.construct_single_agent_gridworld_mdp(3, 4, squares_to_delete=[["(0, 0)", "(1, 1)"]])
    path = base.save_mdp_graph(maze, "3x4_gridworld_maze")
    assert (
        path == tmp_path / "mdps" / "3x4_gridworld_maze.yaml"
        or path.resolve() == (tmp_path / "mdps" / "3x4_gridworld_maze.yaml").resolve()
    )
    loaded = base.load_mdp_graph("3x4_gridworld_maze")
    assert loaded.states == maze.states and loaded.to_dict() == maze.to_dict()
    random_A = base.construct_policy_from_mdp(joint_gridworld(maze))
    base.save_policy_graph(random_A, "joint_3x4_gridworld_maze_agent_A_uniform_random")
    again = base.load_policy_graph("joint_3x4_gridworld_maze_agent_A_uniform_random")
    np.testing.assert_array_equal(again.probabilities, random_A.probabilities)
    # Reference .gv files dropped into mdps/ load too, and built-ins are the fallback.
    write_mdp(load_mdp("stochastic_graph_4_states"), tmp_path / "mdps" / "chain.gv")
    assert base.load_mdp_graph("chain").to_dict() == load_mdp("stochastic_graph_4_states").to_dict()
    assert base.load_mdp_graph("joint_3x3_gridworld").num_states == 81
    assert isinstance(base.load_policy_graph("joint_3x3_gridworld_agent_A_uniform_random"), Policy)
    with pytest.raises(LookupError, match="unknown MDP 'nowhere'"):
        base.load_mdp_graph("nowhere")


def test_launch_experiment_and_get(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POWERPLAY_SAMPLES", "200")
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "tiny.yaml").write_text(
        textwrap.dedent("""\
        name: tiny
        description: a tiny sweep
        program: sweep.py
        parameters:
          mdp_graph: {value: mine}
          discount_rate: {values: [0.2, 0.8], names: ["0p2", "0p8"]}
          reward_distribution: {value: {default_dist: {dist_name: uniform, params: [0, 1]}, allow_all_equal_rewards: true}}
          num_reward_samples: {value: 100000}
          convergence_threshold: {value: 0.0001}
          random_seed: {value: 0}
        """)
    )
    base.save_mdp_graph(gridworld(2, 2), "mine")
    sweep = base.launch_experiment("tiny.yaml")
    assert sweep.path.name == "0001-tiny"
    assert get.get_sweep_type("0001") == "single_agent"
    assert get.get_sweep_run_suffixes_for_param("0001", "discount_rate") == ["discount_rate__0p2", "discount_rate__0p8"]
    assert get.get_sweep_state_list("0001") == list(gridworld(2, 2).states)
    props = get.get_properties_from_run("0001", run_suffix="discount_rate__0p8")
    assert props["discount_rate"] == 0.8 and props["power_samples"].shape == (200, 4)
    (mdp_used,) = props["transition_graphs"]
    assert mdp_used.to_dict() == gridworld(2, 2).to_dict()
    # A 2x2 grid is symmetric: every state has the same POWER, within a few standard errors.
    powers = props["power_samples"]
    spread = powers.mean(axis=0).max() - powers.mean(axis=0).min()
    assert spread < 6 * powers.std(axis=0, ddof=1).max() / np.sqrt(200)
    assert get.get_sweep_run_results("0001", "discount_rate__0p2")["discount_rate"] == 0.2
    # Inspecting one reward sample: its optimal policy, and a rollout following it.
    data = policy.sample_optimal_policy_data_from_run(props, reward_sample_index=3)
    rewards = props["reward_samples"][3]
    np.testing.assert_array_equal(data["reward_function_H"], rewards)
    tensor = graph.graph_to_full_transition_tensor(mdp_used)
    np.testing.assert_array_equal(data["policy_graph_H"].probabilities, learn.find_optimal_policy(rewards, 0.8, tensor))
    rollout = policy.simulate_policy_rollout("(0, 0)", data["policy_graph_H"], mdp_used, number_of_steps=6)
    assert len(rollout) == 7 and rollout[0] == "(0, 0)"
    # With rewards on states, an optimal agent settles within a few moves in a cell where staying is optimal.
    assert rollout[-1] == rollout[-2] and data["policy_graph_H"].to_dict()[rollout[-1]].get("stay", 0) > 0


def test_joint_rollout_moves_both_agents():
    joint = load_mdp("joint_1x3_gridworld_with_agent_H_forbidden_from_staying_when_agent_A_is_at_far_right")
    random_H = base.construct_policy_from_mdp(joint, acting_agent_is_H=True)
    move_left = load_policy("joint_1x3_gridworld_agent_A_move_left")
    rollout = policy.simulate_policy_rollout(
        "(0, 0)_H^(0, 2)_A", random_H, joint, policy_graph_A=move_left, number_of_steps=5, random_seed=1
    )
    assert len(rollout) == 6
    assert [state.split("_H^")[1] for state in rollout] == [
        "(0, 2)_A",
        "(0, 1)_A",
        "(0, 0)_A",
        "(0, 0)_A",
        "(0, 0)_A",
        "(0, 0)_A",
    ]
    again = policy.simulate_policy_rollout(
        "(0, 0)_H^(0, 2)_A", random_H, joint, policy_graph_A=move_left, number_of_steps=5, random_seed=1
    )
    assert again == rollout


def test_a_test_function_runs_and_checks(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POWERPLAY_SAMPLES", "300")
    outcome = base.test_stochastic()
    assert outcome.passed and outcome.checks
    assert "test_stochastic: passed" in capsys.readouterr().out
    assert (tmp_path / "expts" / "0001-test_stochastic").is_dir()
