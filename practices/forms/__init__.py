"""Forms for practices, one module per area: search, submission, curation."""
