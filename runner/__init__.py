"""Dango: run dlt sources registered in .dango/sources.yml into one warehouse, one subprocess each."""
