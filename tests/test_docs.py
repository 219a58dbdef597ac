"""The documentation's examples are real: the guide's complete case loads, the template is valid."""

import re

from timelines import load_case, load_text
from timelines.endpoints.clinical import outcomes

from conftest import CASES, ROOT


def guide_example() -> str:
    guide = (CASES / "README.md").read_text(encoding="utf-8")
    section = guide.split("## A complete small case", 1)[1]
    return re.search(r"```yaml\n(.*?)```", section, re.S).group(1)


def test_the_guides_complete_case_loads_and_computes_its_outcome():
    timeline = load_text(guide_example(), "guide-example.yaml")
    pfs = next(o for o in outcomes(timeline) if o.name == "pfs")
    assert (pfs.text, pfs.consistent) == ("20+ months", True)


def test_the_template_is_a_valid_case_showing_every_kind():
    from timelines.kinds import KIND_BY_NAME

    timeline = load_case(CASES / "_template.yaml")
    kinds = {d.kind for d in timeline.items}
    assert kinds == set(KIND_BY_NAME)


def test_the_template_points_editors_at_the_schema():
    first = (CASES / "_template.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=case.schema.json"


def test_the_readme_gives_two_commands_for_a_fresh_machine():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```bash\n(.*?)```", readme, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["bash scripts/dashboard.sh", "bash scripts/test.sh"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash scripts/test.sh" in ci


def test_the_guides_worked_example_gives_the_durations_it_says():
    guide = (CASES / "README.md").read_text(encoding="utf-8")
    section = guide.split("### Worked example", 1)[1]
    events = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    text = ("schema: 1\nid: worked-example\ntitle: Worked example\nsource: {citation: The authoring guide}\n"
            "diagnoses:\n  - {id: dx, label: ALK-positive adenocarcinoma, date: origin}\n"
            "events:\n  - {id: gamma-knife, kind: radiotherapy, technique: gamma knife, date: after dx}\n" + events)
    timeline = load_text(text, "worked-example.yaml")
    found = {o.label: o for o in outcomes(timeline) if o.name == "pfs"}
    assert found["PFS on line 2 (crizotinib)"].text == "4 months"
    assert found["PFS on line 3 (alectinib)"].text == "3+ months"
    crizotinib = timeline.by_id("crizotinib")
    assert timeline.distance((crizotinib.key, "start"), (crizotinib.key, "end")).earliest >= 120  # 4 months at least


def test_the_guides_worked_example_of_the_forms_beyond_the_basics_gives_what_it_says():
    from timelines.tables import event_table, marker_table, measurement_table

    guide = (CASES / "README.md").read_text(encoding="utf-8")
    section = guide.split("### Worked example: the forms a case report needs", 1)[1]
    body = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    text = ("schema: 1\nid: forms-example\ntitle: Forms example\nsource: {citation: The authoring guide}\n"
            "diagnoses:\n  - {id: dx, label: Lung adenocarcinoma, date: origin}\n" + body)
    timeline = load_text(text, "forms-example.yaml")
    size = measurement_table(timeline).iloc[0]
    assert (size["recist_mm"], size["source_kind"], size["source_label"]) == \
        (20.0, "symptom", "Palpable left supraclavicular node")
    assert marker_table(timeline)[["marker", "flag"]].values.tolist() == [["LDH", "normal"]]
    events = event_table(timeline).set_index("event_id")
    assert events.loc["dab-tram", "agent"] == "dabrafenib + trametinib"
    assert events.loc["pd", "start"] == "day 1292–1658"
    assert events.loc["pembro", "start"] == "day 1292–1689"
    pfs = {o.label: o.text for o in outcomes(timeline) if o.name == "pfs"}
    assert pfs["PFS on line 1 (dabrafenib + trametinib)"] == "42–54 months"


def guide_section(title: str) -> str:
    guide = (CASES / "README.md").read_text(encoding="utf-8")
    return guide.split(title, 1)[1].split("\n## ", 1)[0]


def test_the_guide_names_every_kind_and_every_field_of_it_in_its_table():
    from timelines.kinds import KINDS
    from timelines.schema import PointOrIntervalEvent

    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| [^|]+ \| (.*) \|$",
                                                        guide_section("## Events"), re.M)}
    assert set(rows) == {k.name for k in KINDS}, "the guide's table lists exactly the registry's kinds"
    shared = set(PointOrIntervalEvent.model_fields) | {"kind"}
    for kind in KINDS:
        missing = [name for name in kind.model.model_fields if name not in shared and f"`{name}`" not in rows[kind.name]]
        assert not missing, f"the guide's row for {kind.name} does not name {missing}"


