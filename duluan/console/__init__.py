"""The review console: a small Starlette app, server-rendered in Vietnamese."""
