"""Placeholder: data page."""

import streamlit as st

st.title("data")
