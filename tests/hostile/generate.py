"""Large hostile case files, written at test time and never committed.

Each entry of GENERATED writes one file (or folder) into a directory and says what loading it must
give: the exact first message, or "loads", and the time and memory it may cost. To look at the files:

    python tests/hostile/generate.py /tmp/hostile
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

MB = 1024 * 1024

HEADER = """\
schema: 1
id: {id}
title: Generated hostile case
source:
  citation: Fictional case for the hostile-input tests.
patient: {{sex: female, age: 60, age_at: dx, smoking: never}}
diagnoses:
  - {{id: dx, label: Lung adenocarcinoma, date: 2000-01-10}}
lesions:
  - {{id: primary, label: Primary tumour, site: lung}}
"""


@dataclass(frozen=True)
class Generated:
    """One generated file: how to write it, and what loading it must give within which bounds."""

    name: str
    write: Callable[[Path], Path]  # directory -> the path to load
    expected: str  # the first problem, formatted, with {path} for the file's path; or "loads"
    seconds: float = 2.0
    megabytes: float = 50.0


def header(name: str) -> str:
    return HEADER.format(id=name)


def _file(name: str, text: str | bytes, directory: Path) -> Path:
    path = directory / f"{name}.yaml"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def fifty_megabytes(directory: Path) -> Path:
    line = "  - A long note that repeats until the file is far larger than any case file may be.\n"
    head = header("fifty-megabytes") + "notes:\n"
    body = line * ((50 * MB - len(head)) // len(line) + 1)
    return _file("fifty-megabytes", (head + body)[:50 * MB], directory)


def five_megabyte_label(directory: Path) -> Path:
    text = header("five-megabyte-label").replace("title: Generated hostile case", "title: " + "x" * (5 * MB))
    return _file("five-megabyte-label", text + "events: []\n", directory)


def five_megabyte_date(directory: Path) -> Path:
    return _file("five-megabyte-date", header("five-megabyte-date")
                 + "events:\n  - {kind: symptom, date: '2001-" + "0" * (5 * MB) + "1'}\n", directory)


def five_megabyte_line_of_values(directory: Path) -> Path:
    return _file("five-megabyte-line-of-values", header("five-megabyte-line-of-values")
                 + "notes: [" + "a, " * (5 * MB // 3) + "a]\n", directory)


def sixteen_megabytes_of_comments(directory: Path) -> Path:
    line = "# " + "a comment that says nothing " * 3 + "\n"
    return _file("sixteen-megabytes-of-comments", line * (16 * MB // len(line)), directory)


def many_events_text(name: str, count: int) -> str:
    """A valid case of `count` events of five kinds, one a day, some relative to an earlier therapy."""
    lines = [header(name), "events:\n"]
    for i in range(count):
        year, day_of_year = divmod(i, 336)
        date = f"{2000 + year}-{day_of_year // 28 + 1:02d}-{day_of_year % 28 + 1:02d}"
        lines.append([
            f"  - {{id: t{i}, kind: targeted, drug: alectinib, start: {date}, duration: 2 weeks}}\n",
            f"  - {{kind: imaging, date: {date}, modality: CT, measurements: [{{lesion: primary, size: {10 + i % 7} mm}}]}}\n",
            f"  - {{kind: lab, date: {date}, values: [{{marker: CEA, value: {i % 50}.5, unit: ng/mL}}]}}\n",
            f"  - {{kind: response, date: t{i - 3} + 1 week, category: SD, therapy: t{i - 3}}}\n",
            f"  - {{kind: symptom, date: {date}, description: cough}}\n",
        ][i % 5])
    return "".join(lines)


def ten_thousand_events(directory: Path) -> Path:
    return _file("ten-thousand-events", many_events_text("ten-thousand-events", 10_000), directory)


def chain_text(name: str, count: int, link: Callable[[int], int]) -> str:
    """Events e0..e(count-1), each dated one day after the event `link(i)`; e0 on the diagnosis when no link."""
    lines = [header(name), "events:\n"]
    for i in range(count):
        target = link(i)
        date = "dx" if target is None else f"e{target} + 1 day"
        lines.append(f"  - {{id: e{i}, kind: symptom, date: {date}}}\n")
    return "".join(lines)


def relative_date_chain_of_5000(directory: Path) -> Path:
    # Written last to first, so that resolving the first event walks the whole chain.
    text = chain_text("relative-date-chain-of-5000", 5000, lambda i: i + 1 if i < 4999 else None)
    return _file("relative-date-chain-of-5000", text, directory)


def relative_date_cycle_of_5000(directory: Path) -> Path:
    text = chain_text("relative-date-cycle-of-5000", 5000, lambda i: (i + 1) % 5000)
    return _file("relative-date-cycle-of-5000", text, directory)


def deep_flow_nesting(directory: Path) -> Path:
    return _file("deep-flow-nesting", header("deep-flow-nesting") + "notes: " + "[" * 100_000 + "]" * 100_000 + "\n",
                 directory)


def deep_block_nesting(directory: Path) -> Path:
    # Compact block sequences ("- - - x") nest one level per two characters.
    return _file("deep-block-nesting", header("deep-block-nesting") + "notes:\n  " + "- " * 100_000 + "x\n", directory)


def alias_repeated_20_000_times(directory: Path) -> Path:
    anchor = "  - &event {kind: symptom, date: 2001-02, description: cough}\n"
    return _file("alias-repeated-20000-times", header("alias-repeated-20000-times") + "events:\n" + anchor
                 + "  - *event\n" * 20_000, directory)


def million_values(directory: Path) -> Path:
    return _file("million-values", header("million-values") + "notes: [" + "1," * 1_000_000 + "1]\n", directory)


def five_thousand_unknown_fields(directory: Path) -> Path:
    events = "".join(f"  - {{kind: symptom, date: 2001-02, descripton: cough {i}}}\n" for i in range(5_000))
    return _file("five-thousand-unknown-fields", header("five-thousand-unknown-fields") + "events:\n" + events,
                 directory)


def twenty_thousand_duplicate_keys(directory: Path) -> Path:
    return _file("twenty-thousand-duplicate-keys", header("twenty-thousand-duplicate-keys")
                 + "  - {id: node, label: Node, site: mediastinum" + ", site: x" * 20_000 + "}\n", directory)


def a_folder(directory: Path) -> Path:
    folder = directory / "a-folder.yaml"
    folder.mkdir()
    (folder / "inside.yaml").write_text(header("inside"), encoding="utf-8")
    return folder


SIZE_HINT = "Hint: Split the history into smaller cases, or check that this is the right file."
NESTED = "The document is nested more than 64 levels deep. Hint: Case files need only a few levels; check the indentation."
TOO_MANY = "The file holds more than 200,000 values. Hint: A case needs far fewer; split it, or check that this is a case file."

GENERATED = [
    Generated("fifty-megabytes", fifty_megabytes,
              f"{{path}}: The file is 52.4 MB; case files may be at most 16 MB. {SIZE_HINT}", megabytes=200),
    Generated("five-megabyte-label", five_megabyte_label,
              "{path}:3:8: title: The text is 5,242,880 characters long; at most 20,000 are allowed. "
              "Hint: Shorten it; a case file holds summaries and quotes, not whole documents.", megabytes=200),
    Generated("five-megabyte-date", five_megabyte_date,
              "{path}:12:27: events[0].date: The date '2001-00000000000000000000000000000000000...' is 5,242,886 "
              "characters long. Hint: A date is at most 200 characters; write a date as 2022-09-08, 2022-09 or 2022; "
              "~2021-10 when approximate; 'lorlatinib + 3 months' or 'surgery.end - 2 weeks' relative to an event; "
              "'after surgery', 'before surgery' or 'between surgery and 2022-03' when only the order is known.",
              megabytes=200),
    Generated("five-megabyte-line-of-values", five_megabyte_line_of_values, "{path}:11:599886: " + TOO_MANY,
              megabytes=200),
    Generated("sixteen-megabytes-of-comments", sixteen_megabytes_of_comments,
              "{path}:1:1: The file is empty. Hint: Start from cases/_template.yaml.", megabytes=200),
    Generated("ten-thousand-events", ten_thousand_events, "loads", seconds=10, megabytes=200),
    Generated("relative-date-chain-of-5000", relative_date_chain_of_5000, "loads", seconds=5, megabytes=100),
    Generated("relative-date-cycle-of-5000", relative_date_cycle_of_5000,
              "{path}:12:35: events[0].date: Dates refer to each other in a cycle: e0.start -> e1.start -> e2.start -> "
              "e3.start -> e4.start -> e5.start -> e6.start -> e7.start -> e8.start -> e9.start -> e10.start -> "
              "e11.start -> ... (4,988 more) -> e0.start. Hint: Date one of these events with a calendar date or "
              "relative to an event outside the cycle.", seconds=5, megabytes=100),
    Generated("deep-flow-nesting", deep_flow_nesting, "{path}:11:72: " + NESTED),
    Generated("deep-block-nesting", deep_block_nesting, "{path}:12:131: " + NESTED),
    Generated("alias-repeated-20000-times", alias_repeated_20_000_times,
              "{path}:12:5: Anchors and aliases (& and *) expand to more than 10,000 values. "
              "Hint: Write the values out instead of repeating an alias."),
    # A 2 MB file read up to its 200,000th value twice (the fast path, then the located one): 1.4-2.4 s on a
    # shared 2-core machine before and after the checks of YAML 1.1 numbers; the bound is there to catch a
    # blow-up (tens of seconds), not the machine's noise.
    Generated("million-values", million_values, "{path}:11:399927: " + TOO_MANY, seconds=3.0),
    Generated("five-thousand-unknown-fields", five_thousand_unknown_fields,
              "{path}:12:36: events[0].descripton: Unknown field 'descripton' in a symptom event. Hint: Did you mean "
              "'description'? Valid: attributes, certainty, date, description, duration, end, id, kind, label, measurements, "
              "note, ongoing, "
              "provenance, quote, settled_by, short, start.",
              megabytes=200),
    Generated("twenty-thousand-duplicate-keys", twenty_thousand_duplicate_keys,
              "{path}:11:48: Duplicate key 'site' (first written on line 11). "
              "Hint: A field may appear only once in a mapping; keep one and delete the other."),
    Generated("a-folder", a_folder, "{path}: This is a folder, not a case file. Hint: Choose one of the .yaml files inside it."),
]


def main(directory: str) -> None:
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    for generated in GENERATED:
        print(generated.write(target))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "generated-hostile-cases")
