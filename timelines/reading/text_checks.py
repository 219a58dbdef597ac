"""Case-file text before it is parsed: bytes to text, the size limit, and characters that do not belong."""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import replace

from ..errors import CaseFileError, Problem
from ..text import visible
from .files import MAX_FILE_BYTES

Position = tuple[int, int]  # 1-based line and column


def decode(text: str | bytes) -> str:
    """The text of a case file, refused with a located problem when it is too large, not UTF-8, or holds a
    character that YAML does not allow or that a reader cannot see."""
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise CaseFileError([Problem(f"The text is {len(text) / 1e6:.1f} MB; case files may be at most "
                                         f"{MAX_FILE_BYTES // (1024 * 1024)} MB", "check that this is the right file")])
        _refuse_wide_encodings(text)
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            line, column = line_column(text[:error.start].decode("utf-8"))
            raise CaseFileError([Problem(
                f"Byte 0x{text[error.start]:02x} is not UTF-8 text",
                "save the file as UTF-8 (in most editors: Save with encoding, UTF-8)", line=line, column=column)]) from None
    if len(text) > MAX_FILE_BYTES:
        raise CaseFileError([Problem("The text is too large for a case file",
                                     f"case files may be at most {MAX_FILE_BYTES // (1024 * 1024)} MB")])
    text = text.lstrip("\ufeff")
    _refuse_unprintable(text)
    return text


_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
              (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))
_SAVE_AS_UTF8 = "save it again as UTF-8 (in most editors: Save with encoding, UTF-8)"


def _refuse_wide_encodings(data: bytes) -> None:
    """UTF-16 and UTF-32 files (Windows Notepad's "Unicode") are refused by name, not byte by byte."""
    encoding = next((name for bom, name in _WIDE_BOMS if data.startswith(bom)), None)
    sample = data[:400]
    if encoding is None and len(sample) >= 4:
        # Without a byte order mark, ASCII saved as UTF-16 has a zero byte in every other position.
        if max(sample[0::2].count(0), sample[1::2].count(0)) >= 0.9 * (len(sample) // 2):
            encoding = "UTF-16"
    if encoding:
        raise CaseFileError([Problem(f"The file is saved as {encoding} text; case files must be UTF-8",
                                     _SAVE_AS_UTF8, line=1, column=1)])


# YAML allows tab, line breaks and printable characters only (YAML 1.1, section 5.1); libyaml refuses the
# others without saying where, and a lone surrogate cannot even be handed to it.
_UNPRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


# Characters that change what a reader sees without being seen: the bidirectional controls reorder text
# ("Response \u202eDP\u202c confirmed" shows as the reverse of what is stored), and zero-width ones make two
# different ids or words look the same.
_INVISIBLE = {
    **{chr(c): "a bidirectional control, which reorders the text around it on screen" for c in range(0x202A, 0x202F)},
    **{chr(c): "a bidirectional control, which reorders the text around it on screen" for c in range(0x2066, 0x206A)},
    **{c: "an invisible direction mark" for c in "\u200e\u200f\u061c"},
    **{c: "an invisible zero-width character" for c in "\u200b\u2060\ufeff\u180e"},
    "\u00ad": "an invisible hyphenation point",
}
_INVISIBLE_FOUND = re.compile("[" + "".join(_INVISIBLE) + "]")


def _refuse_unprintable(text: str) -> None:
    _refuse_invisible(text)
    found = _UNPRINTABLE.search(text)
    if found is None:
        return
    char = found.group()
    line, column = line_column(text[:found.start()])
    if char == "\x00":
        message = "The file contains a NUL character (U+0000)"
        hint = "case files are plain text; NUL comes from a binary file or from text saved as UTF-16: " + _SAVE_AS_UTF8
    elif "\ud800" <= char <= "\udfff":
        message = f"The text contains U+{ord(char):04X}, half of a character (a lone surrogate)"
        hint = _SAVE_AS_UTF8
    elif char >= "\ufffe":
        message = f"The file contains U+{ord(char):04X}, which is not a character"
        hint = "delete it; it may come from a damaged file or a wrong conversion"
    else:
        message = f"The file contains the invisible control character U+{ord(char):04X}"
        hint = "delete it; such characters often come with text pasted from a PDF or a word processor"
    raise CaseFileError([Problem(message, hint, line=line, column=column)])


def _refuse_invisible(text: str) -> None:
    found = _INVISIBLE_FOUND.search(text)
    if found is None:
        return
    char = found.group()
    line, column = line_column(text[:found.start()])
    name = unicodedata.name(char, "").lower()
    raise CaseFileError([Problem(
        f"The file contains U+{ord(char):04X}" + (f" ({name})" if name else "") + f", {_INVISIBLE[char]}",
        "delete it: it is at the column given, and most editors do not show it; such "
        "characters come with text pasted from a web page, a PDF or a word processor", line=line, column=column)])


# What a value may not hold once YAML has decoded the escapes of a double-quoted string ("\e", "\0", "\u202e"):
# the characters the file itself may not hold. A tab and line breaks are text, as they are in the file.
_HIDDEN_IN_VALUE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|"
                              + _INVISIBLE_FOUND.pattern)


