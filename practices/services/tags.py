"""Tag web addresses: every tag, in any language, gets a stable ASCII slug the tag page URL accepts."""

from __future__ import annotations

import hashlib
import re

from anyascii import anyascii
from django.utils.text import slugify
from taggit.models import Tag

# What Django's <slug:> path converter accepts; a tag slug outside it cannot be reversed into a URL.
URL_SLUG_RE = re.compile(r"[-a-zA-Z0-9_]+")
MAX_SLUG_LENGTH = 90  # taggit's column holds 100; room for a "-" and a short id


def _short_id(name: str) -> str:
    return hashlib.sha256(name.casefold().encode()).hexdigest()[:8]


def tag_slug(name: str) -> str:
    """The tag's ASCII slug: transliterated ("café" → "cafe", "Ταξί" → "taxi"), or a short id when nothing is left."""
    slug = slugify(anyascii(name))[:MAX_SLUG_LENGTH].strip("-_")
    return slug or f"tag-{_short_id(name)}"


def tag_slug_available(name: str, *, exclude_pk: int | None = None) -> str:
    """tag_slug(name), made unique with the name's short id when another tag already has it."""
    slug = tag_slug(name)
    others = Tag.objects.exclude(pk=exclude_pk) if exclude_pk else Tag.objects.all()
    if others.filter(slug=slug).exists():
        slug = f"{slug[:MAX_SLUG_LENGTH]}-{_short_id(name)}"
    return slug


def tag_slug_ensure_ascii(sender, instance: Tag, raw: bool = False, **kwargs) -> None:
    """pre_save for taggit's Tag: replace a slug the tag page URL could not use.

    Tags are created inside taggit (``tags.set()`` from the submission form,
    the importer, the admin and the shell), and taggit keeps Unicode in slugs,
    so its save is the one place that sees every new tag. ASCII slugs taggit
    made itself are left alone, so existing addresses never change.
    """
    if raw or (instance.slug and URL_SLUG_RE.fullmatch(instance.slug)):
        return
    instance.slug = tag_slug_available(instance.name, exclude_pk=instance.pk)
