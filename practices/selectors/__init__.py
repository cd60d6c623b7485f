"""Reads: querysets for practices, already joined, narrowed to what a user may see.

One module per area: browse (lists and detail pages), search, discovery.
"""
