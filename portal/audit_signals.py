"""Audit log entries from allauth signals: sign-ins, failed sign-ins and two-factor changes."""
