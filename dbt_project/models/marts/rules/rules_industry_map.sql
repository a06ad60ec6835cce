{#- marts.industry_map: the seed industry_map as published (not versioned: every row holds). -#}
{{ published_rule_seed('industry_map', versioned=false) }}
