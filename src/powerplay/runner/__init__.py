"""Running experiments: single runs in memory (:mod:`.experiment`) and, built on them, sweeps."""
