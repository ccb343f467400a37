"""``powerplay plot ...``: each command writes its figure and names it; bad input is one line."""

import imageio.v3 as iio
import pytest
from typer.testing import CliRunner

from powerplay.interfaces.cli import app
from powerplay.interfaces.plot_commands import iter_commands
from test_figures_fixtures import BETA_SWEEP, make_sweep

RUNNER = CliRunner()


def _invoke(*args):
    result = RUNNER.invoke(app, ["plot", *args])
    return result.exit_code, result.output


def _figures(output: str) -> list[str]:
    return [line.removeprefix("Figure available in ").strip() for line in output.splitlines() if line.startswith("Figure available in ")]




@pytest.fixture(scope="module")
def beta_sweep(tmp_path_factory):
    """A joint 3x3 sweep over three values of beta, in diagnostic mode, with its heat maps."""
    folder = tmp_path_factory.mktemp("plots")
    return folder, make_sweep(folder / "expts", BETA_SWEEP, diagnostic=True, render_figures=True)


def test_every_command_is_documented_in_the_help():
    code, output = _invoke("--help")
    assert code == 0
    for name in iter_commands():
        assert name in output


def test_environment_and_reward_figures(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, output = _invoke("view", "7x7_gridworld_maze")
    assert code == 0 and _figures(output) == ["temp/gridworld-7x7_gridworld_maze.png"]
    code, output = _invoke("rewards", "--correlation", "0.5", "--samples", "200")
    assert code == 0 and iio.imread(_figures(output)[0]).ndim == 3
    code, output = _invoke("rewards", "--correlation", "-1", "--correlation", "0", "--correlation", "1")
    assert code == 0
    assert iio.imread(_figures(output)[0], index=None).shape[0] >= 3  # one frame per correlation at least


def test_sweep_figures(beta_sweep, monkeypatch):
    folder, sweep = beta_sweep
    monkeypatch.chdir(folder)
    for args in (["alpha", sweep.sweep_id], ["average-powers", sweep.sweep_id],
                 ["power", sweep.sweep_id, "--param", "reward_correlation", "--state", "(1, 1)_H^(0, 0)_A"]):
        code, output = _invoke(*args)
        assert code == 0, output
        (path,) = _figures(output)
        assert (folder / path).stat().st_size > 0
    code, output = _invoke("alignment", sweep.sweep_id)
    assert code == 0
    assert iio.imread(folder / _figures(output)[0], index=None).shape[0] >= 3  # one frame per beta
    code, output = _invoke("animate", sweep.sweep_id, "reward_correlation", "--figure-prefix", "POWER_means-agent_A")
    assert code == 0 and _figures(output)[0].startswith(str(sweep.path.relative_to(folder)))


@pytest.mark.parametrize(
    "args, message",
    [
        (["view", "no_such_mdp"], "unknown MDP 'no_such_mdp'"),
        (["power", "0042"], "no sweep '0042'"),
        (["rewards", "--dist", "gauss"], "unknown distribution 'gauss'"),
        (["rewards", "--dist", "beta", "--param", "1", "--param", "2", "--correlation", "-0.5"], "symmetric"),
    ],
)
def test_bad_input_is_one_line(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, output = _invoke(*args)
    assert code == 2
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]
