"""The dashboard's pages and their parts: the only Streamlit code besides dashboard.py.

    access.py     sign-in on a shared server: the sign-in screen, who is signed in, the gate of every page
    pickers.py    the page, case and view pickers, the de-identify switch, the time axis and its day 0
    header.py     the case header (patient, diagnoses, lines, outcomes), the page's margins, a broken file's problems
    event_table.py the event table as a clinician reads it, and the molecular results
    chart_views.py the case page's display choices and its timeline, lesion and marker views
    case.py       the case page: the chosen view of one case, with its downloads
    board.py      tumor-board mode: the case as a presentation, step by step
    cohort.py     every case at once: swimmer, spider, waterfall, summary table
    editor.py     writing a case file, with snippets (snippets.py), drafts and history
    downloads.py  the export buttons of the case on screen
    screen.py     the size of the browser's window the case page and the board are laid out for
    cache.py      the app's one cache layer
"""
