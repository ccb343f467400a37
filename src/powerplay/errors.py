"""Every error and warning powerplay raises, under one root.

Catch :class:`PowerplayError` to handle any problem the package reports; each subclass
also derives from the built-in exception it refines (``ValueError``, ``LookupError``, ...),
so ``except ValueError`` keeps working. Messages are one line and name the file, field,
state or run at fault; the same facts are attributes, so code never parses messages.

::

    PowerplayError
    ├── ModelError (ValueError)            an invalid MDP, policy, distribution or argument
    │   ├── UnknownLabelError (KeyError)   a state, action or built-in name that does not exist
    │   └── WrongKindError (TypeError)     an object of the wrong kind (a policy for an MDP, ...)
    ├── FileFormatError (ValueError)       a malformed file: path, line
    ├── ConfigError (ValueError)           a bad experiment config: source, field
    ├── ResolveError (LookupError)         an MDP/policy name that resolves to nothing
    ├── ResourceLimitError (ValueError)    a problem too big to run here: estimate, limit
    ├── SweepError (RuntimeError)          a sweep that cannot run or resume as asked
    │   ├── SweepNotFoundError (LookupError)   no such sweep, run or parameter
    │   └── DamagedRunError                a finished run whose files changed
    ├── SamplesNotKeptError (LookupError)  per-sample arrays asked of a run that did not keep them
    ├── FigureError (ValueError)           a figure that cannot be drawn as asked
    ├── DistributedError (RuntimeError)    a Dask cluster that cannot be used
    ├── TrackingError (RuntimeError)       Weights & Biases logging that cannot work
    └── DependencyMissing (ImportError)    an optional package or program is not installed

    PowerplayWarning (UserWarning)
    ├── ConvergenceWarning                 samples stopped at the iteration cap
    ├── FigureWarning                      a figure was skipped or simplified
    └── StatisticsWarning                  a statistic is unreliable (heavy tails, low reliability)

Examples
--------
>>> try:
...     raise ConfigError('must be in [0, 1), got 1.5', 'parameters.discount_rate', 'demo.yaml')
... except PowerplayError as error:
...     print(error, '|', error.field)
demo.yaml: parameters.discount_rate: must be in [0, 1), got 1.5 | parameters.discount_rate
"""

from __future__ import annotations

import os


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


class PowerplayError(Exception):
    """Root of every error powerplay raises (its message is one line)."""

    def __str__(self) -> str:
        return _one_line(super().__str__())


