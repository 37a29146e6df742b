"""Plumbing every page shares: security headers, safe redirects, query strings, uploads, health."""