def test_the_guide_shows_every_field_of_the_patient_and_of_a_reported_figure():
    from timelines.schema import Patient, Reported

    top = guide_section("## Top level")
    assert [n for n in Patient.model_fields if f"  {n}:" not in top] == []
    outcomes_section = guide_section("## Outcomes the paper reports")
    names = [field.alias or name for name, field in Reported.model_fields.items()]
    assert [n for n in names if f" {n}:" not in outcomes_section and f"- {{{n}:" not in outcomes_section] == []


def test_the_template_uses_the_forms_a_paper_needs_beyond_the_basics():
    from timelines.endpoints.clinical import outcomes

    timeline = load_case(CASES / "_template.yaml")
    assert any(d.event.description and d.event.category is None for d in timeline.of_kind("response"))
    assert any(d.event.description and d.event.term is None for d in timeline.of_kind("adverse_event"))
    reported = {o.reported_text for o in outcomes(timeline) if o.reported_text}
    assert {"70 weeks", "shortly after"} <= reported


def test_every_date_form_the_guide_shows_is_read():
    from timelines.time.dates import parse_date

    rows = [line for line in guide_section("## Dates").splitlines() if line.startswith("| ")][1:]  # no header
    examples = [e for row in rows for e in re.findall(r"`([^`]+)`", row.split("|")[2])]
    assert len(examples) >= 15
    for example in examples:
        parse_date(example)  # raises DateProblem for a form the guide promises but the reader refuses


def test_the_dashboard_listens_on_this_machine_only_unless_told_otherwise():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"
    assert "--server.address 0.0.0.0" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_does_not_count_the_bundled_cases_by_hand():
    # A number written in the README goes stale with the next case added to cases/; the folder is the count.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    numbers = r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b"
    assert not re.search(numbers + r"\s+(?:published\s+|bundled\s+|real\s+)*cases\b", readme, re.I)
    assert "bundled in [`cases/`](cases/)" in readme


def test_the_guides_worked_example_of_unnumbered_lines_gives_what_it_says():
    section = (CASES / "README.md").read_text(encoding="utf-8").split("### Worked example: lines the paper", 1)[1]
    events = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    text = ("schema: 1\nid: unnumbered-lines\ntitle: Unnumbered lines\nsource: {citation: The authoring guide}\n"
            "diagnoses:\n  - {id: dx, label: Lung adenocarcinoma, date: 2022-01-03}\nevents:\n" + events)
    timeline = load_text(text, "unnumbered-lines.yaml")
    found = {o.label: o for o in outcomes(timeline)}
    assert found["PFS on line 1, inferred (carboplatin + pemetrexed + pemetrexed)"].text == "10 months"
    line2 = found["PFS on line 2, inferred (docetaxel)"]
    assert line2.text == "3+ months" and "2023-02-20" in line2.note
    assert found["Time on docetaxel"].text == "3 months"


def test_the_readmes_fast_lane_is_an_option_of_the_test_script_naming_existing_test_modules():
    from conftest import FAST_MODULES

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert "`bash scripts/test.sh --fast`" in readme
    assert '"--fast"' in script and "pytest -m fast" in script
    assert "fast:" in (ROOT / "pytest.ini").read_text(encoding="utf-8")  # a registered marker
    # a renamed or removed test module would otherwise drop out of the lane without a word
    assert sorted(FAST_MODULES - {p.name for p in (ROOT / "tests").glob("test_*.py")}) == []
