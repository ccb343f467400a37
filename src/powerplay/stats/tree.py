"""A fixed merge tree over sample indices, so streamed statistics never depend on chunking.

Floating-point merges are not associative: ``merge(merge(a, b), c)`` and
``merge(a, merge(b, c))`` can differ in the last bit. To give bit-identical results however
the samples of a run are split into chunks (and in whatever order a cluster returns them),
every run merges its samples along one fixed binary tree that depends only on the number
of samples ``N``:

* level 0 has one node per sample, ``0 .. N-1``;
* node ``j`` of level ``k`` covers samples ``[j 2**k, min((j+1) 2**k, N))`` and is the merge
  of nodes ``2j`` and ``2j+1`` of level ``k-1`` (or is node ``2j`` itself when ``2j+1`` does
  not exist);
* the root, at level ``ceil(log2 N)``, covers every sample.

A chunk of samples ``[start, stop)`` computes, level by level and vectorised, every node
that lies entirely inside it, up to a *cap level*, and hands over the maximal ones
(:func:`reduce_chunk`); a :class:`TreeReducer` inserts them in any order and merges
siblings as soon as both are present. Each node's value is computed from the same two
children whichever chunk or process computes it, so the root is the same number for any
chunking.

Two levels are *group levels*, whose nodes (consecutive groups of ``2**k`` samples) the
reducer keeps when asked, for delete-a-group jackknife error bars:

* the *alignment level*, the lowest with at most :data:`MAX_GROUPS` nodes: the full moments of
  α_HA's variables (:mod:`powerplay.stats.alignment`);
* the *paired level*, the lowest with at most :data:`PAIRED_GROUPS` nodes: only the mean of
  each POWER vector per group (:mod:`powerplay.stats.groups`). The groups depend only on
  ``N``, so two runs with the same seed and sample count have the same groups of the same
  reward draws, and a statistic's difference between them gets a paired standard error.

The cap level of a chunk is the lower of the two (:func:`merge_cap_level`). Every node is the same
number whichever chunk or process computes it, so the kept groups are bit-identical for any
chunking too.

Examples
--------
>>> import numpy as np
>>> from powerplay.stats.moments import Layout, Moments
>>> layout = Layout(vectors=('x',), size=3)
>>> x = np.random.default_rng(1).random((100, 3))
>>> whole = reduce_all(Moments.leaves(layout, {'x': x}))
>>> reducer = TreeReducer(100)
>>> for start, stop in [(60, 100), (0, 7), (7, 60)]:          # any chunks, any order
...     for node in reduce_chunk(Moments.leaves(layout, {'x': x[start:stop]}), start, 100):
...         reducer.add(node)
>>> np.array_equal(reducer.root().mean('x'), whole.mean('x'))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ModelError
from .moments import Moments

#: Largest number of groups kept for α_HA's jackknife error bars.
MAX_GROUPS = 32

#: Largest number of groups whose POWER means are kept for paired standard errors.
PAIRED_GROUPS = 64


def top_level(num_samples: int) -> int:
    """Level of the root: ``ceil(log2 N)`` (0 for a single sample)."""
    return max(int(num_samples) - 1, 0).bit_length()


def nodes_at(level: int, num_samples: int) -> int:
    """Number of nodes at ``level``: ``ceil(N / 2**level)``."""
    return -(-int(num_samples) // (1 << level))


def group_level(num_samples: int, max_groups: int = MAX_GROUPS) -> int:
    """The lowest level with at most ``max_groups`` nodes (see module notes)."""
    level = 0
    while nodes_at(level, num_samples) > max_groups:
        level += 1
    return level


def merge_cap_level(num_samples: int) -> int:
    """The highest level a chunk merges to: the lower of the two group levels (module notes)."""
    return min(group_level(num_samples, MAX_GROUPS), group_level(num_samples, PAIRED_GROUPS), top_level(num_samples))


@dataclass(frozen=True)
class Node:
    """One node of the merge tree: its level, index, and the moments of its samples."""

    level: int
    index: int
    moments: Moments

    def span(self, num_samples: int) -> tuple[int, int]:
        """The samples it covers, ``[start, stop)``."""
        return self.index << self.level, min((self.index + 1) << self.level, num_samples)


def _pairs(batch: Moments) -> Moments:
    """Merge records ``2i`` and ``2i+1`` of an even-sized batch, for every ``i``."""
    return batch.take(slice(0, None, 2)).merge(batch.take(slice(1, None, 2)))


def reduce_chunk(leaves: Moments, start: int, num_samples: int, cap_level: int | None = None) -> list[Node]:
    """The maximal tree nodes (at most ``cap_level``) inside a chunk of samples.

    Parameters
    ----------
    leaves : Moments
        One record per sample of the chunk (:meth:`Moments.leaves`), samples
        ``start .. start + leaves.size - 1``.
    start : int
        Index of the chunk's first sample.
    num_samples : int
        ``N``, the run's total number of samples (it fixes the tree).
    cap_level : int, optional
        Highest level to merge to (default :func:`merge_cap_level` of ``N``).

    Returns
    -------
    list of Node
        Disjoint nodes covering exactly the chunk's samples, in sample order.
    """
    stop = start + leaves.size
    if not 0 <= start <= stop <= num_samples:
        raise ModelError(f"chunk {start}:{stop} is outside the run's {num_samples} samples")
    cap = min(merge_cap_level(num_samples) if cap_level is None else cap_level, top_level(num_samples))
    left: list[Node] = []  # emitted at the chunk's left edge, in increasing sample order
    right: list[Node] = []  # emitted at its right edge, in decreasing sample order
    lo, hi, batch, level = start, stop, leaves, 0
    while level < cap and hi > lo:
        count = nodes_at(level, num_samples)
        if lo % 2 == 1:  # its left sibling lies before the chunk
            left.append(Node(level, lo, batch.take(0)))
            batch, lo = batch.take(slice(1, None)), lo + 1
        if hi > lo and hi % 2 == 1 and hi < count:  # its right sibling lies after the chunk
            right.append(Node(level, hi - 1, batch.take(hi - 1 - lo)))
            batch, hi = batch.take(slice(0, hi - 1 - lo)), hi - 1
        if hi <= lo:
            break
        lone = hi % 2 == 1  # hi == count: the level's last node has no sibling and moves up as is
        paired = _pairs(batch.take(slice(0, batch.size - 1))) if lone else _pairs(batch)
        batch = (
            Moments.concatenate([paired, batch.take(batch.size - 1)])
            if lone and paired.size
            else (batch.take(batch.size - 1) if lone else paired)
        )
        lo, hi, level = lo // 2, (hi + 1) // 2, level + 1
    middle = [Node(level, lo + i, batch.take(i)) for i in range(hi - lo)] if hi > lo else []
    return left + middle + right[::-1]


def reduce_all(leaves: Moments) -> Moments:
    """The root of the tree over a batch of per-sample records (one chunk holding everything)."""
    return reduced(leaves).root()


def reduced(
    leaves: Moments, keep_groups: tuple[str, ...] | None = None, keep_group_means: tuple[str, ...] | None = None
) -> TreeReducer:
    """A :class:`TreeReducer` given every sample of a batch of per-sample records held in
    memory (one chunk holding everything): the same tree, so the same numbers, as a streamed run."""
    n = leaves.size
    if n == 0:
        raise ModelError("no samples to reduce")
    reducer = TreeReducer(n, keep_groups=keep_groups, keep_group_means=keep_group_means)
    for node in reduce_chunk(leaves, 0, n):
        reducer.add(node)
    return reducer


class TreeReducer:
    """Merges tree nodes arriving in any order into the root (see module notes).

    Parameters
    ----------
    num_samples : int
        ``N``.
    keep_groups : tuple of str, optional
        Keep the alignment-level nodes (restricted to these variables) for α_HA's jackknife errors.
    keep_group_means : tuple of str, optional
        Keep the means of these vector variables at the paired level (``[S]`` per group).

    Memory holds only nodes waiting for a sibling and the kept groups (at most
    :data:`MAX_GROUPS` and :data:`PAIRED_GROUPS` of them): with chunks arriving in order, a few
    nodes per level.
    """

    def __init__(
        self,
        num_samples: int,
        keep_groups: tuple[str, ...] | None = None,
        keep_group_means: tuple[str, ...] | None = None,
    ):
        if num_samples < 1:
            raise ModelError(f"a run needs at least one sample, got {num_samples}")
        self.num_samples = int(num_samples)
        self.top = top_level(self.num_samples)
        self.group_level = min(group_level(self.num_samples), self.top)
        self.paired_level = min(group_level(self.num_samples, PAIRED_GROUPS), self.top)
        self.cap_level = merge_cap_level(self.num_samples)
        self.keep_groups = keep_groups
        self.keep_group_means = keep_group_means
        self.groups: dict[int, Moments] = {}
        self.group_means: dict[int, tuple[int, dict[str, np.ndarray]]] = {}
        self._waiting: dict[tuple[int, int], Moments] = {}
        self._root: Moments | None = None
        self._covered = 0

    def add(self, node: Node) -> None:
        """Insert a node (from :func:`reduce_chunk`) and merge upwards where possible."""
        level, index, moments = node.level, node.index, node.moments
        if level > self.cap_level or index >= nodes_at(level, self.num_samples):
            raise ModelError(f"node ({level}, {index}) does not belong to a tree of {self.num_samples} samples")
        start, stop = node.span(self.num_samples)
        self._covered += stop - start
        while True:
            if level == self.group_level and self.keep_groups is not None:
                self.groups[index] = moments.select(self.keep_groups)
            if level == self.paired_level and self.keep_group_means:
                self.group_means[index] = (moments.n, {name: moments.mean(name) for name in self.keep_group_means})
            if level == self.top:
                self._root = moments
                return
            sibling = index ^ 1
            if index % 2 == 0 and sibling >= nodes_at(level, self.num_samples):
                level, index = level + 1, index // 2  # the last node moves up alone
                continue
            other = self._waiting.pop((level, sibling), None)
            if other is None:
                self._waiting[(level, index)] = moments
                return
            left, right = (moments, other) if index % 2 == 0 else (other, moments)
            moments, level, index = left.merge(right), level + 1, index // 2

    @property
    def complete(self) -> bool:
        return self._root is not None

    @property
    def samples_done(self) -> int:
        return self._covered

    def root(self) -> Moments:
        """The moments of all ``N`` samples.

        Raises
        ------
        ModelError
            If some samples have not been added.
        """
        if self._root is None:
            raise ModelError(f"only {self._covered} of {self.num_samples} samples have been reduced")
        return self._root

    def group_moments(self) -> list[Moments]:
        """The kept alignment-level group nodes in sample order (empty unless ``keep_groups``)."""
        return [self.groups[j] for j in sorted(self.groups)]

    def paired_group_means(self) -> tuple[np.ndarray, dict[str, np.ndarray]] | None:
        """``(counts [G], {variable: means [G, S]})`` of the paired-level groups, in sample
        order (``None`` unless ``keep_group_means``)."""
        if not self.keep_group_means:
            return None
        order = sorted(self.group_means)
        counts = np.array([self.group_means[j][0] for j in order], dtype=np.int64)
        means = {name: np.stack([self.group_means[j][1][name] for j in order]) for name in self.keep_group_means}
        return counts, means


__all__ = [
    "MAX_GROUPS",
    "PAIRED_GROUPS",
    "Node",
    "TreeReducer",
    "group_level",
    "merge_cap_level",
    "nodes_at",
    "reduce_all",
    "reduce_chunk",
    "reduced",
    "top_level",
]
