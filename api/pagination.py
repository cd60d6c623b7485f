"""Cursor pagination: stable pages however much is published while a client walks the list."""

from rest_framework.pagination import CursorPagination


class SlugCursorPagination(CursorPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    # Slugs are unique and never change, so a cursor never skips or repeats an item.
    ordering = ("slug",)


class NewestCursorPagination(SlugCursorPagination):
    ordering = ("-id",)
