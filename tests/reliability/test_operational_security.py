"""Operational security: secrets only from the environment or a file (never in the repository),
passwordless operator sign-in with passkeys, security headers and CSRF on the running server in
production mode, and the dependency-audit policy of CI (docs/security.md)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from reliability_support import SoftAuthenticator

from creditline.reliability.dependency_audit import judge
from creditline.reliability.served import Served, creditline_command, free_port, start, stop

REPO = Path(__file__).resolve().parents[2]
SITE = "https://credit.example"
KEY_MATERIAL = [
    re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY( BLOCK)?-----"),
    re.compile(rb"AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{40,}|xox[abprs]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{20,}"),
    re.compile(rb"CREDITLINE_(DATA_KEYS|BLIND_INDEX_KEY|PII_SALT)\s*=\s*[\"']?[A-Za-z0-9+/_=:-]{8,}"),  # a value, not <placeholder>
    re.compile(rb"[\"'][A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=[\"']"),  # a 32-byte key in base64, quoted
    re.compile(rb"\"blind_index_key\"\s*:\s*\"[A-Za-z0-9+/_=-]{16,}\""),  # a keyring file
]  # fmt: skip
DEFAULT_SECRET = re.compile(r"^\s*([A-Z_]*(SALT|SECRET|PASSWORD|TOKEN|PRIVATE_KEY|SIGNING_KEY|DATA_KEY|INDEX_KEY)[A-Z_]*)"
                            r"\s*(?::\s*\w+\s*)?=\s*b?[\"'](?!CREDITLINE_)", re.MULTILINE)  # fmt: skip
# Default secrets the code may hold, each with why it is tolerable; anything new fails the test.
KNOWN_DEFAULTS = {"src/creditline/app/apply_setup.py:SALT_DEV": "development salt; finding 2: production refuses it (api.settings)"}


def tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True, timeout=60).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"not a git checkout: {exc}")
    return [REPO / name for name in listed.decode().split("\0") if name and (REPO / name).is_file()]


def key_material(data: bytes) -> list[str]:
    return [match.group(0)[:40].decode("latin-1") for pattern in KEY_MATERIAL for match in pattern.finditer(data)]


# -- secrets ------------------------------------------------------------------------------------------


def test_no_tracked_file_holds_key_material() -> None:
    files = tracked_files()
    assert len(files) > 100
    found = {str(path.relative_to(REPO)): hits for path in files if (hits := key_material(path.read_bytes()))}
    assert found == {}


def test_the_scan_finds_planted_key_material() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from creditline.ledger.transparency import private_key_pem
    from creditline.privacy.keyring import new_keyring

    keyring = new_keyring().to_json()
    planted = [private_key_pem(Ed25519PrivateKey.generate()),
               f"CREDITLINE_DATA_KEYS=k1:{keyring['data_keys']['k1']}".encode(),  # type: ignore[index]
               f'KEY = "{keyring["blind_index_key"]}"'.encode(),
               json.dumps(keyring).encode()]  # fmt: skip
    assert all(key_material(text) for text in planted)


def test_the_only_default_secret_in_the_code_is_the_known_development_salt() -> None:
    defaults = {
        f"{path.relative_to(REPO)}:{match.group(1)}"
        for path in tracked_files() if path.suffix == ".py" and "src" in path.parts
        for match in DEFAULT_SECRET.finditer(path.read_text(encoding="utf-8"))
    }  # fmt: skip
    assert defaults == set(KNOWN_DEFAULTS)


def test_keys_have_no_default_and_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from creditline.ledger.transparency import InvalidKey, private_key_pem
    from creditline.privacy.keyring import KeyringError, load_keyring
    from creditline.store.audit_log import ENV_SIGNING_KEY_FILE, signing_key_from_environment

    with pytest.raises(InvalidKey):
        signing_key_from_environment({})
    with pytest.raises(KeyringError):
        load_keyring({})
    key_file = tmp_path / "signing.pem"
    key_file.write_bytes(private_key_pem(Ed25519PrivateKey.generate()))
    key_file.chmod(0o644)
    with pytest.raises(InvalidKey, match="readable by others"):
        signing_key_from_environment({ENV_SIGNING_KEY_FILE: str(key_file)})
    key_file.chmod(0o600)
    assert signing_key_from_environment({ENV_SIGNING_KEY_FILE: str(key_file)}) is not None


# -- the dependency audit's policy ----------------------------------------------------------------


def test_a_known_vulnerability_fails_and_an_unreachable_database_only_reports() -> None:
    vulnerable = {"dependencies": [{"name": "jinja2", "version": "2.10", "vulns": [
        {"id": "PYSEC-2019-217", "fix_versions": ["2.10.1"]}]}, {"name": "numpy", "version": "2.0.0", "vulns": []}]}  # fmt: skip
    verdict = judge(vulnerable, 1)
    assert verdict.exit_code == 1 and "jinja2 2.10: PYSEC-2019-217 (fixed in 2.10.1)" in verdict.message
    clean = {"dependencies": [{"name": "numpy", "version": "2.0.0", "vulns": []},
                              {"name": "x", "version": "1", "skip_reason": "not on PyPI"}]}  # fmt: skip
    assert judge(clean, 0).exit_code == 0 and "1 packages audited" in judge(clean, 0).message
    everything_skipped = {"dependencies": [{"name": "numpy", "version": "2.0.0", "skip_reason": "Dependency not found"}]}
    assert judge(everything_skipped, 0).exit_code == 0 and "not audited" in judge(everything_skipped, 0).message
    crashed = judge(None, 1, "requests.exceptions.ConnectionError: Failed to resolve 'api.osv.dev'")
    assert crashed.exit_code == 0 and "unreachable" in crashed.message and "api.osv.dev" in crashed.message


# -- the running server, in production mode ----------------------------------------------------------


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, str, dict[str, str]]]:
    """`creditline serve --env production` behind (what would be) TLS at credit.example, with a
    deployment's PII salt; an operator made with `creditline operator add` (its enrollment code)."""
    from creditline.app.setup import initialise
    from creditline.store import make_engine

    folder = tmp_path_factory.mktemp("production")
    url = f"sqlite:///{folder / 'production.sqlite'}"
    engine = make_engine(url)
    initialise(engine, date(2025, 6, 30))
    engine.dispose()
    env = dict(os.environ) | {"CREDITLINE_PII_SALT": os.urandom(16).hex()}
    added = subprocess.run([creditline_command(), "operator", "add", "--name", "Risk Ann", "--role", "risk_analyst",
                            "--db", url, "--json"], capture_output=True, text=True, env=env, timeout=120, check=True)  # fmt: skip
    code = json.loads(added.stdout)["enrollment_code"]
    served = start(url, folder, env=env, options=("--env", "production", "--origins", SITE, "--rp-id", "credit.example"))
    try:
        yield served, code, env
    finally:
        stop(served)


