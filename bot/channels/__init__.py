"""Input channels, referenced by module path from credentials.yml."""
