"""The case editor page: open, create or upload a case, see its problems and timeline as you type, save safely."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from components.charts import Display, case_chart_specs
from components.charts.axis import DEFAULT_WIDTH
from timelines.editing import (
    Check,
    check_text,
    new_case_text,
    problem_excerpt,
    problem_text,
    snippet_ids,
    text_diff,
    upload_text,
    with_event,
    with_tabs_explained,
    with_top_level,
    with_unique_ids,
    written_id,
)
from timelines.errors import CaseFileError
from timelines.reading.catalog import case_paths, load_entry
from timelines.reading.yaml_source import parse_yaml
from timelines.saving import storage
from timelines.tables import dose_change_table, event_table
from timelines.text import escape_markdown
from timelines.timeline import Timeline

from .chart_views import show_specs
from .screen import learn_window
from .snippets import DATES, KINDS, SKELETON, SNIPPETS, SNIPPETS_BY_KEY, fill

TEMPLATE_NAME = "_template.yaml"
BUNDLED_TEMPLATE = Path(__file__).resolve().parents[2] / "cases" / TEMPLATE_NAME
GUIDE = BUNDLED_TEMPLATE.parent / "README.md"  # the authoring guide
SUGGESTED_ID_CHARS = 48  # an id made from a title: whole words up to this length, a file name one can read
# The editor's page: side margins of 1.5 rem (the page's are 5 rem), the text and the preview side by side in 2:3.
EDITOR_STYLE = """<style>
.block-container {padding-left: 1.5rem; padding-right: 1.5rem;}
</style>"""
EDITOR_COLUMNS = (2, 3)
SIDEBAR_PX = 300
EDITOR_MARGINS_PX = 48
COLUMN_GAP_PX = 24
LANE_LABELS_PX = 190  # the preview's lane labels and padding, left of its plot
PREVIEW_LEAST_PX = 320
PROBLEMS_HEIGHT = 260  # px: the problems scroll beside the text, so that the preview stays in view
PREVIEW_WIDTH = 560  # px of plot beside the text: half the page at 1280 px, with the lane labels
RECOVERY_KEPT = 20
EDITOR_HEIGHT = 560
PROBLEMS_SHOWN = 12
SAVES_SHOWN = 10

# Session-state keys: the document lives in DOC (it survives page switches); TEXT is the text area's own key.
DOC = "editor_doc"
TEXT = "editor_text"
FLASH = "editor_flash"
RECOVERY = "editor_recovery"
REJECTED_UPLOAD = "editor_rejected_upload"
SAVED_BY = "editor_saved_by"  # who saves in this session (the signed-in editor's email); set by the page, never a widget

RESOLVED_COLUMNS = {
    "event_id": "Event", "kind": "Kind", "label": "Label", "date_text": "Written", "start": "Start",
    "start_earliest": "Earliest start", "start_latest": "Latest start", "end_text": "Written end", "end": "End",
    "end_earliest": "Earliest end", "end_latest": "Latest end", "day_start": "Day", "day_end": "Day (end)",
    "precision": "Precision",
}


# ---------------------------------------------------------------- the document being edited

@dataclass
class Document:
    """The text being edited and where it will be saved; kept in st.session_state."""

    case_id: str | None  # saved as <case_id>.yaml; None until the author gives an id
    text: str
    source: str  # where the text came from, in words
    fingerprint: str | None = None  # of <case_id>.yaml when read or last saved; None: there was no such file
    saved_text: str | None = None  # the text as it is on disk; None: never saved
    draft_fingerprint: str | None = None  # of <case_id>.draft.yaml when read or last saved
    last_valid_text: str | None = None
    conflict: dict | None = None  # a refused save: path, disk_text, message
    saved_at: str = ""


def resolved_table(timeline: Timeline) -> pd.DataFrame:
    """Every event with its dates as written and as resolved (earliest and latest), for the author to check."""
    events = event_table(timeline)
    return events[list(RESOLVED_COLUMNS)].rename(columns=RESOLVED_COLUMNS)


# ---------------------------------------------------------------- session state

def _doc() -> Document | None:
    return st.session_state.get(DOC)


def _current_text(doc: Document) -> str:
    """What the author has typed: the text area's value (newer than the document in a callback)."""
    value = st.session_state.get(TEXT)
    return doc.text if value is None else value


