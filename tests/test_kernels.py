"""The generated lane kernels are up to date with their generator."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_generated_lane_kernels_are_in_sync():
    spec = importlib.util.spec_from_file_location("generate_lane_kernels", ROOT / "tools" / "generate_lane_kernels.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    committed = (ROOT / "src" / "powerplay" / "solvers" / "_lanes.py").read_text()
    assert committed == generator.generate(), "run: python tools/generate_lane_kernels.py"
    # The kernels that inline the lane sweeps record their digest, so numba recompiles them
    # when only _lanes.py changes (its cache checks the file a function is defined in).
    kernels = (ROOT / "src" / "powerplay" / "solvers" / "kernels.py").read_text()
    assert generator.with_digest(kernels, committed) == kernels, "run: python tools/generate_lane_kernels.py"
