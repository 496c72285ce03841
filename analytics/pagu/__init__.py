"""Pagu sufficiency for akun 522111 (seed 002): clustered monthly series, ARIMA, the early warning."""