def _set_document(doc: Document, why: str) -> None:
    """Put a new document in the editor; the replaced one, if it has unsaved text, is kept for recovery."""
    old = _doc()
    if old is not None:
        _keep_for_recovery(old, why, unless_equal_to=doc.text)
    st.session_state[DOC] = doc
    st.session_state[TEXT] = doc.text


def _set_text(doc: Document, text: str) -> None:
    doc.text = text
    st.session_state[TEXT] = text


def _keep_for_recovery(doc: Document, why: str, unless_equal_to: str | None = None) -> None:
    """Keep a copy of the document (its text and where it saves to) unless its text is on disk or kept already."""
    text = _current_text(doc)
    if not text.strip() or text == doc.saved_text or text == unless_equal_to:
        return
    kept = st.session_state.setdefault(RECOVERY, [])
    if any(item["doc"].text == text for item in kept):
        return
    snapshot = dataclasses.replace(doc, text=text, conflict=None)
    kept.insert(0, {"doc": snapshot, "why": why, "at": dt.datetime.now().strftime("%H:%M:%S")})
    del kept[RECOVERY_KEPT:]


def _flash(kind: str, message: str, details: str = "", place: str = "top") -> None:
    """A message for the next run, shown where the author is looking (top, snippets or save)."""
    st.session_state.setdefault(FLASH, []).append((place, kind, message, details))


# ---------------------------------------------------------------- the page

def editor_page(cases_dir: Path, saved_by: str | None = None) -> None:
    """The editor: open/new/upload, the text with its problems, snippets, save, and the preview of the last valid state.

    Parameters
    ----------
    cases_dir
        The cases folder: cases are read from and saved to it only.
    saved_by
        Who is editing (the signed-in editor's verified email): every save is recorded as theirs in the history.
        None where the dashboard has no sign-in.
    """
    cases_dir = Path(cases_dir)
    st.session_state[SAVED_BY] = saved_by
    st.title("Case editor")
    doc = _doc()
    _open_panel(cases_dir, expanded=doc is None)
    _show_flash()
    if doc is None:
        st.info("Open a case, start a new one, or upload a case file to begin.")
        return
    if TEXT not in st.session_state:  # after a page switch the text area's own state is gone: restore it
        st.session_state[TEXT] = doc.text
    _document_header(doc, cases_dir)
    # The text and what it draws side by side (a wide window; a narrow one stacks them): every change is seen. The
    # page's side margins are narrow, so that beside a 1280-px window's sidebar the preview is over 500 px wide.
    st.html(EDITOR_STYLE)
    window_width, _ = learn_window(reload=False)
    left, right = st.columns(list(EDITOR_COLUMNS), gap="medium")
    with left:
        doc.text = st.text_area(
            "Case file (YAML)", key=TEXT, height=EDITOR_HEIGHT,
            help="Your text is checked when you press Ctrl+Enter or click outside the box.") or ""
    check = check_text(doc.text, doc.case_id)
    if check.ok:
        doc.last_valid_text = doc.text
    with right:
        _problems_panel(doc, check)
        _views_panel(doc, check, cases_dir, preview_width(window_width))
    with left:
        _snippet_panel(doc, check)
        _guide_panel(cases_dir)
    _conflict_panel(doc, cases_dir)
    _save_panel(doc, cases_dir, check)
    _recovery_panel(doc)


def _flash_save(kind: str, message: str, details: str = "") -> None:
    _flash(kind, message, details, place="save")


def _show_flash(place: str = "top") -> None:
    waiting = st.session_state.get(FLASH, [])
    st.session_state[FLASH] = [item for item in waiting if item[0] != place]
    for _, kind, message, details in (item for item in waiting if item[0] == place):
        getattr(st, kind)(message)
        if details:
            st.code(details, language=None, wrap_lines=True)


def _document_header(doc: Document, cases_dir: Path) -> None:
    name = f"{doc.case_id}.yaml" if doc.case_id else "(no id yet)"
    if doc.saved_text is None:
        state = f"saved as a draft at {doc.saved_at}, not yet as a case" if doc.draft_fingerprint else "not saved yet"
    elif _current_text(doc) != doc.saved_text:
        state = "unsaved changes"
    else:
        state = f"saved {doc.saved_at}" if doc.saved_at else "no changes"
    st.subheader(f"Editing {escape_markdown(name)}")
    st.caption(f"{escape_markdown(doc.source)} · {escape_markdown(state)} · "
               f"in the folder {escape_markdown(cases_dir.name)}/")


# ---------------------------------------------------------------- open, new, upload

