"""Give every existing tag whose slug the tag page URL cannot use an ASCII slug (frozen copy of tag_slug)."""

import hashlib
import re

from anyascii import anyascii
from django.db import migrations
from django.utils.text import slugify

URL_SLUG_RE = re.compile(r"[-a-zA-Z0-9_]+")


def _short_id(name):
    return hashlib.sha256(name.casefold().encode()).hexdigest()[:8]


def ascii_slugs(apps, schema_editor):
    Tag = apps.get_model("taggit", "Tag")
    taken = set(Tag.objects.values_list("slug", flat=True))
    for tag in Tag.objects.order_by("pk"):
        if tag.slug and URL_SLUG_RE.fullmatch(tag.slug):
            continue
        slug = slugify(anyascii(tag.name))[:90].strip("-_") or f"tag-{_short_id(tag.name)}"
        if slug in taken:
            slug = f"{slug}-{_short_id(tag.name)}"
        taken.discard(tag.slug)
        taken.add(slug)
        Tag.objects.filter(pk=tag.pk).update(slug=slug)


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0006_refused_edits"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(ascii_slugs, migrations.RunPython.noop)]
