-- metrics_top_products: purchased products by revenue in the reporting currency, human events only
-- (event_items joined to the silver verdict of each event). One row per product and category.
CREATE OR REPLACE TEMP VIEW metrics_top_products AS
SELECT
  i.product_id,
  max(i.product_name) AS product_name,
  i.category,
  count(DISTINCT i.event_id) AS purchases,
  sum(i.quantity) AS units,
  round(sum(i.revenue_reporting), 2) AS revenue_reporting,
  round(avg(i.price_deviation), 6) AS avg_price_deviation
FROM event_items AS i
JOIN events_silver AS e ON e.event_id = i.event_id
WHERE i.revenue_reporting != 0 AND NOT coalesce(e.is_bot, false)
GROUP BY i.product_id, i.category
