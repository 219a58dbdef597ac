"""`python -m timelines.warehouse`: build a study's warehouse from the command line."""

import sys

from .store import main

sys.exit(main())
