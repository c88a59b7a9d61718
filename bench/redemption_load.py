"""The issue's name for the cash load benchmark: see bench/cash/redemption_load.py (same arguments)."""

import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.argv[0] = str(Path(__file__).parent / "cash" / "redemption_load.py")
    runpy.run_path(sys.argv[0], run_name="__main__")
