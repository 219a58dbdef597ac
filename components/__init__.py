"""What the dashboard draws and writes, split by job.

    charts/   pure Altair chart builders (DataFrame in, chart out) and the shared theme: no Streamlit
    exports/  images, slides, handouts and tables of a case, rendered offline: no Streamlit
    pages/    the dashboard's pages: the only Streamlit code besides dashboard.py
"""
