-- metrics_revenue_by_category: revenue and conversion per product category and day, from the daily
-- funnel (metrics_daily). view_to_purchase: purchases per product view;
-- cart_to_purchase: purchases per add-to-cart; bot events are not in the counts (bot_events shows them).
CREATE OR REPLACE TEMP VIEW metrics_revenue_by_category AS
SELECT
  event_date,
  category,
  events,
  product_views,
  add_to_carts,
  purchases,
  units,
  revenue_reporting,
  round(revenue_reporting / nullif(units, 0), 6) AS avg_unit_revenue,
  round(purchases / nullif(product_views, 0), 6) AS view_to_purchase,
  round(purchases / nullif(add_to_carts, 0), 6) AS cart_to_purchase,
  conversion_rate,
  visitors,
  bot_events
FROM metrics_daily
