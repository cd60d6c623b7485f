"""Meaning-based matching: the sentence-embedding model and where its vectors are kept."""
