"""Placeholder: survey page."""

import streamlit as st

st.title("survey")
