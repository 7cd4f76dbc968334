"""Allow ``python -m phiwatch``."""

from phiwatch.cli import main

main()