def _open_panel(cases_dir: Path, expanded: bool) -> None:
    with st.expander("Open a case, start a new one, or upload a file", expanded=expanded):
        open_tab, new_tab, upload_tab = st.tabs(["Open", "New case", "Upload"])
        with open_tab:
            _open_existing(cases_dir)
        with new_tab:
            _new_case(cases_dir)
        with upload_tab:
            _upload(cases_dir)


def _case_choices(cases_dir: Path) -> dict[str, str]:
    """Choice key -> label: every case (title from the file), then every draft, marked as such."""
    choices = {}
    for path in case_paths(cases_dir):
        entry = load_entry(path, cases_dir)
        label = entry.title if entry.ok else "cannot be loaded: open it to fix it"
        choices[f"case:{path.name}"] = f"{path.stem} · {label}"
    for draft in storage.list_drafts(cases_dir):
        choices[f"draft:{draft.case_id}"] = f"{draft.case_id} · DRAFT (has problems, not shown as a case)"
    return choices


def _open_existing(cases_dir: Path) -> None:
    choices = _case_choices(cases_dir)
    if not choices:
        st.caption("The cases folder holds no case yet.")
        return
    st.selectbox("Case", list(choices), format_func=choices.get, key="editor_open_choice")
    st.button("Open this case", key="editor_open", on_click=_open_choice, args=(cases_dir,))


def _open_choice(cases_dir: Path) -> None:
    choice = st.session_state.get("editor_open_choice") or ""
    kind, _, name = choice.partition(":")
    try:
        if kind == "draft":
            _open_draft(cases_dir, name)
        else:
            _open_case(cases_dir, cases_dir / Path(name).name)
    except storage.StorageError as error:
        _flash("error", escape_markdown(error.format()))


def _open_case(cases_dir: Path, path: Path) -> None:
    text, print_ = storage.read_for_edit(path, cases_dir)
    case_id = path.stem
    draft = storage.safe_case_path(cases_dir, case_id, draft=True) if _is_id(case_id) else None
    _set_document(Document(case_id if _is_id(case_id) else None, text, f"opened from {path.name}", print_, text),
                  f"replaced by opening {path.name}")
    if draft is not None and draft.exists():
        _flash("warning", f"There is also a draft of this case ({escape_markdown(draft.name)}). Choose it under Open "
                          "to continue it.")


def _open_draft(cases_dir: Path, case_id: str) -> None:
    draft_path = storage.safe_case_path(cases_dir, case_id, draft=True)
    text, draft_print = storage.read_for_edit(draft_path, cases_dir)
    case_path = storage.safe_case_path(cases_dir, case_id)
    case_text, case_print = storage.read_for_edit(case_path, cases_dir) if case_path.exists() else (None, None)
    _set_document(Document(case_id, text, f"opened from the draft {draft_path.name}", case_print, case_text,
                           draft_fingerprint=draft_print), f"replaced by opening {draft_path.name}")


def _is_id(text: str) -> bool:
    try:
        storage.check_case_id(text)
    except storage.UnsafeCaseName:
        return False
    return True


def _new_case(cases_dir: Path) -> None:
    st.caption("A new case starts small: the source, the patient and one diagnosis, each value a FILL-IN to "
               "replace with what your source says. Events are added with “Insert an event”.")
    st.text_input("Title", key="editor_new_title", on_change=_suggest_id,
                  placeholder="e.g. ALK-positive LCNEC, first-line lorlatinib")
    st.text_input("Case id (the file name)", key="editor_new_id", placeholder="e.g. lcnec-alk-lorlatinib",
                  help="Lowercase letters, digits and hyphens; the file is saved as <id>.yaml in the cases folder.")
    st.button("Create the new case", key="editor_new", on_click=_create_new, args=(cases_dir,))


def _suggest_id() -> None:
    """Fill the id from the title, unless the author typed one."""
    current = st.session_state.get("editor_new_id", "")
    if not current or current == st.session_state.get("editor_new_id_suggested"):
        suggestion = storage.suggest_case_id(st.session_state.get("editor_new_title", ""), SUGGESTED_ID_CHARS)
        st.session_state["editor_new_id"] = suggestion
        st.session_state["editor_new_id_suggested"] = suggestion


