"""``python -m protocol_kit.cli``: the command line."""
import sys

from . import main

sys.exit(main())
