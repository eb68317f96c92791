"""Plugin support: hook specifications and the plugin manager."""
