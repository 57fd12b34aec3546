"""The test kit: helpers the test modules share (records, clocks, configs, fixtures, fakes).

Test modules import helpers from here, never from one another, so that a test module can be
renamed, split or deleted without breaking another (checked by tests/test_layout.py).
`tests/telegram/` (the fake Bot API) and `tests/site/` (the local news site) stay packages of
their own: they are servers, not helpers.
"""
