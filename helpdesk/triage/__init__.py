"""Triage of what reaches the helpdesk: which L2 team should take a conversation.

model   ``TeamRouter``: TF-IDF (words and character n-grams) + logistic regression, trained on the
        ``tim_agent``/``departemen`` labels of HAI ticket exports, predicting the team from the user's
        messages with a confidence; saved under the data folder (``Settings.triage_model_path``)
data    training examples from an export (CSV or XLSX): row-level errors for malformed rows, the rest used
Run ``python -m helpdesk.triage train EXPORT`` to train and save a model.
"""
