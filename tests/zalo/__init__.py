"""Fakes of the Zalo Bot API for the Zalo tests."""
