-- One row per field re-inspection (实地督查复核) of a closed ticket: who went, when, and whether the problem was
-- really fixed (未整改 on a ticket closed as done is the hard evidence of 形式办结).
with

reinspections as (
    select * from {{ ref('stg_minyi__field_reinspections') }}
),

tickets as (
    select * from {{ ref('fct_tickets') }}
),

final as (
    select
        reinspections.reinspection_id::varchar as reinspection_id,
        reinspections.ticket_id::varchar as ticket_id,
        reinspections.inspector_unit::varchar as inspector_unit,
        reinspections.inspected_at::timestamp as inspected_at,
        reinspections.inspected_at::date as inspected_date,
        reinspections.result::varchar as result,
        reinspections.finding::varchar as finding,
        reinspections.photo_count::integer as photo_count,
        (date_diff('second', tickets.closed_at, reinspections.inspected_at) / 86400.0)::double as days_after_close,
        tickets.is_formal_closure::boolean as is_ticket_formal_closure,
        tickets.category_code::varchar as category_code,
        tickets.street_code::varchar as street_code,
        tickets.community_code::varchar as community_code
    from reinspections
    left join tickets on reinspections.ticket_id = tickets.ticket_id
)

select * from final
