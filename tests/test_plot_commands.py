"""``powerplay plot ...``: each command writes its figure and names exactly that file; bad input is one line."""

from pathlib import Path

import imageio.v3 as iio
import pytest
from test_figures_fixtures import BETA_SWEEP, make_sweep
from test_figures_sweeps import DISTRIBUTIONS, TWO_GAMMAS
from typer.testing import CliRunner

from powerplay.errors import ResourceLimitError
from powerplay.interfaces.cli import app
from powerplay.interfaces.plot_commands import iter_commands, parse_fixed

RUNNER = CliRunner()


def _invoke(*args):
    result = RUNNER.invoke(app, ["plot", *args])
    return result.exit_code, result.stdout, result.stderr


def _figures(output: str) -> list[str]:
    return [
        line.removeprefix("Figure available in ").strip()
        for line in output.splitlines()
        if line.startswith("Figure available in ")
    ]


def _new_files(folder: Path, before: set) -> set:
    return {p for p in folder.rglob("*") if p.is_file()} - before


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    """A joint 3x3 sweep over three values of beta (diagnostic, with its heat maps), and two small sweeps."""
    folder = tmp_path_factory.mktemp("plots")
    beta = make_sweep(folder / "expts", BETA_SWEEP, diagnostic=True, render_figures=True)
    gammas = make_sweep(folder / "expts", TWO_GAMMAS)
    distributions = make_sweep(folder / "expts", DISTRIBUTIONS)
    return folder, beta, gammas, distributions


def test_every_command_is_documented_in_the_help():
    code, output, _ = _invoke("--help")
    assert code == 0
    for name in iter_commands():
        assert name in output


