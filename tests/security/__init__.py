"""Cross-cutting attacks on the trust boundaries (issue 11): each file is one attack path."""
