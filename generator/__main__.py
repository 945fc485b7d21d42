"""`python -m generator` runs the tlskb command."""

import sys

from generator.cli import main

sys.exit(main())
