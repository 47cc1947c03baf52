"""`python -m assessment` runs the command line."""

import sys

from assessment.cli import main

sys.exit(main())
