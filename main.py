"""基层行现场评审 Jiceng Inspect. `python main.py --help` lists the sub-commands."""

import sys

from inspect_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
