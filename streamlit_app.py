"""Role Radar from a checkout: `streamlit run streamlit_app.py` (navigation: assessment.ui.app)."""

from assessment.ui.app import run

run()
