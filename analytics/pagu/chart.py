"""PNG chart of a pagu early warning: monthly bills with the forecast band, and the year's cumulative
spending against the pagu line (matplotlib, Agg backend, no display needed). Drawn from the result alone
(its ``history``: no second read of the data), one chart at a time per process (``PYPLOT_LOCK``)."""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from analytics.charts import PYPLOT_LOCK
from analytics.ids import nama_bulan
from analytics.money import format_rupiah_singkat
from analytics.pagu.forecast import PAGU_KURANG, PaguForecastResult


def render_pagu_chart(result: PaguForecastResult, path: str | Path | None = None, *,
                      months_back: int = 24) -> bytes:
    """Draw the chart and return the PNG bytes (also written to ``path`` when given).

    The upper panel shows the last ``months_back`` months of ``result.history`` (the satker's bills the
    forecast used, rupiah) before the forecast band. Safe to call from several threads.
    """
    with PYPLOT_LOCK:
        data = _draw(result, months_back)
    if path is not None:
        Path(path).write_bytes(data)
    return data


def _draw(result: PaguForecastResult, months_back: int) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    money = FuncFormatter(lambda v, _: format_rupiah_singkat(v).replace("Rp", ""))
    m = result.monthly
    fut = m[m["prediksi"].notna()]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 7), constrained_layout=True)
    if len(result.history):
        h = result.history.dropna()
        h = h[h.index <= result.as_of].iloc[-months_back:]
        ax1.plot(h.index.to_timestamp(), h.to_numpy(), color="#1f4e79", marker="o", ms=3, label="realisasi tagihan")
    if len(fut):
        x = pd.PeriodIndex(fut["bulan"]).to_timestamp()
        ax1.plot(x, fut["prediksi"], color="#c0504d", marker="o", ms=3, label="prediksi")
        ax1.fill_between(x, fut["bawah"], fut["atas"], color="#c0504d", alpha=0.2,
                         label=f"selang prediksi {int(round(result.level * 100))}%")
    ax1.set_title(f"Tagihan listrik satker {result.kode_satker} (akun {result.akun}), data s.d. {nama_bulan(result.as_of)}")
    ax1.yaxis.set_major_formatter(money)
    ax1.set_ylabel("rupiah per bulan")
    ax1.legend(loc="upper left", fontsize=8)
    ax1.grid(alpha=0.3)

    x_all = pd.PeriodIndex(m["bulan"]).to_timestamp()
    realised = m["realisasi"].notna().to_numpy()
    cum = m["kumulatif"].to_numpy()
    ax2.bar(x_all[realised], cum[realised], width=20, color="#1f4e79", label="kumulatif realisasi")
    if len(fut):
        ax2.bar(x_all[~realised], cum[~realised], width=20, color="#c0504d", alpha=0.6, label="kumulatif + prediksi")
        lo = fut["kumulatif_bawah"].to_numpy()
        hi = fut["kumulatif_atas"].to_numpy()
        ax2.errorbar(x_all[~realised], cum[~realised], yerr=[cum[~realised] - lo, hi - cum[~realised]], fmt="none",
                     ecolor="#7f7f7f", capsize=3)
    ax2.axhline(result.pagu, color="#2e7d32" if result.verdict != PAGU_KURANG else "#b71c1c", lw=2,
                label=f"pagu {format_rupiah_singkat(result.pagu)}")
    if result.run_out_month is not None:
        ax2.axvline(result.run_out_month.to_timestamp(), color="#b71c1c", ls="--", lw=1,
                    label=f"pagu habis {nama_bulan(result.run_out_month)}")
    ax2.set_title(f"{result.verdict} tahun {result.tahun}: proyeksi {format_rupiah_singkat(result.projected_total)}")
    ax2.yaxis.set_major_formatter(money)
    ax2.set_ylabel("rupiah kumulatif")
    ax2.legend(loc="upper left", fontsize=8)
    ax2.grid(alpha=0.3)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()
