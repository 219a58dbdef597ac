"""A bundled case with hostile text planted in every free-text field, for safe-rendering tests."""

from __future__ import annotations

from pathlib import Path

import yaml

HTML = '<img src=x onerror="window.__owned=1">'
SCRIPT = "<script>window.__owned=2</script>"
LINK = "[click me](javascript:window.__owned=3)"
VEGA = "'); window.__owned=4; ('"
MARKDOWN = "**bold** # heading"
PAYLOAD = f"{HTML} {SCRIPT} {LINK} {VEGA} {MARKDOWN}"
SOURCE = Path(__file__).resolve().parent.parent / "cases" / "lcnec-eml4-alk-alectinib-case1.yaml"


def poisoned_case(folder: Path) -> str:
    """Write a copy of a real case whose texts all carry PAYLOAD; returns its case id."""
    case = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    case["id"] = "poisoned-case"
    case["title"] = "Poisoned " + PAYLOAD
    case["patient"]["context"] = PAYLOAD
    case["notes"] = [PAYLOAD]
    for diagnosis in case["diagnoses"]:
        diagnosis["label"] = PAYLOAD
    for lesion in case.get("lesions", []):
        lesion["label"] = PAYLOAD
    for event in case["events"]:
        event["label"] = PAYLOAD
        event["quote"] = PAYLOAD
        event["note"] = PAYLOAD
        if event["kind"] == "targeted":
            event["drug"] = "alectinib " + VEGA
        for value in event.get("values", []):
            value["marker"] = "NSE " + HTML
    text = yaml.safe_dump(case, sort_keys=False, allow_unicode=True)
    (folder / "poisoned-case.yaml").write_text(text, encoding="utf-8")
    return "poisoned-case"


HOSTILE = Path(__file__).resolve().parent / "hostile"


def corpus_texts() -> list[str]:
    """Every file of the hostile corpus as text (undecodable bytes replaced), each followed by its expected
    message: what a screen may be asked to show of a hostile case file."""
    texts = []
    for path in sorted(HOSTILE.glob("*.yaml")):
        texts.append(path.read_bytes().decode("utf-8", errors="replace"))
        texts.append(path.with_suffix(".expected").read_text(encoding="utf-8"))
    return texts
