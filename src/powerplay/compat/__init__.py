"""The reference tool's module-style API, mapped onto our model.

``from powerplay.compat import base`` (also ``graph``, ``mdp``, ``multi``, ``policy``, ``get``,
``viz``, ``anim``, ``learn``, ``runex``, ``dist``) gives these modules, so scripts and the
reference README's examples run unchanged. They take our objects or the reference's
``networkx`` graphs, and return our objects. See ``docs/compat.md``.
"""
