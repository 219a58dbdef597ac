"""Text as every screen and export shows it: case text made inert for Markdown, shortened, wrapped."""

from __future__ import annotations

import re
import textwrap

ELLIPSIS = "…"  # one character, right after the last word kept: 'Partial response of the…'
WORD_JOINER = "\u2060"  # invisible and unbreakable: splits a pattern without changing what is read

# Every character that starts Markdown syntax in GitHub-flavored Markdown or Streamlit's extensions: emphasis,
# code, links and images, HTML, headings (also '===' under a line), lists, tables, strikethrough, entities
# ('&amp;'), LaTeX ('$') and directives (':red[...]'). CommonMark shows a backslash-escaped one as itself.
MARKDOWN_CHARS = "\\`*_{}[]()#+-.!|<>~$:&="
_MARKDOWN = re.compile("([" + re.escape(MARKDOWN_CHARS) + "])")
# Streamlit also rewrites text after parsing, where a backslash no longer counts: emoji and icon shortcodes
# (':smile:', ':material/home:', ':streamlit:'), arrows and dashes ('->', '--', '>=') and bare links
# ('https://...', 'www.x.org', 'a@b.org'). A word joiner inside each such pattern leaves it as typed.
_REWRITTEN = re.compile(r"(?<=:)(?=[\w/+-])|(?<=@)(?=[\w-])|(?<=www)(?=\.)|(?<=<)(?=[-=])|(?<=-)(?=[->])"
                        r"|(?<=[>~])(?==)", re.I)


def escape_markdown(text: object) -> str:
    """Case text for any Streamlit element that renders Markdown (st.markdown, st.error, captions, radio labels):
    it is shown character for character, never as formatting, a link, HTML, an emoji or LaTeX.

    >>> escape_markdown("**PD-L1** >= 50% [see](x)")
    '\\\\*\\\\*PD\\\\-L1\\\\*\\\\* \\\\>\\u2060\\\\= 50% \\\\[see\\\\]\\\\(x\\\\)'
    """
    return _MARKDOWN.sub(r"\\\1", _REWRITTEN.sub(WORD_JOINER, str(text)))


def signed_percent(value: float) -> str:
    """A change in whole percent with its sign, a true minus as in print: '−30 %', '+20 %', '+0 %'."""
    return f"{value:+.0f} %".replace("-", "\u2212")


_PAIRS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {closer: opener for opener, closer in _PAIRS.items()}
_OPENERS = str.maketrans(_CLOSERS)  # ')' to '(': the brackets left open, as their openers


def unclosed(text: object) -> str:
    """The brackets a text leaves open, closed innermost first: ')' for 'Chemotherapy (agents, doses'; '' when
    every bracket is closed (a closing bracket without its opening one is left as written).

    >>> unclosed("a (b [c")
    '])'
    """
    opened: list[str] = []
    for char in str(text):
        if char in _PAIRS:
            opened.append(char)
        elif char in _CLOSERS and opened and opened[-1] == _CLOSERS[char]:
            opened.pop()
    return "".join(_PAIRS[char] for char in reversed(opened))


def ellipsized(kept: object) -> str:
    """The part of a text kept before a cut, ending in '…': trailing punctuation and a bracket opened on nothing
    dropped, and every bracket it leaves open closed after the '…', so a cut never reads as an unbalanced bracket.

    >>> ellipsized("Adjuvant chemotherapy (agents, doses")
    'Adjuvant chemotherapy (agents, doses…)'
    >>> ellipsized("Chemotherapy (")
    'Chemotherapy…'
    """
    kept = str(kept).rstrip(" ,;:")
    while kept and kept[-1] in _PAIRS:
        kept = kept[:-1].rstrip(" ,;:")
    return kept + ELLIPSIS + unclosed(kept)


def cut_chars(text: object, limit: int) -> str:
    """Text of at most ``limit`` characters cut anywhere (a label in the room before the next one), ending in '…'
    and closing the brackets it leaves open; '' when not even '…' fits.

    >>> cut_chars("Etoposide (EC regimen)", 14)
    'Etoposide (E…)'
    """
    text = str(text)
    if len(text) <= limit:
        return text
    for keep in range(limit - 1, 0, -1):
        cut = ellipsized(text[:keep].rstrip())
        if len(cut) <= limit:
            return cut
    return ELLIPSIS if limit >= 1 else ""


