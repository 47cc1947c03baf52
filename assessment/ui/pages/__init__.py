"""One Streamlit page per module; Streamlit runs them as scripts.

Their absolute paths live here, so navigation and page links work whether the
app starts from a checkout (``streamlit run streamlit_app.py``) or from an
installed package (``assessment serve``): Streamlit resolves a relative page
path against the main script's folder, which differs between the two.
"""

from pathlib import Path

FOLDER = Path(__file__).resolve().parent
SURVEY = str(FOLDER / "survey.py")
SIGN_IN = str(FOLDER / "sign_in.py")
RESULTS = str(FOLDER / "results.py")
ROUNDS = str(FOLDER / "rounds.py")
DATA = str(FOLDER / "data.py")
STATEMENTS = str(FOLDER / "items.py")