def _create_new(cases_dir: Path) -> None:
    case_id = (st.session_state.get("editor_new_id") or "").strip()
    title = st.session_state.get("editor_new_title") or ""
    try:
        storage.check_case_id(case_id)
        _refuse_taken(cases_dir, case_id)
    except storage.StorageError as error:
        _flash("error", "Cannot create the case: " + escape_markdown(error.format()))
        return
    text = new_case_text(SKELETON, case_id, title)
    _set_document(Document(case_id, text, "new case"), "replaced by a new case")
    _flash("success", f"New case {escape_markdown(case_id)}. Replace every FILL-IN with what your source says (the "
                      "problems beside the text list them), then Save. Nothing is written until you do.")


def _guide_panel(cases_dir: Path) -> None:
    """The authoring guide and the full template, one click away from the text (never its starting point). Toggles,
    not expanders: what they hold is put on the page only when asked for, so the guide's words never stand in for
    the page's own."""
    if st.toggle("Authoring guide: how to write a case", key="editor_show_guide"):
        with st.container(border=True, height=560):
            st.markdown(GUIDE.read_text(encoding="utf-8") if GUIDE.exists() else "The guide is cases/README.md.")
    if st.toggle("Full template: a fictional example of every field and date form", key="editor_show_template"):
        st.caption("Every value here is a fictional EXAMPLE: copy the parts you need, and write your source's values.")
        text, why_not = _template_text(cases_dir)
        if why_not:
            st.warning(escape_markdown(why_not))
        st.code(text, language="yaml", height=420)


def _template_text(cases_dir: Path) -> tuple[str, str]:
    """The cases folder's own template, read like any case file (never through a link out of the folder), else
    the bundled one; and, when the folder's could not be used, why (else '')."""
    template = cases_dir / TEMPLATE_NAME
    if os.path.lexists(template):
        try:
            return storage.read_for_edit(template, cases_dir)[0], ""
        except storage.StorageError as error:
            return BUNDLED_TEMPLATE.read_text(encoding="utf-8"), \
                f"The folder's template was not used: {error.format()} The bundled template is shown instead."
    return BUNDLED_TEMPLATE.read_text(encoding="utf-8"), ""


def _refuse_taken(cases_dir: Path, case_id: str) -> None:
    """An id is taken by a case or a draft: opening it is the way to change it."""
    for path in (storage.safe_case_path(cases_dir, case_id), storage.safe_case_path(cases_dir, case_id, draft=True)):
        if path.exists():
            raise storage.SaveRefused(f"The id '{case_id}' is already used by {path.name}",
                                      "choose another id, or open that file to edit it")


def _upload(cases_dir: Path) -> None:
    st.file_uploader("Case file (.yaml or .yml, at most 1 MB)", key="editor_upload", max_upload_size=1,
                     on_change=_take_upload, args=(cases_dir,),
                     help="The file is checked first; nothing is saved until you press Save.")
    st.caption("A file over 1 MB is marked red and not taken in: point at it to read why.")
    rejected = st.session_state.get(REJECTED_UPLOAD)
    if rejected:
        st.button("Open it in the editor anyway, to fix it", key="editor_upload_anyway", on_click=_open_rejected)


def _take_upload(cases_dir: Path) -> None:
    st.session_state.pop(REJECTED_UPLOAD, None)
    uploaded = st.session_state.get("editor_upload")
    if uploaded is None:
        return
    name, data = uploaded.name, uploaded.getvalue()
    text, message, hint = upload_text(name, data)
    if text is None:
        _flash("error", f"Upload refused: {escape_markdown(message)}. Hint: {escape_markdown(hint)}. "
                        "Nothing was changed.")
        return
    try:
        parse_yaml(text)
    except CaseFileError as error:
        st.session_state[REJECTED_UPLOAD] = {"name": name, "text": text}
        _flash("error", f"Upload refused: {escape_markdown(name)} cannot be read as YAML. Nothing was changed.",
               "\n".join(problem_text(p) for p in with_tabs_explained(text, error.problems)))
        return
    check = check_text(text, None)
    case_id = written_id(text)
    _set_document(Document(case_id, text, f"uploaded from {name}"), f"replaced by the upload {name}")
    _after_upload(cases_dir, name, case_id, check)


