"""Views for practices, one module per area: browse, and later search, submit, curate."""
