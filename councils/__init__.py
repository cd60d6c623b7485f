"""Who: councils, service silos and the members who work for them."""
