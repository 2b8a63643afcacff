-- One row per (letter, ticket): the tickets each 提醒函 / 督办函 is about, with the ticket's area and whether it still
-- closed on time (ticket columns are null for a ticket that was quarantined).
with

links as (
    select * from {{ ref('stg_minyi__letter_tickets') }}
),

letters as (
    select * from {{ ref('stg_minyi__letters') }}
),

tickets as (
    select * from {{ ref('fct_tickets') }}
),

final as (
    select
        links.letter_id::varchar as letter_id,
        links.ticket_id::varchar as ticket_id,
        letters.letter_type::varchar as letter_type,
        letters.issued_at::timestamp as issued_at,
        tickets.street_code::varchar as street_code,
        tickets.community_code::varchar as community_code,
        tickets.category_code::varchar as category_code,
        tickets.is_closed_on_time::boolean as is_ticket_closed_on_time
    from links
    inner join letters on links.letter_id = letters.letter_id
    left join tickets on links.ticket_id = tickets.ticket_id
)

select * from final
