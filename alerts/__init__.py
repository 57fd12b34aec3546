"""Alerts: who gets an article (`alerts.routing`), the message in Vietnamese (`alerts.message`),
its delivery through the outbox to Telegram or the console (`alerts.delivery`), and the health
of the sources (`alerts.health`)."""
