"""Every ``>>>`` example of the reference tool's README, run as written after ``from powerplay.compat import base``.

The examples are read from the README itself (``shared/seeds/002_*.txt``, the markdown, plus
the visualisation section that only the text version ``001_*.txt`` has). As in the
reference's interactive ``python -i main.py`` session, all examples share one namespace and
one working directory (a temporary folder), in the README's order; an expression's value is
kept in ``_`` like at the prompt. Where the README says what an example does, that is
checked (see ``CHECKS``); the interactive editors get the answers the README describes on
standard input (``ANSWERS``). Examples repeated verbatim (without assignments) run once.

Experiments run with ``POWERPLAY_SAMPLES`` reward samples per run (the environment variable
every sweep obeys), so the whole README runs in about a minute; they still compute, write
and plot real sweeps. The visualisation examples use the sweeps the reference repository
ships as examples (``expts/0001-PART_1-FIGURE_1``, ``expts/0002-PART_2-FIGURES_...``): a
second working directory is prepared with those two sweeps first (the second with three of
its reward correlations).

This file also runs the Python examples of ``docs/authoring.md`` and ``docs/compat.md``.
"""

from __future__ import annotations

import ast
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import SEEDS

SAMPLES = "40"
ROOT = Path(__file__).resolve().parents[1]

MAZE = "[['(0, 0)', '(1, 1)'], ['(0, 3)', '(0, 3)'], ['(2, 3)', '(2, 3)']]"


@dataclass(frozen=True)
class Example:
    index: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def id(self) -> str:
        return f"{self.index:02d}-{self.lines[-1][:50]}"


def _groups(lines) -> list[tuple[str, ...]]:
    """Runs of consecutive ``>>>`` lines."""
    groups, current = [], []
    for line in list(lines) + [""]:
        stripped = line.strip()
        if stripped.startswith(">>> "):
            current.append(stripped[4:].strip())
        elif current:
            groups.append(tuple(current))
            current = []
    return groups


def _has_assignment(group) -> bool:
    return any(isinstance(node, (ast.Assign, ast.AugAssign)) for line in group for node in ast.parse(line).body)


def readme_examples() -> tuple[list[Example], list[Example]]:
    """(examples of the markdown README, extra examples only in the text version)."""
    markdown = sorted(SEEDS.glob("002_*.txt"))
    text = sorted(SEEDS.glob("001_*.txt"))
    if not markdown or not text:
        return [], []
    main_groups = _groups(markdown[0].read_text(encoding="utf-8").splitlines())
    seen_lines = {line for group in main_groups for line in group}
    extra_groups = [g for g in _groups(text[0].read_text(encoding="utf-8").splitlines()) if not set(g) <= seen_lines]
    main, done = [], set()
    for group in main_groups:
        if group in done and not _has_assignment(group):
            continue
        done.add(group)
        main.append(Example(len(main), group))
    return main, [Example(i, g) for i, g in enumerate(extra_groups)]


MAIN_EXAMPLES, VISUALISATION_EXAMPLES = readme_examples()


def run_example(example: Example, namespace: dict) -> None:
    """Run the lines like the interactive prompt: statements execute, expressions land in ``_``."""
    for line in example.lines:
        tree = ast.parse(line)
        if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
            namespace["_"] = eval(compile(ast.Expression(tree.body[0].value), "<README>", "eval"), namespace)
        else:
            exec(compile(tree, "<README>", "exec"), namespace)


# -- what the README says the examples do -------------------------------------------------

#: Standard input for the editor examples: the edits the README describes.
ANSWERS = {
    "edited_gridworld = base.edit_gridworld_mdp(gridworld)": "down\n\n",  # 'stay' deleted from (0, 2)
    "edited_multiagent_gridworld = base.edit_gridworld_mdp(multiagent_gridworld)": "y\n",  # overlaps deleted
    "edited_policy = base.edit_gridworld_policy(random_policy)": "stay\n" * 6,  # stay everywhere
    "edited_policy_agent_A = base.edit_gridworld_policy(random_policy_agent_A)": "stay\n",  # stay at (0, 2)_H^(0, 2)_A
    "edited_multiagent_policy = base.edit_gridworld_policy(multiagent_policy)": "down\n",  # down at (0, 2)_H^(0, 2)_A
}


def _passed(ns, **_):
    assert ns["_"].passed, [c for c in ns["_"].checks if c.failed]


def _all_passed(ns, **_):
    assert len(ns["_"]) == 5 and all(outcome.passed for outcome in ns["_"])


