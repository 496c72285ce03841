"""The plan of `make run-cluster` (hai/cluster.py) without starting it: ports, nginx routes, children's settings."""
from __future__ import annotations

import yaml

from hai.cluster import Cluster
from hai.launcher import endpoints_file
from hai.settings import Settings


def _cluster(tmp_path, **kw) -> Cluster:
    return Cluster(Settings(data_dir=tmp_path, rasa_port=7000, action_port=7100, api_port=7200, lb_port=7300,
                            lb_action_port=7301, postgres_port=7400, redis_port=7401, **kw))


def test_sizes_and_ports_come_from_settings(tmp_path):
    plan = _cluster(tmp_path, cluster_rasa=3, cluster_actions=2, cluster_api=2)
    ports = dict((p, v) for p, v in plan.ports())
    assert [p for p, v in plan.ports() if v == "HAI_RASA_PORT"] == [7000, 7001, 7002]
    assert ports[7101] == "HAI_ACTION_PORT" and ports[7201] == "HAI_API_PORT" and ports[7400] == "HAI_POSTGRES_PORT"
    conf = plan.nginx_conf()
    assert conf.count("server 127.0.0.1:700") == 6  # balanced and sticky upstreams of 3 Rasa servers
    assert "hash $remote_addr consistent" in conf and "proxy_set_header Upgrade $http_upgrade" in conf
    assert "listen 127.0.0.1:7300" in conf and "listen 127.0.0.1:7301" in conf


def test_children_get_postgres_redis_and_the_balancer(tmp_path):
    plan = _cluster(tmp_path)
    s = plan.settings
    assert s.tracker_url.startswith("postgresql://hai:") and s.tracker_url.endswith("@127.0.0.1:7400/hai_tracker")
    assert s.app_url.startswith("postgresql+psycopg://hai:") and s.redis_url == "redis://127.0.0.1:7401/0"
    assert s.public_url == "http://127.0.0.1:7300"
    env = plan.child_environment(s.model_copy(update={"rasa_base_url": "http://127.0.0.1:7300"}))
    assert env["HAI_RASA_BASE_URL"] == "http://127.0.0.1:7300" and env["HAI_REDIS_URL"] == s.redis_url
    lock = yaml.safe_load(endpoints_file(s).read_text())["lock_store"]
    assert lock == {"type": "redis", "url": "127.0.0.1", "port": 7401, "db": 0, "key_prefix": "hai"}


def test_given_servers_are_used_instead_of_own_ones(tmp_path):
    plan = _cluster(tmp_path, tracker_db_url="postgresql://u:p@db/t", app_db_url="postgresql+psycopg://u:p@db/a",
                    redis_url="redis://cache:6379/2")
    assert not plan.own_postgres and not plan.own_redis
    assert {v for _, v in plan.ports()}.isdisjoint({"HAI_POSTGRES_PORT", "HAI_REDIS_PORT"})
    assert plan.settings.tracker_url == "postgresql://u:p@db/t"


def test_make_run_keeps_endpoints_yml_and_own_addresses(tmp_path):
    s = Settings(data_dir=tmp_path)
    assert endpoints_file(s).name == "endpoints.yml" and endpoints_file(s).parent != s.runtime_dir
    assert s.rasa_url == f"http://{s.host}:{s.rasa_port}" and s.action_url.endswith(f":{s.action_port}/webhook")
