-- dead_letter_reasons: what goes wrong, where, and one example line of each kind.
CREATE OR REPLACE TEMP VIEW dead_letter_reasons AS
SELECT
  source,
  stage,
  reason,
  count(*) AS records,
  count(DISTINCT source_file) AS files,
  min_by(concat(source_file, ':', source_line), concat(source_file, ':', source_line)) AS first_example,
  min(recorded_at) AS first_seen,
  max(recorded_at) AS last_seen
FROM dead_letter
GROUP BY source, stage, reason
