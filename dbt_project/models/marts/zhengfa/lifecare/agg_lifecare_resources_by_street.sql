-- the life-care resources registered now, per street (a stock): liaisons and rooms by their own street, counsellors
-- by the street of the room they serve (those without a room count at district level only, in
-- fct_indicator_values_zhengfa)
with

streets as (
    select * from {{ ref('ref_streets') }}
),

liaisons as (
    select
        street_code,
        count(*) as liaisons
    from {{ ref('stg_zhengfa__lifecare_liaisons') }}
    group by street_code
),

rooms as (
    select
        street_code,
        count(*) as rooms
    from {{ ref('stg_zhengfa__lifecare_rooms') }}
    group by street_code
),

counsellors as (
    select
        rooms.street_code,
        count(*) as counsellors_in_rooms
    from {{ ref('stg_zhengfa__lifecare_counsellors') }} as counsellors
    inner join {{ ref('stg_zhengfa__lifecare_rooms') }} as rooms on counsellors.room_id = rooms.room_id
    group by rooms.street_code
),

final as (
    select
        streets.street_code::varchar as street_code,
        streets.street_name::varchar as street_name,
        coalesce(liaisons.liaisons, 0)::bigint as liaisons,
        coalesce(rooms.rooms, 0)::bigint as rooms,
        coalesce(counsellors.counsellors_in_rooms, 0)::bigint as counsellors_in_rooms
    from streets
    left join liaisons on streets.street_code = liaisons.street_code
    left join rooms on streets.street_code = rooms.street_code
    left join counsellors on streets.street_code = counsellors.street_code
)

select * from final
