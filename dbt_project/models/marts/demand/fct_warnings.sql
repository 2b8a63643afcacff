-- One row per warning (预警) raised on a ticket in fct_tickets: 临期 (overdue risk, 12 h before due) and 超期 (overdue);
-- warnings on quarantined tickets are left out with their tickets (as the indicator counts them).
with

warnings as (
    select * from {{ ref('stg_minyi__warnings') }}
),

tickets as (
    select * from {{ ref('fct_tickets') }}
),

final as (
    select
        warnings.warning_id::varchar as warning_id,
        warnings.ticket_id::varchar as ticket_id,
        warnings.rule_code::varchar as rule_code,
        warnings.rule_name::varchar as rule_name,
        warnings.level::varchar as level,
        warnings.department::varchar as department,
        warnings.status::varchar as status,
        warnings.raised_at::timestamp as raised_at,
        warnings.raised_at::date as raised_date,
        warnings.handled_at::timestamp as handled_at,
        (date_diff('second', warnings.raised_at, warnings.handled_at) / 3600.0)::double as hours_to_handle,
        tickets.is_closed_on_time::boolean as is_ticket_closed_on_time,
        tickets.channel_code::varchar as channel_code,
        tickets.category_code::varchar as category_code,
        tickets.street_code::varchar as street_code,
        tickets.community_code::varchar as community_code
    from warnings
    inner join tickets on warnings.ticket_id = tickets.ticket_id
)

select * from final
