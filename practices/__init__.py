"""What: case studies, frameworks, the links between them, adoptions and enquiries."""
