# School Patrol: the patrol, its API and dashboard. The config is mounted, never baked in.
# Build:    docker build -t school-patrol .
# Schema:   docker run --rm -v "$PWD/config.yaml:/etc/patrol/config.yaml:ro" -v patrol-data:/app/data \
#             school-patrol db upgrade --config /etc/patrol/config.yaml
# Run:      docker run -p 8000:8000 -e PATROL_CAMERA_PASSWORD=... -e PATROL_METRICS_TOKEN=... \
#             -v "$PWD/config.yaml:/etc/patrol/config.yaml:ro" -v patrol-data:/app/data school-patrol
# (or add --migrate to the run command to upgrade the schema at start)

# Build stage: the virtualenv and the detector model, with pip and its caches left behind.
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
COPY pyproject.toml README.md ./
COPY patrol ./patrol
COPY detectors ./detectors
COPY streams ./streams
COPY api ./api
COPY models/manifest.yaml ./models/manifest.yaml
# The CPU build of torch: the image runs on hosts without a GPU unless built otherwise. The
# detector runs on OpenVINO, the fastest CPU backend (README: Detection speed); torch stays
# for exporting and as the fallback.
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu ".[openvino]" \
    && patrol models pull \
    && patrol models export --backend openvino --half

# Run stage: the runtime libraries, the virtualenv and the model; no compilers, no sources.
FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH PATROL_API_HOST=0.0.0.0
# fonts-wqy-microhei: the CJK font the notice and report PDFs embed.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg libgl1 libglib2.0-0 fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --from=build /app/models ./models

RUN useradd --system --home /app patrol && mkdir -p /app/data /etc/patrol && chown -R patrol /app/data
USER patrol
EXPOSE 8000
# Liveness: the process answers. Readiness (database, schema, patrol at work) is /readyz,
# for the load balancer or orchestrator that sends it traffic.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["patrol"]
CMD ["run", "--config", "/etc/patrol/config.yaml"]
