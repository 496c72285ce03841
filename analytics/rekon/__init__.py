"""Reconciliation risk (seed 004): the SELISIH model, its data and its reasons."""
