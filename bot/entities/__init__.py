"""Work Objects: sessions as Slack entities (unfurls, alert incidents) and the per-viewer side panel (flexpane)."""
