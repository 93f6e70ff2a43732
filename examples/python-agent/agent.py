"""A small agent that works with GitHub and Stripe, written as if TameFlare did not exist.

Run it under `tf run` and every call goes through the gateway: the proxy and the CA bundle come
from the environment `tf run` sets (requests reads HTTPS_PROXY and REQUESTS_CA_BUNDLE), and the
keys it reads are dummies: the gateway injects the real ones on the calls the policy allows.

Prints one JSON line per step on stdout:
  {"step": "env", "github_token": ..., "stripe_key": ...}      what the agent was given
  {"step": <name>, "status": <int>, "body": <JSON or text>}    one per API call
  {"step": "done"}
Exits 0 whatever the statuses; exits 1 when an API cannot be reached at all.

Needs Python 3 and `requests`, nothing else. Optional: AGENT_REPO (default acme/widgets).
"""

import json
import os
import sys

import requests

GITHUB_TOKEN = os.environ.get("GITHUB_TOKEN", "unset")
STRIPE_API_KEY = os.environ.get("STRIPE_API_KEY", "unset")
REPO = os.environ.get("AGENT_REPO", "acme/widgets")

GITHUB = "https://api.github.com"
STRIPE = "https://api.stripe.com"
github_headers = {
    "Authorization": "Bearer " + GITHUB_TOKEN,
    "Accept": "application/vnd.github+json",
    "X-GitHub-Api-Version": "2022-11-28",
}
stripe_headers = {"Authorization": "Bearer " + STRIPE_API_KEY}


def emit(record):
    print(json.dumps(record), flush=True)


def call(step, method, url, timeout, **kwargs):
    """Makes one call and prints its outcome; a transport failure ends the agent."""
    try:
        response = requests.request(method, url, timeout=timeout, **kwargs)
    except requests.exceptions.RequestException as error:
        print(f"agent: {step}: could not reach {url}: {error}", file=sys.stderr, flush=True)
        sys.exit(1)
    try:
        body = response.json()
    except ValueError:
        body = response.text
    emit({"step": step, "status": response.status_code, "body": body})


emit({"step": "env", "github_token": GITHUB_TOKEN, "stripe_key": STRIPE_API_KEY})

# Reads are allowed by the example policy.
call("repo.get", "GET", f"{GITHUB}/repos/{REPO}", 30, headers=github_headers)

# Opening an issue is allowed explicitly.
call(
    "issue.create",
    "POST",
    f"{GITHUB}/repos/{REPO}/issues",
    30,
    headers=github_headers,
    json={
        "title": "Nightly build failed",
        "body": "The nightly build of main failed in the test stage; see the CI logs for details.",
    },
)

# Deleting the repository is denied: the gateway answers 403 JSON and GitHub never sees it.
call("repo.delete", "DELETE", f"{GITHUB}/repos/{REPO}", 30, headers=github_headers)

# Refunds need a human: the call is held until someone approves it (or denies, or it expires).
call(
    "refund.create",
    "POST",
    f"{STRIPE}/v1/refunds",
    600,
    headers=stripe_headers,
    data={"amount": "5000", "charge": "ch_3Nexample"},
)

emit({"step": "done"})