def shorten(text: object, limit: int) -> str:
    """Text of at most ``limit`` characters: whitespace collapsed, cut after a whole word and its trailing
    punctuation dropped, ending in '…' and closing every bracket the cut leaves open; a first word longer than the
    limit is cut inside it.

    >>> shorten("Partial response of the primary tumor and the nodes", 24)
    'Partial response of the…'
    >>> shorten("Adjuvant chemotherapy (agents, doses and cycles not reported)", 40)
    'Adjuvant chemotherapy (agents, doses…)'
    """
    text = " ".join(str(text if text is not None else "").split())
    if len(text) <= limit:
        return text
    for room in range(limit, 0, -1):
        cut = textwrap.shorten(text, room, placeholder=ELLIPSIS)
        if cut == ELLIPSIS:  # no whole word fits
            return cut_chars(text, limit)
        cut = ellipsized(cut.removesuffix(ELLIPSIS))
        if len(cut) <= limit:
            return cut
    return cut_chars(text, limit)


class _Wrapper(textwrap.TextWrapper):
    """Breaks at spaces and after a slash ('carboplatin/paclitaxel/' | 'bevacizumab'), never inside a word."""

    wordsep_simple_re = re.compile(r"(\s+|(?<=/)(?=[^\s/]))")


def wrap(text: object, width: int, max_lines: int | None = None) -> list[str]:
    """Lines of at most ``width`` characters, broken between words or after a slash (a word longer than a line
    is cut); each line break in the text starts a new line. Past ``max_lines`` the last line kept ends in '…'.

    >>> wrap("Carboplatin and pemetrexed then pembrolizumab", 20, max_lines=2)
    ['Carboplatin and', 'pemetrexed then…']
    >>> wrap("carboplatin/paclitaxel/bevacizumab", 30)
    ['carboplatin/paclitaxel/', 'bevacizumab']
    """
    wrapper = _Wrapper(width, break_on_hyphens=False)
    lines = [line for paragraph in str(text).split("\n") for line in wrapper.wrap(paragraph) or [""]]
    if max_lines is None or len(lines) <= max_lines:
        return lines
    kept = lines[: max_lines - 1]
    rest = " ".join(lines[max_lines - 1:])
    # A bracket opened on a line kept is closed on the last one, after its '…'.
    opened = unclosed(" ".join(kept))[::-1].translate(_OPENERS)  # outermost first: '(['
    last = shorten(opened + rest, width + len(opened))[len(opened):]
    return kept + [last]


# Characters a terminal or a screen acts on instead of showing (escape sequences that clear the screen, set the
# window title or write the clipboard; NUL; carriage returns that overwrite a line) and the invisible ones that
# reorder or hide text: every message shows them as the escape that writes them in double-quoted YAML.
_UNSEEN = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
                     "\ud800-\udfff]")
CONTROL_NAMES = {"\t": "a tab", "\n": "a line break", "\r": "a carriage return", "\x00": "a NUL character",
                 "\x1b": "an escape character (ESC)"}
_SHORT_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": "\\0", "\x1b": "\\e"}


def visible(text: object) -> str:
    """Text for a message on a terminal or a screen: every control, line-breaking or invisible character shown as
    its escape ('\\e', '\\t', '\\x07', '\\u202e'), so that a value in a message can neither act on the terminal nor
    hide or reorder what is read. The one function every message printer uses.

    >>> visible("PD\\x1b[2J\\u202e")
    'PD\\\\e[2J\\\\u202e'
    """
    text = str(text)
    if _UNSEEN.search(text) is None:
        return text
    return _UNSEEN.sub(_escape_char, text)


def _escape_char(match: re.Match) -> str:
    char = match.group()
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def shown_text(text: object) -> str:
    """A value quoted in a message, made visible: 'A\\tB' for a name holding a tab."""
    return f"'{visible(text)}'"


def is_missing(value: object) -> bool:
    """Whether a table cell holds no value: None, '', NaN, NaT or pandas' NA. Typed: a text that reads 'nan' or
    'None' is a value."""
    if value is None or isinstance(value, str):
        return not value
    try:
        return bool(value != value)  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):  # pandas.NA refuses to be a truth value
        return True
