-- metrics_daily: the daily funnel per product category, materialized by the metrics step as the one-day
-- tumbling windows of category_metrics (metrics.daily). event_date is the UTC day.
CREATE OR REPLACE TEMP VIEW metrics_daily AS
SELECT
  window_date AS event_date,
  category,
  events,
  page_views,
  product_views,
  add_to_carts,
  purchases,
  units,
  revenue_reporting,
  avg_price_paid,
  avg_price_deviation,
  conversion_rate,
  visitors_sketch,
  visitors,
  persons,
  bot_events,
  late_events
FROM category_metrics
WHERE window_kind = 'tumbling_1d'
