"""What every capability shares: the typed settings, the webhook's secret, the bot's user and
roles, Redis locks, database retries and helpers, the clock, live updates to Desk."""
