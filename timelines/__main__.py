"""Entry point of `python -m timelines`."""

import sys

from .cli import main

sys.exit(main())
