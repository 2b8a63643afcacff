-- Per month × street × community × channel × category: ticket counts and the numerators and denominators of the
-- demand rates (creation month for the counts, due month for tickets_due, closed_on_time and overdue).
{{ demand_ticket_aggregate(
    'month', 'created_month', 'due_month', ['street_code', 'community_code', 'channel_code', 'category_code']
) }}
