"""hai.registry: one object per builder and settings value, built once even when first asked concurrently."""
from __future__ import annotations

import threading
import time

import pytest

from hai import registry
from hai.settings import Settings


@pytest.fixture(autouse=True)
def empty_registry():
    registry.clear()
    yield
    registry.clear()


class Built:
    calls = 0

    def __init__(self, settings):
        self.settings = settings

    @classmethod
    def from_settings(cls, settings) -> "Built":
        cls.calls += 1
        time.sleep(0.05)  # long enough for the threads below to arrive while it is being built
        return cls(settings)


def test_equal_settings_share_one_object_and_a_changed_setting_gets_its_own(tmp_path):
    Built.calls = 0
    first = registry.shared(Built.from_settings, Settings(data_dir=tmp_path))
    assert registry.shared(Built.from_settings, Settings(data_dir=tmp_path)) is first  # equal, not the same object
    other = registry.shared(Built.from_settings, Settings(data_dir=tmp_path / "lain"))
    assert other is not first and other.settings.data_dir == tmp_path / "lain"
    assert Built.calls == 2


def test_concurrent_first_calls_wait_for_one_build(tmp_path):
    Built.calls = 0
    settings = Settings(data_dir=tmp_path)
    got = []
    threads = [threading.Thread(target=lambda: got.append(registry.shared(Built.from_settings, settings)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Built.calls == 1 and len({id(o) for o in got}) == 1


def test_a_failed_build_is_not_kept_and_clear_forgets(tmp_path):
    attempts = []

    def flaky(settings):
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("data belum siap")
        return object()

    settings = Settings(data_dir=tmp_path)
    with pytest.raises(OSError):
        registry.shared(flaky, settings)
    built = registry.shared(flaky, settings)
    assert registry.shared(flaky, settings) is built and len(attempts) == 2
    registry.clear()
    assert registry.shared(flaky, settings) is not built
