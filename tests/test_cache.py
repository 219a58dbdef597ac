"""The app's one cache layer (components.pages.cache): every cached stage lives there, is keyed by the file's path and
stamp and a frozen display choice, and gives what building the same thing directly gives."""

from __future__ import annotations

import ast
import dataclasses
import shutil

import pytest

from components import charts
from components.charts import theme
from components.exports import native
from components.pages import cache
from components.pages.chart_views import page_display
from timelines.presentation import View, present
from timelines.reading.catalog import case_paths, load_entry
from timelines.reading.files import stamp

from conftest import CASES, ROOT
from specs import mark_type, scale_map, units

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


# --- one colour per therapy for the cases of a folder -----------------------------------------------------------

REGIMEN_CASE = CASES / "ppamn-hmbox1-alk-ensartinib.yaml"  # holds the unnamed regimen 'Chemo + anti-angiogenic'


def _colours(specs, field: str) -> dict[str, str]:
    """Each therapy's colour in the legend scale of the views coloured by ``field`` ('bar_key': a case timeline's,
    'agent': the swimmer's)."""
    found = {}
    for spec in specs:
        for unit in units(spec):
            colour = unit.get("encoding", {}).get("color", {})
            if colour.get("field") == field and "domain" in colour.get("scale", {}):
                found.update(scale_map(colour))
    return found


def _folder():
    """The bundled folder as the dashboard opens it: its files, their version and its therapy colours."""
    stamps = {str(path): stamp(path) for path in case_paths(CASES)}
    files = tuple(stamps.items())
    return stamps, files, cache.folder_colors(stamps)


def _cohort_colours(files, colors) -> dict[str, str]:
    ids = tuple(load_entry(path).case_id for path, _ in files)
    spec = cache.cohort_chart(cache.cohort_version(files), ids, "swimmer", "diagnosis", "duration", files, colors)
    return _colours([spec], "agent")


def test_the_unnamed_regimen_has_its_cohort_colour_on_its_case_page():
    # Before: blue on its case page (the colour its name hashes to, free among two therapies), brown in the cohort
    # (taken there by another therapy), as each chart chose among its own therapies.
    _, files, colors = _folder()
    path = str(REGIMEN_CASE)
    view = View(axis="calendar")
    cohort = _cohort_colours(files, colors)
    focused = charts.focus_domain(cache.case_tables(path, stamp(path))["events"], axis="calendar", unit="months")
    for domain in (None, focused):  # the whole history and the recent disease
        case = _colours(cache.case_chart(path, stamp(path), view, "timeline", page_display(view, domain, colors)),
                        "bar_key")
        assert case["Chemo + anti-angiogenic"] == cohort["Chemo + anti-angiogenic"] == "#E69F00"
        assert case["ensartinib"] == cohort["ensartinib"] == "#009E73"
    # Drawn alone (the editor's preview, one file exported from the command line) it keeps its own choice.
    alone = _colours(cache.case_chart(path, stamp(path), view, "timeline", page_display(view)), "bar_key")
    assert alone["Chemo + anti-angiogenic"] == "#0072B2"


def test_every_therapy_of_every_bundled_case_has_its_cohort_colour_on_its_case_page():
    stamps, files, colors = _folder()
    cohort = _cohort_colours(files, colors)
    # Every therapy of the folder but the two given years before the lorlatinib case's diagnosis, which the swimmer
    # draws as a grey 'earlier therapy' mark at its left edge.
    assert len(cohort) == 11
    unseen = set()
    for path, version in stamps.items():
        view = View(axis="relative")
        case = _colours(cache.case_chart(path, version, view, "timeline", page_display(view, None, colors)),
                        "bar_key")
        therapies = cache.case_therapies(path, version)
        shown = [name for name in therapies if name in cohort]
        unseen.update(set(therapies) - set(shown))
        assert shown and {name: case[name] for name in shown} == {name: cohort[name] for name in shown}
        assert {name: case[name] for name in therapies} == {name: dict(colors)[theme.drug_key(name)]
                                                            for name in therapies}
        assert len({case[name] for name in therapies}) == len(therapies), path  # apart within the case
    assert unseen == {"Adjuvant chemotherapy", "Endocrine therapy"}


def test_the_bands_behind_lesions_and_markers_and_the_exports_take_the_folder_colours():
    _, _, colors = _folder()
    path = str(REGIMEN_CASE)
    view = View(axis="calendar")
    band_colours = set()
    for name in ("lesions", "markers"):
        for spec in cache.case_chart(path, stamp(path), view, name, page_display(view, None, colors)):
            for unit in units(spec):
                if unit.get("encoding", {}).get("color", {}).get("field") == "hex" and mark_type(unit) == "rect":
                    band_colours.update(spec["datasets"][unit["data"]["name"]]["hex"])
    assert band_colours == {"#E69F00", "#009E73"}  # the regimen's and ensartinib's, as on the timeline
    case = cache.export_case(path, stamp(path), view, colors)
    drawn = native.timeline_frame(case).frame
    assert set(drawn.loc[drawn["lane"].eq("Chemo + anti-angiogenic"), "therapy_hex"]) == {"#E69F00"}
