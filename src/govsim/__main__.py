import sys

from govsim.cli import main

sys.exit(main())
