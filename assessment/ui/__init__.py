"""The Streamlit interface: navigation (`app`), session helpers and one module per page."""
