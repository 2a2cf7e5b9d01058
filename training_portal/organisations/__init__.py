"""Organisations: regions, training centers and their classrooms, mines, regulator units."""
