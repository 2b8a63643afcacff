-- Per month × street × community × channel × category: ticket counts and the numerators and denominators of the
-- demand rates (creation month for the counts, due month for tickets_due, closed_on_time and overdue).
-- Incremental: a daily run recomputes the months from the earliest one its changed tickets count in.
{{ config(
    materialized='incremental',
    unique_key='month',
    incremental_strategy='replace_periods',
    replace_periods_since='demand_aggregate_since',
    on_schema_change='append_new_columns',
) }}

{{ demand_ticket_aggregate(
    'month', 'created_month', 'due_month', ['street_code', 'community_code', 'channel_code', 'category_code']
) }}
