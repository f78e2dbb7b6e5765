"""Running it: health and readiness, Prometheus metrics by route template, security headers,
request ids, the OpenAPI 3.1 document."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace

import pytest
from api_flows import ORIGIN, Person, make_platform
from authenticator import SoftAuthenticator


def test_health_and_readiness(client):
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready").json()
    assert ready["status"] == "ready" and ready["revision"] == ready["head"]


def test_not_ready_until_migrated(tmp_path):
    from fastapi.testclient import TestClient

    from creditline.api import create_app
    from creditline.api.settings import ApiSettings

    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    with TestClient(create_app(ApiSettings(db_url=url, access_log=False))) as client:
        answer = client.get("/ready")
        assert answer.status_code == 503
        assert answer.json()["code"] == "migrations_pending"
        assert client.get("/health").status_code == 200


def test_not_ready_while_the_console_warms_up(client):
    """A load balancer sends no visitor to a process still drawing its charts (the first dashboard
    request would wait for that thread); /ready says which warm-up is pending, then becomes ready."""
    warming = client.app.state.warming
    assert set(warming) == {"charts", "routes and templates"} and all(done.is_set() for done in warming.values())
    warming["charts"].clear()
    try:
        answer = client.get("/ready")
        assert answer.status_code == 503
        assert answer.json()["code"] == "warming_up" and "charts" in answer.json()["detail"]
        assert client.get("/health").status_code == 200
    finally:
        warming["charts"].set()
    assert client.get("/ready").json()["status"] == "ready"


def test_routes_are_prepared_before_the_first_request(client):
    """`creditline serve` walks every route (the API's and the mounted pages') before it answers;
    the walk changes no routing: a page, an API route and an unknown path answer as before."""
    from creditline.api.warmup import NO_SUCH_PATH, prepare_routes

    app = client.app
    walked = prepare_routes(app)
    assert walked > len(app.router.routes), "the mounted borrower app and console are walked too"
    assert prepare_routes(app) == 0, "walked once: serve's walk and the warm-up thread's are not repeated"
    assert client.get("/console/sign-in").status_code == 200
    assert client.get("/v1/loans/LOnone").status_code == 401
    assert client.get(NO_SUCH_PATH).json()["code"] == "not_found"


def test_start_up_builds_the_deciders_then_freezes_what_it_allocated(client):
    """A served worker's warm-up builds the deciders the next application uses (a cache hit then, not
    a build) while /ready says warming up, and, once every warm-up is done, moves start-up's objects
    out of the collector's reach."""
    import gc
    import threading
    import time

    from creditline.api.warmup import freeze_when_warm, start_warm_up
    from creditline.app import apply_setup

    app, built = client.app, []
    apply_setup.forget_screens()
    build = apply_setup._build
    apply_setup._build = lambda *args: built.append(args) or build(*args)  # type: ignore[assignment]
    gc.unfreeze()
    try:
        start_warm_up(app)
        assert app.state.warming["origination"].wait(60), "the deciders are built"
        deadline = time.monotonic() + 10
        while gc.get_freeze_count() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gc.get_freeze_count() > 0, "frozen once every warm-up is done"
        assert len(built) == 1, "built at start-up"
        assert client.get("/ready").json()["status"] == "ready"
        person = Person(client, "After warm-up")
        assert person.register().status_code == 201
        person.apply()
        assert len(built) == 1, "the application found them built"
    finally:
        apply_setup._build = build  # type: ignore[assignment]
        del app.state.warming["origination"]
        gc.unfreeze()
    pending = threading.Event()
    freezer = threading.Thread(target=freeze_when_warm, args=({"slow": pending},))
    freezer.start()
    freezer.join(0.2)
    assert freezer.is_alive() and gc.get_freeze_count() == 0, "waits for every warm-up"
    pending.set()
    freezer.join(10)
    assert gc.get_freeze_count() > 0
    gc.unfreeze()


