"""This app's API routes (included under /api/v1/ by config/api.py)."""

urlpatterns: list = []
