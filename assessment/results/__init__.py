"""What the results page shows: `view` computes it from one round, `text` words it."""
