"""Make the test engines under tests/engines importable, here and in spawned workers and
subprocesses (which inherit PYTHONPATH)."""

import os
import sys
from pathlib import Path

ENGINES = str(Path(__file__).parent / "engines")
if ENGINES not in sys.path:
    sys.path.insert(0, ENGINES)
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [ENGINES, os.environ.get("PYTHONPATH")]))
