"""The pagu chart (analytics.pagu.chart): drawn from the result's own history, one at a time per process."""
import threading

import numpy as np
import pandas as pd

from analytics.charts import PYPLOT_LOCK
from analytics.pagu.chart import render_pagu_chart
from analytics.pagu.forecast import build_result
from analytics.pagu.model import simple_forecast
from analytics.pagu.pipeline import months_to_forecast


def _result():
    as_of = pd.Period("2022-06", "M")
    history = pd.Series(np.linspace(90e6, 110e6, 36), index=pd.period_range("2020-01", periods=36, freq="M"))
    fc = simple_forecast("527027", history.loc[:as_of].to_numpy(), months_to_forecast(as_of), reason="uji")
    return build_result("527027", fc, history, 1_200_000_000, as_of)


def test_the_result_keeps_the_history_up_to_as_of_for_the_chart():
    r = _result()
    assert r.history.index.max() == pd.Period("2022-06", "M") and len(r.history) == 36 - 6
    assert render_pagu_chart(r)[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_chart_waits_for_the_one_pyplot_lock():
    r = _result()
    out: list[bytes] = []
    with PYPLOT_LOCK:  # another chart being drawn, by either channel
        worker = threading.Thread(target=lambda: out.append(render_pagu_chart(r)))
        worker.start()
        worker.join(timeout=0.5)
        assert worker.is_alive() and out == []
    worker.join(timeout=30)
    assert out and out[0][:8] == b"\x89PNG\r\n\x1a\n"
