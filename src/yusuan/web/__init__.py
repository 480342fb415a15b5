"""The web app and API over the store (FastAPI, server-rendered pages)."""
