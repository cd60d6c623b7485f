"""The project: settings, URLs, site-wide pages and the embedded database."""
