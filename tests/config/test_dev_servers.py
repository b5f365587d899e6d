"""`python3 dev.py manage …` while `dev.py up` runs: both use the one embedded Redis serving
var/redis, so what one command changes the running site sees."""

import importlib.util

import pytest
import redis

from tests.conftest import ROOT


@pytest.fixture
def dev(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "VAR", tmp_path)
    return module


def test_a_second_command_uses_the_embedded_redis_already_running(dev, tmp_path):
    up = dev.EmbeddedServers()
    up_url = up._start_redis()
    try:
        manage = dev.EmbeddedServers()
        manage_url = manage._start_redis()

        assert manage_url == up_url
        assert manage.redis_process is None  # nothing started, so nothing to stop
        redis.Redis.from_url(manage_url).set("written-by-manage", "1")
        manage.stop()
        assert redis.Redis.from_url(up_url).get("written-by-manage") == b"1"
    finally:
        up.stop()

    # Once it stopped, the next command starts its own again.
    again = dev.EmbeddedServers()
    try:
        assert again._start_redis() and again.redis_process is not None
    finally:
        again.stop()
    assert not (tmp_path / "redis" / dev.REDIS_RECORD).exists()
