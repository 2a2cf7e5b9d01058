"""Recordings in the portal: who may upload and see which (by classroom), the pages."""
