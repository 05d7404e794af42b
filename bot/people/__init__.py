"""People: who started a Devin session, as a Slack person; DMs to them; the App Home viewer's own sessions."""
