{#- Every area code of a model names a known area: street_code a street of ref_streets, community_code a community
    of ref_communities, grid_code a grid of ref_grids (nulls pass, as in dbt's relationships test). One test per
    model instead of one relationships test per column: one pass over the model, one node. Fails with the rows.
    BUILT_AT (optional): the model's build stamp; a daily build then checks the rows it wrote (see build_stamp.sql). -#}
{% test known_area_codes(model, columns, built_at=none) %}
    {%- set areas = {
        'street_code': ref('ref_streets'),
        'community_code': ref('ref_communities'),
        'grid_code': ref('ref_grids'),
    } -%}
    {%- for column in columns if column not in areas -%}
        {{ exceptions.raise_compiler_error("known_area_codes: " ~ column ~ " is not one of " ~ areas.keys() | list) }}
    {%- endfor %}
    select *
    from {{ model }}
    where
        {%- if tests_rows_built_this_run(built_at) %}
            {{ built_at }} = {{ build_started_at() }} and
        {%- endif %}
        (
        {%- for column in columns %}
            {{ 'or ' if not loop.first }}({{ column }} is not null
                and {{ column }} not in (select {{ column }} from {{ areas[column] }}))
        {%- endfor %}
        )
{% endtest %}
