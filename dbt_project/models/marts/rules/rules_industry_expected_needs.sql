{#- marts.industry_expected_needs: the rules seed industry_expected_needs as published
    (every version; is_active for D). -#}
{{ published_rule_seed('industry_expected_needs') }}
