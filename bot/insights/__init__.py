"""Team insights: the org's figures for a period (summary), scheduled digests and ACU budget warnings."""
