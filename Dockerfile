# The widget service for production: `docker build -t valuation-widget .` then
#   docker run -p 8000:8000 -v widget-var:/app/var \
#     -e LEADPRO_API_KEY=... -e SECRET_KEY=... -e PUBLIC_URL=https://widget.example.co.uk \
#     valuation-widget
# Settings are environment variables (see README). WORKERS sets how many server processes run.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# tzdata: appointment slots are UK local times (Europe/London), whatever the host's zone.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tzdata \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

# The code runs from /app, as in a checkout: templates/ and static/ sit beside app/, where
# app/templating.py looks for them. An editable install puts /app on the path and installs the
# dependencies; a plain `pip install .` would copy app/ alone into site-packages and lose them.
WORKDIR /app
COPY pyproject.toml README.md ./
COPY app ./app
COPY templates ./templates
COPY static ./static
RUN pip install -e . \
    && mkdir -p /app/var \
    && chown app:app /app/var

# /app/var holds the SQLite database (the default storage). Use PostgreSQL for many instances.
VOLUME ["/app/var"]
USER app

ENV HOST=0.0.0.0 \
    PORT=8000 \
    WORKERS=2 \
    DATABASE_URL=sqlite:////app/var/widget.db
EXPOSE 8000

# Liveness: the process answers. (Readiness, /readyz, also checks the database: point a load
# balancer or an orchestrator's readiness probe at it.) No curl in slim images: Python it is.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"

CMD ["python", "-m", "app", "serve"]
