"""Excel import and export of members at province scale."""