def test_environment_and_reward_figures(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, output, _ = _invoke("view", "7x7_gridworld_maze")
    assert code == 0 and _figures(output) == ["temp/gridworld-7x7_gridworld_maze.png"]
    code, output, _ = _invoke("rewards", "--correlation", "0.5", "--samples", "200")
    assert code == 0 and _figures(output) == ["temp/correlated_rewards-uniform_0_1-0.5.png"]
    assert iio.imread(_figures(output)[0]).ndim == 3
    code, output, _ = _invoke("rewards", "--correlation", "-1", "--correlation", "0", "--correlation", "1")
    assert code == 0
    assert iio.imread(_figures(output)[0], index=None).shape[0] == 3  # one frame per correlation


@pytest.mark.parametrize("how", ["id", "folder name", "path"])
def test_sweep_figures_announce_exactly_the_files_written(sweeps, monkeypatch, how):
    folder, sweep, _, _ = sweeps
    monkeypatch.chdir(folder)
    name = {"id": sweep.sweep_id, "folder name": sweep.path.name, "path": f"expts/{sweep.path.name}"}[how]
    for args in (
        ["alpha", name],
        ["average-powers", name],
        ["power", name, "--param", "reward_correlation", "--state", "(1, 1)_H^(0, 0)_A"],
        ["alignment", name],
    ):
        before = {p for p in folder.rglob("*") if p.is_file()}
        code, output, errors = _invoke(*args)
        assert code == 0, errors
        announced = {(folder / p).resolve() for p in _figures(output)}
        written = {p.resolve() for p in _new_files(folder, before)}
        assert announced and announced <= {p.resolve() for p in folder.rglob("*") if p.is_file()}
        assert written <= announced  # nothing written that was not announced
        for path in announced:  # names come from the sweep folder, never from the path typed
            assert " " not in path.name and "expts" not in path.name
            assert sweep.path.name in path.name or path.name == "alignment_plot_animation.gif"
    code, output, _ = _invoke("animate", name, "reward_correlation", "--figure-prefix", "POWER_means-agent_A")
    assert code == 0 and _figures(output)[0].startswith(str(sweep.path.relative_to(folder)))


def test_fixed_option_holds_other_swept_parameters(sweeps, monkeypatch):
    folder, _, gammas, _ = sweeps
    monkeypatch.chdir(folder)
    code, output, errors = _invoke(
        "alpha", gammas.sweep_id, "--param", "discount_rate", "--fixed", "discount_rate_agent_A=0p9"
    )
    assert code == 0, errors
    (path,) = _figures(output)
    assert path.endswith(f"{gammas.path.name}-discount_rate_agent_A__0p9.png")
    for command in ("average-powers", "power", "alignment"):
        code, output, errors = _invoke(
            command, gammas.sweep_id, "--param", "discount_rate", "--fixed", "discount_rate_agent_A=0.9"
        )
        assert code == 0, errors
    code, output, errors = _invoke("animate", gammas.sweep_id, "discount_rate", "--fixed", "discount_rate_agent_A=0.5")
    assert code == 0, errors


def test_log_one_minus_gamma_option(sweeps, monkeypatch):
    folder, _, gammas, _ = sweeps
    monkeypatch.chdir(folder)
    for command in ("alpha", "average-powers", "power"):
        code, output, errors = _invoke(command, gammas.sweep_id, "--param", "discount_rate", "--log-one-minus-gamma")
        assert code == 0, errors
        assert _figures(output)[0].endswith("-log_one_minus_gamma.png")


def test_mapping_valued_parameter_is_a_categorical_axis_not_a_crash(sweeps, monkeypatch):
    folder, _, _, distributions = sweeps
    monkeypatch.chdir(folder)
    code, output, errors = _invoke("alpha", distributions.sweep_id, "--param", "reward_distribution")
    assert code == 0, errors
    assert (folder / _figures(output)[0]).is_file()
    code, output, errors = _invoke("average-powers", distributions.sweep_id, "--param", "reward_distribution")
    assert code == 0, errors


def test_warnings_are_one_line_without_source(sweeps, monkeypatch):
    folder, _, gammas, _ = sweeps
    monkeypatch.chdir(folder)
    code, _output, errors = _invoke("alignment", gammas.sweep_id, "--param", "discount_rate")
    assert code == 0
    lines = [line for line in errors.splitlines() if line.strip()]
    assert lines and all(line.startswith("warning: ") for line in lines), lines
    assert any("no baseline POWERs" in line for line in lines)


def test_parse_fixed_reads_numbers_names_and_mappings():
    assert parse_fixed(["discount_rate_agent_A=0.99", "reward_correlation=0p5", "n=3"]) == {
        "discount_rate_agent_A": 0.99,
        "reward_correlation": "0p5",
        "n": 3,
    }
    assert parse_fixed(["reward_distribution={default_dist: {dist_name: uniform, params: [0, 1]}}"]) == {
        "reward_distribution": {"default_dist": {"dist_name": "uniform", "params": [0, 1]}}
    }
    # read like files, within limits: a one-line alias bomb (9**7 values) is refused, not expanded
    levels = ["a: &a [" + ",".join(["x"] * 9) + "]"]
    levels += [f"{n}: &{n} [" + ",".join([f"*{p}"] * 9) + "]" for p, n in zip("abcdef", "bcdefg")]
    with pytest.raises(ResourceLimitError, match="over the limit of 64 KiB"):
        parse_fixed(["reward_distribution={" + ", ".join(levels) + "}"])


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
    code, output, errors = _invoke(*args)
    assert code == 2
    lines = [line for line in (output + errors).splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--fixed", "discount_rate_agent_A"], "--fixed expects PARAM=VALUE"),
        (["--fixed", "no_such_param=1"], "'no_such_param' is not swept"),
        (["--fixed", "discount_rate_agent_A=0.7"], "no finished run"),
        (["--param", "reward_correlation"], "'reward_correlation' is not swept"),
    ],
)
def test_bad_sweep_options_are_one_line(sweeps, monkeypatch, args, message):
    folder, _, gammas, _ = sweeps
    monkeypatch.chdir(folder)
    base = ["--param", "discount_rate"] if "--param" not in args else []
    code, output, errors = _invoke("alpha", gammas.sweep_id, *base, *args)
    assert code == 2, output + errors
    lines = [line for line in (output + errors).splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], lines
