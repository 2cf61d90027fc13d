"""spark-submit entry point for a backfill; the flags are those of ``clickstitch backfill``.

    spark-submit jobs/backfill.py --input /data/landing --lake /data/lake --from 2026-10-01 --to 2026-10-03
"""

import sys

from clickstitch.cli import main

if __name__ == "__main__":
    sys.exit(main(["backfill", *sys.argv[1:]]))
