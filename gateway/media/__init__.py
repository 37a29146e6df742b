"""Portraits: MMS images downloaded by the worker (never by the webhook), checked, stripped and stored.

fetch.py downloads from Twilio's hosts only; images.py proves a file is an image and re-encodes it without
its metadata; storage.py keeps the result in a folder or an S3 bucket; portraits.py ties them to messages,
people and officers' uploads.
"""
