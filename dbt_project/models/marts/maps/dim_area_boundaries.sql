-- the one map's ILLUSTRATIVE boundaries (示意边界), served: the district, its streets and communities with their
-- polygon as a GeoJSON geometry and as a GeoJSON feature (name and colours in its properties, for a map layer)
with

boundaries as (
    select * from {{ ref('ref_area_boundaries') }}
),

areas as (
    select * from {{ ref('dim_areas') }}
),

final as (
    select
        boundaries.area_code::varchar as area_code,
        boundaries.area_level::varchar as area_level,
        areas.area_level_name::varchar as area_level_name,
        areas.area_name::varchar as area_name,
        boundaries.parent_code::varchar as parent_code,
        areas.street_code::varchar as street_code,
        areas.street_name::varchar as street_name,
        areas.community_code::varchar as community_code,
        areas.community_name::varchar as community_name,
        boundaries.center_longitude::double as center_longitude,
        boundaries.center_latitude::double as center_latitude,
        boundaries.geometry_geojson::varchar as geometry_geojson,
        -- a Feature (what a GeoJSON map layer draws): streets as thick dark outlines, communities as thin ones
        json_object(
            'type', 'Feature',
            'geometry', json(boundaries.geometry_geojson),
            'properties', json_object(
                'name', areas.area_name,
                'level', areas.area_level_name,
                'strokeColor', case boundaries.area_level when 'street' then '#1f3a93' else '#7f8c8d' end,
                'fillColor', '#ffffff'
            )
        )::varchar as feature_geojson,
        boundaries.code_source::varchar as code_source
    from boundaries
    inner join areas on boundaries.area_code = areas.area_code
)

select * from final