class ModelError(PowerplayError, ValueError):
    """An invalid MDP, joint MDP, policy, reward distribution or argument.

    Attributes
    ----------
    field : str or None
        Where in a ``reward_distribution``-style mapping the problem is, when it has one
        (e.g. ``'state_dists'``), so a config reader can point at the config field.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class UnknownLabelError(ModelError, KeyError):
    """A state, action or built-in environment name that does not exist."""

    def __str__(self) -> str:  # KeyError would quote the message
        return _one_line(self.args[0] if self.args else "")


class WrongKindError(ModelError, TypeError):
    """An object of the wrong kind: a policy where an MDP is needed, a joint MDP for a single-agent one, ..."""


class FileFormatError(PowerplayError, ValueError):
    """A malformed MDP/policy file or graph, or a damaged result file.

    The message is ``'{path}:{line}: {problem}'`` when the line is known, ``'{path}: {problem}'``
    otherwise.

    Attributes
    ----------
    path : str
    line : int or None
    problem : str
    """

    def __init__(self, path: str | os.PathLike, problem: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.problem = _one_line(problem)
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {self.problem}")


class ConfigError(PowerplayError, ValueError):
    """A bad experiment config: one line naming the file (``source``) and the field.

    Attributes
    ----------
    detail : str
        What is wrong.
    field : str or None
        Dotted path of the field, e.g. ``parameters.discount_rate.values[2]``.
    source : str or None
        The config file (or a label such as ``<config>``).
    """

    def __init__(self, detail: str, field: str | None = None, source: str | None = None):
        self.detail = _one_line(detail)
        self.field = field
        self.source = source
        super().__init__(": ".join(part for part in (source, field, self.detail) if part))

    def located(self, field: str | None = None, source: str | None = None) -> ConfigError:
        """The same error with the field path (prefixed) and source filled in."""
        joined: str | None
        if field and self.field:
            joined = field + (self.field if self.field.startswith("[") else "." + self.field)
        else:
            joined = field or self.field
        return ConfigError(self.detail, joined, source or self.source)


class ResolveError(PowerplayError, LookupError):
    """An MDP or policy name that resolves to nothing, to several files, or to an unreadable file."""


class ResourceLimitError(PowerplayError, ValueError):
    """A problem or input too big for this machine or for a safety limit.

    Attributes
    ----------
    what : str
        What was measured (e.g. ``'memory for one chunk'``).
    estimate, limit : float
        The estimated size and the limit, in the same unit.
    unit : str
    """

    def __init__(self, message: str, what: str = "", estimate: float = 0.0, limit: float = 0.0, unit: str = ""):
        super().__init__(message)
        self.what, self.estimate, self.limit, self.unit = what, estimate, limit, unit


class SweepError(PowerplayError, RuntimeError):
    """A sweep that cannot run or resume as asked."""


class SweepNotFoundError(SweepError, LookupError):
    """A sweep id, folder, run or swept parameter that matches nothing (or several things)."""


class DamagedRunError(SweepError):
    """A finished run whose files no longer match what it wrote.

    Attributes
    ----------
    folder : str
        The run folder.
    file : str
        The first file found missing or changed.
    """

    def __init__(self, message: str, folder: str = "", file: str = ""):
        super().__init__(message)
        self.folder, self.file = folder, file


class SamplesNotKeptError(PowerplayError, LookupError):
    """Per-sample POWER arrays were asked of a run that kept only their statistics."""


class FigureError(PowerplayError, ValueError):
    """A figure that cannot be drawn as asked (an unknown state, a parameter not swept, ...)."""


class DistributedError(PowerplayError, RuntimeError):
    """A Dask cluster that cannot be used as asked (bad address, unreachable, lost)."""


class TrackingError(PowerplayError, RuntimeError):
    """Weights & Biases tracking was asked for but cannot work."""


class ReplicationError(PowerplayError, LookupError):
    """An unknown post or figure of the published posts."""


class DependencyMissing(PowerplayError, ImportError):
    """An optional Python package (or a program) needed for what was asked is not installed.

    Attributes
    ----------
    feature : str
        What needs it, e.g. ``'running on a Dask cluster'``.
    extra : str or None
        The ``pip install 'powerplay[extra]'`` extra that provides it.
    program : str or None
        A system program instead (e.g. Graphviz's ``dot``), with ``advice`` on installing it.
    """

    def __init__(self, feature: str, extra: str | None = None, program: str | None = None, advice: str = ""):
        self.feature, self.extra, self.program = feature, extra, program
        if extra is not None:
            how = f"pip install 'powerplay[{extra}]'"
        else:
            how = advice or f"install {program}"
        needs = f"the {program!r} program" if program else f"the powerplay[{extra}] extra"
        super().__init__(f"{feature} needs {needs}: {how}")


class PowerplayWarning(UserWarning):
    """Root of every warning powerplay issues."""


class ConvergenceWarning(PowerplayWarning):
    """Some samples hit the iteration cap before meeting the tolerance.

    Attributes
    ----------
    stage : str
        The solver stage.
    samples_capped : int
    cap : int
        The iteration cap.
    bound : float
        The worst certified POWER error reached.
    """

    def __init__(self, stage: str, samples_capped: int, cap: int, bound: float):
        self.stage, self.samples_capped, self.cap, self.bound = stage, int(samples_capped), int(cap), float(bound)
        super().__init__(
            f"{stage}: {self.samples_capped} sample(s) hit the iteration cap ({self.cap}); "
            f"worst certified POWER error {self.bound:.3g}"
        )


class FigureWarning(PowerplayWarning):
    """A figure was skipped or simplified (e.g. too many states to draw it usefully)."""


class StatisticsWarning(PowerplayWarning):
    """A reported statistic is unreliable (infinite variance, low reliability of means)."""


__all__ = [
    "ConfigError",
    "ConvergenceWarning",
    "DamagedRunError",
    "DependencyMissing",
    "DistributedError",
    "FigureError",
    "FigureWarning",
    "FileFormatError",
    "ModelError",
    "PowerplayError",
    "PowerplayWarning",
    "ReplicationError",
    "ResolveError",
    "ResourceLimitError",
    "SamplesNotKeptError",
    "StatisticsWarning",
    "SweepError",
    "SweepNotFoundError",
    "TrackingError",
    "UnknownLabelError",
    "WrongKindError",
]
