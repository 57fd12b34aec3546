"""Fakes of the Telegram Bot API for the alert tests."""
