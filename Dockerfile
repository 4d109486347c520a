# One image recipe for every service; EXTRA picks the install extra, so the gateway image
# carries no torch. Build: docker build --build-arg EXTRA=inference -t byosc-inference .
FROM python:3.11-slim AS base
ARG EXTRA=gateway
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 BYOSC_HOME=/models
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY byosc ./byosc
COPY services ./services
RUN pip install --no-cache-dir ".[${EXTRA}]"
# Model-carrying images prepare the bundled models at build time, never at run time.
# `models fetch` prepares all three, so those images also get the speech extra.
RUN if [ "$EXTRA" != "gateway" ]; then \
      pip install --no-cache-dir ".[speech]" && byosc models fetch; \
    fi
RUN useradd --system --uid 10001 byosc && mkdir -p /data && chown byosc /data /models
USER byosc
ENV BYOSC_DATA_DIR=/data
EXPOSE 8000
CMD ["python", "-m", "services.gateway", "--host", "0.0.0.0", "--port", "8000"]
