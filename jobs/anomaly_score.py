"""spark-submit entry point for the anomaly scorer; the flags are those of ``clickstitch anomaly score``.

    spark-submit jobs/anomaly_score.py --lake /data/lake [--once]
"""

import sys

from clickstitch.cli import main

if __name__ == "__main__":
    sys.exit(main(["anomaly", "score", *sys.argv[1:]]))
