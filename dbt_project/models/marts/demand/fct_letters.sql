-- One row per reminder or supervision letter (提醒函 / 督办函) to a department, with how many of its tickets are
-- known and how long the reply took.
with

letters as (
    select * from {{ ref('stg_minyi__letters') }}
),

links as (
    select
        letter_id,
        count(*) as linked_tickets
    from {{ ref('stg_minyi__letter_tickets') }}
    group by letter_id
),

final as (
    select
        letters.letter_id::varchar as letter_id,
        letters.letter_no::varchar as letter_no,
        letters.letter_type::varchar as letter_type,
        letters.department::varchar as department,
        letters.subject::varchar as subject,
        letters.status::varchar as status,
        letters.issued_at::timestamp as issued_at,
        letters.issued_at::date as issued_date,
        letters.replied_at::timestamp as replied_at,
        (date_diff('second', letters.issued_at, letters.replied_at) / 86400.0)::double as reply_days,
        letters.ticket_count::integer as ticket_count,
        coalesce(links.linked_tickets, 0)::bigint as linked_tickets
    from letters
    left join links on letters.letter_id = links.letter_id
)

select * from final
