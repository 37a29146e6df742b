"""The officers' pages: login and sessions, the review queue and its actions, people, landlords, audit."""
