"""``powerplay selftest``: the reference's five test sweeps, run and *checked*.

The reference tool's tests only ran sweeps and drew figures; a person had to eyeball them.
Here each test runs the same sweep (defined in code below, with the reference configs'
parameters) and checks its numbers:

``test_vanilla``
    The MDP of Turner et al. (2019), Fig. 1, γ ∈ {0.1, 0.3, 0.5}, with ``∅`` drawing
    U[-1, 1] rewards and ``ℓ_◁`` Beta(1, 2). Every POWER sample agrees with an independent
    dense value iteration in numpy to within the certified tolerance; the absorbing state
    ``∅`` has POWER exactly equal to its own reward in every sample, so its POWER is ≈ 0
    (the reference reported ≈ 0.25).
``test_gridworld``
    The 3x3 gridworld with self-loops, γ ∈ {0.3, 0.6, 0.9}: dense cross-check; states
    related by the grid's symmetries (four corners, four edges) agree within 5 standard
    errors of their paired difference; centre > edges > corners.
``test_stochastic``
    The 4-state stochastic chain, γ ∈ {0.3, 0.9}: dense cross-check (stochastic transitions).
``test_multiagent``
    Two sweeps: a joint 1x3 gridworld with Agent A's fixed move-left policy
    (``multiagent_fixed_policy``) and a hand-written single-agent MDP simulating it. With
    the same rewards per (mapped) state, every POWER sample agrees to within the tolerance.
``test_reward_correlation``
    Joint 3x3 gridworld, γ = 0.2, β ∈ {1, 0, -1}: at β = 1 A's rewards equal H's and A's
    POWER equals H's in every sample; at β = -1 A's rewards are H's mirrored (1 - r); at
    β = 0 they are uncorrelated; H's POWER (averaged over states) falls as β falls.

Statistical checks use the run's own standard errors, so they hold at any sample count
(``--samples N``); an ordering check that is not significant at a small sample count is
reported as inconclusive rather than failed.

Examples
--------
>>> import tempfile
>>> outcome = run_selftest('test_stochastic', output_dir=tempfile.mkdtemp(), samples=300)
>>> outcome.passed, [check.status for check in outcome.checks][:2]
(True, ['pass', 'pass'])
"""

from __future__ import annotations

import itertools
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..errors import UnknownLabelError
from ..model.environments import load_mdp, simulated_state_for_joint
from ..model.mdp import MDP
from ..stats.moments import standard_error
from ..storage.runs import StoredRun
from ..storage.sweeps import StoredSweep
from .config import SweepConfig, parse_sweep_config
from .events import SweepListener
from .sweep import SweepOptions, as_options, run_sweep

UNIFORM_0_1 = {"dist_name": "uniform", "params": [0, 1]}

#: Standard errors within which statistically equal quantities must agree.
Z_EQUAL = 5.0
#: Standard errors a difference must exceed for an ordering check to be conclusive.
Z_ORDER = 3.0
#: Reward samples per run checked against the dense value iteration.
DENSE_SAMPLES = 256


def _fixed(value):
    return {"value": value}


def _swept(values, names):
    return {"values": list(values), "names": list(names)}


def _config(name: str, description: str, parameters: dict[str, Any]) -> str:
    return yaml.safe_dump(
        {"name": name, "description": description, "parameters": parameters}, sort_keys=False, allow_unicode=True
    )


def _common(samples: int, allow_all_equal: bool, dist=None) -> dict[str, Any]:
    reward = {"default_dist": UNIFORM_0_1, **(dist or {}), "allow_all_equal_rewards": allow_all_equal}
    return {
        "reward_distribution": _fixed(reward),
        "num_reward_samples": _fixed(samples),
        "convergence_threshold": _fixed(0.0001),
        "random_seed": _fixed(0),
    }


