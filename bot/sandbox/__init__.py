"""Local stand-ins for the outside services: a simulated Devin org and a recording Slack.

They power `devin-insights demo`, `devin-insights sandbox` and the end-to-end tests. The credentials
below are public dummies that only these stand-ins accept.
"""

from __future__ import annotations

SANDBOX_ORG_ID = "org-5c1e9a7d20b84f3e9d6a4b2c8e1f0a37"
SANDBOX_API_KEY = "cog_sandbox_0000000000000000000000000000"
SANDBOX_BOT_TOKEN = "xoxb-0000000000-0000000000000-sandboxsandboxsandbox00"
SANDBOX_APP_TOKEN = "xapp-1-A0SANDBOX-0000000000000-sandboxsandboxsandbox"
SANDBOX_SIGNING_SECRET = "sandbox-signing-secret-0000000000"
SANDBOX_TEAM_ID = "T0SANDBOX"
SANDBOX_BOT_USER_ID = "U0SANDBOXBOT"
SANDBOX_CHANNEL_ID = "C0SANDBOX01"
