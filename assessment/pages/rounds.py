"""Placeholder: rounds page."""

import streamlit as st

st.title("rounds")
