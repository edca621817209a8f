"""The camera registry: cameras imported from a platform's sheet (CSV or XLSX) into the database,
and joined to the config's cameras when the patrol starts."""
