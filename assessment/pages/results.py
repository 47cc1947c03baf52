"""Placeholder: results page."""

import streamlit as st

st.title("results")
