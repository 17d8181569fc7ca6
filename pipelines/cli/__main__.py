"""`python -m pipelines.cli ...` runs the `synthmill` command line."""

from pipelines.cli import main

main()
