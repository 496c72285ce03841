"""The chart store (analytics.charts); its pyplot lock is tested with the pagu chart."""
import hashlib
import threading

from analytics.charts import ChartStore

PNG = b"\x89PNG\r\n\x1a\n" + b"gambar" * 10


def test_chart_is_kept_under_its_content_hash_once(tmp_path):
    store = ChartStore(tmp_path / "charts")  # the folder is made on the first save
    name = store.save(PNG)
    assert name == f"pagu-{hashlib.sha256(PNG).hexdigest()[:16]}.png"
    assert store.path(name).read_bytes() == PNG
    mtime = store.path(name).stat().st_mtime_ns
    assert store.save(PNG) == name and store.path(name).stat().st_mtime_ns == mtime  # not written again
    assert store.save(PNG + b"!", prefix="rekon").startswith("rekon-")
    assert sorted(p.name for p in (tmp_path / "charts").iterdir()) == sorted([name, store.name_for(PNG + b"!", "rekon")])


def test_threads_saving_the_same_chart_leave_one_whole_file(tmp_path):
    store = ChartStore(tmp_path)
    names = []
    threads = [threading.Thread(target=lambda: names.append(store.save(PNG))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(names)) == 1 and [p.name for p in tmp_path.iterdir()] == names[:1]
    assert store.path(names[0]).read_bytes() == PNG

