"""spark-submit entry point for the ingest stream; the flags are those of ``clickstitch stream``.

    spark-submit jobs/stream.py --input /data/landing --lake /data/lake [--available-now]
"""

import sys

from clickstitch.cli import main

if __name__ == "__main__":
    sys.exit(main(["stream", *sys.argv[1:]]))
