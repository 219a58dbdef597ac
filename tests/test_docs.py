"""The documentation's examples are real: the guide's complete case loads, the template is valid."""

import re

from timelines import load_case, load_text
from timelines.clinical import outcomes

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
    from timelines.schema import EVENT_KINDS

    timeline = load_case(CASES / "_template.yaml")
    kinds = {d.kind for d in timeline.items}
    assert kinds == set(EVENT_KINDS)


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
