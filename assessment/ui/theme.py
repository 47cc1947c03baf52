"""The one piece of the look that streamlit.toml cannot set: a visible keyboard focus ring.

Streamlit marks keyboard focus with a halo of the primary colour at half opacity
(buttons, 2.2:1 against white) or, on a radio option, a pale fill at a quarter
(1.3:1); WCAG 2.2 asks for at least 3:1 against what is next to it. Here every
focusable control gets a solid 2 px outline in the theme's primary colour
(5.7:1 on white, 5.2:1 on the secondary background), drawn only for keyboard
focus (``:focus-visible``), so a mouse click looks as before. A radio's input is
hidden, so the ring goes round its label. `tests/test_accessibility_browser.py`
measures it in a real browser.
"""

from __future__ import annotations

import streamlit as st

__all__ = ["FALLBACK_PRIMARY", "focus_css", "use_focus_ring"]

FALLBACK_PRIMARY = "#3b5bdb"  # the packaged theme's primaryColor (assessment/ui/streamlit.toml)


def focus_css(colour: str) -> str:
    """The style sheet: a 2 px `colour` outline round whatever has keyboard focus."""
    return f"""<style>
:is(button, a, summary, [role="tab"], [role="option"], [tabindex="0"]:not(input)):focus-visible {{
  outline: 2px solid {colour} !important;
  outline-offset: 2px;
}}
label:has(input:is([type="radio"], [type="checkbox"]):focus-visible) {{
  outline: 2px solid {colour};
  outline-offset: 1px;
  border-radius: 0.25rem;
}}
</style>"""


def use_focus_ring() -> None:
    """Add the focus ring to the page (style only: Streamlit gives it no space in the layout)."""
    colour = st.get_option("theme.primaryColor") or FALLBACK_PRIMARY
    st.html(focus_css(str(colour)))
