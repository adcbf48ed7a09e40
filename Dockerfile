# The Action's image, published as ghcr.io/<owner>/plan-budget-gate by the release workflow.
#
# Two stages. `build` installs the hash-locked runtime dependencies (requirements/runtime.txt,
# `pip install --require-hashes`, wheels only: nothing is compiled) and the package's own wheel
# into a virtual environment, and installs git from Debian. The final stage copies only that
# environment and the git binary onto a clean base: no compilers, pip caches, build backends or
# apt lists. git is the Debian package's own binary, without perl and the network helpers (the
# gate only reads history with plumbing commands), which keeps the image within 100 MB of its
# base.
#
# The base is named by its exact version tag so Dependabot (`docker`) proposes each update as a
# reviewed pull request. Nothing is fetched when the Action runs. GitHub mounts the checkout at
# /github/workspace, owned by another user, so git is told that directory is safe.
#
# A pip configuration can be passed as the build secret `pip.conf` (an index mirror, say) and a
# CA bundle as `pip-ca` (its `cert = /etc/pip-ca.pem`, for a TLS-inspecting proxy); without them
# pip uses its defaults. `make container-test` builds this file with buildah and passes both.

FROM python:3.12.12-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

RUN apt-get update \
    && apt-get install --yes --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY requirements/runtime.txt requirements/runtime.txt
RUN --mount=type=secret,id=pip.conf,target=/etc/pip.conf \
    --mount=type=secret,id=pip-ca,target=/etc/pip-ca.pem \
    python3 -m venv --without-pip /opt/plan-budget-gate \
    && python3 -m pip --python /opt/plan-budget-gate/bin/python install --only-binary :all: \
        --require-hashes --no-deps --requirement requirements/runtime.txt

COPY pyproject.toml README.md ./
COPY src/ src/
COPY templates/ templates/
COPY config/ config/
RUN --mount=type=secret,id=pip.conf,target=/etc/pip.conf \
    --mount=type=secret,id=pip-ca,target=/etc/pip-ca.pem \
    python3 -m pip wheel --no-deps --wheel-dir /tmp/dist . \
    && python3 -m pip --python /opt/plan-budget-gate/bin/python install \
        --no-deps --no-index /tmp/dist/*.whl \
    && python3 -m pip --python /opt/plan-budget-gate/bin/python check

FROM python:3.12.12-slim-bookworm

COPY --from=build /usr/bin/git /usr/bin/git
COPY --from=build /opt/plan-budget-gate /opt/plan-budget-gate
ENV PATH=/opt/plan-budget-gate/bin:$PATH
RUN git config --system --add safe.directory /github/workspace \
    && budget-gate --version

ENTRYPOINT ["budget-gate", "action"]