def _my_first_sweep(ns, workdir, **_):
    sweep = ns["_"]
    assert sweep.name == "my_first_sweep" and (workdir / sweep.path).parent == workdir / "expts"
    assert sweep.run_suffixes == ["discount_rate__0p1", "discount_rate__0p9", "discount_rate__0p99"]
    for run in sweep.runs:
        assert run.num_samples == int(SAMPLES) and len(run.states) == 31
        assert list(run.path.glob("POWER_means*.png")), f"no POWER_means figure in {run.path}"


def _distributions_plotted(ns, **_):
    sweep = ns["_"]
    for run in sweep.runs:
        names = [p.name for p in run.path.glob("*.png")]
        assert any(name.startswith(("POWER_samples", "Reward_samples")) for name in names), names


def _figures_reproduced(ns, capsys, workdir, **_):
    paths = [Path(p) for p in ns["_"]]
    names = " ".join(p.name for p in paths)
    assert all((workdir / p).is_file() or p.is_file() for p in paths)
    for figure in ("FIGURE_2", "FIGURE_3", "FIGURE_4"):
        assert figure in names, names
    assert "Figure available in temp/" in capsys.readouterr().out


def _is_png(ns, **_):
    path = Path(ns["_"])  # figure functions return the file they wrote
    assert path.suffix == ".png" and path.is_file()


def _pngs(ns, **_):
    assert ns["_"] and all(Path(p).suffix == ".png" and Path(p).is_file() for p in ns["_"])


def _grid_sizes(ns, **_):
    assert ns["gridworld"].num_states == 12


def _noisy_move(ns, **_):
    # "it ends up in the '(2, 1)' state with only probability 0.75, but ends up in the '(2, 0)' state with probability 0.25"
    assert ns["gridworld"].next_states("(2, 0)", "right") == {"(2, 0)": 0.25, "(2, 1)": 0.75}


def _biased_noise(ns, **_):
    # (2, 1) can go left, right or stay: 0.3 of the noise is spread over them and 0.2 goes left.
    outcome = ns["gridworld"].next_states("(2, 1)", "right")
    assert np.allclose([outcome["(2, 0)"], outcome["(2, 1)"], outcome["(2, 2)"]], [0.3, 0.1, 0.6])


def _joint_size(ns, **_):
    assert ns["multiagent_gridworld"].num_states == 144


def _stay_deleted(ns, **_):
    assert ns["edited_gridworld"].available_actions("(0, 2)") == ["down"]


def _overlaps_deleted(ns, **_):
    edited = ns["edited_multiagent_gridworld"]
    assert edited.num_states == 30 and not any(s.split("_H^")[0] == s.split("_H^")[1][:-2] for s in edited.states)


def _stays_everywhere(ns, **_):
    assert all(row == {"stay": 1.0} for row in ns["edited_policy"].to_dict().values())


def _stays_at_one_state(ns, **_):
    rows = ns["edited_policy_agent_A"].to_dict()
    assert rows["(0, 2)_H^(0, 2)_A"] == {"stay": 1.0}
    assert rows["(0, 2)_H^(1, 2)_A"] == {"up": 0.25, "down": 0.25, "right": 0.25, "stay": 0.25}


def _down_at_one_state_else_stay(ns, **_):
    policy = ns["edited_multiagent_policy"]
    assert policy.agent == "A"
    for state, row in policy.to_dict().items():
        assert row == ({"down": 1.0} if state == "(0, 2)_H^(0, 2)_A" else {"stay": 1.0}), state


def _mdp_saved(ns, workdir, **_):
    assert (workdir / "mdps" / "3x4_gridworld_maze.yaml").is_file()
    assert ns["base"].load_mdp_graph("3x4_gridworld_maze").to_dict() == ns["gridworld"].to_dict()


def _joint_mdp_saved(ns, **_):
    assert ns["base"].load_mdp_graph("joint_3x4_gridworld_maze").to_dict() == ns["multiagent_gridworld"].to_dict()


def _builtin_joint_loaded(ns, **_):
    assert ns["multiagent_gridworld"].num_states == 81


def _policy_saved(ns, workdir, **_):
    assert (workdir / "policies" / "joint_3x4_gridworld_maze_agent_A_uniform_random.yaml").is_file()


def _builtin_policy_loaded(ns, **_):
    assert len(ns["random_policy"].states) == 81 and ns["random_policy"].agent == "A"


