"""Reading Vega-Lite specs in tests: the single-mark views of a chart, their data and their encodings."""

from __future__ import annotations


def units(spec: dict, data: dict | None = None):
    """Every single-mark view of a spec (through layer, vconcat and hconcat), each with the data it draws."""
    data = spec.get("data", data)
    for key in ("layer", "vconcat", "hconcat"):
        for child in spec.get(key, []):
            yield from units(child, data)
    if "mark" in spec:
        yield {**spec, "data": data}


def mark_type(unit: dict) -> str:
    return unit["mark"]["type"] if isinstance(unit["mark"], dict) else unit["mark"]


def mark_prop(unit: dict, name: str):
    return unit["mark"].get(name) if isinstance(unit["mark"], dict) else None


def rows(spec: dict, unit: dict) -> list[dict]:
    """The rows a view draws (inline datasets of the top-level spec)."""
    return spec["datasets"][unit["data"]["name"]]


def find(spec: dict, mark: str, **encoded) -> list[dict]:
    """Views of a mark type whose encodings use the given fields (channel=field)."""
    return [u for u in units(spec) if mark_type(u) == mark
            and all(u.get("encoding", {}).get(ch, {}).get("field") == f for ch, f in encoded.items())]


def scale_map(encoding: dict) -> dict:
    return dict(zip(encoding["scale"]["domain"], encoding["scale"]["range"]))
