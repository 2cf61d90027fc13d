-- metrics_bot_share: per event day, events, events of sessions flagged as bots, and their share.
CREATE OR REPLACE TEMP VIEW metrics_bot_share AS
SELECT
  event_date,
  count(*) AS events,
  count_if(coalesce(is_bot, false)) AS bot_events,
  round(count_if(coalesce(is_bot, false)) / count(*), 6) AS bot_share
FROM events_silver
GROUP BY event_date