#: The test sweeps' config texts (the reference's ``configs/test/*.yaml`` parameters).
TEST_CONFIGS: dict[str, str] = {
    "test_vanilla": _config(
        "test_vanilla",
        "Self-test: the 8-state MDP of Turner et al. (2019), Fig. 1, at three discount rates; state '∅' has rewards U[-1, 1].",
        {
            "mdp_graph": _fixed("mdp_from_paper"),
            "discount_rate": _swept([0.1, 0.3, 0.5], ["0p1", "0p3", "0p5"]),
            **_common(
                10000,
                True,
                {
                    "state_dists": {
                        "∅": {"dist_name": "uniform", "params": [-1, 1]},
                        "ℓ_◁": {"dist_name": "beta", "params": [1, 2]},
                    }
                },
            ),
        },
    ),
    "test_gridworld": _config(
        "test_gridworld",
        "Self-test: the 3x3 gridworld written as move-to-a-neighbour actions, at three discount rates.",
        {
            "mdp_graph": _fixed("gridworld_selfloop_3x3"),
            "discount_rate": _swept([0.3, 0.6, 0.9], ["0p3", "0p6", "0p9"]),
            **_common(10000, True),
        },
    ),
    "test_stochastic": _config(
        "test_stochastic",
        "Self-test: a 4-state chain with stochastic left/hold/right actions, at two discount rates.",
        {
            "mdp_graph": _fixed("stochastic_graph_4_states"),
            "discount_rate": _swept([0.3, 0.9], ["0p3", "0p9"]),
            **_common(50000, True),
        },
    ),
    "test_multiagent_simulated": _config(
        "test_multiagent_simulated",
        "Self-test: Agent A's always-move-left policy written into a single-agent 1x3 MDP by hand "
        "(Agent H may not stay while A is in the right-hand cell); discount rate 0.1.",
        {
            "mdp_graph": _fixed(
                "stoch_1x3_gridworld_with_agent_A_moving_left_and_agent_H_forbidden_from_staying_when_agent_A_is_at_far_right_simulated"
            ),
            "discount_rate": _fixed(0.1),
            **_common(10000, True),
        },
    ),
    "test_multiagent_actual": _config(
        "test_multiagent_actual",
        "Self-test: the same setting built as a joint 1x3 MDP plus Agent A's fixed move-left policy; must match exactly.",
        {
            "joint_mdp_graph": _fixed(
                "joint_1x3_gridworld_with_agent_H_forbidden_from_staying_when_agent_A_is_at_far_right"
            ),
            "policy_graph_agent_A": _fixed("joint_1x3_gridworld_agent_A_move_left"),
            "discount_rate": _fixed(0.1),
            **_common(10000, True),
        },
    ),
    "test_reward_correlation": _config(
        "test_reward_correlation",
        "Self-test: Agents H and A on the joint 3x3 gridworld at discount rate 0.2, reward correlations 1, 0 and -1.",
        {
            "joint_mdp_graph": _fixed("joint_3x3_gridworld"),
            "seed_policy_graph_agent_A": _fixed("joint_3x3_gridworld_agent_A_uniform_random"),
            "discount_rate": _fixed(0.2),
            "discount_rate_agent_A": _fixed(0.2),
            **_common(10000, False),
            "reward_correlation": _swept([1, 0, -1], ["1", "0", "n1"]),
        },
    ),
}


# --------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Check:
    """One checked property: ``status`` is ``'pass'``, ``'fail'`` or ``'inconclusive'``."""

    description: str
    status: str
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "fail"


@dataclass
class SelfTestOutcome:
    """The checks of one self-test and the sweeps it ran."""

    name: str
    checks: list[Check] = field(default_factory=list)
    sweeps: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and bool(self.checks) and not any(c.failed for c in self.checks)


def _check(description: str, ok: bool, detail: str = "") -> Check:
    return Check(description, "pass" if ok else "fail", detail)


_UNDEFINED_ERROR = "standard error undefined ({n} sample); use more samples"


def _undefined_error(description: str, samples: int) -> Check | None:
    """An inconclusive check when a standard error is undefined (fewer than two samples), else None."""
    if samples >= 2:
        return None
    return Check(description, "inconclusive", _UNDEFINED_ERROR.format(n=samples))


# --------------------------------------------------------------------------------------
# An independent reference computation: dense value iteration in numpy


def dense_power(mdp: MDP, rewards: np.ndarray, gamma: float, tolerance: float = 1e-12) -> np.ndarray:
    """POWER samples ``[K, S]`` by plain dense value iteration (for small MDPs; cross-checks).

    ``POWER(s) = (1 - γ) max_a Σ_s' P(s'|s, a) V*(s')`` with ``V* = R + γ max_a P V*``,
    iterated until the update changes no value by more than ``tolerance`` (the error in
    POWER is then below ``γ tolerance``).
    """
    S, A = mdp.num_states, mdp.num_actions
    P = mdp.transitions.toarray().reshape(S, A, S)  # [S, A, S']
    unavailable = ~mdp.action_mask  # [S, A]
    values = rewards.copy()  # [K, S]
    for _ in range(1_000_000):
        q = np.einsum("sat,kt->ksa", P, values)  # [K, S, A]
        q[:, unavailable] = -np.inf
        best = q.max(axis=2)  # [K, S]
        updated = rewards + gamma * best
        change = np.abs(updated - values).max()
        values = updated
        if change <= tolerance * (1 - gamma):
            break
    q = np.einsum("sat,kt->ksa", P, values)
    q[:, unavailable] = -np.inf
    return (1 - gamma) * q.max(axis=2)


