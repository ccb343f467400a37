"""Streaming moments of per-sample vectors: means, sums of squares and cross products.

A run produces, for every reward sample ``i``, a few vectors: each agent's POWER over the
states (``[S]``), the rewards, and scalars derived from them (a POWER sample's mean over
states). Everything the tool reports -- per-state means and standard errors, variances,
the alignment coefficient α_HA and its noise correction -- is a function of their first
and second moments. :class:`Moments` holds those moments for a set of samples and merges
two disjoint sets exactly in the sense of Chan, Golub and LeVeque (1979): the merged
value is what one pass over the union would give, up to rounding. Nothing grows with the
number of samples.

Numerical form
--------------
For each variable ``v`` the moments are kept *scaled* by a power of two, ``2**e_v``
chosen from the largest magnitude seen, so that every stored number has magnitude at most
about one (mean) or the sample count (sums of squares). Rescaling by powers of two is exact,
so scaling changes no result; it only keeps huge inputs (rewards near 1e300) from
overflowing to ``inf`` in sums of squares. ``mean(v)``, ``variance(v)`` and friends return
unscaled numbers.

Merging is elementwise arithmetic only, so the result of a merge is a deterministic
function of its two operands; :mod:`powerplay.stats.tree` fixes *which* merges happen, so
results do not depend on how samples were split into chunks.

Examples
--------
>>> layout = Layout(vectors=('x', 'y'), size=2, pairs=(('x', 'y'),))
>>> rng = np.random.default_rng(0)
>>> x, y = rng.random((100, 2)), rng.random((100, 2))
>>> whole = Moments.leaves(layout, {'x': x, 'y': y})               # one record per sample ...
>>> first, rest = whole.take(slice(0, 37)), whole.take(slice(37, None))
>>> def total(batch):                                               # ... merged one after the other
...     out = batch.take(0)
...     for i in range(1, batch.size):
...         out = out.merge(batch.take(i))
...     return out
>>> halves = total(first).merge(total(rest))
>>> bool(np.allclose(halves.mean('x'), x.mean(0))), bool(np.allclose(halves.variance('y'), y.var(0, ddof=1)))
(True, True)
>>> bool(np.allclose(halves.covariance('x', 'y'), [np.cov(x[:, s], y[:, s])[0, 1] for s in range(2)]))
True

:func:`powerplay.stats.tree.reduce_all` merges a batch along the fixed merge tree instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ModelError

#: Exponent given to a variable whose values are all zero (below any real exponent, so a
#: merge keeps the other operand's scale and loses no precision).
ZERO_EXPONENT = -(2**20)


@dataclass(frozen=True)
class Layout:
    """Which variables a :class:`Moments` tracks.

    Parameters
    ----------
    vectors : tuple of str
        Variables with one value per state per sample (``[S]``).
    size : int
        ``S``, the length of every vector variable.
    scalars : tuple of (str, str)
        ``(name, vector)``: a scalar per sample, the mean over states of ``vector``.
    pairs : tuple of (str, str)
        Pairs of variables (both vectors, or both scalars) whose co-moments are tracked.
    """

    vectors: tuple[str, ...]
    size: int
    scalars: tuple[tuple[str, str], ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    names: tuple[str, ...] = field(init=False, repr=False)
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = tuple(self.vectors) + tuple(name for name, _ in self.scalars)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "index", {name: i for i, name in enumerate(names)})
        if len(set(names)) != len(names):
            raise ModelError(f"duplicate variable names in {names}")
        for name, source in self.scalars:
            if source not in self.vectors:
                raise ModelError(f"scalar {name!r} is the state mean of {source!r}, which is not a vector variable")
        for a, b in self.pairs:
            if a not in self.index or b not in self.index or self.is_scalar(a) != self.is_scalar(b):
                raise ModelError(f"pair ({a!r}, {b!r}) must name two vector or two scalar variables")

    def is_scalar(self, name: str) -> bool:
        return self.index[name] >= len(self.vectors)

    def shape(self, name: str) -> tuple[int, ...]:
        return () if self.is_scalar(name) else (self.size,)


def _exponents(values: np.ndarray) -> np.ndarray:
    """``[n]`` exponent ``e`` per row with ``max |row| < 2**e`` (:data:`ZERO_EXPONENT` for zero rows)."""
    largest = np.abs(values).max(axis=tuple(range(1, values.ndim))) if values.ndim > 1 else np.abs(values)
    _, exponent = np.frexp(largest)
    return np.where(largest > 0, exponent, ZERO_EXPONENT).astype(np.int64)


def _zeros(shape: tuple[int, ...]) -> np.ndarray:
    """Read-only zeros that take no memory (a single-sample record's m2 and co-moments)."""
    return np.broadcast_to(np.zeros(()), shape)


def _is_zeros(array: np.ndarray) -> bool:
    """Whether ``array`` is a view made by :func:`_zeros` (or a slice of one)."""
    return array.size > 0 and not any(array.strides) and array.flat[0] == 0.0


def _sum_of_scaled(a: np.ndarray, scale_a, b: np.ndarray, scale_b, times: int = 1) -> np.ndarray | None:
    """``a * scale_a**times + b * scale_b**times`` (``scale`` None: 1; multiplied ``times`` times,
    in that order), or None when both are :func:`_zeros`."""
    if _is_zeros(a) and _is_zeros(b):
        return None

    def scaled(x, scale):
        for _ in range(times if scale is not None else 0):
            x = x * scale
        return x

    return scaled(a, scale_a) + scaled(b, scale_b)


def _plus(total: np.ndarray | None, term: np.ndarray) -> np.ndarray:
    """``total + term`` into ``term``; for ``total`` None (zeros), ``0.0 + term`` (which turns -0.0 into 0.0)."""
    if total is None:
        term += 0.0
    else:
        term += total
    return term


def _expand(scale: np.ndarray, ndim: int) -> np.ndarray:
    return scale.reshape(scale.shape + (1,) * (ndim - 1))


@dataclass(frozen=True, eq=False)
class Moments:
    """Moments of a batch of sample sets (usually a batch of one).

    A *batch* of ``m`` independent moment records is stored together so that many merges
    can be done in one numpy operation (:mod:`powerplay.stats.tree` merges a whole level of
    its tree at once). Most users see batches of one.

    Attributes
    ----------
    layout : Layout
    count : numpy.ndarray
        ``[m]`` int64, samples in each record.
    exponent : numpy.ndarray
        ``[m, V]`` int64, the scale exponent of each variable.
    means : tuple of numpy.ndarray
        Per variable, ``[m, *shape]``: the mean, divided by ``2**exponent``.
    m2s : tuple of numpy.ndarray
        Per variable, ``[m, *shape]``: sum of squared deviations from the mean, divided by ``4**exponent``.
    crosses : tuple of numpy.ndarray
        Per pair ``(a, b)``, ``[m, *shape]``: sum of products of deviations, divided by
        ``2**(exponent_a + exponent_b)``.
    """

    layout: Layout
    count: np.ndarray  # [m] int64
    exponent: np.ndarray  # [m, V] int64
    means: tuple[np.ndarray, ...]  # V x [m, *shape]
    m2s: tuple[np.ndarray, ...]  # V x [m, *shape]
    crosses: tuple[np.ndarray, ...]  # P x [m, *shape]

    # -- construction -----------------------------------------------------------------

    @classmethod
    def leaves(cls, layout: Layout, samples: dict[str, np.ndarray]) -> Moments:
        """One record per sample: ``samples[v]`` is ``[n, S]`` for every vector variable.

        Raises
        ------
        ModelError
            If an array has the wrong shape or a non-finite value (naming the variable).
        """
        n = None
        exponents, means = [], []
        for name in layout.vectors:
            values = np.asarray(samples[name], dtype=np.float64)
            if values.ndim != 2 or values.shape[1] != layout.size or (n is not None and values.shape[0] != n):
                raise ModelError(f"samples of {name!r} have shape {values.shape}, expected [{n or 'n'}, {layout.size}]")
            if not np.all(np.isfinite(values)):
                raise ModelError(f"samples of {name!r} are not all finite")
            n = values.shape[0]
            e = _exponents(values)
            exponents.append(e)
            means.append(np.ldexp(values, _expand(-e, 2)))
        for _name, source in layout.scalars:
            # The state mean of a scaled vector is the scaled state mean: no overflow possible.
            i = layout.index[source]
            means.append(means[i].mean(axis=1))
            exponents.append(exponents[i].copy())
        n = n or 0
        return cls(
            layout,
            np.ones(n, dtype=np.int64),
            np.stack(exponents, axis=1) if exponents else np.zeros((n, 0), dtype=np.int64),
            tuple(means),
            tuple(_zeros(m.shape) for m in means),
            tuple(_zeros(means[layout.index[a]].shape) for a, _ in layout.pairs),
        )

    # -- batches ----------------------------------------------------------------------

    @property
    def size(self) -> int:
        """Number of records in the batch."""
        return int(self.count.shape[0])

    def take(self, index) -> Moments:
        """Records ``index`` (a slice, or an integer array) as a new batch."""
        if isinstance(index, (int, np.integer)):
            index = slice(int(index), int(index) + 1)
        return Moments(
            self.layout,
            self.count[index],
            self.exponent[index],
            tuple(a[index] for a in self.means),
            tuple(a[index] for a in self.m2s),
            tuple(a[index] for a in self.crosses),
        )

    @staticmethod
    def concatenate(parts: list[Moments]) -> Moments:
        """Several batches (same layout) as one."""
        first = parts[0]
        if len(parts) == 1:
            return first

        def cat(getter):
            return np.concatenate([getter(p) for p in parts], axis=0)

        return Moments(
            first.layout,
            cat(lambda p: p.count),
            cat(lambda p: p.exponent),
            tuple(cat(lambda p, i=i: p.means[i]) for i in range(len(first.means))),
            tuple(cat(lambda p, i=i: p.m2s[i]) for i in range(len(first.m2s))),
            tuple(cat(lambda p, i=i: p.crosses[i]) for i in range(len(first.crosses))),
        )

    # -- merging ----------------------------------------------------------------------

    def merge(self, other: Moments) -> Moments:
        """Records ``self[k]`` and ``other[k]`` merged, for every ``k`` (Chan et al.'s update).

        Both batches must have the same layout and size. Elementwise only: the result is a
        deterministic function of the operands.
        """
        if self.layout is not other.layout and self.layout != other.layout:
            raise ModelError("cannot merge moments of different layouts")
        na, nb = self.count, other.count
        n = na + nb
        exponent = np.maximum(self.exponent, other.exponent)
        weight_b = (nb / np.maximum(n, 1)).astype(np.float64)  # [m]
        weight_ab = (na * nb / np.maximum(n, 1)).astype(np.float64)
        # Powers of two: exact rescaling (the smaller operand's numbers shrink, never grow).
        # Where every scale is 1 the products are skipped: multiplying by 1.0 changes no bit.
        scale_a = np.ldexp(1.0, self.exponent - exponent)  # [m, V]
        scale_b = np.ldexp(1.0, other.exponent - exponent)
        unscaled_a = np.all(scale_a == 1.0, axis=0)  # [V]
        unscaled_b = np.all(scale_b == 1.0, axis=0)
        means, m2s, deltas = [], [], []
        for v in range(len(self.means)):
            nd = self.means[v].ndim
            sa = None if unscaled_a[v] else _expand(scale_a[:, v], nd)
            sb = None if unscaled_b[v] else _expand(scale_b[:, v], nd)
            ma = self.means[v] if sa is None else self.means[v] * sa
            mb = other.means[v] if sb is None else other.means[v] * sb
            delta = mb - ma
            # The same operations in the same order as ma + delta w_b and
            # (m2_a sa² + m2_b sb²) + delta² w_ab, with fewer temporaries.
            mean = delta * _expand(weight_b, nd)
            mean += ma
            means.append(mean)
            spread = delta * delta
            spread *= _expand(weight_ab, nd)
            m2s.append(_plus(_sum_of_scaled(self.m2s[v], sa, other.m2s[v], sb, times=2), spread))
            deltas.append(delta)
        crosses = []
        for p, (a, b) in enumerate(self.layout.pairs):
            i, j = self.layout.index[a], self.layout.index[b]
            nd = self.crosses[p].ndim
            product = deltas[i] * deltas[j]
            product *= _expand(weight_ab, nd)
            sa = None if unscaled_a[i] and unscaled_a[j] else _expand(scale_a[:, i] * scale_a[:, j], nd)
            sb = None if unscaled_b[i] and unscaled_b[j] else _expand(scale_b[:, i] * scale_b[:, j], nd)
            crosses.append(_plus(_sum_of_scaled(self.crosses[p], sa, other.crosses[p], sb), product))
        return Moments(self.layout, n, exponent, tuple(means), tuple(m2s), tuple(crosses))

    # -- results (unscaled; batch of one) --------------------------------------------

    def _single(self) -> None:
        if self.size != 1:
            raise ModelError(f"statistics need a single moment record, this batch has {self.size}")

    @property
    def n(self) -> int:
        """Number of samples (of a batch of one)."""
        self._single()
        return int(self.count[0])

    def scaled(self, name: str) -> tuple[np.ndarray, np.ndarray, int]:
        """``(mean, m2, exponent)`` of a variable, still scaled by ``2**exponent`` (batch of one).

        Scale-free statistics (correlations, ratios) can be computed from these directly.
        """
        self._single()
        v = self.layout.index[name]
        return self.means[v][0], self.m2s[v][0], int(self.exponent[0, v])

    def mean(self, name: str) -> np.ndarray:
        """Mean of a variable (``[S]``, or a 0-d array for a scalar variable)."""
        mean, _, e = self.scaled(name)
        return np.ldexp(mean, e) if e != ZERO_EXPONENT else np.zeros_like(mean)

    def variance(self, name: str) -> np.ndarray:
        """Sample variance (``ddof=1``) of a variable; NaN (undefined) with fewer than two samples."""
        _, m2, e = self.scaled(name)
        if self.n < 2:
            return np.full_like(m2, np.nan)
        if e == ZERO_EXPONENT:
            return np.zeros_like(m2)
        # sqrt first: the variance of numbers near 1e300 overflows, its square root does not.
        return np.ldexp(np.sqrt(m2 / (self.n - 1)), e) ** 2

    def sem(self, name: str) -> np.ndarray:
        """Standard error of the mean of a variable; NaN (undefined) with fewer than two samples."""
        _, m2, e = self.scaled(name)
        if self.n < 2:
            return np.full_like(m2, np.nan)
        if e == ZERO_EXPONENT:
            return np.zeros_like(m2)
        return np.ldexp(np.sqrt(m2 / (self.n - 1) / self.n), e)

    def covariance(self, a: str, b: str) -> np.ndarray:
        """Sample covariance (``ddof=1``) of a tracked pair, per state."""
        self._single()
        try:
            p = self.layout.pairs.index((a, b))
        except ValueError:
            raise ModelError(f"the pair ({a!r}, {b!r}) is not tracked") from None
        ea, eb = int(self.exponent[0, self.layout.index[a]]), int(self.exponent[0, self.layout.index[b]])
        if self.n < 2:
            return np.full_like(self.crosses[p][0], np.nan)
        if ZERO_EXPONENT in (ea, eb):
            return np.zeros_like(self.crosses[p][0])
        return np.ldexp(self.crosses[p][0] / (self.n - 1), ea + eb)

    def scaled_cross(self, a: str, b: str) -> np.ndarray:
        """The co-moment of a pair, scaled by ``2**(e_a + e_b)`` (batch of one)."""
        self._single()
        return self.crosses[self.layout.pairs.index((a, b))][0]

    def select(self, names: tuple[str, ...]) -> Moments:
        """The same records restricted to some variables (and the pairs among them)."""
        keep_vectors = tuple(v for v in self.layout.vectors if v in names)
        keep_scalars = tuple((s, src) for s, src in self.layout.scalars if s in names and src in keep_vectors)
        keep_pairs = tuple((a, b) for a, b in self.layout.pairs if a in names and b in names)
        layout = Layout(keep_vectors, self.layout.size, keep_scalars, keep_pairs)
        idx = [self.layout.index[n] for n in layout.names]
        return Moments(
            layout,
            self.count,
            self.exponent[:, idx],
            tuple(self.means[i] for i in idx),
            tuple(self.m2s[i] for i in idx),
            tuple(self.crosses[self.layout.pairs.index(pair)] for pair in keep_pairs),
        )

    # -- serialisation ----------------------------------------------------------------

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """Plain arrays for an ``.npz`` file (see :meth:`from_arrays`)."""
        out = {
            f"{prefix}count": self.count,
            f"{prefix}exponent": self.exponent,
            f"{prefix}vectors": np.array(self.layout.vectors, dtype=str),
            f"{prefix}scalars": np.array([list(s) for s in self.layout.scalars], dtype=str).reshape(-1, 2),
            f"{prefix}pairs": np.array([list(p) for p in self.layout.pairs], dtype=str).reshape(-1, 2),
        }
        for name, mean, m2 in zip(self.layout.names, self.means, self.m2s):
            out[f"{prefix}mean:{name}"] = mean
            out[f"{prefix}m2:{name}"] = m2
        for (a, b), cross in zip(self.layout.pairs, self.crosses):
            out[f"{prefix}cross:{a}:{b}"] = cross
        return out

    @classmethod
    def from_arrays(cls, arrays, prefix: str) -> Moments:
        """Inverse of :meth:`to_arrays` (``arrays`` maps names to arrays, e.g. an open ``.npz``).

        Raises
        ------
        KeyError
            If an array is missing.
        """
        vectors = tuple(str(v) for v in arrays[f"{prefix}vectors"])
        scalars = tuple((str(a), str(b)) for a, b in arrays[f"{prefix}scalars"])
        pairs = tuple((str(a), str(b)) for a, b in arrays[f"{prefix}pairs"])
        size = int(np.asarray(arrays[f"{prefix}mean:{vectors[0]}"]).shape[1]) if vectors else 0
        layout = Layout(vectors, size, scalars, pairs)
        return cls(
            layout,
            np.asarray(arrays[f"{prefix}count"], dtype=np.int64),
            np.asarray(arrays[f"{prefix}exponent"], dtype=np.int64),
            tuple(np.asarray(arrays[f"{prefix}mean:{n}"], dtype=np.float64) for n in layout.names),
            tuple(np.asarray(arrays[f"{prefix}m2:{n}"], dtype=np.float64) for n in layout.names),
            tuple(np.asarray(arrays[f"{prefix}cross:{a}:{b}"], dtype=np.float64) for a, b in pairs),
        )


def standard_error(samples: np.ndarray) -> np.ndarray:
    """``[S]`` standard error of the mean of samples ``[N, S]`` held in memory (NaN, undefined,
    with fewer than two).

    Examples
    --------
    >>> standard_error(np.array([[1.0, 2.0], [3.0, 2.0]])).tolist()
    [1.0, 0.0]
    >>> standard_error(np.array([[1.0, 2.0]])).tolist()
    [nan, nan]
    """
    samples = np.asarray(samples, dtype=np.float64)
    if samples.shape[0] < 2:
        return np.full(samples.shape[1:], np.nan)
    return samples.std(axis=0, ddof=1) / np.sqrt(samples.shape[0])


__all__ = ["ZERO_EXPONENT", "Layout", "Moments", "standard_error"]
