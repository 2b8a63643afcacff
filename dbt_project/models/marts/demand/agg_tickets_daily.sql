-- Per day × street × community × channel: ticket counts and the numerators and denominators of the demand rates
-- (creation day for the counts, due day for tickets_due, closed_on_time and overdue). Not per category as well: at
-- that grain a day has about one ticket per row, as many rows as fct_tickets; agg_tickets_monthly has the category.
-- Incremental: a daily run recomputes the days from the earliest one its changed tickets count in.
{{ config(
    materialized='incremental',
    unique_key='date',
    incremental_strategy='replace_periods',
    replace_periods_since='demand_aggregate_since',
    on_schema_change='append_new_columns',
) }}

{{ demand_ticket_aggregate('date', 'created_date', 'due_date', ['street_code', 'community_code', 'channel_code']) }}