def test_metrics_count_requests_by_route_template_and_status(client):
    person = Person(client, "Metrics")
    person.register()
    person.get("/v1/loans/LOmissing1")
    person.get("/v1/loans/LOmissing2")
    text = client.get("/metrics").text
    assert 'creditline_http_requests_total{method="GET",route="/v1/loans/{loan_id}",status="404"}' in text
    assert "LOmissing1" not in text, "raw ids never become labels"
    assert 'creditline_http_request_duration_seconds_bucket{le="0.05",method="GET",route="/v1/loans/{loan_id}",status="404"}' in text
    client.get("/no/such/path")
    assert 'route="<unmatched>",status="404"' in client.get("/metrics").text


@contextmanager
def _settings(client, **changes):  # type: ignore[no-untyped-def]
    """The running app's settings changed for the block (the module's app is shared)."""
    runtime = client.app.state.runtime
    client.app.state.runtime = replace(runtime, settings=runtime.settings.with_changes(**changes))
    try:
        yield
    finally:
        client.app.state.runtime = runtime


def test_metrics_answer_only_the_scraper_holding_the_token_once_one_is_set(client):
    token = "scrape-3f9c2a71d84e"
    with _settings(client, metrics_token=token):
        for headers in ({}, {"Authorization": "Bearer wrong-token-0000000"}, {"Authorization": f"Basic {token}"},
                        {"Authorization": token}, {"Authorization": f"Bearer {token}x"}):  # fmt: skip
            refused = client.get("/metrics", headers=headers)
            assert refused.status_code == 401, headers
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert refused.json()["code"] == "metrics_token_required"
            assert refused.headers["www-authenticate"] == 'Bearer realm="metrics"'
            assert "creditline_http_requests_total" not in refused.text
        allowed = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert allowed.status_code == 200 and "creditline_http_requests_total" in allowed.text
    with _settings(client, environment="production", origins=("https://credit.example",)):
        off = client.get("/metrics")
        assert (off.status_code, off.json()["code"]) == (403, "metrics_off")
        assert "CREDITLINE_METRICS_TOKEN" in off.json()["detail"]
    assert client.get("/metrics").status_code == 200, "development without a token: open, as before"


@pytest.mark.parametrize("token", ["short", "has a space in it 123", "tab\tinside-0123456789", "ünïcode-token-0123456"])
def test_a_weak_metrics_token_is_refused_at_start(token):
    from creditline.api.settings import SettingsInvalid, from_environment

    with pytest.raises(SettingsInvalid) as refused:
        from_environment({"CREDITLINE_METRICS_TOKEN": token})
    assert refused.value.field == "metrics_token"
    assert from_environment({"CREDITLINE_METRICS_TOKEN": "a" * 16}).metrics_token == "a" * 16
    assert "a" * 16 not in repr(from_environment({"CREDITLINE_METRICS_TOKEN": "a" * 16})), "kept out of logs"


def test_security_headers_and_request_ids(client):
    answer = client.get("/health", headers={"X-Request-Id": "trace-42"})
    headers = answer.headers
    assert headers["x-request-id"] == "trace-42"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "strict-transport-security" not in headers, "HSTS only over https"
    fresh = client.get("/health", headers={"X-Request-Id": "bad id with spaces\n"}).headers["x-request-id"]
    assert len(fresh) == 32 and fresh.isalnum()
    problem = client.get("/v1/session").json()
    assert problem["request_id"] and problem["instance"] == "/v1/session"


def test_hsts_when_served_over_https(api_db_url):
    client, engine = make_platform(api_db_url, origins=("https://credit.example",), rp_id="credit.example")
    with client:
        assert client.get("/health").headers["strict-transport-security"].startswith("max-age=")
        person = Person(client, "Secure", authenticator=SoftAuthenticator(origin="https://credit.example"))
        registered = person.register()
        assert registered.status_code == 201
        assert "Secure" in registered.headers["set-cookie"]
    engine.dispose()


def test_openapi_is_3_1_with_problem_responses(client):
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert "Problem" in spec["components"]["schemas"]
    repay = spec["paths"]["/v1/loans/{loan_id}/repayments"]["post"]
    assert "application/problem+json" in repay["responses"]["409"]["content"]
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in repay["parameters"])
    assert ORIGIN.startswith("http")
