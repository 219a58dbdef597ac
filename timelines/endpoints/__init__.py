"""Clinical endpoints computed from a resolved case: lines of therapy (`lines`), RECIST 1.1 best overall response
(`best_response`), and the time-to-event endpoints with their published definitions and censoring (`clinical`)."""

from .clinical import recist

__all__ = ["recist"]