def _cookie(response: httpx.Response, name: str) -> str:
    header = next(h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}="))
    return header


def test_security_headers_on_the_api_and_the_pages(production) -> None:  # type: ignore[no-untyped-def]
    served, _, _ = production
    with httpx.Client(base_url=served.base, timeout=30) as http:
        for path in ("/health", "/v1/lines", "/app/", "/console/"):
            response = http.get(path)
            headers = response.headers
            assert headers["x-content-type-options"] == "nosniff", path
            assert headers["referrer-policy"] in ("no-referrer", "same-origin"), path  # never the URL to others
            assert "max-age=" in headers["strict-transport-security"], path
            policy = headers["content-security-policy"]
            assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy.split("script-src")[-1].split(";")[0], path
        assert http.get("/v1/lines").headers["cache-control"] == "no-store"


def test_operators_sign_in_with_a_user_verified_passkey_and_no_password_exists(production) -> None:  # type: ignore[no-untyped-def]
    served, code, _ = production
    phone = SoftAuthenticator(origin=SITE)
    with httpx.Client(base_url=served.base, timeout=30) as http:
        options = http.post("/v1/passkeys/registration-options", json={"enrollment_code": code}).json()["publicKey"]
        assert options["authenticatorSelection"]["userVerification"] == "required"
        enrolled = http.post("/v1/passkeys", json={"credential": phone.create(options)})
        assert enrolled.status_code == 201 and enrolled.json()["account"]["role"] == "risk_analyst"
        cookie = _cookie(enrolled, "creditline_session")
        assert "HttpOnly" in cookie and "Secure" in cookie and "samesite=lax" in cookie.lower()
        unverified = http.post("/v1/sessions", json={"credential": phone.get(http.post("/v1/sessions/options").json()["publicKey"], uv=False)})
        assert unverified.status_code == 401 and unverified.json()["code"] == "user_verification_required"
        verified = http.post("/v1/sessions", json={"credential": phone.get(http.post("/v1/sessions/options").json()["publicKey"])})
        assert verified.status_code == 201
        again = http.post("/v1/passkeys/registration-options", json={"enrollment_code": code})
        assert 400 <= again.status_code < 500, "an enrollment code is used once"
        document = http.get("/openapi.json").text.lower()
    assert not re.search(r"passw(or)?d|\"secret\"", document), "sign-in is passkeys only: no password anywhere in the API"


