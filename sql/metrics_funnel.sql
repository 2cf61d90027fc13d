-- metrics_funnel: the funnel per product category and day, product view -> add-to-cart -> purchase, one
-- row per step (step_order 1..3) with the share of the previous step. Reads metrics_daily.
CREATE OR REPLACE TEMP VIEW metrics_funnel AS
SELECT event_date, category, step_order, step, events,
       round(events / nullif(lag(events) OVER (PARTITION BY event_date, category ORDER BY step_order), 0), 6)
         AS share_of_previous
FROM (
  SELECT event_date, category, 1 AS step_order, 'product_view' AS step, product_views AS events FROM metrics_daily
  UNION ALL
  SELECT event_date, category, 2, 'add_to_cart', add_to_carts FROM metrics_daily
  UNION ALL
  SELECT event_date, category, 3, 'purchase', purchases FROM metrics_daily
)
