with

places as (
    select * from {{ ref('stg_pingan__key_places') }}
),

codes as (
    select * from {{ ref('dim_safety_codes') }}
),

final as (
    select
        places.place_id::varchar as place_id,
        places.place_type_code::varchar as place_type_code,
        place_types.name::varchar as place_type_name,
        places.place_name::varchar as place_name,
        places.address::varchar as address,
        places.street_code::varchar as street_code,
        places.community_code::varchar as community_code,
        places.grid_code::varchar as grid_code,
        places.longitude::double as longitude,
        places.latitude::double as latitude,
        places.risk_level::varchar as risk_level,
        places.status::varchar as status,
        (places.status = '在管')::boolean as is_active,
        places.registered_at::timestamp as registered_at,
        places.deregistered_at::timestamp as deregistered_at,
        places.updated_at::timestamp as updated_at
    from places
    left join codes as place_types
        on place_types.code_type = 'place_type' and places.place_type_code = place_types.code
)

select * from final