def _after_upload(cases_dir: Path, name: str, case_id: str | None, check: Check) -> None:
    if case_id is None:
        _flash("warning", f"Loaded {escape_markdown(name)}. It has no usable id: give one under 'Save under a new id'.")
    elif any(p.exists() for p in (storage.safe_case_path(cases_dir, case_id),
                                  storage.safe_case_path(cases_dir, case_id, draft=True))):
        _flash("warning", f"Loaded {escape_markdown(name)}. A case with the id {escape_markdown(case_id)} already "
                          "exists, so this text can only be saved under a new id; the existing case is not touched.")
    elif check.ok:
        _flash("success", f"Loaded {escape_markdown(name)}: a valid case. Nothing is saved until you press Save.")
    else:
        _flash("warning", f"Loaded {escape_markdown(name)}: it has problems, listed beside the text. Nothing is saved "
                          "until you press Save.")


def _open_rejected() -> None:
    rejected = st.session_state.pop(REJECTED_UPLOAD, None)
    if rejected:
        name = rejected["name"]
        _set_document(Document(written_id(rejected["text"]), rejected["text"], f"uploaded from {name}"),
                      f"replaced by the upload {name}")


# ---------------------------------------------------------------- problems and snippets

def _problems_panel(doc: Document, check: Check) -> None:
    if check.ok:
        st.success("No problems: this text is a valid case.")
        return
    count = len(check.problems)
    preview = "The preview shows the last valid version." if doc.last_valid_text else \
        "The preview appears once the text is a valid case."
    st.error(f"{count} problem{'s' * (count != 1)} in this text. {preview}")
    shown = check.problems[:PROBLEMS_SHOWN]
    blocks = []
    for problem in shown:
        excerpt = problem_excerpt(problem, doc.text)
        blocks.append(problem_text(problem) + ("\n" + excerpt if excerpt else ""))
    if count > len(shown):
        blocks.append(f"... and {count - len(shown)} more: fix these first.")
    st.code("\n\n".join(blocks), language=None, wrap_lines=True, height=PROBLEMS_HEIGHT if count > 2 else "content")
    if "\t" in doc.text:
        st.button("Replace tabs with spaces", key="editor_untab", on_click=_replace_tabs)


def _replace_tabs() -> None:
    doc = _doc()
    text = _current_text(doc)
    fixed = "\n".join(re.sub(r"^[ \t]+", lambda m: m.group(0).replace("\t", "  "), line)
                      for line in text.split("\n"))
    _set_text(doc, fixed.replace("\t", " "))


def _snippet_panel(doc: Document, check: Check) -> None:
    with st.container(border=True):
        st.markdown("**Insert an event**")
        st.caption("Adds an event at the end of the events: list, each value a FILL-IN to replace with what "
                   "your source says (or to delete).")
        group = st.radio("Show", [KINDS, DATES], horizontal=True, key="editor_snippet_group",
                         label_visibility="collapsed")
        options = [s.key for s in SNIPPETS if s.group == group]
        st.selectbox("Snippet", options, key="editor_snippet",
                     format_func=lambda key: SNIPPETS_BY_KEY[key].title)
        chosen = SNIPPETS_BY_KEY.get(st.session_state.get("editor_snippet")) or SNIPPETS_BY_KEY[options[0]]
        st.caption(escape_markdown(chosen.help))
        st.button("Insert this event", key="editor_insert", on_click=_insert_snippet)
        _show_flash("snippets")


def _insert_snippet() -> None:
    doc = _doc()
    snippet = SNIPPETS_BY_KEY.get(st.session_state.get("editor_snippet") or "")
    if doc is None or snippet is None:
        return
    text = _current_text(doc)
    valid = check_text(doc.last_valid_text, doc.case_id).timeline if doc.last_valid_text else None
    if snippet.calendar_only and valid is not None and not valid.on_calendar:
        _flash("warning", "This case has no calendar dates: every date counts from day 0 (origin), so a calendar "
                          "date cannot be added. Use a relative date instead, e.g. 'dx + 3 months'. Nothing was "
                          "inserted.", place="snippets")
        return
    event = with_unique_ids(fill(snippet, snippet_ids(text)), text)
    _set_text(doc, with_event(text, event))
    _flash("info", f"Inserted “{escape_markdown(snippet.title)}” at the end of the events list.", place="snippets")


# ---------------------------------------------------------------- saving

