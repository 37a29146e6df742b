"""The campaign statistics pages, their charts, the bulletin and the background refresh."""
