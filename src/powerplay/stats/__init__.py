"""Streaming statistics: moments merged along a fixed tree, α_HA with its noise correction.

* :mod:`.moments` -- :class:`Moments`, means, sums of squares and cross products that merge;
* :mod:`.tree` -- the fixed merge tree that makes streamed results independent of chunking;
* :mod:`.alignment` -- α_HA, its attenuation correction, reliabilities and jackknife errors.
"""

from .alignment import AlignmentStatistics, alignment_from_moments, alignment_layout, alignment_of_samples
from .moments import Layout, Moments
from .tree import Node, TreeReducer, group_level, reduce_all, reduce_chunk

__all__ = [
    "AlignmentStatistics",
    "Layout",
    "Moments",
    "Node",
    "TreeReducer",
    "alignment_from_moments",
    "alignment_layout",
    "alignment_of_samples",
    "group_level",
    "reduce_all",
    "reduce_chunk",
]
