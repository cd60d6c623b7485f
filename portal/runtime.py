"""What a server process does once it has started, before it serves requests.

``settle_after_start_up`` tunes Python's cyclic garbage collector for a web
worker. Two things made the collector's pauses the slowest part of a big API
page at 100,000 case studies (bench/open_data_api.py, 100 case studies a page:
p50 41 ms, p95 134 ms, with full collections of 170-200 ms):

- Everything that exists after start-up (settings, URL patterns, models,
  templates, serializers, and the embedding model's vocabulary when loaded)
  lives as long as the process, yet every full collection walked it. It is
  frozen: later collections leave it alone, and in a pre-fork server they no
  longer touch, and so copy, the pages the workers share.
- A request that serialises a hundred nested items allocates hundreds of
  thousands of objects, and at Python's default threshold (a young
  collection every 700 net allocations) it paid for hundreds of collections.
  The young generation is allowed 10,000 before it is collected.

On the whole benchmark (60 rounds a request, quiet 2-core machine) that page's
p95 went from 126-134 ms to 53 ms, and the worst API p95 from 133 to 73 ms
(docs/decisions/0012-garbage-collector-in-web-workers.md).
"""

from __future__ import annotations

import gc

# (young, middle, old): a young collection after 10,000 net allocations, and an
# older generation after 20 collections of the one below it.
GC_THRESHOLDS = (10_000, 20, 20)


def settle_after_start_up() -> int:
    """Set the collector's thresholds, collect start-up's garbage and freeze the rest; returns how many are frozen."""
    gc.set_threshold(*GC_THRESHOLDS)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
