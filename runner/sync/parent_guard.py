"""`python -P -m runner.sync.parent_guard PARENT_PID PROGRAM [ARGS...]`: run PROGRAM so that the
kernel kills it when Dango's process PARENT_PID dies (runner/sync/process.py)."""

import os
import sys

from runner.sync.process import die_with_parent

if __name__ == "__main__":
    die_with_parent(int(sys.argv[1]))
    os.execvp(sys.argv[2], sys.argv[2:])
