# duluan: the main job (the daemon `duluan start`), database and alert log on a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DULUAN_CONFIG=/app/config.yaml \
    DULUAN_DATABASE_URL=sqlite:////app/data/duluan.sqlite3

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY duluan ./duluan
COPY crawler ./crawler
COPY nlp ./nlp
COPY alerts ./alerts
COPY review ./review
COPY cases ./cases
COPY digest ./digest
COPY storage ./storage
RUN pip install '.[postgres]'
COPY config.yaml ./config.yaml

RUN useradd --create-home --uid 10001 duluan && mkdir -p /app/data && chown duluan /app/data
USER duluan
VOLUME ["/app/data"]

CMD ["duluan", "start"]
