"""The labelled evaluation corpus of the PHI scanner and the helpers its benchmarks share."""
