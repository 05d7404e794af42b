"""Slack-side plumbing: the Web API client and session, replies, payload parsing, the command grammar, policy."""
