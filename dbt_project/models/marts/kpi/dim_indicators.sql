with

catalogue as (
    select * from {{ ref('ref_indicators') }}
),

final as (
    select
        indicator_code,
        display_order as catalogue_order,
        indicator_name,
        domain,
        unit,
        formula,
        owner,
        target,
        value_kind,
        seed_value_2024,
        seed_precision,
        seed_text,
        seed_reading,
        seed_low,
        seed_high,
        scales_with_data
    from catalogue
)

select * from final
