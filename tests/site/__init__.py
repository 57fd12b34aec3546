"""The local web server the crawl tests and benchmarks run against (`tests.site.server`), and
the synthetic outlet it can serve for benchmarks (`tests.site.generate`)."""