CHECKS = {
    "base.test_vanilla()": _passed,
    "base.test_gridworld()": _passed,
    "base.test_stochastic()": _passed,
    "base.test_multiagent()": _passed,
    "base.test_reward_correlation()": _passed,
    "base.run_all_tests()": _all_passed,
    "base.launch_experiment('my_first_sweep.yaml', plot_as_gridworld=True)": _my_first_sweep,
    "plot_distributions=True, plot_correlations=True)": _distributions_plotted,
    "base.reproduce_figure(1, 2)": _figures_reproduced,
    "base.view_gridworld(": _is_png,
    "base.plot_mdp_or_policy(": _pngs,
    "gridworld = base.construct_single_agent_gridworld_mdp(3, 4)\n": _grid_sizes,
    "stochastic_noise_level=0.5)": _noisy_move,
    "noise_bias={ 'left': 0.2 })": _biased_noise,
    "multiagent_gridworld = base.construct_multiagent_gridworld_mdp(3, 4)\n": _joint_size,
    "edited_gridworld = base.edit_gridworld_mdp(gridworld)": _stay_deleted,
    "edited_multiagent_gridworld = base.edit_gridworld_mdp(multiagent_gridworld)": _overlaps_deleted,
    "edited_policy = base.edit_gridworld_policy(random_policy)": _stays_everywhere,
    "edited_policy_agent_A = base.edit_gridworld_policy(random_policy_agent_A)": _stays_at_one_state,
    "edited_multiagent_policy = base.edit_gridworld_policy(multiagent_policy)": _down_at_one_state_else_stay,
    "base.save_mdp_graph(gridworld, '3x4_gridworld_maze')": _mdp_saved,
    "base.save_mdp_graph(multiagent_gridworld, 'joint_3x4_gridworld_maze')": _joint_mdp_saved,
    "multiagent_gridworld = base.load_mdp_graph('joint_3x3_gridworld')": _builtin_joint_loaded,
    "base.save_policy_graph(random_policy_agent_A, 'joint_3x4_gridworld_maze_agent_A_uniform_random')": _policy_saved,
    "random_policy = base.load_policy_graph('joint_3x3_gridworld_agent_A_uniform_random')": _builtin_policy_loaded,
}


def _reward_correlation_half(ns, **_):
    from powerplay.figures import reward_pairs_data

    _is_png(ns)
    data = reward_pairs_data(500, {"dist_name": "uniform", "params": [0, 1]}, correlation=0.5)  # what it drew
    assert abs(np.corrcoef(data.rewards_H, data.rewards_A)[0, 1] - 0.5) < 0.15


def _gif_with_frames(count: int | None):
    def check(ns, **_):
        frames = _gif_frames(ns["_"])
        assert frames == count if count is not None else frames >= 2

    return check


def _sweep_animations(ns, workdir, **_):
    assert ns["_"] and all(Path(p).is_file() and "0002-PART_2" in str(p) for p in ns["_"])


VISUALISATION_CHECKS = {
    "visualize_correlated_reward_samples(500": _reward_correlation_half,
    "visualize_all_correlated_reward_samples(": _gif_with_frames(21),
    "visualize_alignment_plots('0002')": _gif_with_frames(3),
    "visualize_average_powers('0002')": _is_png,
    "visualize_full_gridworld_rollout('0002'": _gif_with_frames(None),
    "generate_sweep_animation('0002', 'reward_correlation')": _sweep_animations,
}


def _gif_frames(path) -> int:
    import imageio.v3 as iio

    return iio.imread(path, index=None).shape[0]


def _checks_for(example: Example, table: dict) -> list:
    text = example.text + "\n"
    return [check for key, check in table.items() if key in text]


def _answers_for(example: Example) -> str:
    return "".join(answer for key, answer in ANSWERS.items() if key in example.text)


# -- the sessions -------------------------------------------------------------------------


class ReadmeSession:
    """The README's interactive session, advanced example by example.

    Examples depend on the ones before them. Under pytest-xdist a worker may receive only
    some of them, or receive them out of order, so before running an example the session
    first runs (without checks) every earlier example it has not run yet -- or starts over
    in a fresh folder if it is already past that example.
    """

    def __init__(self, factory, examples):
        self.factory, self.examples = factory, list(examples)
        self.reset()

    def reset(self) -> None:
        self.workdir = self.factory.mktemp("readme")
        self.namespace: dict = {}
        exec("from powerplay.compat import base", self.namespace)
        self.position = 0

    def run(self, example: Example, table: dict, monkeypatch, capsys) -> None:
        monkeypatch.chdir(self.workdir)
        monkeypatch.setenv("POWERPLAY_SAMPLES", SAMPLES)
        target = self.examples.index(example)
        if target < self.position:
            self.reset()
            monkeypatch.chdir(self.workdir)
        for earlier in self.examples[self.position : target]:
            _run_with_checks(earlier, self.namespace, self.workdir, {}, monkeypatch, capsys)
        self.position = target + 1
        _run_with_checks(example, self.namespace, self.workdir, table, monkeypatch, capsys)


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """The interactive session of the README's main examples (see :class:`ReadmeSession`)."""
    return ReadmeSession(tmp_path_factory, MAIN_EXAMPLES)


