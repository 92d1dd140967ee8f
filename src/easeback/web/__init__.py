"""The local web app: pages, the browser player and a small JSON API (FastAPI)."""
