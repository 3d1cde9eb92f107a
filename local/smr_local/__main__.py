"""`python -m smr_local`: see smr_local.server."""

import sys

from smr_local.server import main

if __name__ == "__main__":
    sys.exit(main())
