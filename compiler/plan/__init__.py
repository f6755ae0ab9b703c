"""The plan stage: validated spec in, the ordered list of files to generate out."""
