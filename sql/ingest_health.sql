-- ingest_health: one row per batch with its accounting and whether it balances.
-- input_records = bronze_records + dead_letters + duplicates + out_of_range for every healthy batch.
CREATE OR REPLACE TEMP VIEW ingest_health AS
SELECT
  batch_id,
  driver,
  files,
  input_records,
  bronze_records,
  dead_letters,
  duplicates,
  out_of_range,
  round(dead_letters / nullif(input_records, 0), 4) AS dead_letter_share,
  input_records = bronze_records + dead_letters + duplicates + out_of_range AS balanced,
  started_at,
  timestampdiff(MILLISECOND, started_at, finished_at) / 1000.0 AS seconds
FROM ingest_batches
