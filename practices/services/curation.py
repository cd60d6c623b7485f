"""Curator writes: generalise a case study into a framework, link and unlink, merge and rename tags."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from taggit.models import Tag

from portal.audit import Action, audit_record
from practices.models import CaseStudy, CitizenGroup, Framework, FrameworkLink
from practices.services.discovery_stats import discovery_stats_mark_stale
from practices.services.editing import Content, EditError
from practices.services.frameworks import framework_create, framework_publish
from practices.services.search_index import search_index_update
from practices.services.tags import tag_slug_available
from practices.services.workflow import change_reason


class CurationError(Exception):
    """A curation change cannot be made as asked; the message says why, for the curator."""


@transaction.atomic
def framework_generalise(
    *,
    case_study: CaseStudy,
    actor,
    title: str,
    slug: str,
    summary: str,
    reusable_core: str = "",
    what_varies: str = "",
    pitfalls: str = "",
    tags: list[str] | tuple[str, ...] = (),
    silos=(),
    status: str = Framework.Status.DRAFT,
    customisation: str = "",
) -> Framework:
    """Create a framework from a case study, record where it came from and link the two."""
    title, slug = title.strip(), slug.strip()
    if not title:
        raise CurationError("Give the framework a title.")
    if status == Framework.Status.PUBLISHED and not summary.strip():
        raise CurationError("A published framework needs a summary.")
    content = Content(
        fields={
            "title": title,
            "summary": summary,
            "reusable_core": reusable_core,
            "what_varies": what_varies,
            "pitfalls": pitfalls,
        },
        m2m={"silos": list(silos)},
        tags=list(tags),
    )
    try:
        framework = framework_create(
            by=actor,
            content=content,
            slug=slug,
            generalised_from=case_study,
            reason=change_reason(f"Generalised from the case study “{case_study.title}”"),
        )
    except EditError as error:
        raise CurationError(str(error)) from error
    link = FrameworkLink(case_study=case_study, framework=framework, customisation=customisation)
    link._history_user = actor
    link._change_reason = "The case study the framework was generalised from"
    link.save()
    # The case study's search document lists its frameworks (the framework facet).
    search_index_update(case_study_ids=[case_study.pk])
    if status == Framework.Status.PUBLISHED:
        framework = framework_publish(framework=framework, by=actor)
    return framework


@transaction.atomic
def framework_link(
    *,
    case_study: CaseStudy,
    framework: Framework,
    actor,
    customisation: str = "",
    citizen_group: CitizenGroup | None = None,
    effort: str = "",
) -> FrameworkLink:
    """Record that a case study implements a framework, with what it customised."""
    if FrameworkLink.objects.filter(case_study=case_study, framework=framework).exists():
        raise CurationError(f"“{case_study.title}” is already linked to “{framework.title}”.")
    link = FrameworkLink(
        case_study=case_study,
        framework=framework,
        customisation=customisation.strip(),
        citizen_group=citizen_group,
        effort=effort,
    )
    link._history_user = actor
    link._change_reason = "Linked by a curator"
    link.save()
    search_index_update(case_study_ids=[case_study.pk])
    discovery_stats_mark_stale()
    return link


@transaction.atomic
def framework_unlink(*, case_study: CaseStudy, framework: Framework, actor) -> None:
    """Remove the link between a case study and a framework (kept in the link's history)."""
    link = FrameworkLink.objects.filter(case_study=case_study, framework=framework).first()
    if link is None:
        raise CurationError(f"“{case_study.title}” is not linked to “{framework.title}”.")
    link._history_user = actor
    link._change_reason = "Unlinked by a curator"
    link.delete()
    audit_record(
        action=Action.DELETED,
        actor=actor,
        target=f"Link from “{case_study.title}” to “{framework.title}”",
        target_url=case_study.get_absolute_url(),
        detail="Framework link removed (kept in the link's history)",
    )
    search_index_update(case_study_ids=[case_study.pk])
    discovery_stats_mark_stale()


@dataclass(frozen=True)
class TagMergeResult:
    target: Tag
    merged_names: list[str]
    case_studies: int
    frameworks: int


def _tagged_items(tag_ids: list[int]) -> dict[int, set[int]]:
    """{content type id: object ids} of everything carrying any of the tags."""
    items: dict[int, set[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT content_type_id, object_id FROM taggit_taggeditem WHERE tag_id = ANY(%s)",
            [tag_ids],
        )
        for content_type_id, object_id in cursor.fetchall():
            items.setdefault(content_type_id, set()).add(object_id)
    return items


def _record_tag_change(items: dict[int, set[int]], *, actor, reason: str) -> tuple[int, int]:
    """Re-index the items and add a history entry to each, in bulk; returns (case studies, frameworks)."""
    case_study_ids = sorted(items.get(ContentType.objects.get_for_model(CaseStudy).pk, ()))
    framework_ids = sorted(items.get(ContentType.objects.get_for_model(Framework).pk, ()))
    search_index_update(case_study_ids=case_study_ids, framework_ids=framework_ids)
    for model, ids in ((CaseStudy, case_study_ids), (Framework, framework_ids)):
        if ids:
            model.history.bulk_history_create(
                model.objects.filter(pk__in=ids),
                update=True,
                default_user=actor,
                default_change_reason=change_reason(reason),
            )
    return len(case_study_ids), len(framework_ids)


@transaction.atomic
def tag_merge(*, sources: list[Tag], target: Tag, actor) -> TagMergeResult:
    """Fold the source tags into the target: every item and follower moves over,
    the source tags are deleted and everything touched is re-indexed, in one transaction."""
    source_ids = sorted({tag.pk for tag in sources if tag.pk != target.pk})
    if not source_ids:
        raise CurationError("Choose at least one tag to merge into another tag.")
    # Lock the tags so a concurrent rename or merge waits rather than interleaves.
    locked = list(Tag.objects.select_for_update().filter(pk__in=[*source_ids, target.pk]).order_by("pk"))
    if len(locked) != len(source_ids) + 1:
        raise CurationError("One of the tags no longer exists. Reload the page and try again.")
    names = [tag.name for tag in locked if tag.pk != target.pk]
    items = _tagged_items([*source_ids, target.pk])
    with connection.cursor() as cursor:
        # An item keeps one posting of the target: drop source postings where it
        # already has the target, or where another source will become it.
        cursor.execute(
            """
            DELETE FROM taggit_taggeditem s
             WHERE s.tag_id = ANY(%(sources)s)
               AND EXISTS (
                   SELECT 1 FROM taggit_taggeditem o
                    WHERE o.content_type_id = s.content_type_id AND o.object_id = s.object_id
                      AND (o.tag_id = %(target)s OR (o.tag_id = ANY(%(sources)s) AND o.id < s.id)))
            """,
            {"sources": source_ids, "target": target.pk},
        )
        cursor.execute(
            "UPDATE taggit_taggeditem SET tag_id = %(target)s WHERE tag_id = ANY(%(sources)s)",
            {"sources": source_ids, "target": target.pk},
        )
        # Followers of a source now follow the target (once each).
        cursor.execute(
            """
            UPDATE practices_follow SET tag_id = %(target)s
             WHERE id IN (
                   SELECT DISTINCT ON (f.user_id) f.id FROM practices_follow f
                    WHERE f.tag_id = ANY(%(sources)s)
                      AND NOT EXISTS (SELECT 1 FROM practices_follow t
                                       WHERE t.user_id = f.user_id AND t.tag_id = %(target)s)
                    ORDER BY f.user_id, f.id)
            """,
            {"sources": source_ids, "target": target.pk},
        )
    # What is left pointing at the sources (duplicate follows) goes with them.
    Tag.objects.filter(pk__in=source_ids).delete()
    case_studies, frameworks = _record_tag_change(
        items, actor=actor, reason=f"Tags merged: {', '.join(names)} → {target.name}"
    )
    discovery_stats_mark_stale()
    audit_record(
        action=Action.TAG_MERGED,
        actor=actor,
        target=target.name,
        target_url=f"/tags/{target.slug}/",
        detail=f"{', '.join(names)} → {target.name}: {case_studies} case studies and {frameworks} frameworks re-tagged",
    )
    return TagMergeResult(target=target, merged_names=names, case_studies=case_studies, frameworks=frameworks)


@transaction.atomic
def tag_rename(*, tag: Tag, name: str, actor) -> Tag:
    """Give a tag a new name (and web address); everything carrying it is re-indexed."""
    name = " ".join(name.split())
    if not name:
        raise CurationError("Enter the new name for the tag.")
    clash = Tag.objects.exclude(pk=tag.pk).filter(name__iexact=name).first()
    if clash is not None:
        raise CurationError(f"There is already a tag called “{clash.name}”. Merge the two tags instead.")
    tag = Tag.objects.select_for_update().get(pk=tag.pk)
    old_name = tag.name
    tag.name, tag.slug = name, tag_slug_available(name, exclude_pk=tag.pk)
    tag.save()
    _record_tag_change(_tagged_items([tag.pk]), actor=actor, reason=f"Tag renamed: {old_name} → {name}")
    audit_record(
        action=Action.TAG_RENAMED,
        actor=actor,
        target=name,
        target_url=f"/tags/{tag.slug}/",
        detail=f"{old_name} → {name}",
    )
    return tag
