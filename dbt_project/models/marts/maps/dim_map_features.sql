-- the one map (一图统览) as GeoJSON features, one layer per row kind, for a map chart that needs no base map:
-- communities filled by their ticket volume (darker: more tickets), the streets' outlines, and the cameras, key
-- places and key events at their coordinates. Boundaries are ILLUSTRATIVE (示意边界, see dim_area_boundaries).
with

boundaries as (
    select * from {{ ref('dim_area_boundaries') }}
),

tickets as (
    select
        community_code,
        sum(tickets) as tickets
    from {{ ref('agg_tickets_monthly') }}
    group by community_code
),

cameras as (
    select * from {{ ref('dim_cameras') }}
),

places as (
    select * from {{ ref('dim_key_places') }}
),

events as (
    select * from {{ ref('fct_key_events') }}
),

areas as (
    select * from {{ ref('dim_areas') }}
),

-- five shades of blue by the community's rank in ticket volume (quintiles), light to dark
community_volume as (
    select
        boundaries.*,
        coalesce(tickets.tickets, 0) as tickets,
        ntile(5) over (order by coalesce(tickets.tickets, 0), boundaries.area_code) as volume_class
    from boundaries
    left join tickets on boundaries.community_code = tickets.community_code
    where boundaries.area_level = 'community'
),

community_rows as (
    select
        area_code as feature_id,
        'community' as layer_code,
        '社区（按事件量着色）' as layer_name,
        street_code,
        community_code,
        json_object(
            'type', 'Feature',
            'geometry', json(geometry_geojson),
            'properties', json_object(
                'name', area_name, 'layer', '社区', 'tickets', tickets,
                'fillColor', ['#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#3182bd'][volume_class],
                'strokeColor', '#ffffff'
            )
        ) as feature
    from community_volume
),

-- a street's outline as lines (a polygon's rings, a multipolygon's rings flattened), drawn over the communities
street_rows as (
    select
        area_code as feature_id,
        'street' as layer_code,
        '街道边界' as layer_name,
        street_code,
        null as community_code,
        json_object(
            'type', 'Feature',
            'geometry', json_object(
                'type', 'MultiLineString',
                'coordinates', case json_extract_string(geometry_geojson, '$.type')
                    when 'Polygon' then json_extract(geometry_geojson, '$.coordinates')
                    else to_json(flatten(cast(json_extract(geometry_geojson, '$.coordinates') as double[][][][])))
                end
            ),
            'properties', json_object('name', area_name, 'layer', '街道边界', 'strokeColor', '#08306b')
        ) as feature
    from boundaries
    where area_level = 'street'
),

{% set point_layers = [
    ('cameras', 'device_id', 'camera', '视频点位', '#2ca02c'),
    ('places', 'place_id', 'place', '重点场所', '#ff7f0e'),
    ('events', 'event_id', 'event', '重点事件', '#d62728'),
] %}
{% for relation, id_column, code, name, colour in point_layers %}
    {{ code }}_rows as (
        select
            {{ id_column }} as feature_id,
            '{{ code }}' as layer_code,
            '{{ name }}' as layer_name,
            street_code,
            community_code,
            json_object(
                'type', 'Feature',
                'geometry', json_object('type', 'Point', 'coordinates', [longitude, latitude]),
                'properties',
                json_object('layer', '{{ name }}', 'fillColor', '{{ colour }}', 'strokeColor', '{{ colour }}')
            ) as feature
        from {{ relation }}
        where longitude is not null and latitude is not null
    ),
{% endfor %}

unioned as (
    select * from community_rows
    union all
    select * from street_rows
    {% for _, _, code, _, _ in point_layers %}
        union all
        select * from {{ code }}_rows
    {% endfor %}
),

final as (
    select
        cast((unioned.layer_code || ':' || unioned.feature_id) as varchar) as feature_key,
        cast(unioned.layer_code as varchar) as layer_code,
        cast(unioned.layer_name as varchar) as layer_name,
        cast(unioned.street_code as varchar) as street_code,
        cast(street_areas.street_name as varchar) as street_name,
        cast(unioned.community_code as varchar) as community_code,
        cast(community_areas.community_name as varchar) as community_name,
        cast(unioned.feature as varchar) as feature_geojson
    from unioned
    left join areas as street_areas
        on unioned.street_code = street_areas.area_code and street_areas.area_level = 'street'
    left join areas as community_areas
        on unioned.community_code = community_areas.area_code and community_areas.area_level = 'community'
)

select * from final
