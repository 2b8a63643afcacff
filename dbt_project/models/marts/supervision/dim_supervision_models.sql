with

models as (
    select * from {{ ref('stg_zhengfa__supervision_models') }}
),

final as (
    select
        model_id::varchar as model_id,
        model_name::varchar as model_name,
        domain::varchar as domain,
        description::varchar as description,
        built_on::date as built_on,
        status::varchar as status,
        is_national_listed::boolean as is_national_listed,
        listed_on::date as listed_on,
        updated_at::timestamp as updated_at
    from models
)

select * from final
