"""The app's one cache layer (components.pages.cache): every cached stage lives there, is keyed by the file's path and
stamp and a frozen display choice, and gives what building the same thing directly gives."""

from __future__ import annotations

import ast
import dataclasses
import shutil

import pytest

from components import charts
from components.pages import cache
from components.pages.chart_views import page_display
from timelines.presentation import View, present
from timelines.reading.files import stamp

from conftest import CASES, ROOT

CASE2 = CASES / "lcnec-eml4-alk-alectinib-case2.yaml"
APP_CODE = [ROOT / "dashboard.py", *sorted((ROOT / "components").rglob("*.py"))]


def _calls(path) -> list[str]:
    """Every dotted name called or used as a decorator in a module, e.g. 'st.cache_data'."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            names.append(f"{node.value.id}.{node.attr}")
    return names


def test_only_the_cache_layer_caches():
    caching = {path.relative_to(ROOT).as_posix() for path in APP_CODE
               if {"st.cache_data", "st.cache_resource"} & set(_calls(path))}
    assert caching == {"components/pages/cache.py"}


def test_only_the_pages_and_the_frame_use_streamlit():
    """components/charts and components/exports are pure (DataFrame in, chart or file out); timelines/ neither."""
    drawing = {path.relative_to(ROOT).as_posix() for path in [*APP_CODE, *sorted((ROOT / "timelines").rglob("*.py"))]
               if any(isinstance(node, (ast.Import, ast.ImportFrom))
                      and any((getattr(node, "module", None) or alias.name).split(".")[0] == "streamlit"
                              for alias in node.names)
                      for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))}
    assert drawing and all(path == "dashboard.py" or path.startswith("components/pages/") for path in drawing), drawing


def test_the_app_uses_public_streamlit_apis_only():
    for path in APP_CODE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("streamlit"):
                assert not any(alias.name.startswith("_") for alias in node.names), path
                assert not any(part.startswith("_") for part in node.module.split(".")), path
                assert node.module.split(".")[1] not in ("elements", "runtime", "delta_generator"), \
                    f"{path.name} imports Streamlit's internals ({node.module})"


def test_a_view_is_a_frozen_hashable_key():
    view = View(axis="relative", day_zero=12, day_zero_label="diagnosis")
    assert view == View(axis="relative", day_zero=12, day_zero_label="diagnosis")
    assert hash(view) == hash(View(axis="relative", day_zero=12, day_zero_label="diagnosis"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.axis = "calendar"  # type: ignore[misc]
    with pytest.raises(ValueError, match="Unknown axis 'weeks'. Hint: use one of 'calendar', 'relative'"):
        View(axis="weeks")


def test_a_cached_chart_is_the_chart_built_directly():
    path, view = str(CASE2), View(axis="relative", day_zero=0, day_zero_label="diagnosis")
    data = cache.case_tables(path, stamp(path))
    frames, _ = present(data, data["summary"], view)
    for name in charts.CASE_CHARTS:
        for cached, direct in zip(cache.case_chart(path, stamp(path), view, name),
                                  charts.case_chart_specs(name, {**frames, "assessments": data["assessments"]},
                                                          page_display(view)), strict=True):
            assert cached.keys() == direct.keys()
            assert {k: v for k, v in cached.items() if k != "datasets"} == {k: v for k, v in direct.items()
                                                                              if k != "datasets"}
            assert [len(rows) for rows in cached["datasets"].values()] == [len(rows) for rows in
                                                                           direct["datasets"].values()]


def test_a_chart_spec_carries_its_rows_as_frames_with_utc_dates():
    path = str(CASE2)
    [spec] = cache.case_chart(path, stamp(path), View(axis="calendar"), "timeline")
    assert spec["datasets"] and all(hasattr(rows, "columns") for rows in spec["datasets"].values())
    dates = [str(value) for rows in spec["datasets"].values() for column in ("x", "x_end") if column in rows
             for value in rows[column].dropna()]
    assert dates and all(value.endswith("+00:00") for value in dates), "a date without its zone is read as local"


def test_the_display_choice_is_part_of_the_key():
    path = str(CASE2)
    [shown] = cache.case_chart(path, stamp(path), View(axis="calendar"), "timeline")
    [hidden] = cache.case_chart(path, stamp(path), View(axis="relative", deidentified=True), "timeline")
    text = {name: "".join(rows.to_csv() for rows in spec["datasets"].values())
            for name, spec in (("shown", shown), ("hidden", hidden))}
    assert "2020-" in text["shown"] and "2020" not in text["hidden"]


def test_an_edited_file_is_read_again(tmp_path):
    copy = tmp_path / CASE2.name
    shutil.copy(CASE2, copy)
    before = cache.case_tables(str(copy), stamp(copy))["summary"]["title"]
    copy.write_text(copy.read_text(encoding="utf-8").replace(f"title: {before}", "title: Edited title", 1)
                    if f"title: {before}" in copy.read_text(encoding="utf-8")
                    else copy.read_text(encoding="utf-8").replace("title:", "title: Edited title #", 1),
                    encoding="utf-8")
    after = cache.case_tables(str(copy), stamp(copy))["summary"]["title"]
    assert after != before and after.startswith("Edited title")
