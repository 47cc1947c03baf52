"""The `assessment` command line; `entry` parses and reports, one module per command family."""

from assessment.cli.entry import build_parser, main

__all__ = ["build_parser", "main"]
