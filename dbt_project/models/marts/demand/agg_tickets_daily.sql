-- Per day × street × community × channel: ticket counts and the numerators and denominators of the demand rates
-- (creation day for the counts, due day for tickets_due, closed_on_time and overdue). Not per category as well: at
-- that grain a day has about one ticket per row, as many rows as fct_tickets; agg_tickets_monthly has the category.
-- A plain table: re-aggregating fct_tickets takes a second, less than tracking the days an incremental run touched.
{{ demand_ticket_aggregate('date', 'created_date', 'due_date', ['street_code', 'community_code', 'channel_code']) }}