def _save_panel(doc: Document, cases_dir: Path, check: Check) -> None:
    with st.container(border=True):
        first, second, third = st.columns(3)
        with first:
            st.button("Save", key="editor_save", type="primary", on_click=_save, args=(cases_dir, False),
                      disabled=doc.case_id is None, width="stretch",
                      help=f"Saves cases/{doc.case_id}.yaml; the version it replaces is kept in the history.")
        with second:
            st.button("Save as draft", key="editor_save_draft", on_click=_save, args=(cases_dir, True),
                      disabled=doc.case_id is None, width="stretch",
                      help="Keeps a text that still has problems as <id>.draft.yaml; it is listed as a draft, "
                           "never shown as a case.")
        with third:
            st.download_button("Download this text", doc.text.encode("utf-8"), key="editor_download",
                               file_name=f"{doc.case_id or 'case'}.yaml", mime="application/x-yaml",
                               on_click="ignore", width="stretch")
        _show_flash("save")
        if doc.case_id is None:
            st.caption("This text has no usable id yet: give it one below to save it.")
        elif not check.ok:
            st.caption("This text has problems: it can be saved as a draft, or as the case once they are fixed.")
        with st.expander("Save under a new id", expanded=doc.case_id is None):
            st.text_input("New case id", key="editor_save_as_id", placeholder="e.g. lcnec-alk-lorlatinib-v2")
            st.button("Save as a new case", key="editor_save_as", on_click=_save_as, args=(cases_dir,))


def _save(cases_dir: Path, draft: bool) -> None:
    doc = _doc()
    if doc is None or doc.case_id is None:
        return
    text = _current_text(doc)
    doc.text = text
    if draft and doc.fingerprint is None and storage.safe_case_path(cases_dir, doc.case_id).exists():
        _flash_save("error", f"A case with the id {escape_markdown(doc.case_id)} exists and is not the one you "
                             "are editing. Hint: save your text under a new id.")
        return
    expected = doc.draft_fingerprint if draft else doc.fingerprint
    allow_new = draft or doc.fingerprint is None
    try:
        result = storage.save_case(cases_dir, doc.case_id, text, expected_fingerprint=expected,
                                   allow_new=allow_new, draft=draft, saved_by=st.session_state.get(SAVED_BY))
    except storage.SaveConflict as conflict:
        doc.conflict = {"path": conflict.path.name, "disk_text": conflict.disk_text, "message": conflict.format(),
                        "draft": draft}
        return
    except storage.SaveRefused as error:
        details = "\n".join(problem_text(p) for p in error.problems[:PROBLEMS_SHOWN])
        _flash_save("error", "Not saved: " + escape_markdown(error.format()), details)
        return
    except storage.StorageError as error:
        _flash_save("error", "Not saved: " + escape_markdown(error.format()))
        return
    except OSError as error:
        _flash_save("error", f"Not saved: the file could not be written ({escape_markdown(error.strerror or error)}). "
                        "The file on disk is unchanged; your text is still here.")
        return
    _saved(doc, result, text)


def _saved(doc: Document, result: storage.SaveResult, text: str) -> None:
    doc.conflict = None
    doc.saved_at = dt.datetime.now().strftime("%H:%M:%S")
    if result.draft:
        doc.draft_fingerprint = result.fingerprint
        _flash_save("success", f"Saved as the draft {escape_markdown(result.path.name)}. It is not a case yet: it "
                               "is listed as a draft until its problems are fixed and it is saved.")
        return
    doc.fingerprint, doc.saved_text, doc.draft_fingerprint = result.fingerprint, text, None
    note = " The previous version is kept in the history." if result.backup else ""
    if result.retired_draft:
        note += " The draft of this case was moved to the history."
    by = st.session_state.get(SAVED_BY)
    as_whom = f" as {escape_markdown(by)}" if by else ""
    _flash_save("success", f"Saved {escape_markdown(result.path.name)}{as_whom}.{note}")


def _save_as(cases_dir: Path, key: str = "editor_save_as_id") -> None:
    doc = _doc()
    if doc is None:
        return
    doc.text = _current_text(doc)
    case_id = (st.session_state.get(key) or "").strip()
    try:
        storage.check_case_id(case_id)
        _refuse_taken(cases_dir, case_id)
    except storage.StorageError as error:
        _flash_save("error", "Not saved: " + escape_markdown(error.format()))
        return
    text = with_top_level(_current_text(doc), "id", case_id)
    old = dataclasses.replace(doc)
    doc.case_id, doc.fingerprint, doc.saved_text, doc.draft_fingerprint = case_id, None, None, None
    doc.source = f"saved under a new id (from {old.case_id or 'an unsaved text'})"
    _set_text(doc, text)
    check = check_text(text, case_id)
    _save(cases_dir, draft=not check.ok)
    if doc.saved_text is None and doc.draft_fingerprint is None:  # refused: back to the previous target
        st.session_state[DOC] = old
        st.session_state[TEXT] = old.text


