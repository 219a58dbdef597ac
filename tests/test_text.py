"""timelines.text: case text made inert for Markdown, shortened and wrapped the same way on every screen."""

from __future__ import annotations

import re

import pytest

from timelines.text import (
    MARKDOWN_CHARS,
    WORD_JOINER,
    cut_chars,
    escape_markdown,
    shorten,
    signed_percent,
    unclosed,
    wrap,
)

from poison import HTML, LINK, MARKDOWN, SCRIPT, corpus_texts

# CommonMark: a backslash before any ASCII punctuation character shows that character as itself.
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
# What Streamlit rewrites in text after parsing (its emoji, icon, typography and GFM bare-link plugins).
_REWRITTEN = [re.compile(p, re.I) for p in (
    r":[\w+-]+:", r":material/", r"(^|\s)(<->|->|<-|--|>=|<=|~=)(\s|$)", r"https?://", r"www\.", r"[\w.+-]@[\w-]")]


def read_back(markdown: str) -> str:
    """The text a reader sees: escapes resolved, word joiners unseen (a case file may hold its own)."""
    return _ESCAPED.sub(r"\1", markdown).replace(WORD_JOINER, "")


def live_syntax(markdown: str) -> list[str]:
    """Markdown characters not escaped, and Streamlit rewrites that still match, in escaped text."""
    bare = _ESCAPED.sub("", markdown)
    unescaped = [c for c in bare if c in MARKDOWN_CHARS]
    seen = _ESCAPED.sub(r"\1", markdown)
    return unescaped + [m.group(0) for p in _REWRITTEN for m in p.finditer(seen)]


CORPUS = corpus_texts()


@pytest.mark.parametrize("text", CORPUS, ids=[f"{i // 2}-{'file' if i % 2 == 0 else 'message'}" for i in range(len(CORPUS))])
def test_every_hostile_file_and_its_message_is_escaped_to_exactly_its_own_characters(text):
    escaped = escape_markdown(text)
    assert read_back(escaped) == text.replace(WORD_JOINER, "")
    assert live_syntax(escaped) == []


@pytest.mark.parametrize("text", [HTML, SCRIPT, LINK, MARKDOWN, "Hint: :red[colour] :streamlit: $x^2$ &amp; \n===",
                                  "| a | b |\n|---|---|", "1. first\n- second\n> quote\n    code", "`code` ~~gone~~"])
def test_html_links_emphasis_headings_lists_tables_code_latex_and_directives_stay_text(text):
    escaped = escape_markdown(text)
    assert read_back(escaped) == text and live_syntax(escaped) == []


@pytest.mark.parametrize("text, trap", [
    ("cases/x.yaml:100:129: nested too deep", ":100:"),  # Streamlit showed '💯' for ':100:'
    ("a.start -> b.start -> a.start", " -> "),  # ... and '→' for '->'
    ("see https://example.org or www.example.org", "https://"),  # ... and a live link
    ("write to someone@example.org", "@example"),
    (":material/home: icon", ":material/"),
])
def test_what_streamlit_rewrites_after_parsing_is_split_by_an_invisible_word_joiner(text, trap):
    escaped = escape_markdown(text)
    assert trap not in escaped.replace("\\", "")
    assert read_back(escaped) == text


def test_plain_clinical_text_is_left_as_written():
    assert escape_markdown("Female · 55 years · never smoker, 30 pack-years") == \
        "Female · 55 years · never smoker, 30 pack\\-years"
    assert escape_markdown(None) == "None" and escape_markdown(3) == "3"


@pytest.mark.parametrize("text, limit, expected", [
    ("Partial response", 40, "Partial response"),
    ("Partial   response\nof the primary", 40, "Partial response of the primary"),  # whitespace collapsed
    ("Partial response of the primary tumor and the nodes", 24, "Partial response of the…"),
    ("Progression: new liver lesions, bone lesions", 33, "Progression: new liver lesions…"),  # ',' dropped
    ("Supercalifragilisticexpialidocious", 10, "Supercali…"),  # no whole word fits
    ("", 10, ""),
    (None, 10, ""),
])
def test_shorten_cuts_after_a_whole_word_within_the_limit_and_ends_in_an_ellipsis(text, limit, expected):
    assert shorten(text, limit) == expected
    assert len(shorten(text, limit)) <= limit