def _dense_cross_check(run: StoredRun, label: str) -> Check:
    mdp = load_mdp(run.scenario.environment_value)
    assert isinstance(mdp, MDP)  # the dense cross-checks run on the single-agent sweeps
    k = min(DENSE_SAMPLES, run.num_samples)
    tolerance = run.scenario.convergence_threshold
    expected = dense_power(mdp, run.rewards["H"][:k], float(run.scenario.parameter_value("discount_rate")))
    error = float(np.abs(run.power["H"][:k] - expected).max())
    return _check(
        f"{label}: first {k} POWER samples match dense value iteration",
        error <= tolerance + 1e-9,
        f"largest difference {error:.2e} (tolerance {tolerance:g})",
    )


def _paired_z(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean of ``a - b`` and its standard error (paired samples)."""
    d = (a - b)[:, None]
    return float(d.mean()), float(standard_error(d)[0])


def _label(run: StoredRun) -> str:
    names = run.info.get("value_names") or {}
    return ", ".join(f"{k}={run.scenario.parameter_value(k)}" for k in names) or run.name


# --------------------------------------------------------------------------------------
# The checks of each test


def check_vanilla(sweeps: dict[str, StoredSweep]) -> list[Check]:
    checks = []
    for run in sweeps["test_vanilla"].runs:
        label = _label(run)
        checks.append(_dense_cross_check(run, label))
        empty = run.states.index("∅")
        tolerance = run.scenario.convergence_threshold
        gap = float(np.abs(run.power["H"][:, empty] - run.rewards["H"][:, empty]).max())
        checks.append(
            _check(
                f"{label}: POWER(∅) equals ∅'s reward in every sample (absorbing state)",
                gap <= tolerance + 1e-9,
                f"largest difference {gap:.2e}",
            )
        )
        power = run.power["H"][:, empty]  # the samples themselves, as every check here uses
        undefined = _undefined_error(f"{label}: POWER(∅) ≈ 0 for U[-1, 1] rewards", len(power))
        if undefined is not None:
            checks.append(undefined)
            continue
        mean, sem = float(power.mean()), float(standard_error(power[:, None])[0])
        checks.append(
            _check(
                f"{label}: POWER(∅) ≈ 0 for U[-1, 1] rewards",
                abs(mean) <= Z_EQUAL * sem + tolerance,
                f"{mean:+.4f} ± {sem:.4f}",
            )
        )
    return checks


GRID_CORNERS = ("(0, 0)", "(0, 2)", "(2, 0)", "(2, 2)")
GRID_EDGES = ("(0, 1)", "(1, 0)", "(1, 2)", "(2, 1)")
GRID_CENTRE = "(1, 1)"


def check_gridworld(sweeps: dict[str, StoredSweep]) -> list[Check]:
    checks = []
    for run in sweeps["test_gridworld"].runs:
        label = _label(run)
        checks.append(_dense_cross_check(run, label))
        power = run.power["H"]
        col = {s: i for i, s in enumerate(run.states)}
        if len(power) < 2:
            for what in ("symmetric corners agree", "symmetric edges agree", "centre > edges", "edges > corners"):
                checks.append(Check(f"{label}: {what}", "inconclusive", _UNDEFINED_ERROR.format(n=len(power))))
            continue
        for group, members in (("corners", GRID_CORNERS), ("edges", GRID_EDGES)):
            worst = 0.0
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    mean, sem = _paired_z(power[:, col[a]], power[:, col[b]])
                    worst = max(worst, abs(mean) / sem if sem > 0 else (0.0 if mean == 0 else np.inf))
            checks.append(
                _check(
                    f"{label}: symmetric {group} agree",
                    worst <= Z_EQUAL,
                    f"largest difference {worst:.1f} standard errors",
                )
            )
        corners = power[:, [col[s] for s in GRID_CORNERS]].mean(axis=1)
        edges = power[:, [col[s] for s in GRID_EDGES]].mean(axis=1)
        centre = power[:, col[GRID_CENTRE]]
        for high, low, text in ((centre, edges, "centre > edges"), (edges, corners, "edges > corners")):
            mean, sem = _paired_z(high, low)
            z = mean / sem if sem > 0 else np.inf
            if z > Z_ORDER:
                checks.append(Check(f"{label}: {text}", "pass", f"by {z:.1f} standard errors"))
            elif z < -Z_ORDER:
                checks.append(Check(f"{label}: {text}", "fail", f"reversed by {-z:.1f} standard errors"))
            else:
                checks.append(
                    Check(f"{label}: {text}", "inconclusive", f"difference {z:+.1f} standard errors; use more samples")
                )
    return checks


def check_stochastic(sweeps: dict[str, StoredSweep]) -> list[Check]:
    return [_dense_cross_check(run, _label(run)) for run in sweeps["test_stochastic"].runs]


def check_multiagent(sweeps: dict[str, StoredSweep]) -> list[Check]:
    simulated = sweeps["test_multiagent_simulated"].run()
    actual = sweeps["test_multiagent_actual"].run()
    position = {s: i for i, s in enumerate(simulated.states)}
    try:
        order = [position[simulated_state_for_joint(s)] for s in actual.states]
    except (KeyError, TypeError):
        return [
            _check(
                "joint states map onto the simulated MDP's states", False, "a joint state has no simulated counterpart"
            )
        ]
    checks = [
        _check("joint states map one-to-one onto the simulated MDP's states", sorted(order) == list(range(len(order))))
    ]
    same_rewards = np.array_equal(actual.rewards["H"], simulated.rewards["H"][:, order])
    checks.append(_check("both sweeps draw the same reward for each (mapped) state", same_rewards))
    tolerance = actual.scenario.convergence_threshold + simulated.scenario.convergence_threshold
    gap = float(np.abs(actual.power["H"] - simulated.power["H"][:, order]).max())
    checks.append(
        _check(
            "simulated and actual multi-agent POWER agree in every sample",
            same_rewards and gap <= tolerance + 1e-9,
            f"largest difference {gap:.2e} (tolerance {tolerance:g})",
        )
    )
    return checks


def check_reward_correlation(sweeps: dict[str, StoredSweep]) -> list[Check]:
    sweep = sweeps["test_reward_correlation"]
    checks = []
    by_beta = {float(run.scenario.parameter_value("reward_correlation")): run for run in sweep.runs}
    if 1.0 in by_beta:
        run = by_beta[1.0]
        tolerance = 2 * run.scenario.convergence_threshold
        checks.append(_check("β = 1: A's rewards equal H's", np.array_equal(run.rewards["A"], run.rewards["H"])))
        gap = float(np.abs(run.power["A"] - run.power["H"]).max())
        checks.append(
            _check(
                "β = 1: A's POWER equals H's in every sample", gap <= tolerance + 1e-9, f"largest difference {gap:.2e}"
            )
        )
    if -1.0 in by_beta:
        run = by_beta[-1.0]
        gap = float(np.abs(run.rewards["A"] - (1.0 - run.rewards["H"])).max())
        checks.append(
            _check("β = -1: A's rewards are H's mirrored (1 - r)", gap <= 1e-12, f"largest difference {gap:.1e}")
        )
    if 0.0 in by_beta:
        run = by_beta[0.0]
        h, a = run.rewards["H"].ravel(), run.rewards["A"].ravel()
        r = float(np.corrcoef(h, a)[0, 1])
        limit = Z_EQUAL / np.sqrt(len(h))
        checks.append(
            _check(
                "β = 0: A's rewards are uncorrelated with H's",
                abs(r) <= limit,
                f"correlation {r:+.4f} (limit ±{limit:.4f})",
            )
        )
    betas = sorted(by_beta, reverse=True)
    for high, low in itertools.pairwise(betas):
        a = by_beta[high].power["H"].mean(axis=1)
        b = by_beta[low].power["H"].mean(axis=1)
        undefined = _undefined_error(
            f"H's average POWER is higher at β = {high:g} than at β = {low:g}", min(len(a), len(b))
        )
        if undefined is not None:
            checks.append(undefined)
            continue
        diff = float(a.mean() - b.mean())
        sem = float(np.hypot(a.std(ddof=1) / np.sqrt(len(a)), b.std(ddof=1) / np.sqrt(len(b))))
        checks.append(
            _check(
                f"H's average POWER is higher at β = {high:g} than at β = {low:g}",
                diff > Z_ORDER * sem,
                f"{a.mean():.4f} vs {b.mean():.4f} (± {sem:.4f})",
            )
        )
    return checks


@dataclass(frozen=True)
class SelfTest:
    """A named self-test: the sweeps it runs and the checks on them."""

    name: str
    configs: tuple[str, ...]
    check: Callable[[dict[str, StoredSweep]], list[Check]]
    plot_as_gridworld: bool = False


SELFTESTS: dict[str, SelfTest] = {
    "test_vanilla": SelfTest("test_vanilla", ("test_vanilla",), check_vanilla),
    "test_gridworld": SelfTest("test_gridworld", ("test_gridworld",), check_gridworld, plot_as_gridworld=True),
    "test_stochastic": SelfTest("test_stochastic", ("test_stochastic",), check_stochastic),
    "test_multiagent": SelfTest(
        "test_multiagent", ("test_multiagent_simulated", "test_multiagent_actual"), check_multiagent
    ),
    "test_reward_correlation": SelfTest(
        "test_reward_correlation", ("test_reward_correlation",), check_reward_correlation, plot_as_gridworld=True
    ),
}


def selftest_config(name: str) -> SweepConfig:
    """The :class:`SweepConfig` of one of :data:`TEST_CONFIGS`."""
    return parse_sweep_config(TEST_CONFIGS[name], source=f"<selftest {name}>")


ListenerFactory = Callable[[SelfTest], Sequence[SweepListener]]


def run_selftest(
    name: str,
    options: SweepOptions | None = None,
    *,
    executor=None,
    listeners: ListenerFactory | None = None,
    **option_changes: Any,
) -> SelfTestOutcome:
    """Run one self-test's sweeps (always fresh, keeping their samples) and check them.

    Parameters
    ----------
    name : str
        A key of :data:`SELFTESTS`.
    options : SweepOptions, optional
        Where and how to run (``output_dir``, ``samples`` -- default the reference's counts,
        or ``$POWERPLAY_SAMPLES`` --, ``workers``); keyword arguments change single fields.
    executor : Executor, optional
        E.g. a Dask cluster (default: this process).
    listeners : callable, optional
        ``listeners(test) -> [SweepListener, ...]`` for each self-test (progress, figures:
        :attr:`SelfTest.plot_as_gridworld` says how its runs are best drawn).

    Returns
    -------
    SelfTestOutcome
    """
    test = SELFTESTS[name]
    options = as_options(options).with_(new=True, keep_samples=True, **option_changes)
    outcome = SelfTestOutcome(name)
    started = time.perf_counter()
    sweeps = {}
    for config_name in test.configs:
        sweep = run_sweep(
            selftest_config(config_name),
            options,
            executor=executor,
            listeners=list(listeners(test)) if listeners is not None else None,
        )
        sweeps[config_name] = sweep
        outcome.sweeps.append(sweep.path)
    outcome.checks = test.check(sweeps)
    outcome.seconds = time.perf_counter() - started
    return outcome


def run_selftests(
    names=None,
    output_dir: str | Path | None = None,
    options: SweepOptions | None = None,
    *,
    executor=None,
    listeners: ListenerFactory | None = None,
    on_outcome: Callable[[SelfTestOutcome], None] | None = None,
    **option_changes: Any,
) -> list[SelfTestOutcome]:
    """Run several self-tests (default: all five) and return their outcomes.

    With ``output_dir=None`` the sweeps go to a temporary folder deleted afterwards; other
    options as :func:`run_selftest`.

    Raises
    ------
    UnknownLabelError
        For an unknown self-test name (listing the known ones).
    """
    names = list(names or SELFTESTS)
    unknown = [n for n in names if n not in SELFTESTS]
    if unknown:
        raise UnknownLabelError(f"unknown self-test {unknown[0]!r}; known: {', '.join(SELFTESTS)}")
    with tempfile.TemporaryDirectory(prefix="powerplay-selftest-") as scratch:
        folder = Path(output_dir) if output_dir is not None else Path(scratch)
        run_options = as_options(options).with_(output_dir=folder, **option_changes)
        outcomes = []
        for name in names:
            outcome = run_selftest(name, run_options, executor=executor, listeners=listeners)
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
    return outcomes


__all__ = [
    "SELFTESTS",
    "TEST_CONFIGS",
    "Check",
    "SelfTest",
    "SelfTestOutcome",
    "dense_power",
    "run_selftest",
    "run_selftests",
    "selftest_config",
]
