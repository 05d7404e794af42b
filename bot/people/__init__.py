"""People: who started a Devin session, as a Slack person; DMs to them; quiet from the alert itself."""