@pytest.mark.parametrize("text, width, max_lines, expected", [
    ("Carboplatin and pemetrexed", 30, None, ["Carboplatin and pemetrexed"]),
    ("Carboplatin and pemetrexed then pembrolizumab", 20, None, ["Carboplatin and", "pemetrexed then", "pembrolizumab"]),
    ("Carboplatin and pemetrexed then pembrolizumab", 20, 2, ["Carboplatin and", "pemetrexed then…"]),
    ("EML4-ALK fusion", 10, None, ["EML4-ALK", "fusion"]),  # never broken at a hyphen
    ("abcdefghijkl", 5, None, ["abcde", "fghij", "kl"]),  # a word longer than a line is cut
    ("first\n\nthird", 20, None, ["first", "", "third"]),  # line breaks kept
    ("", 20, None, [""]),
])
def test_wrap_breaks_between_words_and_shortens_the_last_line_allowed(text, width, max_lines, expected):
    assert wrap(text, width, max_lines) == expected


# Before: 'Adjuvant chemotherapy (agents, doses…' and, with its start added, '(agents, doses… (~2007-08)'.
@pytest.mark.parametrize("text, limit, expected", [
    ("Adjuvant chemotherapy (agents, doses and cycles not reported)", 40, "Adjuvant chemotherapy (agents, doses…)"),
    ("Adjuvant chemotherapy (agents, doses and cycles not reported)", 37, "Adjuvant chemotherapy (agents…)"),
    ("Adjuvant chemotherapy (agents, doses and cycles not reported)", 30, "Adjuvant chemotherapy…"),  # '(agents…)': 31
    ("Chemotherapy (cisplatin [75 mg/m2, day 1] and etoposide)", 37, "Chemotherapy (cisplatin [75 mg/m2…])"),
    ("Chemotherapy (cisplatin) and etoposide and bevacizumab", 30, "Chemotherapy (cisplatin) and…"),  # closed: as is
    ("Radiotherapy ( 30 Gy in 10 fractions)", 14, "Radiotherapy…"),  # a bracket opened on nothing is dropped
    ("a) first finding, b) second finding (new) and c) third", 24, "a) first finding, b)…"),  # a closer alone: as is
])
def test_a_cut_never_leaves_a_bracket_open(text, limit, expected):
    assert shorten(text, limit) == expected and len(expected) <= limit
    assert unclosed(expected) == ""
    assert unclosed("a) b (c [d") == "])"


@pytest.mark.parametrize("text, limit, expected", [
    ("Etoposide plus cisplatin ('EC regimen')", 30, "Etoposide plus cisplatin ('E…)"),
    ("carboplatin (AUC 5)", 14, "carboplatin…"),
    ("carboplatin (AUC 5)", 16, "carboplatin (A…)"),
])
def test_a_label_cut_anywhere_closes_its_brackets_too(text, limit, expected):
    assert cut_chars(text, limit) == expected and len(expected) <= limit


def test_a_bracket_opened_on_a_kept_line_is_closed_on_the_last_line():
    text = "Adjuvant chemotherapy (agents, doses and cycles not reported in the paper)"
    assert wrap(text, 24, max_lines=2) == ["Adjuvant chemotherapy", "(agents, doses and…)"]
    assert wrap("Chemotherapy (cisplatin and etoposide, four cycles then maintenance", 20, 2) == [
        "Chemotherapy", "(cisplatin and…)"]


@pytest.mark.parametrize("value, expected", [(-30, "−30 %"), (20.0, "+20 %"), (0, "+0 %"), (-12.6, "−13 %")])
def test_a_signed_percent_has_a_true_minus_sign(value, expected):
    assert signed_percent(value) == expected


@pytest.mark.parametrize("text, shown", [
    ("PD\x1b[2J", "PD\\e[2J"),  # clears the screen
    ("\x1b]0;title\x07", "\\e]0;title\\x07"),  # sets the window title
    ("\x1b]52;c;cHduZWQ=\x07", "\\e]52;c;cHduZWQ=\\x07"),  # writes the clipboard (OSC 52)
    ("a\x00b\rc\td\ne", "a\\0b\\rc\\td\\ne"),
    ("Response \u202eDP\u202c", "Response \\u202eDP\\u202c"),
    ("\u200bzero\u2028width\x85", "\\u200bzero\\u2028width\\x85"),
    ("plain – text é 中文", "plain – text é 中文"),
])
def test_visible_shows_every_control_and_invisible_character_as_its_escape(text, shown):
    from timelines.text import visible

    assert visible(text) == shown


def test_every_case_file_message_is_visible():
    from timelines.errors import Problem

    problem = Problem("Unknown event kind '\x1b[2J'", "valid: \u202esurgery", field="events[0].kind", line=3, column=5,
                      path="x.yaml")
    assert problem.format() == "x.yaml:3:5: events[0].kind: Unknown event kind '\\e[2J'. Hint: Valid: \\u202esurgery."
