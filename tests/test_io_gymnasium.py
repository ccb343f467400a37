"""MDPs from Gymnasium's tabular environments (skipped cleanly without gymnasium)."""

import sys

import numpy as np
import pytest

from powerplay.errors import DependencyMissing, ModelError
from powerplay.io import from_gymnasium
from powerplay.model.rewards import RewardDistribution
from powerplay.runner.executors import run_experiment
from powerplay.runner.experiment import Experiment

gymnasium = pytest.importorskip("gymnasium")


def make(family: str):
    """The newest registered version of an environment family (names change across gymnasium releases)."""
    versions = [key for key in gymnasium.registry if key.startswith(f"{family}-v")]
    return gymnasium.make(max(versions, key=lambda key: int(key.rsplit("-v", 1)[1])))


HOLES = ["(1, 1)", "(1, 3)", "(2, 3)", "(3, 0)"]
GOAL = "(3, 3)"


@pytest.fixture(scope="module")
def lake():
    return from_gymnasium(gymnasium.make("FrozenLake-v1"))


def test_frozen_lake_structure(lake):
    assert lake.num_states == 16 and lake.actions == ("left", "down", "right", "up")
    assert lake.name == "FrozenLake-v1"
    # Slippery ice: the intended move or either perpendicular one, a third each.
    outcome = lake.next_states("(0, 0)", "down")
    assert outcome.keys() == {"(0, 0)", "(1, 0)", "(0, 1)"}
    assert np.allclose(list(outcome.values()), 1 / 3)
    for terminal in HOLES + [GOAL]:
        assert all(lake.next_states(terminal, a) == {terminal: 1.0} for a in lake.actions)


def test_deterministic_lake():
    lake = from_gymnasium(gymnasium.make("FrozenLake-v1", is_slippery=False))
    assert lake.next_states("(0, 0)", "right") == {"(0, 1)": 1.0}
    assert lake.next_states("(0, 0)", "left") == {"(0, 0)": 1.0}


def test_frozen_lake_power(lake):
    uniform = RewardDistribution.from_config({"default_dist": {"dist_name": "uniform", "params": [0, 1]}})
    result = run_experiment(Experiment("single_agent", lake, 0.9, uniform, 400, random_seed=0))
    power = result.power["H"]
    index = {s: i for i, s in enumerate(lake.states)}
    # An absorbing state's POWER sample is exactly its own reward (it can never leave).
    for terminal in HOLES + [GOAL]:
        np.testing.assert_allclose(power[:, index[terminal]], result.rewards["H"][:, index[terminal]], atol=1e-4)
    # Frozen cells can still reach many states, so they beat the holes' mean of 1/2.
    frozen = [i for s, i in index.items() if s not in HOLES + [GOAL]]
    assert power[:, frozen].mean() > power[:, [index[h] for h in HOLES]].mean() + 5 * result.power_sem("H").max()


def test_cliff_walking_and_taxi():
    cliff = from_gymnasium(make("CliffWalking"))
    assert cliff.num_states == 48 and cliff.actions == ("up", "right", "down", "left")
    # Stepping into the cliff sends the agent back to the start, (3, 0).
    assert cliff.next_states("(2, 1)", "down") == {"(3, 0)": 1.0}
    assert cliff.next_states("(3, 11)", "up") == {"(3, 11)": 1.0}  # the goal is absorbing
    taxi = from_gymnasium(make("Taxi"))
    assert taxi.actions == ("south", "north", "east", "west", "pickup", "dropoff")
    assert taxi.states[:2] == ("0", "1")
    # Delivering the passenger ends the episode; the delivered state can also be entered
    # without ending it, so the ending move leads to an absorbing copy.
    assert taxi.num_states == 504
    assert taxi.next_states("16", "dropoff") == {"0 (terminated)": 1.0}
    assert taxi.next_states("0 (terminated)", "north") == {"0 (terminated)": 1.0}
    assert taxi.next_states("20", "west") == {"0": 1.0}


def test_custom_labels_and_errors():
    class Tiny:
        P = {0: {0: [(1.0, 1, 5.0, False)]}, 1: {0: [(0.5, 0, 0.0, False), (0.5, 1, 0.0, True)]}}

    copied = from_gymnasium(Tiny())
    assert copied.next_states("1", "0") == {"0": 0.5, "1 (terminated)": 0.5}
    assert copied.next_states("1 (terminated)", "0") == {"1 (terminated)": 1.0}
    Tiny.P[1][0] = [(1.0, 0, 0.0, False)]
    mdp = from_gymnasium(Tiny(), state_labels=["start", "end"], action_labels=["go"], name="tiny")
    assert mdp.to_dict() == {"start": {"go": {"end": 1.0}}, "end": {"go": {"start": 1.0}}}
    with pytest.raises(ValueError, match="has no transition table"):
        from_gymnasium(object())


def test_an_environment_id_is_made_with_its_options():
    by_id = from_gymnasium("FrozenLake-v1", is_slippery=False)
    made = from_gymnasium(gymnasium.make("FrozenLake-v1", is_slippery=False))
    assert by_id.states == made.states and by_id.to_dict() == made.to_dict()
    assert by_id.next_states("(0, 0)", "right") == {"(0, 1)": 1.0}  # not slippery: the option was passed


def test_an_unknown_environment_id_is_one_line():
    with pytest.raises(ModelError, match="Gymnasium environment 'NoSuchLake-v9'") as caught:
        from_gymnasium("NoSuchLake-v9")
    assert "\n" not in str(caught.value)
    with pytest.raises(ModelError, match="pass an environment id"):
        from_gymnasium(gymnasium.make("FrozenLake-v1"), is_slippery=False)


def test_an_environment_id_without_gymnasium_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "gymnasium", None)  # as if not installed
    with pytest.raises(DependencyMissing, match=r"pip install 'powerplay\[gym\]'"):
        from_gymnasium("FrozenLake-v1")
