"""``python -m app``: the casebook command."""

import sys

from app.cli import main

sys.exit(main())
