"""`python -m genscene` runs the command line."""

from __future__ import annotations

from genscene.cli import main

main()
