"""Make the test engines under tests/engines importable, here and in spawned workers and
subprocesses (which inherit PYTHONPATH)."""

import os
import sys
from pathlib import Path

ENGINES = str(Path(__file__).parent / "engines")
if ENGINES not in sys.path:
    sys.path.insert(0, ENGINES)
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [ENGINES, os.environ.get("PYTHONPATH")]))

# Hypothesis draws the same examples on every run unless asked otherwise, so CI cannot fail on
# a draw nobody can reproduce; HYPOTHESIS_PROFILE=explore searches afresh each run.
from hypothesis import settings  # noqa: E402

settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
