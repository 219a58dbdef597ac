"""A stand-in for dsnparse, which cBioPortal's validator imports but uses only to reach a database."""


def parse(*args, **kwargs):
    raise RuntimeError("no database: the validator runs with -n")
