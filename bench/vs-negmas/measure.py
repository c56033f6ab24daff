#!/usr/bin/env python3
"""Runs one command and prints one JSON line: the command's own JSON output (its last line, if
it is JSON) plus the workload labels, the wall time of the child process (perf_counter around
spawn and wait, so the start-up of *this* script is not counted) and the child's peak resident
set. The peak comes from `/usr/bin/time -f %M`, which forks from a small process: a child forked
from Python would count Python's own pages until it execs (about 10 MB).

    measure.py WORKLOAD TOOL KIND REP CMD [ARG...]
"""

import json
import os
import subprocess
import sys
import tempfile
import time


def main(argv):
    workload, tool, kind, rep, cmd = argv[0], argv[1], argv[2], int(argv[3]), argv[4:]
    fd, rss_file = tempfile.mkstemp(prefix="measure-rss-")
    os.close(fd)
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file, *cmd],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    with open(rss_file) as f:
        rss = int(f.read().split()[-1])
    os.unlink(rss_file)
    if p.returncode != 0:
        sys.stderr.write(f"FAILED ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
        return 1
    try:
        rec = json.loads(p.stdout.strip().splitlines()[-1])
        if not isinstance(rec, dict):
            rec = {}
    except (ValueError, IndexError):
        rec = {}
    rec.update(workload=workload, tool=tool, kind=kind, rep=rep, wall_s=wall, max_rss_kb=rss)
    print(json.dumps(rec))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
