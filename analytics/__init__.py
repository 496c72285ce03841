"""Analytics core of the HAI Treasury Assistant: plain Python, typed results, no heavy work at import.

Shared by every analytic: ``analytics.ids`` (kode satker, idpel, months: one parser each, for every
channel), ``analytics.money`` (rupiah parsing/formatting, ``parse_bill_amount``), ``analytics.errors`` (typed
errors with Indonesian messages), ``analytics.charts`` (the chart store and pyplot's one lock),
``analytics.data`` (the shipped reference and sample data).

- ``analytics.bills`` (seed 002): fairness (check_bill_fairness), batch (score_bills_batch), repository
  (BillRepository), io (SAKTI exports), rules, schema, synthetic (labelled sample data).
- ``analytics.pagu`` (seed 002): forecast (forecast_pagu), pipeline, cluster, model, arima, chart.
- ``analytics.rekon`` (seed 004): model (RekonRiskModel), repository (RekonRepository), io, schema, synthetic.
- ``analytics.accounts`` (seed 001): suggest (suggest_account_codes, AccountSuggester), validate
  (validate_apbd_file, check_account), reference (Kepmendagri 050-5889), text.

Evaluation-only code (noise generators, the Weka runner, the C4.5 baseline, backtest metrics) lives in
``benchmarks/`` and is never imported by the service.
"""
