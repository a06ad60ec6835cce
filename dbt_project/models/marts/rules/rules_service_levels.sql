{#- marts.service_levels: the rules seed service_levels as published (every version; is_active for D). -#}
{{ published_rule_seed('service_levels') }}
