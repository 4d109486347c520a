# One image recipe for every service; EXTRA picks the install extra and the stage:
#   docker build --build-arg EXTRA=inference -t byosc-inference .
# gateway: no torch. ingest, inference, trainer, modelserver, gpu-worker: one shared stage
# with torch, the ML libraries and the prepared models, so those images share those layers.
# Needs BuildKit (DOCKER_BUILDKIT=1, or `docker buildx build`): the torch wheel directory is
# mounted, not copied, and only the stages the chosen EXTRA needs are built.
# Build arguments:
#   BASE      a Python 3.11 image; anything with python3 and its venv module (Debian's too)
#   EXTRA     the pyproject extra the image installs (gateway, ingest, inference, ...)
#   WHEELS    a folder in the build context with wheels to install torch from (a CPU build
#             for a CPU-only machine); default deploy/wheels, empty: from the package index
ARG BASE=python:3.11-slim
ARG EXTRA=gateway

FROM ${BASE} AS python
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false \
    BYOSC_HOME=/models BYOSC_DATA_DIR=/data
# A venv, not the base's site-packages: Debian's python refuses system-wide pip installs.
RUN python3 -m venv /opt/venv \
 && useradd --system --uid 10001 byosc \
 && mkdir -p /data /models /app && chown byosc /data /models
WORKDIR /app

# The requirement lists, from pyproject.toml: the stages below copy only the lists they
# install, before the source, so neither a code change nor an edit to another extra
# reinstalls torch.
FROM python AS requirements
ARG EXTRA
COPY pyproject.toml deploy/requirements.py /tmp/req/
RUN cd /tmp/req && mkdir /req \
 && python requirements.py pyproject.toml --core > /req/core.txt \
 && python requirements.py pyproject.toml ml | grep '^torch' > /req/torch.txt \
 && python requirements.py pyproject.toml ml speech > /req/ml.txt \
 && python requirements.py pyproject.toml "$EXTRA" > /req/torchless.txt \
 && python requirements.py pyproject.toml "$EXTRA" --minus ml --minus speech > /req/extra.txt

FROM python AS runtime
COPY --from=requirements /req/core.txt /tmp/
RUN pip install --no-cache-dir -r /tmp/core.txt

# Images without torch: the gateway.
FROM runtime AS torchless
COPY --from=requirements /req/torchless.txt /tmp/
RUN pip install --no-cache-dir -r /tmp/torchless.txt
COPY pyproject.toml README.md /app/
COPY byosc /app/byosc
COPY services /app/services
COPY cli /app/cli
RUN pip install --no-cache-dir --no-deps /app

# The wheel folder as a stage of its own: the torch install mounts it, so the wheel is not
# copied into a layer of the images.
FROM scratch AS wheels
ARG WHEELS=deploy/wheels
COPY ${WHEELS}/ /

# The layers every model-carrying image shares: torch, the ML and speech libraries, and the
# bundled models (`byosc models fetch` prepares all three, the speech model too).
FROM runtime AS ml
COPY --from=requirements /req/torch.txt /tmp/
RUN --mount=type=bind,from=wheels,target=/wheels \
    pip install --no-cache-dir --find-links /wheels -r /tmp/torch.txt
COPY --from=requirements /req/ml.txt /tmp/
RUN pip install --no-cache-dir -r /tmp/ml.txt
COPY pyproject.toml README.md /app/
COPY byosc /app/byosc
COPY services /app/services
COPY cli /app/cli
RUN pip install --no-cache-dir --no-deps /app \
 && byosc models fetch && chown -R byosc /models

FROM ml AS with-models
# OCR (the ocr extra in ingest) uses OpenCV, whose wheel loads libGL and GLib at import.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=requirements /req/extra.txt /tmp/
RUN pip install --no-cache-dir -r /tmp/extra.txt

FROM torchless AS gateway
FROM with-models AS ingest
FROM with-models AS inference
FROM with-models AS trainer
FROM with-models AS modelserver
FROM with-models AS gpu-worker

FROM ${EXTRA}
USER byosc
EXPOSE 8000
CMD ["python", "-m", "services.gateway", "--host", "0.0.0.0", "--port", "8000"]
