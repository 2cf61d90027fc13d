-- metrics_latest_windows: per window kind, the windows with the latest start (every category), with
-- their metrics and whether each is final (window_end + metrics.allowed_lateness <= the watermark).
CREATE OR REPLACE TEMP VIEW metrics_latest_windows AS
SELECT m.*
FROM category_metrics AS m
JOIN (SELECT window_kind, max(window_start) AS window_start FROM category_metrics GROUP BY window_kind) AS latest
  ON m.window_kind = latest.window_kind AND m.window_start = latest.window_start
