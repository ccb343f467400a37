"""Two-agent results recorded from main before the N-agent solvers, to pin them bit for bit.

:func:`digests` computes every case and returns ``{case: sha256 prefix}`` of the POWER arrays,
convergence records and policies of :class:`~powerplay.solvers.power.MultiAgentProblem`, and of
the reward streams' draws. ``tests/test_agents_solver.py`` compares them with :data:`RECORDED`,
the digests this module printed on main at commit 9a22cdf (``python tests/two_agent_baseline.py``).
"""

from __future__ import annotations

import hashlib

import numpy as np

from powerplay.model.environments import load_mdp
from powerplay.model.gridworld import gridworld, joint_gridworld
from powerplay.model.policies import random_deterministic_policy
from powerplay.model.policy import uniform_random_policy
from powerplay.model.rewards import RewardDistribution, RewardStream, reward_stream
from powerplay.solvers.power import MultiAgentProblem

UNIFORM = {"default_dist": {"dist_name": "uniform", "params": [0, 1]}}
BERNOULLI = {"default_dist": {"dist_name": "bernoulli", "params": [0.1]}}


def _digest(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        h.update(str((array.dtype.str, array.shape)).encode())
        h.update(array.tobytes())
    return h.hexdigest()[:24]


def _problem_cases():
    part3 = load_mdp("joint_7x7_gridworld_maze_no_overlaps")
    noisy = joint_gridworld(gridworld(3, 3, stochastic_noise_level=0.2), interaction="allow")
    for env, joint, samples in (("part3", part3, 40), ("noisy3x3", noisy, 64)):
        seeds = {
            "uniform": uniform_random_policy(joint, "A"),
            "deterministic": random_deterministic_policy(joint, "A", seed=4),
        }
        for gamma in (0.1, 0.9, 0.99):
            yield f"{env}-uniform-{gamma}", joint, seeds["uniform"], gamma, gamma, UNIFORM, samples
        yield f"{env}-bernoulli-0.9", joint, seeds["uniform"], 0.9, 0.9, BERNOULLI, samples
        yield f"{env}-mixed-gammas", joint, seeds["uniform"], 0.9, 0.99, UNIFORM, samples
        yield f"{env}-deterministic-seed", joint, seeds["deterministic"], 0.9, 0.9, BERNOULLI, samples


def digests() -> dict[str, str]:
    """``{case: digest}`` for every two-agent case (POWER, convergence, policies, streams)."""
    out: dict[str, str] = {}
    for name, joint, seed, gamma_H, gamma_A, dist, samples in _problem_cases():
        sampler = RewardDistribution.from_config(dist).for_states(joint.states)
        rewards_H, rewards_A = RewardStream(sampler, 11, correlation=0.25).rewards(0, samples)
        problem = MultiAgentProblem(joint, seed, gamma_H, gamma_A, diagnostic=True)
        batch = problem.solve(rewards_H, rewards_A)
        for key, power in batch.power.items():
            out[f"{name}/power/{key}"] = _digest(power)
        for stage, conv in batch.convergence.items():
            out[f"{name}/convergence/{stage}"] = _digest(conv.iterations, conv.bound, conv.capped)
        out[f"{name}/order"] = ",".join([*batch.power, "|", *batch.convergence])
        policies = problem.policies(rewards_H, rewards_A)
        out[f"{name}/policies"] = _digest(policies["H"], policies["A"])
    # Reward streams: one agent, two agents at several correlations, own-cell rewards.
    part3 = load_mdp("joint_7x7_gridworld_maze_no_overlaps")
    distribution = RewardDistribution.from_config(UNIFORM)
    for correlation in (None, 0.0, 0.5, -0.5, 1.0):
        for scope in ("joint_state", "own_cell"):
            stream = reward_stream(distribution, part3.states, 3, correlation, scope)
            drawn = stream.rewards(1000, 1100)  # crosses a block boundary
            out[f"stream/{scope}/{correlation}"] = _digest(*(x for x in drawn if x is not None))
            out[f"stream/{scope}/{correlation}/fingerprint"] = stream.fingerprint()[:24]
    return out


#: Printed on main at 9a22cdf (before the N-agent solvers).
RECORDED: dict[str, str] = {
    "part3-uniform-0.1/power/H": "f8a98721ab54f683f49d1335",
    "part3-uniform-0.1/power/A": "7b3fef38b67473511149fdc2",
    "part3-uniform-0.1/power/H_against_seed": "fff3307486d599da54331629",
    "part3-uniform-0.1/power/A_seed": "a3fbdb0693cd2d4ca1d6c65f",
    "part3-uniform-0.1/convergence/H_against_seed": "5ebfea4ff81af228e42743ce",
    "part3-uniform-0.1/convergence/A": "23f1adf16022d4164cc4527b",
    "part3-uniform-0.1/convergence/H": "95bddd73c62a6d2de80fc868",
    "part3-uniform-0.1/convergence/A_seed": "8fcb6f294c3db8b542e5e831",
    "part3-uniform-0.1/order": "H,A,H_against_seed,A_seed,|,H_against_seed,A,H,A_seed",
    "part3-uniform-0.1/policies": "5adeea352ab9ba7b967de59c",
    "part3-uniform-0.9/power/H": "31531aa5dbdb872fb0bd7baf",
    "part3-uniform-0.9/power/A": "777ba68e696d6e710dffdc39",
    "part3-uniform-0.9/power/H_against_seed": "c5986a6e561b8f2dd6568889",
    "part3-uniform-0.9/power/A_seed": "4d5f4323ae66db8e1da76c06",
    "part3-uniform-0.9/convergence/H_against_seed": "5cbeb0c295c69981d67f9ea9",
    "part3-uniform-0.9/convergence/A": "f547be947ba0f19ad924ab9e",
    "part3-uniform-0.9/convergence/H": "ee3e62474f7033474eb9f124",
    "part3-uniform-0.9/convergence/A_seed": "fc1360f5ef9d0b83a8bfd857",
    "part3-uniform-0.9/order": "H,A,H_against_seed,A_seed,|,H_against_seed,A,H,A_seed",
    "part3-uniform-0.9/policies": "1bd1ce849387a0228b42a97b",
    "part3-uniform-0.99/power/H": "bd269b9388d4b247ae3da610",
    "part3-uniform-0.99/power/A": "fabe2b477baa63a22aa89836",
    "part3-uniform-0.99/power/H_against_seed": "a7a620f3d5dbf8a01e9d6596",
    "part3-uniform-0.99/power/A_seed": "64a175ae5361f1e57b15688a",
    "part3-uniform-0.99/convergence/H_against_seed": "ada64eee4f3d0cb56fdf9d3c",
    "part3-uniform-0.99/convergence/A": "a045ba585396ec6e123191ea",
    "part3-uniform-0.99/convergence/H": "16138175183274668f12774f",
    "part3-uniform-0.99/convergence/A_seed": "d67f2cf44c6037e72b816ee2",
    "part3-uniform-0.99/order": "H,A,H_against_seed,A_seed,|,H_against_seed,A,H,A_seed",
    "part3-uniform-0.99/policies": "f6a1b6cdf8ec05eb4cb99bcd",
    "part3-bernoulli-0.9/power/H": "a023e6b324e34e20830da90d",
    "part3-bernoulli-0.9/power/A": "e9fff4898f86b3928c349435",
    "part3-bernoulli-0.9/power/H_against_seed": "d5a67378789bed487049d109",
    "part3-bernoulli-0.9/power/A_seed": "7741d0907181c0e92c286161",
    "part3-bernoulli-0.9/convergence/H_against_seed": "e9d717d24dd4c1648c19c7e8",
    "part3-bernoulli-0.9/convergence/A": "2749273a1a0c6c07d7e7abd7",
    "part3-bernoulli-0.9/convergence/H": "f7eeb84aa1fb7967b137265f",
    "part3-bernoulli-0.9/convergence/A_seed": "d8385a267c6c72a04fc63788",
    "part3-bernoulli-0.9/order": "H,A,H_against_seed,A_seed,|,H_against_seed,A,H,A_seed",
    "part3-bernoulli-0.9/policies": "06f8464e9049042d4f1b617a",
    "part3-mixed-gammas/power/H": "e5794dccec1b2d2540fc27cf",
    "part3-mixed-gammas/power/A": "36e8e38be41cddef21ab0de1",
    "part3-mixed-gammas/power/H_against_seed": "c5986a6e561b8f2dd6568889",
    "part3-mixed-gammas/power/A_seed": "aaa28f3757b14e1e75dedb11",
    "part3-mixed-gammas/convergence/H_against_seed": "5cbeb0c295c69981d67f9ea9",
    "part3-mixed-gammas/convergence/A": "69cfb43a554913702b72fd3b",
    "part3-mixed-gammas/convergence/H": "5602c54b25e0db1aa7b90075",
    "part3-mixed-gammas/convergence/A_seed": "ca1b420f3e8d7c9110fd6868",
    "part3-mixed-gammas/order": "H,A,H_against_seed,A_seed,|,H_against_seed,A,H,A_seed",
    "part3-mixed-gammas/policies": "e17c95a3320708ac31441f6a",
    "part3-deterministic-seed/power/H": "c4f8ea653315d7b389d487e6",
    "part3-deterministic-seed/power/A": "4fe90f17524bc3c98314070b",
    "part3-deterministic-seed/power/H_against_seed": "47f5de81c8ccdf8ad2f81b29",
    "part3-deterministic-seed/power/A_seed": "9e0a7ecf0a72b4ac0f82435b",
    "part3-deterministic-seed/convergence/H_against_seed": "4aae7a8980915ceacb0f68b3",
    "part3-deterministic-seed/convergence/A": "0a93bf95e115eb1a12b37a95",
    "part3-deterministic-seed/convergence/H": "b370710d20e77f3c79e1dd39",
    "part3-deterministic-seed/convergence/A_seed": "8891f271df3f834f6974304f",
    "part3-deterministic-seed/order": "H,A,H_against_seed,A_seed,|,H_against_seed,A,H,A_seed",
    "part3-deterministic-seed/policies": "f2e7c9b2392189138d4ea9d7",
    "noisy3x3-uniform-0.1/power/H": "45ea1afd3d3530fc121f17d1",
    "noisy3x3-uniform-0.1/power/A": "a9351da8ce954d118d12df62",
    "noisy3x3-uniform-0.1/power/H_against_seed": "1e2e87ed758ca94eaa8f4695",
    "noisy3x3-uniform-0.1/power/A_seed": "72c7d9baf1c6da3288cea70c",
    "noisy3x3-uniform-0.1/convergence/H_against_seed": "7c2bff0bd6eb932597e4f353",
    "noisy3x3-uniform-0.1/convergence/A": "de0eb6581ad74176fa76ec21",
    "noisy3x3-uniform-0.1/convergence/H": "d0cf5d3af589b7f8ca1e7e79",
    "noisy3x3-uniform-0.1/convergence/A_seed": "ce5a1083da0962b4eddb2334",
    "noisy3x3-uniform-0.1/order": "H,A,H_against_seed,A_seed,|,H_against_seed,A,H,A_seed",
    "noisy3x3-uniform-0.1/policies": "9388ca2351c756698fabcbfe",
    "noisy3x3-uniform-0.9/power/H": "fc221f17a1e971e3bf29baa3",
    "noisy3x3-uniform-0.9/power/A": "1fbaeccb505c90869af1ea7a",
    "noisy3x3-uniform-0.9/power/H_against_seed": "1b6bad4b40ab999ba8a7b507",
    "noisy3x3-uniform-0.9/power/A_seed": "3b41da61c87789fa7304f45a",
    "noisy3x3-uniform-0.9/convergence/H_against_seed": "e189531f178e254e4d1eb282",
    "noisy3x3-uniform-0.9/convergence/A": "d52013ddf8faa2e52e4ed3dd",
    "noisy3x3-uniform-0.9/convergence/H": "c53190dcc04a2f17d7d919d4",
    "noisy3x3-uniform-0.9/convergence/A_seed": "f5e337a7c689702c6fe9d7c2",
    "noisy3x3-uniform-0.9/order": "H,A,H_against_seed,A_seed,|,H_against_seed,A,H,A_seed",
    "noisy3x3-uniform-0.9/policies": "72be52999c78948fd25e2552",
    "noisy3x3-uniform-0.99/power/H": "ee02ebac765620478f9065e2",
    "noisy3x3-uniform-0.99/power/A": "df293534c432a590ce139c62",
    "noisy3x3-uniform-0.99/power/H_against_seed": "0e94d9dfdc7488fa68f65b35",
    "noisy3x3-uniform-0.99/power/A_seed": "53305220a243d45a3f706e4e",
    "noisy3x3-uniform-0.99/convergence/H_against_seed": "bfd47b453735ed08536c7e8d",
    "noisy3x3-uniform-0.99/convergence/A": "71d212d71977d3edd57de1fd",
    "noisy3x3-uniform-0.99/convergence/H": "7b66913217c74d1d2de88577",
    "noisy3x3-uniform-0.99/convergence/A_seed": "92128321d9ec2fe3719f82d4",
    "noisy3x3-uniform-0.99/order": "H,A,H_against_seed,A_seed,|,H_against_seed,A,H,A_seed",
    "noisy3x3-uniform-0.99/policies": "188a92325a6c1f369dae4573",
    "noisy3x3-bernoulli-0.9/power/H": "41ea45a15776f6aebb4c26ec",
    "noisy3x3-bernoulli-0.9/power/A": "3b118b9d59d1ea55743a0b0a",
    "noisy3x3-bernoulli-0.9/power/H_against_seed": "b32be81a95a5664ab98af05e",
    "noisy3x3-bernoulli-0.9/power/A_seed": "95d4fb0d12d118a97fd7ba31",
    "noisy3x3-bernoulli-0.9/convergence/H_against_seed": "72f19a0e9ac56b5ec22d5881",
    "noisy3x3-bernoulli-0.9/convergence/A": "6d9c38794e4b0d33109df3a1",
    "noisy3x3-bernoulli-0.9/convergence/H": "20d06cf363cb20d0b9df3379",
    "noisy3x3-bernoulli-0.9/convergence/A_seed": "b638f9f0a7cc41178f0e2360",
    "noisy3x3-bernoulli-0.9/order": "H,A,H_against_seed,A_seed,|,H_against_seed,A,H,A_seed",
    "noisy3x3-bernoulli-0.9/policies": "4c88dd7ed7a7309e1ed6fa6d",
    "noisy3x3-mixed-gammas/power/H": "a59f72f28ccce0dad5b049ab",
    "noisy3x3-mixed-gammas/power/A": "0629fbf8d9a3410cae86abd3",
    "noisy3x3-mixed-gammas/power/H_against_seed": "1b6bad4b40ab999ba8a7b507",
    "noisy3x3-mixed-gammas/power/A_seed": "9ad20f9c626e0f6d1ba0c55b",
    "noisy3x3-mixed-gammas/convergence/H_against_seed": "e189531f178e254e4d1eb282",
    "noisy3x3-mixed-gammas/convergence/A": "148bd9c5270b732f785e9c6b",
    "noisy3x3-mixed-gammas/convergence/H": "540e8a8faade4975d6fd2fc9",
    "noisy3x3-mixed-gammas/convergence/A_seed": "d56451fda7542e43350f8b57",
    "noisy3x3-mixed-gammas/order": "H,A,H_against_seed,A_seed,|,H_against_seed,A,H,A_seed",
    "noisy3x3-mixed-gammas/policies": "918ec59b636b6bd8f225054d",
    "noisy3x3-deterministic-seed/power/H": "4743f55d66cdb8f0f6696639",
    "noisy3x3-deterministic-seed/power/A": "36521ce7461f5685831933b1",
    "noisy3x3-deterministic-seed/power/H_against_seed": "5403d4e216f2efba9e9182d1",
    "noisy3x3-deterministic-seed/power/A_seed": "7f6ca8ff23b6f61707e16506",
    "noisy3x3-deterministic-seed/convergence/H_against_seed": "b324038d60cedb1c1ae797f8",
    "noisy3x3-deterministic-seed/convergence/A": "d867ab7e22529aaa7251ea56",
    "noisy3x3-deterministic-seed/convergence/H": "e8ce5b24fd64da526c62dee9",
    "noisy3x3-deterministic-seed/convergence/A_seed": "0c03780ceba545bc1acb73bc",
    "noisy3x3-deterministic-seed/order": "H,A,H_against_seed,A_seed,|,H_against_seed,A,H,A_seed",
    "noisy3x3-deterministic-seed/policies": "b64d660b0c17da4e8100c5d3",
    "stream/joint_state/None": "11d459dbc060ed303dc6ee8e",
    "stream/joint_state/None/fingerprint": "146b693204fbcc7d78d8943d",
    "stream/own_cell/None": "6226a7ab05cf62362dc64d21",
    "stream/own_cell/None/fingerprint": "02b97d7e4fefe977ada183cd",
    "stream/joint_state/0.0": "d022f5b48eb2932977e4823b",
    "stream/joint_state/0.0/fingerprint": "d5615262f32894eca78ac76b",
    "stream/own_cell/0.0": "2cb7700d9c4a5095337d9585",
    "stream/own_cell/0.0/fingerprint": "b63c2313a74b310e55e19827",
    "stream/joint_state/0.5": "af2d7bf83392b8d0731e03ed",
    "stream/joint_state/0.5/fingerprint": "8a20bf1070858a31adb21e09",
    "stream/own_cell/0.5": "64df26101371a3816fe8d51f",
    "stream/own_cell/0.5/fingerprint": "ad4c5804ee52ce8018eb4cf2",
    "stream/joint_state/-0.5": "838025e5ab9ea0a9fb03e329",
    "stream/joint_state/-0.5/fingerprint": "c29c917783b0668c1c9fdf0a",
    "stream/own_cell/-0.5": "44f1a8b187349013e3f20cba",
    "stream/own_cell/-0.5/fingerprint": "2a69db7f0e733663573c8b99",
    "stream/joint_state/1.0": "3085cf6552030a976f999837",
    "stream/joint_state/1.0/fingerprint": "42965e602828c96d755eb104",
    "stream/own_cell/1.0": "acc3c9893c7164720ff5e238",
    "stream/own_cell/1.0/fingerprint": "2c1ce271107d12db939fb1a3",
}


if __name__ == "__main__":
    import json

    print(json.dumps(digests(), indent=4))
