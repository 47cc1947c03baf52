"""Role Radar from a checkout: `streamlit run streamlit_app.py` (navigation: assessment.ui.app).

Streamlit imports this file to find `app`, the web server (the sign-in routes, the start:
assessment.ui.server), then runs it as the script of every page view.
"""

import streamlit as st

from assessment.ui import server
from assessment.ui.app import run

if __name__ == "__main__":
    run()
else:
    app = st.App(__file__, **server.app_options())
