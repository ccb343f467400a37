"""User-facing entry points: the ``powerplay`` command (:mod:`powerplay.interfaces.cli`)."""
