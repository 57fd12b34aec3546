"""The generic Scrapy crawler driven by config.yaml: feeds, sitemaps, listings, article pages."""
