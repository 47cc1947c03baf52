"""Role Radar from an installed package: the script `assessment serve` hands to Streamlit."""

from assessment.ui.app import run

run()
