"""duluan: press monitoring and alerting for a Vietnamese locality (the application shell).

Where each part lives, in the order an article flows through them:

- crawl: `crawler/` (feeds, pages, extraction; `crawler.guard` keeps every fetch off internal
  addresses)
- tag: `nlp/` (the watch area `nlp.area.WatchArea`; places, tone, topics: `nlp.locate`; the
  watch-rule query language: `nlp.query`), the configured area in `duluan.locality`, applied to
  stored articles by `duluan.tagging`
- store: `storage/` (the one `Store`, SQLite or PostgreSQL, migrations)
- alert: `alerts/` (routing, messages, the outbox and its delivery, source health, stories
  that spread `alerts.spread` and daily spikes `alerts.spikes`)
- review: `review/` (the review operations `review.service`, called by the Telegram bot and
  the console; buttons, working-day deadlines; items reported to the bot, `review.intake`)
- reported item: `duluan.submit` (a link, a forwarded post or a screenshot from staff, through
  the bot `review.intake`, the console and `duluan submit`), corrected by `duluan.correct`
- watch rule: `duluan.rules` (config and console rules, compiled per tag pass, who a hit
  alerts), the query language `nlp.query`, `storage.rules`, the page `duluan.console.rules`
- case: `cases/` (the chain of a false report, evidence and how each platform's public copy of a
  post is read for it, the response letter)
- digest: `digest/` (the Thursday report and those of a month, quarter or range: content, DOCX,
  HTML, summary; the one-page good news `digest.positive`; stories as XLSX `digest.excel`)
- console: `duluan.console` (the review web pages; the queue's report and Excel buttons,
  `duluan.console.exports`)
- daemon: `duluan.daemon` (schedules the cycle, `duluan.pipeline`); the shell also holds the
  config (`duluan.config`) and the CLI (`duluan.cli`: the parser and a dispatch table over
  `duluan.commands`, one module per command group).
- demo: `duluan.demo` (sample outlets on this machine and one offline run of the daemon and the
  console, `duluan demo`)
"""

__version__ = "0.1.0"
