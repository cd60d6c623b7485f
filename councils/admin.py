from django.contrib import admin
from django.db import models

from councils.models import Council, MemberProfile, ServiceSilo
from portal.audit import audit_role_change


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    list_display = ["name", "gss_code", "kind", "nation", "region"]
    list_filter = ["kind", "nation", "region"]
    search_fields = ["name", "gss_code", "email_domains"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # council websites are https


@admin.register(ServiceSilo)
class ServiceSiloAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(MemberProfile)
class MemberProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "council", "role", "silo", "contactable"]
    list_filter = ["role", "contactable", "silo"]
    search_fields = ["user__email", "user__username", "council__name", "job_title"]
    autocomplete_fields = ["user", "council", "silo"]
    list_select_related = ["user", "council", "silo"]

    def save_model(self, request, obj, form, change):
        old_role = form.initial.get("role", "") if change else ""
        super().save_model(request, obj, form, change)
        audit_role_change(profile=obj, old_role=old_role, by=request.user, request=request)
