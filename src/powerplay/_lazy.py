"""A package's public names imported on first use (PEP 562), so importing the package stays cheap.

``import powerplay`` and ``import powerplay.figures`` would otherwise load numba, scipy and
matplotlib for every caller, the ``powerplay`` command's ``--help`` included. Each package
lists where its names live and keeps the same imports under ``if TYPE_CHECKING:`` for type
checkers and editors (``tests/test_package.py`` keeps the two equal).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from importlib import import_module
from typing import Any


def lazy_names(
    package: str,
    namespace: dict[str, Any],
    exports: Mapping[str, Sequence[str]],
    hint: Callable[[str], str] = lambda name: "",
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of a package whose names load on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    namespace : dict
        The package's ``globals()``: a name, once imported, is stored there, so later
        look-ups are plain attribute reads.
    exports : mapping of str to sequence of str
        ``{module relative to the package: names it defines}``.
    hint : callable, optional
        Extra text for the error about an unknown name.

    Returns
    -------
    (__getattr__, __dir__)

    Examples
    --------
    >>> getattr_, dir_ = lazy_names('powerplay', {}, {'.errors': ['ModelError']})
    >>> getattr_('ModelError').__name__, dir_()
    ('ModelError', ['ModelError'])
    """
    where = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}{hint(name)}")
        value = getattr(import_module(module, package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(where))

    return __getattr__, __dir__


__all__ = ["lazy_names"]
