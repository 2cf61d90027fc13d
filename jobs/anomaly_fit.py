"""spark-submit entry point for the anomaly fit (a schedule runs it); the flags are those of
``clickstitch anomaly fit``.

    spark-submit jobs/anomaly_fit.py --lake /data/lake [--until 2026-10-04T00:00]
"""

import sys

from clickstitch.cli import main

if __name__ == "__main__":
    sys.exit(main(["anomaly", "fit", *sys.argv[1:]]))
