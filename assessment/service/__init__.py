"""Operations on stored rounds that pages and the CLI share: exports, setup, demo, access."""