# ---------------------------------------------------------------- a refused save: both versions, three choices

def _conflict_panel(doc: Document, cases_dir: Path) -> None:
    conflict = doc.conflict
    if not conflict:
        return
    with st.container(border=True):
        st.error("Not saved, and nothing was overwritten: " + escape_markdown(conflict["message"]))
        disk = conflict["disk_text"]
        if disk is None:
            st.caption("The file is no longer on disk. Your version is below.")
        else:
            st.markdown("**Differences** (lines starting with - are only on disk, + only in your version)")
            st.code(text_diff(doc.text, disk) or "(the two versions are the same)", language="diff", wrap_lines=True)
            mine, theirs = st.columns(2)
            with mine:
                st.markdown("**Your version**")
                st.code(doc.text, language="yaml", line_numbers=True, height=320)
            with theirs:
                st.markdown(f"**On disk now** ({escape_markdown(conflict['path'])})")
                st.code(disk, language="yaml", line_numbers=True, height=320)
        keep, reload, new = st.columns(3)
        keep.button("Keep editing", key="editor_conflict_keep", on_click=_dismiss_conflict, width="stretch")
        reload.button("Reload from disk", key="editor_conflict_reload", on_click=_reload_from_disk,
                      disabled=disk is None, width="stretch",
                      help="Your version is kept under 'Texts you replaced' at the bottom of the page.")
        with new:
            st.text_input("New case id", key="editor_conflict_id", placeholder="e.g. my-case-v2")
            st.button("Save mine under this new id", key="editor_conflict_save_as", on_click=_save_as,
                      args=(cases_dir, "editor_conflict_id"), width="stretch")


def _dismiss_conflict() -> None:
    doc = _doc()
    if doc is not None:
        doc.conflict = None
        _flash_save("info", "Keep editing: the file on disk is unchanged. Saving will be refused again until you "
                       "reload it or save under a new id.")


def _reload_from_disk() -> None:
    doc = _doc()
    if doc is None or not doc.conflict or doc.conflict["disk_text"] is None:
        return
    draft = doc.conflict.get("draft")
    _keep_for_recovery(doc, "replaced by reloading from disk")
    disk = doc.conflict["disk_text"]
    new = dataclasses.replace(doc, text=disk, conflict=None, source=f"reloaded from {doc.conflict['path']}")
    disk_print = storage.fingerprint(disk.encode("utf-8"))
    if draft:
        new.draft_fingerprint = disk_print
    else:
        new.fingerprint, new.saved_text = disk_print, disk
    st.session_state[DOC] = new
    st.session_state[TEXT] = disk
    _flash_save("info", "Reloaded from disk. Your version is kept under 'Texts you replaced' at the bottom of the page.")


# ---------------------------------------------------------------- preview, resolved dates, line numbers, history

def preview_width(window_width: int) -> int:
    """The plot width of the preview in a window `window_width` px wide (the sidebar open): its column less the
    lane labels, so that the marks' labels are laid out for the room they have (none drawn over another)."""
    column = window_width - SIDEBAR_PX - EDITOR_MARGINS_PX - COLUMN_GAP_PX
    return max(PREVIEW_LEAST_PX, round(column * EDITOR_COLUMNS[1] / sum(EDITOR_COLUMNS)) - LANE_LABELS_PX)


def _views_panel(doc: Document, check: Check, cases_dir: Path, width: int = DEFAULT_WIDTH) -> None:
    shown = check.timeline or (check_text(doc.last_valid_text, doc.case_id).timeline if doc.last_valid_text else None)
    preview, resolved, numbered, past = st.tabs(["Timeline preview", "What the dates resolve to",
                                                 "Text with line numbers", "History"])
    with preview:
        _preview(shown, check.ok, width)
    with resolved:
        if shown is None:
            st.info("Nothing to show yet: the text has never been a valid case.")
        else:
            if not check.ok:
                st.caption("From the last valid version of the text.")
            st.dataframe(resolved_table(shown), hide_index=True, width="stretch")
    with numbered:
        st.code(doc.text, language="yaml", line_numbers=True)
    with past:
        _history_view(doc, cases_dir)


