"""Streamlit-aware helpers between the pages and the pure ``simulator`` core.

Pure (no Streamlit, tested directly): ``text`` (every string and number format), ``charts``
(Plotly figures), ``kpis`` (what the cards, verdict and break-even readouts say).
Streamlit: ``state`` (the session's Business and Scenario), ``cached`` (``st.cache_data``
wrappers), ``inputs`` (widgets -> Scenario / Business edits) and ``render`` (shared blocks).
"""
