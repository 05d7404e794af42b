"""Pure Block Kit builders: models in, JSON-ready dicts out. No I/O, no settings, no Slack client."""
