"""The dashboard's pages and their parts: the only Streamlit code besides dashboard.py.

    access.py     sign-in on a shared server: the sign-in screen, who is signed in, the gate of every page
    views.py      small views shared by the pages: pickers, the case header, the event table, chart drawing
    case.py       the case page: the chosen view of one case, with its downloads
    board.py      tumor-board mode: the case as a presentation, step by step
    cohort.py     every case at once: swimmer, spider, waterfall, summary table
    editor.py     writing a case file, with snippets (snippets.py), drafts and history
    downloads.py  the export buttons of the case on screen
    cache.py      the app's one cache layer
"""
