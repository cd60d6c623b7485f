from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from portal.audit import Action, audit_record
from practices.models import Adoption, CaseStudy, CitizenGroup, Enquiry, Framework, FrameworkLink


class AuditedDeletionAdmin(SimpleHistoryAdmin):
    """Deleting through the admin (one item or a selection) leaves an entry in the audit log."""

    def _audit_deleted(self, request, obj) -> None:
        audit_record(
            action=Action.DELETED,
            actor=request.user,
            target=f"{obj._meta.verbose_name.capitalize()} “{obj}”",
            detail="Deleted in the admin (kept in its history)",
            request=request,
        )

    def delete_model(self, request, obj):
        self._audit_deleted(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._audit_deleted(request, obj)
        super().delete_queryset(request, queryset)


@admin.register(CitizenGroup)
class CitizenGroupAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class FrameworkLinkInline(admin.TabularInline):
    model = FrameworkLink
    extra = 0
    autocomplete_fields = ["case_study", "framework", "citizen_group"]


@admin.register(CaseStudy)
class CaseStudyAdmin(AuditedDeletionAdmin):
    list_display = ["title", "lead_council", "primary_silo", "status", "published_at", "review_by"]
    list_filter = ["status", "primary_silo", "funding_source", "cost_band", "lead_council__kind", "hosts_visits"]
    search_fields = ["title", "summary", "lead_council__name"]
    list_select_related = ["lead_council", "primary_silo"]
    autocomplete_fields = [
        "lead_council",
        "partner_councils",
        "primary_silo",
        "other_silos",
        "citizen_groups",
        "created_by",
    ]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["version", "created_at", "updated_at"]
    date_hierarchy = "published_at"
    inlines = [FrameworkLinkInline]


@admin.register(Framework)
class FrameworkAdmin(AuditedDeletionAdmin):
    list_display = ["title", "status", "review_by"]
    list_filter = ["status", "silos"]
    search_fields = ["title", "summary"]
    autocomplete_fields = ["silos", "generalised_from"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [FrameworkLinkInline]


@admin.register(FrameworkLink)
class FrameworkLinkAdmin(AuditedDeletionAdmin):
    list_display = ["case_study", "framework", "citizen_group", "effort"]
    list_filter = ["effort", "framework"]
    search_fields = ["case_study__title", "framework__title"]
    autocomplete_fields = ["case_study", "framework", "citizen_group"]
    list_select_related = ["case_study", "framework", "citizen_group"]


@admin.register(Adoption)
class AdoptionAdmin(AuditedDeletionAdmin):
    list_display = ["council", "target", "silo", "status"]
    list_filter = ["status", "silo"]
    search_fields = ["council__name", "case_study__title", "framework__title"]
    autocomplete_fields = ["council", "case_study", "framework", "silo", "confirmed_by"]
    list_select_related = ["council", "case_study", "framework", "silo"]


@admin.register(Enquiry)
class EnquiryAdmin(admin.ModelAdmin):
    list_display = ["case_study", "sender", "kind", "created_at", "sent_at"]
    list_filter = ["kind"]
    search_fields = ["case_study__title", "sender__email"]
    autocomplete_fields = ["case_study", "sender"]
    list_select_related = ["case_study", "sender"]
