# School Patrol: the patrol, its API and dashboard, against the cameras in /app/config.yaml.
# Build:  docker build -t school-patrol .
# Run:    docker run -p 8000:8000 -e PATROL_CAMERA_PASSWORD=... -v patrol-data:/app/data school-patrol
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PATROL_API_HOST=0.0.0.0
# fonts-wqy-microhei: the CJK font the notice and report PDFs embed.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg libgl1 libglib2.0-0 fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY patrol ./patrol
COPY detectors ./detectors
COPY streams ./streams
COPY api ./api
COPY models/manifest.yaml ./models/manifest.yaml
# The CPU build of torch: the image runs on hosts without a GPU unless built otherwise.
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu . \
    && patrol models pull
COPY config.yaml ./

RUN useradd --system --home /app patrol && mkdir -p /app/data && chown -R patrol /app/data
USER patrol
EXPOSE 8000
CMD ["patrol", "run", "--config", "/app/config.yaml"]