def test_a_cookie_session_cannot_change_anything_without_its_csrf_token(production) -> None:  # type: ignore[no-untyped-def]
    served, _, _ = production
    phone = SoftAuthenticator(origin=SITE)
    with httpx.Client(base_url=served.base, timeout=30) as http:
        options = http.post("/v1/passkeys/registration-options", json={"display_name": "Csrf Probe"}).json()["publicKey"]
        signed_in = http.post("/v1/passkeys", json={"credential": phone.create(options)})
        session = signed_in.json()["session"]
        cookie = {"Cookie": f"creditline_session={session['token']}"}
        for token in (None, "forged"):
            headers = cookie | ({"X-CSRF-Token": token} if token else {})
            refused = http.post("/v1/session/rotation", headers=headers)
            assert refused.status_code == 403 and refused.json()["code"] == "csrf_token_invalid"
            form = http.post("/app/sign-out", headers=cookie, data={"csrf_token": token or ""}, follow_redirects=False)
            assert form.status_code == 403
        foreign = http.post("/app/sign-out", headers=cookie | {"Origin": "https://evil.example"},
                            data={"csrf_token": session["csrf_token"]}, follow_redirects=False)  # fmt: skip
        assert foreign.status_code == 403
        assert http.get("/v1/session", headers=cookie).status_code == 200, "nothing refused ended the session"
        rotated = http.post("/v1/session/rotation", headers=cookie | {"X-CSRF-Token": session["csrf_token"]})
        assert rotated.status_code == 200


def test_production_serves_no_metrics_without_a_metrics_token(production) -> None:  # type: ignore[no-untyped-def]
    served, _, _ = production
    with httpx.Client(base_url=served.base, timeout=30) as http:
        off = http.get("/metrics")
        assert off.status_code == 403 and off.json()["code"] == "metrics_off"
        assert "creditline_http_requests_total" not in off.text


def test_production_refuses_to_start_without_a_pii_salt_of_its_own(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CREDITLINE_PII_SALT"}
    command = [creditline_command(), "serve", "--db", f"sqlite:///{tmp_path / 'p.sqlite'}", "--env", "production",
               "--origins", SITE, "--rp-id", "credit.example", "--port", str(port := free_port())]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break  # it started: the salt was not checked
            except httpx.TransportError:
                time.sleep(0.2)
        assert process.poll() == 2
        assert "CREDITLINE_PII_SALT" in process.stderr.read()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
