"""`python -m zheliban_tui` runs the `zheliban` command."""
import sys

from .cli import main

sys.exit(main())