def hidden_in_value(value: str) -> tuple[str, str] | None:
    """(message, hint) when a decoded text value holds a control character or an invisible one (the checks of
    `decode`, which sees only the file as written, run again on what its escapes mean); None for plain text."""
    found = _HIDDEN_IN_VALUE.search(value)
    if found is None:
        return None
    char = found.group()
    name = unicodedata.name(char, "").lower() or _CONTROL_NAMES.get(char, "")
    named = f"U+{ord(char):04X}" + (f" ({name})" if name else "")
    written = f"written as an escape ({visible(char)}) in double quotes"
    if char in _INVISIBLE:
        return (f"The text holds {named}, {_INVISIBLE[char]}; it is {written}",
                "delete the escape; invisible characters change what a reader sees")
    return (f"The text holds the control character {named}, {written}",
            "delete the escape; a control character acts on the terminal or the screen that shows it, and is not "
            "text a reader can see")


_CONTROL_NAMES = {"\x00": "NUL", "\x07": "bell", "\x08": "backspace", "\x1b": "ESC, which starts terminal commands",
                  "\x7f": "delete"}


# Spaces that YAML does not read as spaces: in the indentation they shift a line into another value.
_ODD_INDENT = re.compile(r"^[ \t]*([\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000])", re.M)


def odd_indentation(text: str, error: CaseFileError) -> CaseFileError | None:
    """When a file with problems indents a line (up to the first problem's) with a no-break or other unusual
    space, that space is the cause to name: the problem YAML reports is only its consequence."""
    found = _ODD_INDENT.search(text)
    if found is None:
        return None
    line, column = line_column(text[:found.start(1)])
    if error.first.line is not None and line > error.first.line:
        return None
    char = found.group(1)
    name = unicodedata.name(char, "an unusual space").lower()
    return CaseFileError([Problem(
        f"This line is indented with U+{ord(char):04X} ({name}), which looks like a space but is not one to YAML",
        "replace it with ordinary spaces; it comes with text pasted from a web page or a word processor",
        line=line, column=column)])


def line_column(before: str) -> Position:
    """1-based line and column of the character after `before`, as an editor shows them: only a line feed, a
    carriage return or the two together end a line (U+0085, U+2028 and U+2029 do not, though YAML counts them)."""
    line, start = 1, 0
    for match in _EDITOR_BREAK.finditer(before):
        line, start = line + 1, match.end()
    return line, len(before) - start + 1


_EDITOR_BREAK = re.compile("\r\n|[\n\r]")


def editor_lines(text: str) -> list[str]:
    """The lines of a text as an editor numbers them (str.splitlines also breaks at U+2028, U+0085, form feeds...)."""
    return _EDITOR_BREAK.split(text.removesuffix("\n").removesuffix("\r")) if text else []
_YAML_ONLY_BREAKS = ("\x85", "\u2028", "\u2029")


class EditorPositions:
    """YAML's positions in a text turned into an editor's: PyYAML counts U+0085, U+2028 and U+2029 as line breaks,
    editors do not, so every line after one would be reported one too far (and its columns from the wrong start)."""

    def __init__(self, text: str):
        self.lines: list[Position] | None = None  # per YAML line: its editor line, and the column it starts at
        if not any(char in text for char in _YAML_ONLY_BREAKS):
            return
        editor_starts = [0] + [m.end() for m in _EDITOR_BREAK.finditer(text)]
        self.lines, index = [], 0
        for start in [0] + [m.end() for m in _LINE_BREAK.finditer(text)]:
            while index + 1 < len(editor_starts) and editor_starts[index + 1] <= start:
                index += 1
            self.lines.append((index + 1, start - editor_starts[index]))

    def __call__(self, line: int | None, column: int | None) -> tuple[int | None, int | None]:
        """The editor's 1-based line and column of YAML's 1-based line and column."""
        if self.lines is None or line is None or not 0 < line <= len(self.lines):
            return line, column
        editor_line, shift = self.lines[line - 1]
        return editor_line, None if column is None else column + shift

    def of_mark(self, mark) -> Position:
        """The editor's 1-based position of a 0-based YAML mark."""
        return self(mark.line + 1, mark.column + 1)

    def error(self, error: CaseFileError) -> CaseFileError:
        """The error with its problems' YAML positions as the editor's."""
        if self.lines is None:
            return error
        return CaseFileError([replace(p, line=self(p.line, p.column)[0], column=self(p.line, p.column)[1])
                              for p in error.problems])


def char_at(text: str, line: int, column: int) -> str:
    """The character at a 0-based YAML mark."""
    starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
    index = starts[line] + column if line < len(starts) else len(text)
    return text[index] if index < len(text) else ""
