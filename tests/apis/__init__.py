"""A local stand-in for JSON web APIs (YouTube Data API, Graph API): a server, like
tests/site and tests/telegram."""
