"""`python -m smr_local`: see smr_local.server."""

import os
import sys

from smr_local.server import main

if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything is saved by now. Skip the interpreter's teardown: collecting moto's large in-memory state can take
    # tens of seconds on a loaded machine, and a user's Ctrl-C (or a test's SIGTERM) should not wait for it.
    os._exit(status)
