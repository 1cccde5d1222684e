"""Runs a command and succeeds iff it exits with the given status.

    exit_status.py STATUS COMMAND [ARG...]

lit's `not` accepts any failure; mixer-run's tests also tell 1 (a failure)
from 2 (a bad command line). The command's output passes through.
"""

import subprocess
import sys

expected = int(sys.argv[1])
status = subprocess.call(sys.argv[2:])
if status != expected:
    sys.stderr.write(f"exit_status.py: exit status {status}, expected {expected}\n")
    sys.exit(1)
