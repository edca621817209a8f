"""Statistics, reports and notices: what supervisors hand on."""
