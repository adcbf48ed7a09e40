# The Action's container: the package installed from this repository at build time, nothing
# fetched when it runs. GitHub mounts the checkout at /github/workspace, owned by another user,
# so git is told that directory is safe. The otel extra is installed so `otel: true` works
# (it is imported only when asked for).
FROM python:3.12-slim

RUN apt-get update \
    && apt-get install --yes --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/plan-budget-gate
COPY pyproject.toml README.md ./
COPY src/ src/
COPY templates/ templates/
COPY config/ config/
RUN pip install --no-cache-dir .[otel] \
    && git config --system --add safe.directory /github/workspace

ENTRYPOINT ["budget-gate", "action"]