def _run_with_checks(example, namespace, workdir, table, monkeypatch, capsys):
    import matplotlib.pyplot as plt

    monkeypatch.setattr("sys.stdin", io.StringIO(_answers_for(example)))
    try:
        run_example(example, namespace)
    finally:
        plt.close("all")
    for check in _checks_for(example, table):
        check(namespace, workdir=workdir, capsys=capsys)


#: Examples that run whole sweeps with figures (reduced sample counts, still the heaviest part).
HEAVY = ("base.run_all_tests()", "base.reproduce_figure(", "plot_distributions=True")


def _params(examples):
    return [
        pytest.param(e, id=e.id, marks=[pytest.mark.slow] if any(h in e.text for h in HEAVY) else []) for e in examples
    ]


NO_README = "interop with the reference tool's README (its examples): ../shared/seeds is not beside the repository"


@pytest.mark.skipif(not MAIN_EXAMPLES, reason=NO_README)
@pytest.mark.parametrize("example", _params(MAIN_EXAMPLES))
def test_readme_example(example, session, monkeypatch, capsys):
    session.run(example, CHECKS, monkeypatch, capsys)


@pytest.fixture(scope="module")
def reference_repository(tmp_path_factory):
    """A working directory with the reference repository's two example sweeps, 0001 and 0002."""
    from powerplay.figures.run_figures import FigureOptions, RunFigures
    from powerplay.runner.replication import SWEEPS
    from powerplay.runner.sweep import run_sweep

    workdir = tmp_path_factory.mktemp("reference-repository")
    part_2 = SWEEPS["PART_2-FIGURES_2_3_4_6_7_8_9_10"]
    correlations = {"values": [0, 0.5, 1], "names": ["0", "0p50", "1"]}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(workdir)
        patch.setenv("POWERPLAY_SAMPLES", SAMPLES)
        first = run_sweep(SWEEPS["PART_1-FIGURE_1"].config(), "expts")
        config = Path("PART_2.yaml")
        doc = yaml.safe_load(part_2.config_text())
        doc["parameters"]["reward_correlation"] = correlations
        config.write_text(yaml.safe_dump(doc, sort_keys=False))
        figures = RunFigures(FigureOptions(plot_as_gridworld=True, diagnostic=True))
        second = run_sweep(
            config, "expts", diagnostic=True, listeners=figures
        )  # as the reference ran it: with baselines
        assert (first.sweep_id, second.sweep_id) == ("0001", "0002")
        namespace: dict = {}
        exec("from powerplay.compat import base", namespace)
        yield namespace, workdir


@pytest.mark.slow
@pytest.mark.skipif(not VISUALISATION_EXAMPLES, reason=NO_README)
@pytest.mark.parametrize("example", _params(VISUALISATION_EXAMPLES))
def test_readme_visualisation_example(example, reference_repository, monkeypatch, capsys):
    namespace, workdir = reference_repository
    _run_with_checks(example, namespace, workdir, VISUALISATION_CHECKS, monkeypatch, capsys)


def test_every_readme_example_is_collected():
    """Guard against the extraction silently missing examples."""
    if not MAIN_EXAMPLES:
        pytest.skip(NO_README)
    markdown = sorted(SEEDS.glob("002_*.txt"))[0].read_text(encoding="utf-8")
    prompt_lines = {line.strip()[4:].strip() for line in markdown.splitlines() if line.strip().startswith(">>> ")}
    collected = {line for example in MAIN_EXAMPLES for line in example.lines}
    assert prompt_lines == collected
    assert len(MAIN_EXAMPLES) >= 35 and len(VISUALISATION_EXAMPLES) == 6
    assert set(ANSWERS) <= {line for example in MAIN_EXAMPLES for line in example.lines}


# -- our own documentation's examples ------------------------------------------------------


def _python_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, flags=re.DOTALL)


@pytest.mark.parametrize("doc", ["authoring.md", "compat.md"])
def test_documentation_examples_run(doc, tmp_path, monkeypatch, capsys):
    path = ROOT / "docs" / doc
    blocks = _python_blocks(path.read_text(encoding="utf-8"))
    assert blocks, f"{doc} has no python examples"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POWERPLAY_SAMPLES", SAMPLES)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    namespace: dict = {}
    for block in blocks:
        if "import gymnasium" in block:
            pytest.importorskip("gymnasium")
        exec(compile(block, f"{doc}", "exec"), namespace)
