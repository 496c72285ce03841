"""Analytics core of the HAI Treasury Assistant: plain Python, typed results, no heavy work at import.

Bills and pagu (seed 002): ``analytics.bills`` (check_bill_fairness), ``analytics.bills_batch``
(score_bills_batch), ``analytics.bills_repository`` (BillRepository), ``analytics.pagu`` (forecast_pagu),
``analytics.pagu_chart`` (render_pagu_chart), ``analytics.money`` (rupiah parsing/formatting),
``analytics.errors`` (typed errors with Indonesian messages, shared by every analytic).
Reconciliation risk (seed 004): ``analytics.rekon_model`` (RekonRiskModel), ``analytics.rekon_cv``
(cross_validate_rekon), ``analytics.rekon_repository`` (RekonRepository), ``analytics.rekon_tree`` (C4.5).
Account codes (seed 001): ``analytics.accounts`` (suggest_account_codes, AccountSuggester),
``analytics.accounts_validate`` (validate_apbd_file), ``analytics.accounts_reference`` (load_reference).
"""
