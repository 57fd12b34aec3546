"""Routing, delivery through Telegram, review actions and the weekly digest (later issues)."""