def _preview(timeline: Timeline | None, current: bool, width: int = DEFAULT_WIDTH) -> None:
    if timeline is None:
        st.info("The preview appears as soon as the text is a valid case.")
        return
    st.caption("Preview of the current text." if current else
               "Preview of the last valid version: fix the problems above to update it.")
    events = event_table(timeline)
    # Drawn as the case page draws it: as wide as the column (its marks laid out for the plot's `width`), and as tall
    # as its lanes need (Streamlit's own fitting squeezed the lanes into the chart's height, and Vega then hid every
    # other lane label).
    preview = Display(axis="calendar" if timeline.on_calendar else "relative", legends="stacked", fit_width=True,
                      width=width)
    try:
        specs = case_chart_specs("timeline", {"events": events, "dose_changes": dose_change_table(timeline)}, preview)
    except Exception as error:  # the editor stays usable even if a chart cannot be drawn
        st.warning(f"The timeline cannot be drawn ({escape_markdown(type(error).__name__)}); "
                   "the events are listed instead.")
    else:
        show_specs(specs)
        return
    st.dataframe(resolved_table(timeline), hide_index=True, width="stretch")


def _history_view(doc: Document, cases_dir: Path) -> None:
    try:
        versions = storage.history(cases_dir, doc.case_id) if doc.case_id else []
        saves = storage.saves(cases_dir, doc.case_id) if doc.case_id else []
    except storage.StorageError as error:
        st.warning(escape_markdown(error.format()))
        return
    _saves_table(saves)
    if not versions:
        st.caption("No earlier versions: each save keeps the version it replaces here (the newest "
                   f"{storage.HISTORY_KEPT}).")
        return
    authors = {i: storage.author_of(saves, v) for i, v in enumerate(versions)}
    labels = {str(i): f"{v.saved_at.astimezone():%Y-%m-%d %H:%M:%S}{' (draft)' if v.draft else ''}"
                      + (f" · written by {who_saved(authors[i])}" if authors[i] else "")
              for i, v in enumerate(versions)}
    chosen = st.selectbox("Earlier version (replaced at)", list(labels), format_func=labels.get,
                          key="editor_history_choice")
    version = versions[int(chosen or 0)]
    try:
        text = version.read_text()
    except storage.StorageError as error:  # pruned by a save in another session meanwhile
        st.warning(escape_markdown(error.format()))
        return
    st.code(text_diff(doc.text, text, theirs_name="earlier version", mine_name="current text")
            or "(the same as the current text)", language="diff")
    st.button("Open this version in the editor", key="editor_history_open", on_click=_open_version,
              args=(text, labels[chosen or "0"]))


def who_saved(record: storage.SaveRecord) -> str:
    """The saver as the history names them: their email, or 'without sign-in' where the dashboard had none."""
    return record.saved_by or "without sign-in"


def _saves_table(saves: list[storage.SaveRecord]) -> None:
    """Who saved the case when, newest first, as text a reader (and a screen reader) can take in at a glance."""
    if not saves:
        return
    shown = saves[:SAVES_SHOWN]
    lines = [f"- {r.saved_at.astimezone():%Y-%m-%d %H:%M:%S} · saved by {escape_markdown(who_saved(r))}"
             + (" (draft)" if r.draft else "") for r in shown]
    more = f" (the newest {len(shown)} of {len(saves)})" if len(saves) > len(shown) else ""
    st.markdown(f"**Saves of this case**{more}\n\n" + "\n".join(lines))


def _open_version(text: str, label: str) -> None:
    doc = _doc()
    _keep_for_recovery(doc, f"replaced by the version of {label}")
    _set_text(doc, text)
    _flash_save("info", f"Opened the version of {escape_markdown(label)}. Save to make it the current version again.")


def _recovery_panel(doc: Document) -> None:
    kept = st.session_state.get(RECOVERY, [])
    if not kept:
        return
    with st.expander(f"Texts you replaced in this session ({len(kept)})"):
        st.caption("Whenever a text with unsaved changes is replaced (opening, uploading, reloading), it is kept "
                   "here until you close the browser tab.")
        for i, item in enumerate(kept):
            st.text(f"{item['at']} · {item['doc'].case_id or 'no id'} · {item['why']}")
            st.button("Bring this text back", key=f"editor_recover_{i}", on_click=_recover, args=(i,))


def _recover(index: int) -> None:
    kept = st.session_state.get(RECOVERY, [])
    if index >= len(kept):
        return
    item = kept.pop(index)
    _set_document(item["doc"], "replaced by bringing back an earlier text")
    _flash_save("info", "The text is back in the editor, with the file it belongs to. It is not saved yet.")
