"""The study warehouse: a cBioPortal study (or many case files) as Parquet tables that the cohort pages query with
DuckDB, and that Trino or Spark can read past one machine (`store`; `python -m timelines.warehouse`)."""

from .store import Filter, Warehouse, build, import_study, study_warehouse

__all__ = ["Filter", "Warehouse", "build", "import_study", "study_warehouse"]
