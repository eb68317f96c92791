"""Reports: one framework (registry) for core and plugin reports, their outputs and the dashboard."""
