"""Placeholder: sign_in page."""

import streamlit as st

st.title("sign_in")
