"""Two API users of the subscriptions example register endpoints through its
management API; an administrator announces a price change; each endpoint gets
it signed with its own secret, which the Standard Webhooks reference verifier
(the `standardwebhooks` package) accepts, and the other user's secret does not.

Usage: webhooks_for_users.py <example base URL> <admin key>
All traffic stays on 127.0.0.1; every wait is bounded."""

import http.server
import json
import sys
import threading
import time
import urllib.request

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

base, admin_key = sys.argv[1], sys.argv[2]
users = {"ci": "ci-token", "ci2": "ci2-token"}
received = []


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
receiver = f"http://127.0.0.1:{server.server_address[1]}"


def call(method, path, token=None, body=None, headers=None):
    request = urllib.request.Request(base + path, method=method)
    if token:
        request.add_header("authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, data=data, timeout=10) as response:
        return response.status, json.loads(response.read() or b"null")


secrets = {}
for user, token in users.items():
    status, endpoint = call(
        "POST",
        "/v1/webhooks/endpoints",
        token,
        {"url": f"{receiver}/{user}", "event_types": ["plan-price-changed"]},
    )
    assert status == 201, (status, endpoint)
    status, revealed = call("GET", f"/v1/webhooks/endpoints/{endpoint['id']}/secret", token)
    assert status == 200, revealed
    secrets[user] = revealed["data"][0]["secret"]
assert secrets["ci"] != secrets["ci2"]

change = {"plan": "pro", "price": 4200, "reason": "CI"}
status, announced = call(
    "POST",
    "/v1/admin/price-changes",
    body={"change": change, "users": list(users)},
    headers={"x-admin-key": admin_key},
)
assert status == 200 and announced["deliveries"] == 2, (status, announced)

deadline = time.monotonic() + 20
while len(received) < 2:
    assert time.monotonic() < deadline, f"only {len(received)} of 2 deliveries arrived"
    time.sleep(0.05)
by_user = {path.strip("/"): (headers, body) for path, headers, body in received}
assert sorted(by_user) == ["ci", "ci2"], sorted(by_user)
for user, (headers, body) in by_user.items():
    assert json.loads(body) == change, body
    Webhook(secrets[user]).verify(body, headers)
    other = "ci2" if user == "ci" else "ci"
    try:
        Webhook(secrets[other]).verify(body, headers)
    except WebhookVerificationError:
        pass
    else:
        raise AssertionError(f"{other}'s secret verifies {user}'s delivery")
assert len(received) == 2, f"{len(received)} deliveries, expected one per endpoint"
print("webhooks for users: 2 endpoints, each delivery verified with its own secret only")
