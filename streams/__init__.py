"""Frame sources: RTSP cameras, files, and the school-gate simulator."""
