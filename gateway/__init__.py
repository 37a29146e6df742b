"""The web side: webhooks, officer UI, jobs, outbound SMS and the CLI."""
