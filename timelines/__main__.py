"""Entry point of `python -m timelines`."""

import sys

from .cli import main, run

sys.exit(run(main))
